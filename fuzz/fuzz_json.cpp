// libFuzzer target: the pymatgen JSON structure reader on any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "xtalsieve/error.hpp"
#include "xtalsieve/formats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        xtalsieve::read_pymatgen_json(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    } catch (const xtalsieve::error&) {
    }
    return 0;
}
