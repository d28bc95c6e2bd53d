// Shared by the fuzz targets that go through files: writes the input under a
// per-process temporary folder and reads every record of it back.
#pragma once
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"

namespace xs_fuzz {

inline std::string temp_path(const std::string& name) {
    static const std::string dir = [] {
        char tmpl[] = "/tmp/xtalsieve-fuzz-XXXXXX";
        const char* d = mkdtemp(tmpl);
        return std::string(d ? d : "/tmp");
    }();
    return dir + "/" + name;
}

// Every record of a reader made by `open`, parsed; errors are expected.
template <class Open>
void drain(Open open) {
    try {
        auto in = open();
        xtalsieve::record r;
        while (in->next(r)) {
            try {
                xtalsieve::parse_record(r);
            } catch (const xtalsieve::error&) {
            }
        }
    } catch (const xtalsieve::error&) {
    }
}

// Every record of the bytes written to a file called `name`.
inline void drain_file(const std::uint8_t* data, std::size_t size, const std::string& name,
                       const xtalsieve::input_options& opt = {}) {
    const std::string p = temp_path(name);
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    drain([&] { return xtalsieve::open_input(p, opt); });
}

}  // namespace xs_fuzz
