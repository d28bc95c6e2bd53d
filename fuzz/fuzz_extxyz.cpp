// libFuzzer target: extended XYZ on any bytes, split into frames by the
// streaming reader and each frame parsed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "io/byte_stream.hpp"
#include "io/record_streams.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    xs_fuzz::drain([&] {
        return xtalsieve::io::make_stream_reader("extxyz", {xtalsieve::io::memory_stream(std::move(text)), "fuzz", "fuzz"}, {});
    });
    return 0;
}
