// libFuzzer target: the CIF reader must turn any bytes into a structure or an
// xtalsieve::error, never a crash, hang or sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "xtalsieve/cif.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/graph.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        xtalsieve::structure s = xtalsieve::read_cif(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
        xtalsieve::sort_by_electronegativity(s);
        xtalsieve::validate(s);
        if (s.size() <= 64) xtalsieve::build_graph(s);
    } catch (const xtalsieve::error&) {
    }
    return 0;
}
