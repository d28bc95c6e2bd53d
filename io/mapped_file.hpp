// A read-only memory mapping of a whole file (private to io/).
#pragma once
#include <filesystem>
#include <string_view>

namespace xtalsieve::io {

class mapped_file {
public:
    // Throws xtalsieve::error naming the file when it cannot be opened.
    explicit mapped_file(const std::filesystem::path& p);
    ~mapped_file();
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    std::string_view view() const { return {data_, size_}; }

private:
    const char* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace xtalsieve::io
