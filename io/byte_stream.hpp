// Forward-only byte sources and a line splitter over them (private to io/).
// Every reader streams through these, so a file, a decompressed file or an
// archive member of any size is read with memory bounded by its largest record.
#pragma once
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct archive;

namespace xtalsieve::io {

class byte_stream {
public:
    virtual ~byte_stream() = default;
    // Up to n bytes into buf; 0 at the end. Throws xtalsieve::error (naming
    // the source) when the bytes cannot be read or decompressed.
    virtual std::size_t read(char* buf, std::size_t n) = 0;
};

// A plain file. Throws xtalsieve::error naming it when it cannot be opened.
std::unique_ptr<byte_stream> open_file_stream(const std::filesystem::path& p);

// The data of the current entry of a libarchive reader, which must outlive
// the stream and not move to another entry while it is read.
std::unique_ptr<byte_stream> archive_entry_stream(::archive* a, std::string where);

// Bytes held in memory (tests, fuzzing).
std::unique_ptr<byte_stream> memory_stream(std::string bytes);

// Up to n bytes from the start of a stream (fewer at its end).
std::string read_head(byte_stream& in, std::size_t n);

// `head`, then the rest of `rest`: a stream whose first bytes were read to
// look at them, handed on whole.
std::unique_ptr<byte_stream> replay_stream(std::string head, std::unique_ptr<byte_stream> rest);

// Lines of a byte stream, split at '\n' (a '\r' before it stays in the line).
class line_stream {
public:
    // A line longer than max_line is cut at max_line bytes and the rest of
    // it skipped; cut() says so.
    line_stream(std::unique_ptr<byte_stream> in, std::size_t max_line);

    // The next line, valid until the next call; false at the end.
    bool next(std::string_view& line);
    std::size_t number() const { return number_; }  // 1-based number of the last line returned
    bool cut() const { return cut_; }

private:
    bool fill();  // reads more; false at the end of the input

    std::unique_ptr<byte_stream> in_;
    std::size_t max_line_;
    std::vector<char> buf_;
    std::size_t begin_ = 0, end_ = 0, number_ = 0;
    bool eof_ = false, cut_ = false;
};

// Bytes of a stream one at a time, buffered (the JSON document scanner).
class char_stream {
public:
    explicit char_stream(std::unique_ptr<byte_stream> in) : in_(std::move(in)), buf_(1 << 16) {}
    // The next byte, or -1 at the end.
    int get() {
        if (pos_ == end_ && !fill()) return -1;
        const char c = buf_[pos_++];
        if (c == '\n') ++line_;
        return static_cast<unsigned char>(c);
    }
    int peek() {
        if (pos_ == end_ && !fill()) return -1;
        return static_cast<unsigned char>(buf_[pos_]);
    }
    std::size_t line() const { return line_; }  // 1-based line of the next byte

private:
    bool fill();

    std::unique_ptr<byte_stream> in_;
    std::vector<char> buf_;
    std::size_t pos_ = 0, end_ = 0, line_ = 1;
    bool eof_ = false;
};

}  // namespace xtalsieve::io
