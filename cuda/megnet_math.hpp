// MEGNet's per-element math as __host__ __device__ functors: each maps an
// output element (row r, column c) to its value. The CUDA kernels
// (megnet_kernels.cu) are one thread per element around them; the host tests
// (tests/test_device_math.cpp) run the same functors in loops, through the
// same sequence (megnet_forward.hpp), and compare with the CPU backend
// (engine/models/megnet/megnet.cpp, engine/cpu/ops.cpp).
//
// Batch invariance: a functor reads only its own row's inputs, the rows of
// its own structure and the rows its graph indices name, and every sum runs in
// a fixed order (features k = 0 .. K-1, edges in edge order, rows of a
// structure first to last), no atomics; so a structure's answer does not
// depend on what shares its batch or chunk.
//
// Rounding: dense layers are dense_element (dense_math.hpp), the CPU gemm's
// FMA order. The segment means and Set2Set (its LSTM's matrix-vector
// products, the attention) are the CPU backend's scalar loops written out
// with the same operations in the same order (no
// fused multiply-add: device code is built with --fmad=false, host code with
// -ffp-contract=off), so they differ from the CPU only through their inputs
// and the libraries' exp / tanh.
#pragma once
#include <math.h>
#include <stdint.h>

#include "cuda/activations.hpp"
#include "cuda/cgcnn_math.hpp"
#include "cuda/dense_math.hpp"
#include "cuda/hd.hpp"

