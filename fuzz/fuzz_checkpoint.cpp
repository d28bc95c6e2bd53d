// libFuzzer target: the restricted unpickler and checkpoint reader on any bytes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "weights/pickle.hpp"
#include "xtalsieve/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    std::size_t pos = 0;
    try {
        // A legacy checkpoint is a sequence of pickles.
        for (int i = 0; i < 5 && pos < bytes.size(); ++i) xtalsieve::pickle::load(bytes, pos, "fuzz");
    } catch (const xtalsieve::error&) {
    }
    return 0;
}
