#include "engine/cpu/cgcnn_kernels.hpp"

#include <algorithm>
#include <cmath>

#include "engine/models/cgcnn_params.hpp"

namespace xtalsieve::cpu {

void make_gauss_window(double d, gauss_win& win) {
    const int centre = static_cast<int>(std::lround(d / cgcnn::gauss_step));
    win.k0 = std::clamp(centre - gauss_window / 2 + 1, 0, cgcnn::n_gaussians - gauss_window);
    const double inv = 1.0 / (cgcnn::gauss_var * cgcnn::gauss_var);
    for (int t = 0; t < gauss_window; ++t) {
        const double x = d - (win.k0 + t) * cgcnn::gauss_step;
        win.g[t] = static_cast<float>(std::exp(-x * x * inv));
    }
}

conv_fn select_conv_kernel(const char** name) {
    __builtin_cpu_init();
    const char* n = "generic";
    conv_fn f = &isa_generic::conv;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl")) {
        n = "avx512";
        f = &isa_avx512::conv;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        n = "avx2";
        f = &isa_avx2::conv;
    }
    if (name) *name = n;
    return f;
}

}  // namespace xtalsieve::cpu
