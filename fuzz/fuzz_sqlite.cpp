// libFuzzer target: ASE SQLite databases (read-only through sqlite3).
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    xs_fuzz::drain_file(data, size, "input.db");
    xtalsieve::input_options opt;
    opt.select = "split=val";
    xs_fuzz::drain_file(data, size, "input.db", opt);
    return 0;
}
