// M3GNet's bases, in float32 with MatGL's expressions: the spherical Bessel
// radial basis (max_n = max_l = 3, no smoothing), the polynomial three-body
// cutoff and the m = 0 spherical harmonics. Private; shared by the CPU model,
// its tests and the CUDA backend's maps (cuda/m3gnet_math.hpp): the per-value
// functions are XS_HD, so the GPU evaluates the very expressions the CPU does
// (only sin / cos / sqrt come from another library there).
#pragma once
#include <math.h>

#include <cmath>

#include "cuda/hd.hpp"

namespace xtalsieve::m3gnet {

inline constexpr int max_l = 3, max_n = 3, n_basis = max_l * max_n;

// The first three positive zeros of j_0, j_1, j_2 (float64 values as MatGL
// stores them, rounded to float32 as MatGL uses them).
inline constexpr double bessel_roots[max_l][max_n] = {
    {3.141592653589793, 6.283185307179586, 9.42477796076938},
    {4.493409457909103, 7.725251836937707, 10.904121659429250},
    {5.7634591968945506, 9.095011330476355, 12.322940970567036},
};

// Spherical Bessel functions j_0 .. j_3 in the expanded forms MatGL evaluates
// (sympy's expand_func), float32.
XS_HD inline float sph_jn(int l, float x) {
    const float s = sinf(x), c = cosf(x);  // std::sin(float) is sinf on the host
    switch (l) {
    case 0: return s / x;
    case 1: return -c / x + s / (x * x);
    case 2: return (-1.0f / x + 3.0f / (x * x * x)) * s - 3.0f * c / (x * x);
    default: return (-6.0f / (x * x) + 15.0f / (x * x * x * x)) * s + (1.0f / x - 15.0f / (x * x * x)) * c;
    }
}

// Radial basis of one distance r (Å) with cutoff rc: out[3 l + n] =
// j_l(min(r, rc) * root_ln / rc) * sqrt(2 / rc^3) / |j_{l+1}(root_ln)|.
struct radial_basis {
    float rc = 5.0f;
    float factor = 0;
    float root[max_l][max_n];
    float norm[max_l][max_n];

    explicit radial_basis(float cutoff = 5.0f) : rc(cutoff) {
        factor = static_cast<float>(std::sqrt(2.0 / (static_cast<double>(rc) * rc * rc)));
        for (int l = 0; l < max_l; ++l)
            for (int n = 0; n < max_n; ++n) {
                root[l][n] = static_cast<float>(bessel_roots[l][n]);
                norm[l][n] = std::fabs(sph_jn(l + 1, root[l][n]));
            }
    }

    // Component 3 l + n of one distance (the device maps compute one element each).
    XS_HD float element(float r, int l, int n) const {
        const float x = r < rc ? r : rc;
        return sph_jn(l, (x * root[l][n]) / rc) * factor / norm[l][n];
    }

    void operator()(float r, float* out) const {
        for (int l = 0; l < max_l; ++l)
            for (int n = 0; n < max_n; ++n) out[l * max_n + n] = element(r, l, n);
    }
};

// 1 - 10 x^3 + 15 x^4 - 6 x^5 with x = r / rc, 0 beyond rc.
XS_HD inline float polynomial_cutoff(float r, float rc) {
    if (r > rc) return 0.0f;
    const float x = r / rc;
    const float x3 = x * x * x;
    return ((1.0f + -10.0f * x3) + 15.0f * (x3 * x)) + -6.0f * (x3 * x * x);
}

// Y_l^0 up to a shared constant, as MatGL's SphericalHarmonicsFunction
// (use_phi false) gives them for l = 0, 1, 2.
XS_HD inline void spherical_y0(float cos_theta, float* y) {
    y[0] = static_cast<float>(0.5 * sqrt(1.0 / M_PI));
    y[1] = 0.48860251190292f * cos_theta;
    y[2] = 0.94617469575756f * (cos_theta * cos_theta) - 0.31539156525252f;
}

}  // namespace xtalsieve::m3gnet
