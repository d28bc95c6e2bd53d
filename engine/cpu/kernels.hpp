// The CPU backend's kernels, compiled once per instruction-set path and chosen
// at run time (see isa.hpp). Every model of the CPU backend is written on these.
//
// Batch invariance (why there is no oneDNN matmul here any more)
// ---------------------------------------------------------------
// A structure's prediction must be bit-identical whatever else shares its
// batch, the batch size, its row position, the thread count or a resume
// point. A library GEMM does not promise that: oneDNN picks its kernel, its
// K-blocking and its tail handling from the row count M, so the same row can
// round differently in a batch of 37 rows than alone (seen on AVX2: the last
// digits of a perov_5 prediction changed with its batch). Our kernels fix the
// arithmetic of every output element instead:
//   - gemm: y[r, n] = bias[n], then y[r, n] = fma(x[r, k], w[k, n], y[r, n]) for
//     k = 0, 1, ..., K-1, in that order, always. Rows are processed six at a
//     time and the rest in one tile of one to five rows, columns two vectors, one vector or one
//     lane at a time, but each element sees exactly this sequence of fused
//     multiply-adds whichever tile computes it (a 1-lane vector uses the same
//     FMA instruction family as a full one), so neither M nor the row's
//     position changes a bit.
//   - conv: each atom's sum over its neighbour slots runs m = 0 .. M-1 in order,
//     and reads only its own row and its neighbours' rows.
//   - every element-wise function (exp, log1p, sigmoid, softplus) is lane-wise.
//   - the kernels are compiled with -ffp-contract=off: the compiler never fuses
//     a multiply and an add behind our back, so fusion is exactly the MulAdd
//     calls written in kernels.inc.
// Every later model family and backend keeps the same rule: a fixed reduction
// order per output element, no atomics in sums that feed outputs (a CUDA
// segment sum is one thread per output element looping over its edges in
// order, or a fixed-shape tree), no kernel choice that depends on the batch.
// Across paths (AVX-512 vs AVX2 vs portable) results differ in the last bits:
// the portable path emulates FMA in double (rare double-rounding ties), and
// the vector math rounds differently where Highway's emulated target fuses
// nothing; the test suite bounds the difference at 1e-6
// relative on CGCNN outputs (measured 5e-7, avx2 vs portable).
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
// change a float32 sum, so each bond keeps the 12 centres around its length:
// g[t] is the Gaussian of centre k0 + t.
inline constexpr int gauss_window = 12;
struct gauss_win {
    std::int32_t k0;
    float g[gauss_window];
};

// Fills win for a bond of length d (Å), Gaussians computed in float64 and
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
    // Optional, [N, M]: for slot m of atom i, an earlier slot m' < m of the
    // same atom with the same neighbour and the same length (bit for bit),
    // else -1 (see same_slots). Such a slot's gate is the earlier slot's,
    // bit for bit, so the kernel reuses it instead of recomputing; the sum
    // over slots still adds every slot's term in order, so the result is the
    // same as without it. Symmetric cells have many (a cubic perovskite's
    // A site sees 3 distinct oxygen bonds among its 12 slots).
    const std::int8_t* same_as = nullptr;
};

// same_as for conv_args from the graph's slots (nbr_idx, nbr_dist: [n, M]).
void same_slots(const std::int32_t* nbr_idx, const float* nbr_dist, std::int64_t n, int M, std::int8_t* same_as);

// The activation fused into a dense layer's store.
enum class epilogue : int {
    none,
    softplus,   // PyTorch's Softplus (beta 1, threshold 20)
    softplus2,  // softplus(x) - log 2 (MEGNet)
    silu,       // x / (1 + e^-x) (M3GNet's swish)
    sigmoid,
};

// y[m, n] = act(x[m, k] w[k, n] + bias[n]): a dense layer, rows independent.
// w is the PyTorch weight [n, k] transposed once at load time (see dense.hpp).
struct gemm_args {
    const float* x;          // [m, k], row stride ldx
    std::int64_t m;
    std::int64_t ldx;
    const float* wt;         // [k, n], row stride n
    const float* bias;       // [n], or null for none
    float* y;                // [m, n], row stride ldy; must not alias x
    std::int64_t ldy;
    int k;
    int n;
    epilogue act = epilogue::none;  // applied to x w + bias before the store
};

// One instruction-set path's implementations.
struct kernel_table {
    const char* name;  // "avx512", "avx2", "portable"
    // out_i = softplus(v_i + bn2(sum_m sigmoid(z_f) * softplus(z_c))),
    // z = pq_i[:2A] + pq_j[2A:] + W_bond g.
    void (*conv)(const conv_args&);
    void (*gemm)(const gemm_args&);
    // x[i] = softplus(x[i]) (PyTorch's Softplus, beta 1) for i < n.
    void (*softplus)(float* x, std::int64_t n);
    // x[i] = sigmoid(x[i]) for i < n.
    void (*sigmoid)(float* x, std::int64_t n);
    // x[i] = x[i] / (1 + e^-x[i]) (SiLU) for i < n.
    void (*silu)(float* x, std::int64_t n);
    // x[i] = e^x[i] for x[i] <= 88 (about 1 ulp), and 0 below -87, where e^x
    // is under 1.7e-38 (MEGNet's Gaussian basis: far tails only).
    void (*exp)(float* x, std::int64_t n);
};

namespace isa_portable { extern const kernel_table table; }
namespace isa_avx2 { extern const kernel_table table; }
namespace isa_avx512 { extern const kernel_table table; }

}  // namespace xtalsieve::cpu
