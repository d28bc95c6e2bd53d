// Branch-free float math that the compiler vectorizes (AVX2 / AVX-512) inside
// `#pragma omp simd` loops. Accuracy: a few ulp over the ranges CGCNN uses,
// far inside the 1e-4 parity budget; exact mode's error is dominated by the
// float32 products, not by these.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace xtalsieve::cpu {

// e^x for x in [-87, 88]; inputs outside are clamped (e^-87 ~ 1.6e-38).
inline float fast_exp(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    // x = n ln2 + r, |r| <= ln2/2, with ln2 split in two for an exact reduction.
    const float n = std::nearbyint(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    // Minimax polynomial for e^r on [-ln2/2, ln2/2] (Cephes expf).
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const std::int32_t e = (static_cast<std::int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &e, sizeof scale);
    return p * scale;
}

// ln(x) for finite x > 0 (Cephes logf).
inline float fast_log(float x) {
    std::int32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    std::int32_t e = ((bits >> 23) & 0xff) - 126;
    bits = (bits & 0x007fffff) | 0x3f000000;  // mantissa in [0.5, 1)
    float m;
    std::memcpy(&m, &bits, sizeof m);
    // Keep m in [sqrt(0.5), sqrt(2)) for the polynomial.
    const bool small = m < 0.707106781186547524f;
    e = small ? e - 1 : e;
    m = small ? m + m - 1.0f : m - 1.0f;
    const float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    const float fe = static_cast<float>(e);
    y += fe * -2.12194440e-4f;
    y += -0.5f * z;
    return m + y + fe * 0.693359375f;
}

// ln(1 + u) for u in [0, 1], accurate for small u (the correction term
// recovers the bits lost in 1 + u).
inline float fast_log1p_unit(float u) {
    const float y = 1.0f + u;
    const float c = (y - 1.0f) - u;
    return fast_log(y) - c / y;
}

// PyTorch's Softplus (beta 1, threshold 20) up to rounding: for x > 20 the
// log1p term is below half an ulp of x.
inline float softplus(float x) {
    const float ax = x < 0 ? -x : x;
    return (x > 0 ? x : 0.0f) + fast_log1p_unit(fast_exp(-ax));
}

inline float sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

}  // namespace xtalsieve::cpu
