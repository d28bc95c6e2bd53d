// libFuzzer target: the CSV reader (CDVAE tables, label files) on any bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xtalsieve/csv.hpp"
#include "xtalsieve/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xtalsieve::csv_reader r(std::string_view(reinterpret_cast<const char*>(data), size));
    std::vector<std::string> f;
    try {
        while (r.next(f)) {
        }
    } catch (const xtalsieve::error&) {
    }
    return 0;
}
