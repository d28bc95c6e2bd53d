// Fused CGCNN kernels for the CPU backend, compiled once per instruction set
// (generic, AVX2, AVX-512) and chosen at run time.
//
// Layouts (row-major, see graph.hpp):
//   pq      [N, 4A]  per atom: W_self v_i + bias (2A) | W_nbr v_i (2A)
//   v, out  [N, A]
//   nbr_idx [N, M]   global atom index of each neighbour slot
//   win     [N, M]   the bond's Gaussian window (below)
//   w_bond_t[41, 2A] the bond block of fc_full, transposed, bn1 folded in
#pragma once
#include <cstdint>

namespace xtalsieve::cpu {

// Gaussians further than 1.1 Å from their centre are below 1e-13 and cannot
// change a float32 sum, so each bond keeps the 16 centres around its length:
// g[t] is the Gaussian of centre k0 + t.
inline constexpr int gauss_window = 12;
struct gauss_win {
    std::int32_t k0;
    float g[gauss_window];
};

// Fills win[e] for a bond of length d (Å), Gaussians computed in float64 and
// rounded to float32 as the reference does.
void make_gauss_window(double d, gauss_win& win);

// Approximate mode: the bond block W_bond * g(d) tabulated at d = i * table_step
// (i = 0 .. table_rows - 1), [table_rows, 2A]; a bond reads rows i and i + 1.
inline constexpr double table_step = 0.002;  // Å
inline constexpr int table_rows = 4600;      // covers 0 ... 9.2 Å (padding is 9 Å)

struct conv_args {
    const float* pq;
    const float* v;
    const std::int32_t* nbr_idx;
    const gauss_win* win;
    const float* w_bond_t;
    const float* bn2_scale;
    const float* bn2_shift;
    float* out;
    std::int64_t n_atoms;
    int M;
    int A;
    // Approximate mode when non-null: win[e].k0 is the table row, win[e].g[0]
    // the interpolation weight of row k0 + 1.
    const float* table = nullptr;
};

// out_i = softplus(v_i + bn2(sum_m sigmoid(z_f) * softplus(z_c))), z = pq_i[:2A] + pq_j[2A:] + W_bond g.
using conv_fn = void (*)(const conv_args&);

// The best implementation this CPU supports, and its name ("avx512", "avx2", "generic").
conv_fn select_conv_kernel(const char** isa_name = nullptr);

namespace isa_generic { void conv(const conv_args&); }
namespace isa_avx2 { void conv(const conv_args&); }
namespace isa_avx512 { void conv(const conv_args&); }

}  // namespace xtalsieve::cpu
