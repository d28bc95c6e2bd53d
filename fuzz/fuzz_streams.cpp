// libFuzzer target: the record splitters of every text format, reading from
// memory. The first byte picks the format; a small record limit is exercised.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
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
    xs_fuzz::drain([&] {
        return xtalsieve::io::make_stream_reader(format, {xtalsieve::io::memory_stream(text), "fuzz", "fuzz"}, opt);
    });
    return 0;
}
