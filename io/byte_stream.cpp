#include "io/byte_stream.hpp"

#include <archive.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "xtalsieve/error.hpp"

namespace xtalsieve::io {

namespace {

class file_stream final : public byte_stream {
public:
    explicit file_stream(const std::filesystem::path& p) : name_(p.string()) {
        fd_ = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw error(name_ + ": cannot open (" + std::strerror(errno) + ")");
        struct stat st {};
        if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd_);
            throw error(name_ + ": not a regular file");
        }
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    ~file_stream() override { ::close(fd_); }

    std::size_t read(char* buf, std::size_t n) override {
        for (;;) {
            const ssize_t got = ::read(fd_, buf, n);
            if (got >= 0) return static_cast<std::size_t>(got);
            if (errno != EINTR) throw error(name_ + ": cannot read (" + std::strerror(errno) + ")");
        }
    }

private:
    std::string name_;
    int fd_ = -1;
};

class archive_stream final : public byte_stream {
public:
    archive_stream(::archive* a, std::string where) : a_(a), where_(std::move(where)) {}
    std::size_t read(char* buf, std::size_t n) override {
        const la_ssize_t got = archive_read_data(a_, buf, n);
        if (got < 0) {
            const char* why = archive_error_string(a_);
            throw error(where_ + ": cannot decompress: " + (why ? why : "read error"));
        }
        return static_cast<std::size_t>(got);
    }

private:
    ::archive* a_;
    std::string where_;
};

class string_stream final : public byte_stream {
public:
    explicit string_stream(std::string s) : s_(std::move(s)) {}
    std::size_t read(char* buf, std::size_t n) override {
        n = std::min(n, s_.size() - pos_);
        std::memcpy(buf, s_.data() + pos_, n);
        pos_ += n;
        return n;
    }

private:
    std::string s_;
    std::size_t pos_ = 0;
};

class replay final : public byte_stream {
public:
    replay(std::string head, std::unique_ptr<byte_stream> rest) : head_(std::move(head)), rest_(std::move(rest)) {}
    std::size_t read(char* buf, std::size_t n) override {
        if (pos_ < head_.size()) {
            n = std::min(n, head_.size() - pos_);
            std::memcpy(buf, head_.data() + pos_, n);
            pos_ += n;
            return n;
        }
        return rest_->read(buf, n);
    }

private:
    std::string head_;
    std::unique_ptr<byte_stream> rest_;
    std::size_t pos_ = 0;
};

constexpr std::size_t chunk = std::size_t(1) << 20;

}  // namespace

std::unique_ptr<byte_stream> open_file_stream(const std::filesystem::path& p) { return std::make_unique<file_stream>(p); }

std::unique_ptr<byte_stream> archive_entry_stream(::archive* a, std::string where) {
    return std::make_unique<archive_stream>(a, std::move(where));
}

std::unique_ptr<byte_stream> memory_stream(std::string bytes) { return std::make_unique<string_stream>(std::move(bytes)); }

std::string read_head(byte_stream& in, std::size_t n) {
    std::string head(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        const std::size_t k = in.read(head.data() + got, n - got);
        if (k == 0) break;
        got += k;
    }
    head.resize(got);
    return head;
}

std::unique_ptr<byte_stream> replay_stream(std::string head, std::unique_ptr<byte_stream> rest) {
    return std::make_unique<replay>(std::move(head), std::move(rest));
}

line_stream::line_stream(std::unique_ptr<byte_stream> in, std::size_t max_line)
    : in_(std::move(in)), max_line_(std::max<std::size_t>(max_line, 1)) {}

bool line_stream::fill() {
    if (eof_) return false;
    if (begin_ > 0) {  // keep the partial line at the front
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (buf_.size() - end_ < chunk) buf_.resize(end_ + chunk);
    const std::size_t got = in_->read(buf_.data() + end_, buf_.size() - end_);
    if (got == 0) {
        eof_ = true;
        return false;
    }
    end_ += got;
    return true;
}

bool line_stream::next(std::string_view& line) {
    cut_ = false;
    std::size_t scanned = begin_;
    for (;;) {
        const void* nl = end_ > scanned ? std::memchr(buf_.data() + scanned, '\n', end_ - scanned) : nullptr;
        if (nl) {
            const std::size_t e = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
            line = std::string_view(buf_.data() + begin_, e - begin_);
            begin_ = e + 1;
            ++number_;
            return true;
        }
        if (end_ - begin_ > max_line_) {
            // Too long to hold: hand out its head and drop the rest of it.
            line = std::string_view(buf_.data() + begin_, max_line_);
            cut_ = true;
            ++number_;
            std::string head(line);
            for (;;) {
                begin_ = end_;
                if (!fill()) break;
                if (const void* nl = std::memchr(buf_.data(), '\n', end_)) {
                    begin_ = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data()) + 1;
                    break;
                }
            }
            // The head now lives past the end of the live data.
            if (buf_.size() - end_ < head.size()) buf_.resize(end_ + head.size());
            std::memcpy(buf_.data() + end_, head.data(), head.size());
            line = std::string_view(buf_.data() + end_, head.size());
            return true;
        }
        const std::size_t have = end_ - begin_;
        if (!fill()) {
            if (end_ == begin_) return false;
            line = std::string_view(buf_.data() + begin_, end_ - begin_);  // last line, no '\n'
            begin_ = end_;
            ++number_;
            return true;
        }
        scanned = begin_ + have;
    }
}

bool char_stream::fill() {
    if (eof_) return false;
    end_ = in_->read(buf_.data(), buf_.size());
    pos_ = 0;
    if (end_ == 0) eof_ = true;
    return end_ > 0;
}

}  // namespace xtalsieve::io
