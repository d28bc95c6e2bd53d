// libFuzzer target: compressed files and archives through libarchive, then
// the record splitters and parsers of their members.
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xtalsieve::input_options opt;
    opt.max_record_bytes = 1 << 20;  // a bomb stops at the limit
    xs_fuzz::drain_file(data, size, "input.tar", opt);     // any archive format, any filter
    xs_fuzz::drain_file(data, size, "input.xyz.gz", opt);  // a single compressed file
    return 0;
}
