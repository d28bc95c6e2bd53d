// M3GNet's forward pass on a staged chunk as a sequence of element maps
// (m3gnet_math.hpp, and megnet_math.hpp's dense and Set2Set maps), written
// once for both places it runs (host-only C++): cuda/m3gnet_cuda.cpp passes an
// executor that launches one kernel per map, tests/test_device_math.cpp one
// that loops on the host (the executor contract is megnet_forward.hpp's). The
// order is the CPU backend's (engine/models/m3gnet/m3gnet.cpp):
//   node embedding; bond radial basis -> SiLU(dense) = e; cutoff weights,
//   triplet bases and weights (once per chunk)
//   per block: three-body (atom gates, per-bond sums, gated MLP, e += ...),
//   edge update (e += gated[v_i, v_j, e] * W_e rbf), node update
//   (v += sum of incoming gated[v_i, v_j, e'] * W_v rbf)
//   readout: per-atom gated MLP summed with the element references
//   (potential), or Set2Set -> three dense layers (formation energy).
// The three-body step runs for every chunk, with or without triplets (its sum
// is then 0 and its update SiLU(0) * sigmoid(0) = 0), so a structure's bits do
// not depend on whether its chunk has triplets.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cuda/m3gnet_math.hpp"
#include "cuda/m3gnet_staging.hpp"
#include "cuda/megnet_forward.hpp"
#include "cuda/megnet_math.hpp"
#include "engine/models/m3gnet/basis.hpp"
#include "engine/models/m3gnet/params.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::gpu {

struct m3gnet_gated_ptr {
    std::vector<layer_ptr> layers, gates;
    bool activate_last = true;
};

// The weights as the maps read them (host or device pointers).
struct m3gnet_weights {
    const float *node_emb, *elem_ref;
    layer_ptr edge_emb;
    struct block {
        layer_ptr atom, edge_weight, node_weight;
        m3gnet_gated_ptr bond, edge_update, node_update;
        layer_ptr edge_first_node, edge_first_edge, node_first_node, node_first_edge;
        int edge_first_out, node_first_out;
    };
    std::vector<block> blocks;
    m3gnet_gated_ptr readout;
    std::vector<lstm_ptr> s2s;
    std::vector<layer_ptr> head;
};

// place(v) returns where the float vector v lives for the maps (see
// make_megnet_weights).
template <class Place>
m3gnet_weights make_m3gnet_weights(const m3gnet::params& p, Place&& place) {
    auto layer = [&](const cpu::dense& d) { return layer_ptr{place(d.wt), place(d.b), d.in, d.out}; };
    auto gated = [&](const m3gnet::gated_mlp& g) {
        m3gnet_gated_ptr o;
        for (const cpu::dense& d : g.layers) o.layers.push_back(layer(d));
        for (const cpu::dense& d : g.gates) o.gates.push_back(layer(d));
        o.activate_last = g.activate_last;
        return o;
    };
    m3gnet_weights w;
    w.node_emb = place(p.node_emb);
    w.elem_ref = place(p.elem_ref);
    w.edge_emb = layer(p.edge_emb);
    for (const m3gnet::block_params& B : p.blocks)
        w.blocks.push_back({layer(B.atom), layer(B.edge_weight), layer(B.node_weight), gated(B.bond),
                            gated(B.edge_update), gated(B.node_update), layer(B.edge_first.node),
                            layer(B.edge_first.edge), layer(B.node_first.node), layer(B.node_first.edge),
                            B.edge_first.out, B.node_first.out});
    w.readout = gated(p.readout_gated);
    for (const cpu::lstm_layer& l : p.s2s) w.s2s.push_back({layer(l.ih), layer(l.hh)});
    for (const cpu::dense& d : p.head) w.head.push_back(layer(d));
    return w;
}

