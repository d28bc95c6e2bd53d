#include "engine/cpu/kernels.hpp"

#include <algorithm>
#include <cmath>

#include "engine/models/cgcnn/params.hpp"

namespace xtalsieve::cpu {

void make_gauss_window(double d, gauss_win& win) {
    const int centre = static_cast<int>(std::lround(d / cgcnn::gauss_step));
    win.k0 = std::clamp(centre - gauss_window / 2 + 1, 0, cgcnn::n_gaussians - gauss_window);
    // exp(-(x - 0.2)^2 / 0.04) = exp(-x^2 / 0.04) * exp(10 x - 1): consecutive
    // centres differ by a factor that itself shrinks by e^-2 per step, so two
    // exponentials serve the whole window (float64, rounded to float32 as the
    // reference rounds its float64 Gaussians; within one float32 ulp of it).
    const double inv = 1.0 / (cgcnn::gauss_var * cgcnn::gauss_var);
    const double x0 = d - win.k0 * cgcnn::gauss_step;
    double g = std::exp(-x0 * x0 * inv);
    double ratio = std::exp(2 * cgcnn::gauss_step * x0 * inv - cgcnn::gauss_step * cgcnn::gauss_step * inv);
    const double step = std::exp(-2 * cgcnn::gauss_step * cgcnn::gauss_step * inv);
    for (int t = 0; t < gauss_window; ++t) {
        win.g[t] = static_cast<float>(g);
        g *= ratio;
        ratio *= step;
    }
}

}  // namespace xtalsieve::cpu
