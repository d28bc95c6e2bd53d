// xtalsieve/csv.hpp — RFC 4180 CSV rows (quoted fields may span lines).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace xtalsieve {

// Incremental CSV reader over an in-memory buffer (which must outlive it).
class csv_reader {
public:
    explicit csv_reader(std::string_view text) : text_(text) {}
    // Reads the next row into fields; false at the end of input. Throws
    // xtalsieve::error on an unterminated quoted field.
    bool next(std::vector<std::string>& fields);
    std::size_t line() const { return line_; }  // 1-based line where the last row started
private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 0;
    std::size_t next_line_ = 1;
};

}  // namespace xtalsieve