// Throws xtalsieve::error when the weights do not have the shapes the maps
// assume (the CPU backend's loops take the same shapes for granted).
inline void check_m3gnet_shapes(const m3gnet::params& p) {
    const int D = p.D;
    auto fail = [&](const char* what) {
        throw error(p.name + ": M3GNet " + what + " has an unexpected shape for the CUDA backend");
    };
    auto chain = [&](const m3gnet::gated_mlp& g, int in, int out, const char* what) {
        if (g.layers.empty() || g.layers.size() != g.gates.size()) fail(what);
        int at = in;
        for (std::size_t l = 0; l < g.layers.size(); ++l) {
            if (g.layers[l].in != at || g.gates[l].in != at || g.layers[l].out != g.gates[l].out) fail(what);
            at = g.layers[l].out;
        }
        if (at != out) fail(what);
    };
    if (p.edge_emb.in != m3gnet::n_basis || p.edge_emb.out != D) fail("edge embedding");
    for (const m3gnet::block_params& B : p.blocks) {
        if (B.atom.in != D || B.atom.out != m3gnet::n_basis) fail("three-body atom gate");
        chain(B.bond, m3gnet::n_basis, D, "three-body bond update");
        chain(B.edge_update, 3 * D, D, "edge update");
        chain(B.node_update, 3 * D, D, "node update");
        if (B.edge_update.layers.size() < 2 || B.node_update.layers.size() < 2) fail("bond / node update");
        if (B.edge_weight.in != m3gnet::n_basis || B.edge_weight.out != D || B.node_weight.in != m3gnet::n_basis ||
            B.node_weight.out != D)
            fail("radial weight");
    }
    if (p.potential) {
        chain(p.readout_gated, D, 1, "readout");
        if (p.elem_ref.size() < static_cast<std::size_t>(*std::max_element(p.types.begin(), p.types.end()) + 1))
            fail("element reference list");
    } else {
        for (std::size_t l = 0; l < p.s2s.size(); ++l) {
            const cpu::lstm_layer& L = p.s2s[l];
            if (L.ih.in != (l == 0 ? 2 * D : D) || L.ih.out != 4 * D || L.hh.in != D || L.hh.out != 4 * D ||
                L.ih.b.empty() || L.hh.b.empty())
                fail("Set2Set LSTM");
        }
        if (p.head.size() != 3 || p.head[0].in != 2 * D || p.head[1].in != p.head[0].out ||
            p.head[2].in != p.head[1].out || p.head[2].out != 1)
            fail("output head");
    }
}

// The widest gated-MLP / head layer output (the chain scratch width).
inline int m3gnet_max_width(const m3gnet::params& p) {
    int w = 2 * p.D;
    auto scan = [&w](const std::vector<cpu::dense>& L) {
        for (const cpu::dense& d : L) w = std::max(w, d.out);
    };
    for (const m3gnet::block_params& B : p.blocks) {
        scan(B.bond.layers);
        scan(B.edge_update.layers);
        scan(B.node_update.layers);
        w = std::max({w, 2 * B.edge_first.out, 2 * B.node_first.out});
    }
    scan(p.readout_gated.layers);
    scan(p.head);
    return w;
}

inline int m3gnet_max_node_part(const m3gnet::params& p) {
    int w = 0;
    for (const m3gnet::block_params& B : p.blocks) w = std::max({w, B.edge_first.node.out, B.node_first.node.out});
    return w;
}

// The scratch of a chunk of N atoms, E bonds, T triplets and S structures,
// carved from one float array of m3gnet_scratch_floats(...) elements.
struct m3gnet_scratch {
    float *v, *e, *rbf, *fc, *t_basis, *t_weight, *atom_w, *new_bonds, *node_part, *edge_part, *first, *la, *lb, *ga,
        *gb, *wrbf, *msg, *energy, *h_a, *h_b, *c, *q, *alpha, *sum, *h1, *h2, *y;
};

