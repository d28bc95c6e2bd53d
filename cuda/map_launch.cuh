// The map kernel of the CUDA backend's MatGL models, for the .cu files that
// instantiate launch_map (megnet_kernels.cu, m3gnet_kernels.cu): a thread per
// output element around a map of megnet_math.hpp / m3gnet_math.hpp, which the
// host tests run through the same sequences against the CPU backend. A thread
// computes its element with the arithmetic the map fixes, so the thread and
// block shapes below change speed, never a bit of the result (batch
// invariance, engine/cpu/kernels.hpp).
//
// Threads run over elements row-major (column fastest): the threads of a warp
// share a row, so the row's inputs are broadcast and the weight columns are
// read coalesced, as in cgcnn_kernels.cu. CUDA source: include from .cu only.
#pragma once
#include "cuda/check.hpp"
#include "cuda/megnet_kernels.hpp"

namespace xtalsieve::gpu {

namespace {

constexpr int block = 256;

unsigned grid_for(int64_t total) {
    const int64_t blocks = (total + block - 1) / block;
    return static_cast<unsigned>(blocks < 65536 ? (blocks > 0 ? blocks : 1) : 65536);
}

template <class Map>
__global__ void map_kernel(Map f, float* out, int64_t rows, int cols, int64_t ld) {
    const int64_t total = rows * cols;
    for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < total;
         k += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t r = k / cols;
        const int c = static_cast<int>(k % cols);
        out[r * ld + c] = f(r, c);
    }
}

}  // namespace

template <class Map>
void launch_map(const Map& f, float* out, int64_t rows, int cols, int64_t ld, cudaStream_t s) {
    if (rows <= 0 || cols <= 0) return;
    map_kernel<Map><<<grid_for(rows * cols), block, 0, s>>>(f, out, rows, cols, ld);
    XS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace xtalsieve::gpu
