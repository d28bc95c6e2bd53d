// CGCNN's per-edge and per-atom math as __host__ __device__ functions. The
// CUDA kernels (cgcnn_kernels.cu) are one thread per element around them; the
// host tests (tests/test_device_math.cpp) run the whole forward pass through
// the same functions on the CPU and compare it with the CPU backend.
//
// Batch invariance: each function reads only its own atom's rows, its
// neighbours' rows and its own structure's atoms, and every sum runs in a
// fixed order (neighbour slots m = 0 .. M-1, window terms t = 0 .. 11, atoms
// of a structure first to last), one thread per output element, no atomics.
//
// Layouts as the CPU backend's (engine/cpu/kernels.hpp):
//   pq      [N, 4A]  per atom: W_self v_i + bias (2A) | W_nbr v_i (2A)
//   v, out  [N, A]
//   nbr_idx [N, M]   global atom index of each neighbour slot
//   win     [N, M]   the bond's Gaussian window
//   w_bond_t[41, 2A] the bond block of fc_full, transposed, bn1 folded in
#pragma once
#include <math.h>
#include <stdint.h>

#include "cuda/activations.hpp"
#include "cuda/hd.hpp"

namespace xtalsieve::gpu {

// CGCNN's bond expansion: 41 Gaussians, centres 0, 0.2, ..., 8 Å, width 0.2 Å
// (checked against engine/models/cgcnn/params.hpp by cuda/cgcnn_layout.hpp).
inline constexpr int n_gaussians = 41;
inline constexpr int gauss_window = 12;

// The 12 Gaussians around a bond's length (the others are below 1e-13 and
// cannot change a float32 sum): g[t] is the Gaussian of centre k0 + t. The
// same layout as the CPU backend's cpu::gauss_win.
struct gauss_win {
    int32_t k0;
    float g[gauss_window];
};

// The CPU backend's make_gauss_window (engine/cpu/gauss_window.cpp), the same
// float64 operations in the same order: exp(-(x - 0.2)^2 / 0.04) =
// exp(-x^2 / 0.04) exp(10 x - 1), two exponentials for the whole window, each
// Gaussian rounded to float32 as the reference rounds its float64 ones.
XS_HD inline gauss_win make_window(double d) {
    const double step = 0.2, var = 0.2;
    gauss_win w;
    const int centre = static_cast<int>(lround(d / step));
    int k0 = centre - gauss_window / 2 + 1;
    k0 = k0 < 0 ? 0 : (k0 > n_gaussians - gauss_window ? n_gaussians - gauss_window : k0);
    w.k0 = k0;
    const double inv = 1.0 / (var * var);
    const double x0 = d - k0 * step;
    double g = exp(-x0 * x0 * inv);
    double ratio = exp(2 * step * x0 * inv - step * step * inv);
    const double shrink = exp(-2 * step * step * inv);
    for (int t = 0; t < gauss_window; ++t) {
        w.g[t] = static_cast<float>(g);
        g *= ratio;
        ratio *= shrink;
    }
    return w;
}

// The atom embedding: v[i, c] = emb[z_i, c] (z already checked on the host).
XS_HD inline float embed_element(const float* emb, const int32_t* numbers, int A, int64_t i, int c) {
    return emb[static_cast<int64_t>(numbers[i]) * A + c];
}

struct conv_view {
    const float* pq;
    const float* v;
    const int32_t* nbr_idx;
    const gauss_win* win;
    const float* w_bond_t;
    const float* bn2_scale;
    const float* bn2_shift;
    int64_t n_atoms;
    int M;
    int A;
};

// One element of a convolution's output, the whole edge work of atom i for
// column c < A fused: for every neighbour slot m in order, gather the
// neighbour's row, z = pq_i + pq_j + W_bond g(d) for the filter column c and
// the core column A + c (window terms in order), the gate sigmoid(z_f) *
// softplus(z_c) added to the slot sum; then the folded bn2, the residual and
// softplus. The CPU backend's conv (engine/cpu/kernels.inc), element for
// element.
XS_HD inline float conv_element(const conv_view& a, int64_t i, int c) {
    const int A = a.A, A2 = 2 * A, A4 = 4 * A;
    const float* pi = a.pq + i * A4;
    float acc = 0.0f;
    for (int m = 0; m < a.M; ++m) {
        const int64_t e = i * a.M + m;
        const float* qj = a.pq + static_cast<int64_t>(a.nbr_idx[e]) * A4 + A2;
        const gauss_win& w = a.win[e];
        float zf = pi[c] + qj[c];
        float zc = pi[A + c] + qj[A + c];
        const float* wb = a.w_bond_t + static_cast<int64_t>(w.k0) * A2;
        for (int t = 0; t < gauss_window; ++t, wb += A2) {
            zf = fmaf(w.g[t], wb[c], zf);
            zc = fmaf(w.g[t], wb[A + c], zc);
        }
        acc = acc + gate(zf, zc);
    }
    const float bn = fmaf(acc, a.bn2_scale[c], a.bn2_shift[c]);
    return softplus(a.v[i * A + c] + bn);
}

// Mean pooling of structure s, column c, then softplus (the head's input):
// the atoms lo .. hi-1 summed first to last, divided by their count.
XS_HD inline float pool_element(const float* v, const int64_t* offsets, int A, int64_t s, int c) {
    const int64_t lo = offsets[s], hi = offsets[s + 1];
    float sum = 0.0f;
    for (int64_t i = lo; i < hi; ++i) sum += v[i * A + c];
    return softplus(sum / static_cast<float>(hi - lo));
}

}  // namespace xtalsieve::gpu