inline std::size_t m3gnet_scratch_floats(const m3gnet::params& p, std::int64_t N, std::int64_t E, std::int64_t T,
                                         std::int64_t S, m3gnet_scratch* t = nullptr, float* base = nullptr) {
    const std::int64_t R = std::max({N, E, S}), D = p.D, W = m3gnet_max_width(p), K = m3gnet::n_basis;
    const auto L = static_cast<std::int64_t>(p.s2s.size());
    std::size_t at = 0;
    // 16-float (64-byte) alignment for every array.
    auto take = [&](float*& ptr, std::int64_t n) {
        if (t) ptr = base + at;
        at += static_cast<std::size_t>((n + 15) / 16 * 16);
    };
    m3gnet_scratch dummy{};
    m3gnet_scratch& s = t ? *t : dummy;
    take(s.v, N * D);
    take(s.e, E * D);
    take(s.rbf, E * K);
    take(s.fc, E);
    take(s.t_basis, T * K);
    take(s.t_weight, T);
    take(s.atom_w, N * K);
    take(s.new_bonds, E * K);
    take(s.node_part, N * m3gnet_max_node_part(p));
    take(s.edge_part, E * W);
    take(s.first, E * W);
    take(s.la, R * W);
    take(s.lb, R * W);
    take(s.ga, R * W);
    take(s.gb, R * W);
    take(s.wrbf, E * D);
    take(s.msg, E * D);
    take(s.energy, S);
    take(s.h_a, L * S * D);
    take(s.h_b, L * S * D);
    take(s.c, L * S * D);
    take(s.q, S * 2 * D);
    take(s.alpha, N);
    take(s.sum, S);
    take(s.h1, S * W);
    take(s.h2, S * W);
    take(s.y, S);
    return at;
}

namespace m3gnet_detail {

// A dense layer as a map: y [rows, out] (row stride ldy) = act(x W + b).
template <class Ex>
void dense(Ex& ex, const layer_ptr& L, const float* x, std::int64_t ldx, std::int64_t rows, float* y, std::int64_t ldy,
           act a) {
    ex.map(dense_map{{x, rows, ldx, L.wt, L.b, y, ldy, L.in, L.out, a}}, y, rows, L.out, ldy);
}

struct chain_out {
    const float *l, *g;
    std::int64_t ld;
};

// Layers from..end of a gated MLP, layer input x_l, gate input x_g (row
// stride ldx): SiLU between layers, SiLU after the last layer when
// activate_last, sigmoid after the last gate, as the CPU's gated(). Returns
// where the last layer's and gate's outputs are; the caller's map multiplies
// them (rounded as the CPU stores l * g).
template <class Ex>
chain_out gated_chain(Ex& ex, const m3gnet_gated_ptr& g, std::size_t from, const float* x_l, const float* x_g,
                      std::int64_t ldx, std::int64_t rows, const m3gnet_scratch& t) {
    const float* in_l = x_l;
    const float* in_g = x_g;
    std::int64_t ld = ldx;
    for (std::size_t l = from; l < g.layers.size(); ++l) {
        const bool last = l + 1 == g.layers.size();
        const int w = g.layers[l].out;
        float* ol = ((l - from) % 2 == 0) ? t.la : t.lb;
        float* og = ((l - from) % 2 == 0) ? t.ga : t.gb;
        dense(ex, g.layers[l], in_l, ld, rows, ol, w, last && !g.activate_last ? act::none : act::silu);
        dense(ex, g.gates[l], in_g, ld, rows, og, w, last ? act::sigmoid : act::silu);
        in_l = ol;
        in_g = og;
        ld = w;
    }
    return {in_l, in_g, ld};
}

// A gated MLP on [v_src | v_dst | e] for every bond, its first layer split as
// the CPU's gated_on_bonds: the activated first layer in t.first ([E, 2o]:
// layer | gate), then the remaining layers.
template <class Ex>
chain_out gated_on_bonds(Ex& ex, const m3gnet_gated_ptr& g, const layer_ptr& first_node, const layer_ptr& first_edge,
                         int o, const m3gnet_chunk& in, const float* v, const float* e, int D, const m3gnet_scratch& t) {
    dense(ex, first_node, v, D, in.n_atoms, t.node_part, 4 * o, act::none);
    dense(ex, first_edge, e, D, in.n_edges, t.edge_part, 2 * o, act::none);
    ex.map(m3_first_layer_map{t.node_part, t.edge_part, in.src, in.dst, o,
                              g.layers.size() == 1 ? act::sigmoid : act::silu},
           t.first, in.n_edges, 2 * o, 2 * o);
    return gated_chain(ex, g, 1, t.first, t.first + o, 2 * o, in.n_edges, t);
}

}  // namespace m3gnet_detail