namespace xtalsieve::gpu {

// A dense layer as a map (dense_element).
struct dense_map {
    dense_view d;
    XS_HD float operator()(int64_t r, int c) const { return dense_element(d, r, c); }
};

// MEGNet's bond expansion, exp(-w (d - c_k)^2) in float32 as the CPU backend
// (and MatGL) compute it.
struct gauss_map {
    const float* dist;     // [E]
    const float* centers;  // [G]
    float width;
    XS_HD float operator()(int64_t e, int k) const {
        const float x = dist[e] - centers[k];
        return expf(-width * (x * x));
    }
};

// The node embedding: emb[type of atom r, c] (types checked on the host).
struct embed_map {
    const float* emb;
    const int32_t* types;
    int dim;
    XS_HD float operator()(int64_t r, int c) const { return embed_element(emb, types, dim, r, c); }
};

// The state input of one fidelity: its embedding row, or MatGL's zero state.
struct state_map {
    const float* row;  // [dim] or null
    XS_HD float operator()(int64_t, int c) const { return row ? row[c] : 0.0f; }
};

// Rows of up to four matrices side by side, each row picked through its own
// index (null: the output row): the inputs of MEGNet's edge, node and state
// updates ([v_src | v_dst | e | u_graph], [v | mean e' | u_graph],
// [u | mean e' | mean v']) and of the readout ([node q* | edge q* | u]).
struct cat_part {
    const float* x;       // [rows, width]
    const int32_t* row;   // [output rows] or null
    int width;
};

struct cat_map {
    cat_part p[4];
    int n_parts;
    XS_HD float operator()(int64_t r, int c) const {
        for (int i = 0; i < n_parts; ++i) {
            const cat_part& q = p[i];
            if (c < q.width) return q.x[(q.row ? static_cast<int64_t>(q.row[r]) : r) * q.width + c];
            c -= q.width;
        }
        return 0.0f;
    }
};

// a + b element-wise (the residual of a block; out may alias a or b: each
// element reads only itself).
struct add_map {
    const float* a;
    const float* b;
    int F;
    XS_HD float operator()(int64_t r, int c) const { return a[r * F + c] + b[r * F + c]; }
};

// Mean of the incoming edges' rows of node n (cpu::segment_mean_by_index):
// in_edges[in_offsets[n] ..] lists them in edge order, so the sum runs in the
// CPU backend's order; 0 for a node without incoming edges.
struct in_mean_map {
    const float* x;            // [E, F]
    const int64_t* in_offsets; // [N + 1]
    const int32_t* in_edges;   // [E]
    int F;
    XS_HD float operator()(int64_t n, int c) const {
        const int64_t lo = in_offsets[n], hi = in_offsets[n + 1];
        float sum = 0.0f;
        for (int64_t k = lo; k < hi; ++k) sum += x[static_cast<int64_t>(in_edges[k]) * F + c];
        const int64_t count = hi - lo > 1 ? hi - lo : 1;
        return sum / static_cast<float>(count);
    }
};

// Mean of rows offsets[s] .. offsets[s+1]-1 (cpu::range_mean).
struct range_mean_map {
    const float* x;
    const int64_t* offsets;
    int F;
    XS_HD float operator()(int64_t s, int c) const {
        const int64_t lo = offsets[s], hi = offsets[s + 1];
        float sum = 0.0f;
        for (int64_t r = lo; r < hi; ++r) sum += x[r * F + c];
        const int64_t count = hi - lo > 1 ? hi - lo : 1;
        return sum / static_cast<float>(count);
    }
};

// Element c of x[r] W^T + b as cpu::set2set's matvec computes it: the bias,
// then the products added one at a time in input order, unfused (not
// dense_element's FMAs: Set2Set on the CPU is scalar code, and its rounding
// is what this reproduces).
XS_HD inline float matvec_element(const dense_view& d, int64_t r, int c) {
    float z = d.bias ? d.bias[c] : 0.0f;
    const float* x = d.x + r * d.ldx;
    for (int k = 0; k < d.k; ++k) z += x[k] * d.wt[static_cast<int64_t>(k) * d.n + c];
    return z;
}

// One step of one layer of Set2Set's LSTM (PyTorch's gates i, f, g, o),
// element (s, d): returns the new h[s, d] and updates the cell c[s, d] in
// place (only this element reads or writes it). h_prev is read by every d of
// the structure, so the new h goes to another buffer.
struct lstm_map {
    dense_view ih;       // x = the layer's input [S, in], wt [in, 4D], bias
    dense_view hh;       // x = h_prev [S, D], wt [D, 4D], bias
    float* c;            // [S, D]
    int D;
    XS_HD float operator()(int64_t s, int d) const {
        const float zi = matvec_element(ih, s, d) + matvec_element(hh, s, d);
        const float zf = matvec_element(ih, s, D + d) + matvec_element(hh, s, D + d);
        const float zg = matvec_element(ih, s, 2 * D + d) + matvec_element(hh, s, 2 * D + d);
        const float zo = matvec_element(ih, s, 3 * D + d) + matvec_element(hh, s, 3 * D + d);
        const float ig = sigmoid(zi), fg = sigmoid(zf), gg = tanhf(zg), og = sigmoid(zo);
        float& cell = c[s * D + d];
        cell = fg * cell + ig * gg;
        return og * tanhf(cell);
    }
};

// Set2Set's attention score of row m: <x_m, q of its structure>, features in
// order, as cpu::set2set.
struct score_map {
    const float* x;              // [rows, D]
    const float* q;              // [S, D] the last LSTM layer's h
    const int32_t* row_graph;    // [rows] structure of each row
    int D;
    XS_HD float operator()(int64_t m, int) const {
        const float* qs = q + static_cast<int64_t>(row_graph[m]) * D;
        float a = 0.0f;
        for (int d = 0; d < D; ++d) a += x[m * D + d] * qs[d];
        return a;
    }
};

// The softmax of structure s's scores, one element per structure: turns its
// scores into e^(a - max) in place, rows in order, and returns their sum.
struct softmax_map {
    float* alpha;            // [rows] scores in, exponentials out
    const int64_t* offsets;  // [S + 1]
    XS_HD float operator()(int64_t s, int) const {
        const int64_t lo = offsets[s], hi = offsets[s + 1];
        float amax = -INFINITY;
        for (int64_t m = lo; m < hi; ++m) amax = alpha[m] > amax ? alpha[m] : amax;
        float sum = 0.0f;
        for (int64_t m = lo; m < hi; ++m) sum += (alpha[m] = expf(alpha[m] - amax));
        return sum;
    }
};

// q* = [q | r] of structure s: r[d] = sum over its rows of (alpha_m / sum) x[m, d],
// rows in order (0 for a structure without rows).
struct readout_map {
    const float* x;          // [rows, D]
    const float* q;          // [S, D]
    const float* alpha;      // [rows]
    const float* sum;        // [S]
    const int64_t* offsets;  // [S + 1]
    int D;
    XS_HD float operator()(int64_t s, int c) const {
        if (c < D) return q[s * D + c];
        const int d = c - D;
        float r = 0.0f;
        for (int64_t m = offsets[s]; m < offsets[s + 1]; ++m) r += alpha[m] / sum[s] * x[m * D + d];
        return r;
    }
};

}  // namespace xtalsieve::gpu
