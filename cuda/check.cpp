#include "cuda/check.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "xtalsieve/error.hpp"

namespace xtalsieve::gpu {

namespace {

std::string describe(cudaError_t e, const char* call, const char* file, int line) {
    return std::string("CUDA: ") + call + " failed at " + file + ":" + std::to_string(line) + ": " +
           cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
}

}  // namespace

void throw_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
    // Clear a non-sticky error so the next call on this thread does not
    // report it again.
    (void)cudaGetLastError();
    throw error(describe(e, call, file, line));
}

void abort_cuda_error(cudaError_t e, const char* call, const char* file, int line) {
    std::fprintf(stderr, "xtalsieve: internal error: %s\n", describe(e, call, file, line).c_str());
    std::abort();
}

}  // namespace xtalsieve::gpu
