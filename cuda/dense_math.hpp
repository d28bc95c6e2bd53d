// One output element of a dense layer, as a __host__ __device__ function: the
// CUDA kernel is one thread per element around it (cgcnn_kernels.cu), the host
// tests call it in a loop.
//
// Why not cuBLASLt: a structure must have one answer whatever shares its
// batch (engine/cpu/kernels.hpp). cuBLASLt picks its algorithm, tile and
// split-K factor from the problem shape, so the reduction order of a row, and
// its last bits, would change with the number of rows in the batch. Here the
// order is fixed for every element: y = bias, then y = fma(x[k], w[k], y) for
// k = 0 .. K-1, exactly the CPU backend's gemm, so the two agree bit for bit
// on the FMA paths (AVX2, AVX-512) before the activation.
#pragma once
#include <math.h>
#include <stdint.h>

#include "cuda/activations.hpp"
#include "cuda/hd.hpp"

namespace xtalsieve::gpu {

// y[m, n] = act(x[m, k] wt[k, n] + bias[n]); wt is the PyTorch weight [n, k]
// transposed at load time.
struct dense_view {
    const float* x;      // [m, k], row stride ldx
    int64_t m;
    int64_t ldx;
    const float* wt;     // [k, n]
    const float* bias;   // [n] or null
    float* y;            // [m, n], row stride ldy
    int64_t ldy;
    int k;
    int n;
    act a;
};

XS_HD inline float dense_element(const dense_view& d, int64_t r, int c) {
    float y = d.bias ? d.bias[c] : 0.0f;
    const float* x = d.x + r * d.ldx;
    const float* w = d.wt + c;
    for (int k = 0; k < d.k; ++k) y = fmaf(x[k], w[static_cast<int64_t>(k) * d.n], y);
    return apply(d.a, y);
}

}  // namespace xtalsieve::gpu
