// libFuzzer target: the POSCAR reader on any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "xtalsieve/error.hpp"
#include "xtalsieve/formats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        xtalsieve::read_poscar(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", {"Na", "Cl", "O"});
    } catch (const xtalsieve::error&) {
    }
    return 0;
}
