// Owning device and pinned host arrays. Contents are not kept when an array
// grows: every user rewrites them before reading.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>

#include "cuda/check.hpp"

namespace xtalsieve::gpu {

template <class T, bool Pinned>
class buffer {
public:
    buffer() = default;
    buffer(const buffer&) = delete;
    buffer& operator=(const buffer&) = delete;
    buffer(buffer&& o) noexcept : p_(o.p_), n_(o.n_), cap_(o.cap_) { o.p_ = nullptr, o.n_ = o.cap_ = 0; }
    buffer& operator=(buffer&& o) noexcept {
        if (this != &o) {
            release();
            p_ = o.p_, n_ = o.n_, cap_ = o.cap_;
            o.p_ = nullptr, o.n_ = o.cap_ = 0;
        }
        return *this;
    }
    ~buffer() { release(); }

    T* data() { return p_; }
    const T* data() const { return p_; }
    std::size_t size() const { return n_; }

    // Makes room for n elements; true when the storage moved (anything that
    // captured the old address, such as a CUDA graph, is stale).
    bool reserve(std::size_t n) {
        if (n <= cap_) {
            n_ = n;
            return false;
        }
        release();
        void* p = nullptr;
        if constexpr (Pinned)
            XS_CUDA_CHECK(cudaMallocHost(&p, n * sizeof(T)));
        else
            XS_CUDA_CHECK(cudaMalloc(&p, n * sizeof(T)));
        p_ = static_cast<T*>(p);
        n_ = cap_ = n;
        return true;
    }

private:
    void release() {
        if (!p_) return;
        if constexpr (Pinned)
            XS_CUDA_ASSERT(cudaFreeHost(p_));
        else
            XS_CUDA_ASSERT(cudaFree(p_));
        p_ = nullptr;
        n_ = cap_ = 0;
    }

    T* p_ = nullptr;
    std::size_t n_ = 0, cap_ = 0;
};

template <class T>
using device_array = buffer<T, false>;
template <class T>
using pinned_array = buffer<T, true>;

}  // namespace xtalsieve::gpu
