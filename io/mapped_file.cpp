#include "io/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "xtalsieve/error.hpp"

namespace xtalsieve::io {

mapped_file::mapped_file(const std::filesystem::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw error(p.string() + ": cannot open (" + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw error(p.string() + ": not a regular file");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
        void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            ::close(fd);
            throw error(p.string() + ": cannot map (" + std::strerror(errno) + ")");
        }
        ::madvise(m, size_, MADV_SEQUENTIAL);
        data_ = static_cast<const char*>(m);
    }
    ::close(fd);
}

mapped_file::~mapped_file() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace xtalsieve::io
