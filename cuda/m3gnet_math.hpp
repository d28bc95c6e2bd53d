// M3GNet's per-element math as __host__ __device__ functors, each mapping an
// output element (row r, column c) to its value, like megnet_math.hpp: the
// CUDA kernels (m3gnet_kernels.cu) are one thread per element around them, the
// host tests (tests/test_device_math.cpp) run the same functors in loops
// through the same sequence (m3gnet_forward.hpp) and compare with the CPU
// backend (engine/models/m3gnet/m3gnet.cpp).
//
// The bases are the CPU's own functions (engine/models/m3gnet/basis.hpp, XS_HD).
// Every product and sum is written with the CPU backend's operands in the CPU
// backend's order, no fused multiply-add (--fmad=false on the device,
// -ffp-contract=off on the host), so the maps differ from the CPU only
// through their inputs and the libraries' exp / sin / cos. The sums that
// gather (triplets into a bond, bonds into an atom) walk lists the host built
// in the CPU's order (m3gnet_staging.hpp): no atomics, a structure's answer
// does not depend on what shares its batch or chunk.
#pragma once
#include <math.h>
#include <stdint.h>

#include "cuda/activations.hpp"
#include "cuda/hd.hpp"
#include "engine/models/m3gnet/basis.hpp"

namespace xtalsieve::gpu {

// The spherical Bessel radial basis of bond e, component k = 3 l + n.
struct m3_rbf_map {
    const float* dist;  // [E]
    m3gnet::radial_basis rbf;
    XS_HD float operator()(int64_t e, int k) const { return rbf.element(dist[e], k / m3gnet::max_n, k % m3gnet::max_n); }
};

// The three-body cutoff weight of bond e.
struct m3_cutoff_map {
    const float* dist;  // [E]
    float rc3;
    XS_HD float operator()(int64_t e, int) const { return m3gnet::polynomial_cutoff(dist[e], rc3); }
};

// Triplet t's basis: its neighbour bond's radial basis times Y_l(cos θ).
struct m3_triplet_basis_map {
    const float* rbf;        // [E, 9]
    const int32_t* trip_ik;  // [T] the neighbour bond
    const float* cos_theta;  // [T]
    XS_HD float operator()(int64_t t, int k) const {
        float y[3];
        m3gnet::spherical_y0(cos_theta[t], y);
        return rbf[static_cast<int64_t>(trip_ik[t]) * m3gnet::n_basis + k] * y[k / m3gnet::max_n];
    }
};

// Triplet t's cutoff weight fc(w_ij) fc(w_ik), bonds as upstream indexes them.
struct m3_triplet_weight_map {
    const float* fc;        // [E]
    const int32_t* w_ij;    // [T]
    const int32_t* w_ik;    // [T]
    XS_HD float operator()(int64_t t, int) const { return fc[w_ij[t]] * fc[w_ik[t]]; }
};

// Bond e's three-body sum, component k: its triplets (list[offsets[e] ..], in
// triplet order, the CPU's accumulation order) each add (basis * atom gate) *
// weight to a sum starting at 0.
struct m3_three_body_sum_map {
    const float* basis;           // [T, 9]
    const float* atom_w;          // [N, 9] sigmoid(dense(v))
    const float* weight;          // [T]
    const int32_t* atom;          // [T] the gating atom
    const int64_t* trip_offsets;  // [E + 1]
    const int32_t* trip_list;     // [T]
    XS_HD float operator()(int64_t e, int k) const {
        float sum = 0.0f;
        for (int64_t j = trip_offsets[e]; j < trip_offsets[e + 1]; ++j) {
            const int64_t t = trip_list[j];
            sum += (basis[t * m3gnet::n_basis + k] * atom_w[static_cast<int64_t>(atom[t]) * m3gnet::n_basis + k]) *
                   weight[t];
        }
        return sum;
    }
};

// The activated first layer of a gated MLP on [v_src | v_dst | e], split as
// the CPU backend splits it (m3gnet::edge_first_layer): columns [0, o) the
// layer, SiLU((q + p_src) + p_dst); columns [o, 2o) the gate, with gate_act.
struct m3_first_layer_map {
    const float* node_part;  // [N, 4o] layer W_i | layer W_j | gate W_i | gate W_j
    const float* edge_part;  // [E, 2o] layer W_e e + b | gate W_e e + b
    const int32_t* src;
    const int32_t* dst;
    int o;
    act gate_act;
    XS_HD float operator()(int64_t k, int c) const {
        const float* q = edge_part + k * 2 * o;
        const float* pi = node_part + static_cast<int64_t>(src[k]) * 4 * o;
        const float* pj = node_part + static_cast<int64_t>(dst[k]) * 4 * o;
        if (c < o) return silu((q[c] + pi[c]) + pj[o + c]);
        const int g = c - o;
        return apply(gate_act, (q[o + g] + pi[2 * o + g]) + pj[3 * o + g]);
    }
};

// A gated MLP's output l * g (ld: the row stride of l and g).
struct m3_gated_map {
    const float* l;
    const float* g;
    int64_t ld;
    XS_HD float operator()(int64_t r, int c) const { return l[r * ld + c] * g[r * ld + c]; }
};

// x + (l * g) [* w]: the residuals, with the gated output rounded first as the
// CPU stores it (w null: no weight). out may alias x (each element reads only
// itself).
struct m3_residual_map {
    const float* x;  // [rows, F]
    const float* l;
    const float* g;
    int64_t ld;      // row stride of l and g
    const float* w;  // [rows, F] or null
    int F;
    XS_HD float operator()(int64_t r, int c) const {
        const float u = l[r * ld + c] * g[r * ld + c];
        return x[r * F + c] + (w ? u * w[r * F + c] : u);
    }
};

// ((l * g) * w), the node update's per-bond message.
struct m3_message_map {
    const float* l;
    const float* g;
    int64_t ld;
    const float* w;  // [E, F]
    int F;
    XS_HD float operator()(int64_t r, int c) const { return (l[r * ld + c] * g[r * ld + c]) * w[r * F + c]; }
};

// v[n] + the sum of node n's incoming messages (cpu::segment_sum_by_index:
// from 0, edges in edge order, then added to v). out may alias v.
struct m3_node_update_map {
    const float* v;             // [N, F]
    const float* msg;           // [E, F]
    const int64_t* in_offsets;  // [N + 1]
    const int32_t* in_edges;    // [E]
    int F;
    XS_HD float operator()(int64_t n, int c) const {
        float sum = 0.0f;
        for (int64_t k = in_offsets[n]; k < in_offsets[n + 1]; ++k) sum += msg[static_cast<int64_t>(in_edges[k]) * F + c];
        return v[n * F + c] + sum;
    }
};

// The potential's total energy of structure s: (std * sum of its atoms'
// outputs + mean) + the sum of its atoms' element references, atoms in order,
// as the CPU backend (per atom: l * g of the readout's last layer, width 1).
struct m3_energy_map {
    const float* l;             // [N] last readout layer
    const float* g;             // [N] last readout gate
    const int32_t* types;       // [N]
    const float* elem_ref;      // [types]
    const int64_t* offsets;     // [S + 1]
    float std, mean;
    XS_HD float operator()(int64_t s, int) const {
        float sum = 0.0f, ref = 0.0f;
        for (int64_t i = offsets[s]; i < offsets[s + 1]; ++i) sum += l[i] * g[i];
        for (int64_t i = offsets[s]; i < offsets[s + 1]; ++i) ref += elem_ref[types[i]];
        return (std * sum + mean) + ref;
    }
};

}  // namespace xtalsieve::gpu
