// libFuzzer target: MatGL's model.json reader and the MEGNet / M3GNet
// constructors on any model.json bytes, with a real state.pt beside it (the
// MEGNet or M3GNet formation-energy weights from ../shared, M3GNet's when the
// bytes name it), so that fuzzed hyper-parameters reach the families' shape checks.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "xtalsieve/error.hpp"
#include "xtalsieve/model.hpp"
#include "xtalsieve/weights.hpp"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("xtalsieve-fuzz-matgl-" + std::to_string(::getpid()));
        fs::create_directories(d / "megnet");
        fs::create_directories(d / "m3gnet");
        const fs::path shared = XS_SHARED_DIR "/data/matgl";
        fs::copy_file(shared / "MEGNet-MP-2018.6.1-Eform" / "state.pt", d / "megnet" / "state.pt",
                      fs::copy_options::overwrite_existing);
        fs::copy_file(shared / "M3GNet-MP-2018.6.1-Eform" / "state.pt", d / "m3gnet" / "state.pt",
                      fs::copy_options::overwrite_existing);
        return d;
    }();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const fs::path m = dir / (text.find("M3GNet") != std::string_view::npos ? "m3gnet" : "megnet");
    {
        std::ofstream out(m / "model.json", std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        auto w = xtalsieve::load_weights(m);
        auto model = xtalsieve::make_model(w);
        (void)model->outputs();
        (void)model->graph();
    } catch (const xtalsieve::error&) {
    }
    return 0;
}
