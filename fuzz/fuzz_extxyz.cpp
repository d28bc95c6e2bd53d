// libFuzzer target: extended XYZ frame splitting and parsing on any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "xtalsieve/error.hpp"
#include "xtalsieve/formats.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::size_t> lines;
    for (auto frame : xtalsieve::split_xyz_frames(std::string_view(reinterpret_cast<const char*>(data), size), lines)) {
        try {
            xtalsieve::extxyz_frame_id(frame);
            xtalsieve::read_extxyz_frame(frame, "fuzz");
        } catch (const xtalsieve::error&) {
        }
    }
    return 0;
}
