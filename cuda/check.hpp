// Every CUDA runtime call goes through one of these: XS_CUDA_CHECK throws
// xtalsieve::error naming the call, file, line and CUDA's error string (a user
// can cause it: no device, out of memory, a driver too old); XS_CUDA_ASSERT
// aborts the same way, for calls that cannot fail unless the program is
// broken (freeing what we allocated in a destructor, which must not throw).
// cudaErrorCudartUnloading is not a failure for XS_CUDA_ASSERT: a model
// destroyed at process exit, after the runtime has torn itself down, has
// nothing left to free.
// The backend uses no cuBLAS/cuBLASLt (see dense_math.hpp), so there is no
// cuBLAS status to check.
#pragma once
#include <cuda_runtime_api.h>

namespace xtalsieve::gpu {

[[noreturn]] void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line);
[[noreturn]] void abort_cuda_error(cudaError_t e, const char* call, const char* file, int line);

}  // namespace xtalsieve::gpu

#define XS_CUDA_CHECK(call)                                                                   \
    do {                                                                                      \
        const cudaError_t xs_cuda_rc_ = (call);                                               \
        if (xs_cuda_rc_ != cudaSuccess)                                                       \
            ::xtalsieve::gpu::throw_cuda_error(xs_cuda_rc_, #call, __FILE__, __LINE__);       \
    } while (0)

#define XS_CUDA_ASSERT(call)                                                                  \
    do {                                                                                      \
        const cudaError_t xs_cuda_rc_ = (call);                                               \
        if (xs_cuda_rc_ != cudaSuccess && xs_cuda_rc_ != cudaErrorCudartUnloading)            \
            ::xtalsieve::gpu::abort_cuda_error(xs_cuda_rc_, #call, __FILE__, __LINE__);       \
    } while (0)
