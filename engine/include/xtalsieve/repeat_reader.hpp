// xtalsieve/repeat_reader.hpp — an input replayed until a record count is reached
// (for throughput benchmarks on inputs smaller than the stream to measure).
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "xtalsieve/input.hpp"

namespace xtalsieve {

// Reopens `path` as often as needed to yield exactly `total` records; the
// record ids of later passes get a "#<pass>" suffix so that they stay unique.
std::unique_ptr<record_reader> open_repeated(const std::filesystem::path& path, std::size_t total,
                                             const input_options& opt = {});

// The same over any source that `open` starts afresh (a generator): `what`
// names it in the error for a source without records.
std::unique_ptr<record_reader> open_repeated(std::function<std::unique_ptr<record_reader>()> open, std::size_t total,
                                             std::string what);

}  // namespace xtalsieve
