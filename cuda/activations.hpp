// Element-wise activations of the CUDA backend, as __host__ __device__
// functions. They follow the CPU backend's formulas (engine/cpu/kernels.inc)
// operation by operation; only exp and log1p come from another library (CUDA's
// libdevice on the GPU, the C library in host tests instead of Highway's
// vector math), so the two backends agree to a few float ulps.
//
// Every multiply-add that fuses is an explicit fmaf: the device code is
// compiled with --fmad=false and the host code with -ffp-contract=off, so
// neither compiler fuses anything else and host and device run the same
// sequence of roundings.
#pragma once
#include <math.h>

#include "cuda/hd.hpp"

namespace xtalsieve::gpu {

enum class act : int { none, softplus, softplus2, silu, sigmoid };

// PyTorch's Softplus (beta 1, threshold 20) up to rounding: max(x, 0) +
// log1p(e^-|x|).
XS_HD inline float softplus(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

// 1 / (1 + e^-x); e^-x kept finite (x >= -88), where sigmoid is 6e-39.
XS_HD inline float sigmoid(float x) { return 1.0f / (1.0f + expf(fminf(-x, 88.0f))); }

// x / (1 + e^-x), as PyTorch's SiLU.
XS_HD inline float silu(float x) { return x / (1.0f + expf(fminf(-x, 88.0f))); }

XS_HD inline float apply(act a, float y) {
    switch (a) {
    case act::none: return y;
    case act::softplus: return softplus(y);
    // softplus rounded to float32, then minus log 2 rounded to float32, as PyTorch.
    case act::softplus2: return softplus(y) - 0.693147180559945309f;
    case act::silu: return silu(y);
    case act::sigmoid: return sigmoid(y);
    }
    return y;
}

// sigmoid(zf) * softplus(zc), the CGCNN gate, in the CPU backend's form (one
// division; see gate_v in engine/cpu/kernels.inc for the derivation): with
// ef = e^-zf, e = e^-|zc|, a = 1 + ef, b = 2 + e, sigmoid(zf) = b / (a b),
// log1p(e) = 2 atanh(s) with s = e a / (a b), the atanh series to q^7 by
// Estrin's scheme, the same FMAs in the same order.
XS_HD inline float gate(float zf, float zc) {
    const float ef = expf(fminf(-zf, 80.0f));
    const float e = expf(-fabsf(zc));
    const float a = 1.0f + ef;
    const float b = 2.0f + e;
    const float inv = 1.0f / (a * b);
    const float sig = b * inv;
    const float s = (e * a) * inv;
    const float q = s * s;
    const float q2 = q * q;
    const float q4 = q2 * q2;
    const float p01 = fmaf(q, 1.0f / 3.0f, 1.0f);
    const float p23 = fmaf(q, 1.0f / 7.0f, 1.0f / 5.0f);
    const float p45 = fmaf(q, 1.0f / 11.0f, 1.0f / 9.0f);
    const float p67 = fmaf(q, 1.0f / 15.0f, 1.0f / 13.0f);
    const float p = fmaf(q4, fmaf(q2, p67, p45), fmaf(q2, p23, p01));
    const float sp = fmaf(s + s, p, fmaxf(zc, 0.0f));
    return sig * sp;
}

}  // namespace xtalsieve::gpu
