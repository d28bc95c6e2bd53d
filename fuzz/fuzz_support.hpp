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

// Every record of the file opened as `name`, parsed; errors are expected.
inline void drain_file(const std::uint8_t* data, std::size_t size, const std::string& name,
                       const xtalsieve::input_options& opt = {}) {
    const std::string p = temp_path(name);
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    try {
        auto in = xtalsieve::open_input(p, opt);
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

}  // namespace xs_fuzz
