#include "cuda/device.hpp"

#include <cuda_runtime_api.h>

#include "cuda/check.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::gpu {

int device_count(std::string* why) {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        if (why) *why = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
        return 0;
    }
    if (n == 0 && why) *why = "no CUDA device";
    return n;
}

void use_device(int index) {
    std::string why;
    const int n = device_count(&why);
    if (n == 0) throw error("--device cuda: no usable CUDA device (" + why + ")");
    if (index < 0 || index >= n)
        throw error("--device cuda:" + std::to_string(index) + ": this machine has " + std::to_string(n) +
                    " CUDA device(s), numbered 0 to " + std::to_string(n - 1));
    XS_CUDA_CHECK(cudaSetDevice(index));
}

}  // namespace xtalsieve::gpu