// The forward pass of a staged chunk: y[s * ldy] = structure s's first output
// in float. The potential: its total energy (the CPU's float, made double and
// divided by the atom count on the host for the second output); the formation
// energy model: the head's output before out * std + mean, done on the host
// like MEGNet's.
template <class Ex>
void m3gnet_forward(Ex& ex, const m3gnet::params& p, const m3gnet_weights& w, const m3gnet_chunk& in,
                    const m3gnet_scratch& t, float* y, std::int64_t ldy) {
    using namespace m3gnet_detail;
    const std::int64_t N = in.n_atoms, E = in.n_edges, T = in.n_triplets, S = in.n_structures;
    const int D = p.D, K = m3gnet::n_basis;
    ex.map(embed_map{w.node_emb, in.types, D}, t.v, N, D, D);
    ex.map(m3_rbf_map{in.dist, m3gnet::radial_basis(static_cast<float>(p.cutoff))}, t.rbf, E, K, K);
    ex.map(m3_cutoff_map{in.dist, static_cast<float>(p.rc3)}, t.fc, E, 1, 1);
    dense(ex, w.edge_emb, t.rbf, K, E, t.e, D, act::silu);
    if (T > 0) {
        ex.map(m3_triplet_basis_map{t.rbf, in.trip_ik, in.cos_theta}, t.t_basis, T, K, K);
        ex.map(m3_triplet_weight_map{t.fc, in.w_ij, in.w_ik}, t.t_weight, T, 1, 1);
    }
    for (const m3gnet_weights::block& B : w.blocks) {
        // Three-body: per-bond sums of the triplets, then e += gated(sums).
        dense(ex, B.atom, t.v, D, N, t.atom_w, K, act::sigmoid);
        ex.map(m3_three_body_sum_map{t.t_basis, t.atom_w, t.t_weight, in.atom, in.trip_offsets, in.trip_list},
               t.new_bonds, E, K, K);
        chain_out u = gated_chain(ex, B.bond, 0, t.new_bonds, t.new_bonds, K, E, t);
        ex.map(m3_residual_map{t.e, u.l, u.g, u.ld, nullptr, D}, t.e, E, D, D);
        // Edge update: e += gated[v_i, v_j, e] * (W_e rbf).
        u = gated_on_bonds(ex, B.edge_update, B.edge_first_node, B.edge_first_edge, B.edge_first_out, in, t.v, t.e, D,
                           t);
        dense(ex, B.edge_weight, t.rbf, K, E, t.wrbf, D, act::none);
        ex.map(m3_residual_map{t.e, u.l, u.g, u.ld, t.wrbf, D}, t.e, E, D, D);
        // Node update with the new bond features.
        u = gated_on_bonds(ex, B.node_update, B.node_first_node, B.node_first_edge, B.node_first_out, in, t.v, t.e, D,
                           t);
        dense(ex, B.node_weight, t.rbf, K, E, t.wrbf, D, act::none);
        ex.map(m3_message_map{u.l, u.g, u.ld, t.wrbf, D}, t.msg, E, D, D);
        ex.map(m3_node_update_map{t.v, t.msg, in.in_offsets, in.in_edges, D}, t.v, N, D, D);
    }
    if (p.potential) {
        const chain_out u = gated_chain(ex, w.readout, 0, t.v, t.v, D, N, t);
        ex.map(m3_energy_map{u.l, u.g, in.types, w.elem_ref, in.offsets, p.std, p.mean}, y, S, 1, ldy);
    } else {
        megnet_scratch ms{};
        ms.h_a = t.h_a;
        ms.h_b = t.h_b;
        ms.c = t.c;
        ms.alpha = t.alpha;
        ms.sum = t.sum;
        megnet_detail::set2set(ex, w.s2s, p.s2s_iters, t.v, N, in.node_graph, in.offsets, S, D, ms, t.q);
        dense(ex, w.head[0], t.q, 2 * D, S, t.h1, w.head[0].out, act::silu);
        dense(ex, w.head[1], t.h1, w.head[0].out, S, t.h2, w.head[1].out, act::silu);
        dense(ex, w.head[2], t.h2, w.head[1].out, S, y, ldy, act::none);
    }
}

}  // namespace xtalsieve::gpu
