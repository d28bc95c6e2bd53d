// libFuzzer target: the record splitters of every text format, reading from
// memory. The first byte picks the format; a small record limit is exercised.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/byte_stream.hpp"
#include "io/record_streams.hpp"
#include "xtalsieve/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* formats[] = {"cif", "extxyz", "json", "jsonl", "csv", "poscar"};
    const std::string format = formats[data[0] % 6];
    xtalsieve::input_options opt;
    opt.max_record_bytes = (data[0] & 0x80) ? 256 : 1 << 20;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        auto in = xtalsieve::io::make_stream_reader(format, {xtalsieve::io::memory_stream(text), "fuzz", "fuzz"}, opt);
        xtalsieve::record r;
        while (in->next(r)) {
            try {
                xtalsieve::parse_record(r);
            } catch (const xtalsieve::error&) {
            }
        }
    } catch (const xtalsieve::error&) {
    }
    return 0;
}
