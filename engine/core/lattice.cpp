#include <cmath>
#include <cstdint>

#include "xtalsieve/structure.hpp"

namespace xtalsieve {

namespace {

struct trig_entry {
    int fn;
    double x, y;
};

constexpr trig_entry numpy_trig[] = {
#include "engine/core/lattice_numpy_trig.inc"
};

// numpy's result where tabulated (see tools/gen_numpy_trig.py), else libm's.
double np_trig(int fn, double x) {
    for (const trig_entry& e : numpy_trig)
        if (e.fn == fn && e.x == x) return e.y;
    return fn == 0 ? std::cos(x) : fn == 1 ? std::sin(x) : std::acos(x);
}

}  // namespace

std::array<vec3, 3> lattice_from_parameters(double a, double b, double c, double alpha, double beta,
                                            double gamma) {
    // pymatgen's Lattice.from_parameters (vesta=False), operation for operation:
    // radians as numpy computes them (x * (pi / 180)), c along z.
    const double deg = M_PI / 180.0;
    const double ar = alpha * deg, br = beta * deg, gr = gamma * deg;
    const double ca = np_trig(0, ar), cb = np_trig(0, br), cg = np_trig(0, gr);
    const double sa = np_trig(1, ar), sb = np_trig(1, br);
    double val = (ca * cb - cg) / (sa * sb);
    if (std::abs(val) > 1) val = val > 0 ? 1.0 : -1.0;
    const double gamma_star = np_trig(2, val);
    std::array<vec3, 3> m{};
    m[0] = {a * sb, 0.0, a * cb};
    m[1] = {-b * sa * np_trig(0, gamma_star), b * sa * np_trig(1, gamma_star), b * ca};
    m[2] = {0.0, 0.0, c};
    return m;
}

std::array<vec3, 3> inverse_lattice(const std::array<vec3, 3>& m) {
    const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) +
                       m[0][1] * (m[1][2] * m[2][0] - m[1][0] * m[2][2]) +
                       m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    std::array<vec3, 3> inv{};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            inv[i][j] = (m[(j + 1) % 3][(i + 1) % 3] * m[(j + 2) % 3][(i + 2) % 3] -
                         m[(j + 2) % 3][(i + 1) % 3] * m[(j + 1) % 3][(i + 2) % 3]) /
                        det;
    return inv;
}

}  // namespace xtalsieve
