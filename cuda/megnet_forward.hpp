// MEGNet's forward pass on a staged chunk as a sequence of element maps
// (megnet_math.hpp), written once for both places it runs (host-only C++):
// cuda/megnet_cuda.cpp passes an executor that launches one kernel per map
// on its stream, tests/test_device_math.cpp one that loops on the host. The
// host tests therefore check the very sequence the GPU runs, not a copy of
// it. The order is the CPU backend's (engine/models/megnet/megnet.cpp):
//   Gaussians -> edge encoder; node embedding -> node encoder;
//   per output (fidelity): state input -> state encoder, then per block
//   (pre-MLPs from block 1 on) edge, node and state updates and the
//   residuals; Set2Set over nodes and edges; [nodes | edges | u] -> head.
//
// An executor has one member template,
//   template <class Map> void map(const Map& f, float* out, int64_t rows, int cols, int64_t ld)
// which sets out[r * ld + c] = f(r, c) for r < rows, c < cols, every element
// independent of the others (a map may update its own element of a buffer
// it names, as lstm_map and softmax_map do).
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "cuda/megnet_math.hpp"
#include "cuda/megnet_staging.hpp"
#include "engine/models/megnet/params.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::gpu {

// The weights as the maps read them (host or device pointers).
struct layer_ptr {
    const float* wt;  // [in, out]
    const float* b;   // [out]
    int in, out;
};
using mlp_ptr = std::vector<layer_ptr>;
struct lstm_ptr {
    layer_ptr ih, hh;
};
struct megnet_weights {
    const float *centers, *node_emb, *state_emb;
    mlp_ptr edge_enc, node_enc, state_enc, head;
    struct block {
        mlp_ptr pre_e, pre_v, pre_u, phi_e, phi_v, phi_u;
    };
    std::vector<block> blocks;
    std::vector<lstm_ptr> node_s2s, edge_s2s;
};

// place(v) returns where the float vector v lives for the maps: v.data() on
// the host, its uploaded copy for the GPU (null for an empty vector).
template <class Place>
megnet_weights make_megnet_weights(const megnet::params& p, Place&& place) {
    auto layer = [&](const cpu::dense& d) { return layer_ptr{place(d.wt), place(d.b), d.in, d.out}; };
    auto mlp = [&](const std::vector<cpu::dense>& L) {
        mlp_ptr m;
        for (const cpu::dense& d : L) m.push_back(layer(d));
        return m;
    };
    auto lstm = [&](const std::vector<cpu::lstm_layer>& L) {
        std::vector<lstm_ptr> v;
        for (const cpu::lstm_layer& l : L) v.push_back({layer(l.ih), layer(l.hh)});
        return v;
    };
    megnet_weights w;
    w.centers = place(p.centers);
    w.node_emb = place(p.node_emb);
    w.state_emb = place(p.state_emb);
    w.edge_enc = mlp(p.edge_enc);
    w.node_enc = mlp(p.node_enc);
    w.state_enc = mlp(p.state_enc);
    w.head = mlp(p.head);
    for (const megnet::block_params& B : p.blocks)
        w.blocks.push_back({mlp(B.pre_e), mlp(B.pre_v), mlp(B.pre_u), mlp(B.phi_e), mlp(B.phi_v), mlp(B.phi_u)});
    w.node_s2s = lstm(p.node_s2s);
    w.edge_s2s = lstm(p.edge_s2s);
    return w;
}

// Throws xtalsieve::error when the weights do not have the shapes the maps
// assume (the CPU backend reads the same weights; these are the shapes its
// loops take for granted).
inline void check_megnet_shapes(const megnet::params& p) {
    const int D = p.D;
    auto chain = [&](const std::vector<cpu::dense>& L, int in, int out, const char* what) {
        if (L.empty() || L.front().in != in || L.back().out != out)
            throw error(p.name + ": MEGNet " + what + " has an unexpected shape for the CUDA backend");
    };
    chain(p.edge_enc, static_cast<int>(p.centers.size()), D, "edge encoder");
    chain(p.node_enc, p.dim_node, D, "node encoder");
    chain(p.state_enc, p.dim_state, D, "state encoder");
    chain(p.head, 5 * D, 1, "output head");
    for (const megnet::block_params& B : p.blocks) {
        if (!B.pre_e.empty()) {
            chain(B.pre_e, D, D, "block edge MLP");
            chain(B.pre_v, D, D, "block node MLP");
            chain(B.pre_u, D, D, "block state MLP");
        }
        chain(B.phi_e, 4 * D, D, "edge update");
        chain(B.phi_v, 3 * D, D, "node update");
        chain(B.phi_u, 3 * D, D, "state update");
    }
    for (const auto* lstm : {&p.node_s2s, &p.edge_s2s})
        for (std::size_t l = 0; l < lstm->size(); ++l) {
            const cpu::lstm_layer& L = (*lstm)[l];
            if (L.ih.in != (l == 0 ? 2 * D : D) || L.ih.out != 4 * D || L.hh.in != D || L.hh.out != 4 * D ||
                L.ih.b.empty() || L.hh.b.empty())
                throw error(p.name + ": MEGNet Set2Set LSTM has an unexpected shape for the CUDA backend");
        }
}

// The widest layer output (the MLP scratch width).
inline int megnet_max_width(const megnet::params& p) {
    int w = 5 * p.D;
    auto scan = [&w](const std::vector<cpu::dense>& L) {
        for (const cpu::dense& d : L) w = std::max(w, d.out);
    };
    for (const auto* L : {&p.edge_enc, &p.node_enc, &p.state_enc, &p.head}) scan(*L);
    for (const megnet::block_params& B : p.blocks)
        for (const auto* L : {&B.pre_e, &B.pre_v, &B.pre_u, &B.phi_e, &B.phi_v, &B.phi_u}) scan(*L);
    return w;
}

// The scratch of a chunk of N atoms, E edges and S structures, carved from
// one float array of megnet_scratch_floats(...) elements.
struct megnet_scratch {
    float *gauss, *mlp_a, *mlp_b, *emb, *e_enc, *v_enc, *state_in, *e, *v, *u, *pe, *pv, *pu, *cat, *e2, *v2, *u2,
        *ve, *ue, *uv, *h_a, *h_b, *c, *q_nodes, *q_edges, *alpha, *sum;
};

inline std::size_t megnet_scratch_floats(const megnet::params& p, std::int64_t N, std::int64_t E, std::int64_t S,
                                         megnet_scratch* t = nullptr, float* base = nullptr) {
    const std::int64_t R = std::max({N, E, S}), D = p.D, W = megnet_max_width(p);
    const auto L = static_cast<std::int64_t>(std::max(p.node_s2s.size(), p.edge_s2s.size()));
    const auto G = static_cast<std::int64_t>(p.centers.size());
    std::size_t at = 0;
    // 16-float (64-byte) alignment for every array.
    auto take = [&](float*& ptr, std::int64_t n) {
        if (t) ptr = base + at;
        at += static_cast<std::size_t>((n + 15) / 16 * 16);
    };
    megnet_scratch dummy{};
    megnet_scratch& s = t ? *t : dummy;
    take(s.gauss, E * G);
    take(s.mlp_a, R * W);
    take(s.mlp_b, R * W);
    take(s.emb, N * p.dim_node);
    take(s.e_enc, E * D);
    take(s.v_enc, N * D);
    take(s.state_in, S * p.dim_state);
    take(s.e, E * D);
    take(s.v, N * D);
    take(s.u, S * D);
    take(s.pe, E * D);
    take(s.pv, N * D);
    take(s.pu, S * D);
    take(s.cat, R * 5 * D);
    take(s.e2, E * D);
    take(s.v2, N * D);
    take(s.u2, S * D);
    take(s.ve, N * D);
    take(s.ue, S * D);
    take(s.uv, S * D);
    take(s.h_a, L * S * D);
    take(s.h_b, L * S * D);
    take(s.c, L * S * D);
    take(s.q_nodes, S * 2 * D);
    take(s.q_edges, S * 2 * D);
    take(s.alpha, std::max(N, E));
    take(s.sum, S);
    return at;
}

namespace megnet_detail {

// x [rows, layers[0].in] through the layers with softplus2 after each (act
// of the last one: last_act); the result in out, the hidden layers in a / b.
template <class Ex>
void mlp(Ex& ex, const mlp_ptr& L, const float* x, std::int64_t rows, float* out, std::int64_t ldo, float* a, float* b,
         act last_act = act::softplus2) {
    const float* in = x;
    for (std::size_t l = 0; l < L.size(); ++l) {
        const bool last = l + 1 == L.size();
        float* o = last ? out : (l % 2 == 0 ? a : b);
        const std::int64_t ld = last ? ldo : L[l].out;
        ex.map(dense_map{{in, rows, L[l].in, L[l].wt, L[l].b, o, ld, L[l].in, L[l].out, last ? last_act : act::softplus2}},
               o, rows, L[l].out, ld);
        in = o;
    }
}

template <class Ex>
void copy_rows(Ex& ex, const float* x, std::int64_t rows, int F, float* out) {
    ex.map(cat_map{{{x, nullptr, F}, {}, {}, {}}, 1}, out, rows, F, F);
}

// DGL's Set2Set over each structure's rows of x [rows, D]: q* [S, 2D] in out.
template <class Ex>
void set2set(Ex& ex, const std::vector<lstm_ptr>& lstm, int n_iters, const float* x, std::int64_t rows,
             const std::int32_t* row_graph, const std::int64_t* offsets, std::int64_t S, int D, const megnet_scratch& t,
             float* out) {
    const auto L = static_cast<std::int64_t>(lstm.size());
    float* h_prev = t.h_a;
    float* h_next = t.h_b;
    const cat_map zero{{{nullptr, nullptr, 0}, {}, {}, {}}, 0};  // every element 0
    ex.map(zero, h_prev, L * S, D, D);
    ex.map(zero, t.c, L * S, D, D);
    ex.map(zero, out, S, 2 * D, 2 * D);
    for (int it = 0; it < n_iters; ++it) {
        const float* xin = out;
        std::int64_t in_w = 2 * D;
        for (std::int64_t l = 0; l < L; ++l) {
            const lstm_ptr& P = lstm[static_cast<std::size_t>(l)];
            float* hn = h_next + l * S * D;
            const lstm_map f{{xin, S, in_w, P.ih.wt, P.ih.b, nullptr, 0, P.ih.in, P.ih.out, act::none},
                             {h_prev + l * S * D, S, D, P.hh.wt, P.hh.b, nullptr, 0, P.hh.in, P.hh.out, act::none},
                             t.c + l * S * D,
                             D};
            ex.map(f, hn, S, D, D);
            xin = hn;
            in_w = D;
        }
        const float* q = h_next + (L - 1) * S * D;
        ex.map(score_map{x, q, row_graph, D}, t.alpha, rows, 1, 1);
        ex.map(softmax_map{t.alpha, offsets}, t.sum, S, 1, 1);
        ex.map(readout_map{x, q, t.alpha, t.sum, offsets, D}, out, S, 2 * D, 2 * D);
        std::swap(h_prev, h_next);
    }
}

}  // namespace megnet_detail

// The forward pass of a staged chunk; y[s * ldy + f] = the head's output of
// structure s for output f (before out * std + mean, done on the host).
template <class Ex>
void megnet_forward(Ex& ex, const megnet::params& p, const megnet_weights& w, const megnet_chunk& in,
                    const megnet_scratch& t, float* y, std::int64_t ldy) {
    using namespace megnet_detail;
    const std::int64_t N = in.n_atoms, E = in.n_edges, S = in.n_structures;
    const int D = p.D, G = static_cast<int>(p.centers.size());
    ex.map(gauss_map{in.dist, w.centers, p.width}, t.gauss, E, G, G);
    mlp(ex, w.edge_enc, t.gauss, E, t.e_enc, D, t.mlp_a, t.mlp_b);
    ex.map(embed_map{w.node_emb, in.types, p.dim_node}, t.emb, N, p.dim_node, p.dim_node);
    mlp(ex, w.node_enc, t.emb, N, t.v_enc, D, t.mlp_a, t.mlp_b);
    for (std::size_t f = 0; f < p.fidelities.size(); ++f) {
        const int fid = p.fidelities[f];
        const float* row = fid >= 0 ? w.state_emb + static_cast<std::int64_t>(fid) * p.dim_state : nullptr;
        ex.map(state_map{row}, t.state_in, S, p.dim_state, p.dim_state);
        mlp(ex, w.state_enc, t.state_in, S, t.u, D, t.mlp_a, t.mlp_b);
        copy_rows(ex, t.e_enc, E, D, t.e);
        copy_rows(ex, t.v_enc, N, D, t.v);
        for (const megnet_weights::block& B : w.blocks) {
            const float *e1 = t.e, *v1 = t.v, *u1 = t.u;
            if (!B.pre_e.empty()) {
                mlp(ex, B.pre_e, t.e, E, t.pe, D, t.mlp_a, t.mlp_b);
                mlp(ex, B.pre_v, t.v, N, t.pv, D, t.mlp_a, t.mlp_b);
                mlp(ex, B.pre_u, t.u, S, t.pu, D, t.mlp_a, t.mlp_b);
                e1 = t.pe, v1 = t.pv, u1 = t.pu;
            }
            // Edge update on [v_src | v_dst | e | u].
            ex.map(cat_map{{{v1, in.src, D}, {v1, in.dst, D}, {e1, nullptr, D}, {u1, in.edge_graph, D}}, 4}, t.cat, E,
                   4 * D, 4 * D);
            mlp(ex, B.phi_e, t.cat, E, t.e2, D, t.mlp_a, t.mlp_b);
            // Node update on [v | mean of incoming e' | u].
            ex.map(in_mean_map{t.e2, in.in_offsets, in.in_edges, D}, t.ve, N, D, D);
            ex.map(cat_map{{{v1, nullptr, D}, {t.ve, nullptr, D}, {u1, in.node_graph, D}, {}}, 3}, t.cat, N, 3 * D,
                   3 * D);
            mlp(ex, B.phi_v, t.cat, N, t.v2, D, t.mlp_a, t.mlp_b);
            // State update on [u | mean e' | mean v'].
            ex.map(range_mean_map{t.e2, in.edge_offsets, D}, t.ue, S, D, D);
            ex.map(range_mean_map{t.v2, in.offsets, D}, t.uv, S, D, D);
            ex.map(cat_map{{{u1, nullptr, D}, {t.ue, nullptr, D}, {t.uv, nullptr, D}, {}}, 3}, t.cat, S, 3 * D, 3 * D);
            mlp(ex, B.phi_u, t.cat, S, t.u2, D, t.mlp_a, t.mlp_b);
            // Residuals (u' + u in the CPU backend's operand order).
            ex.map(add_map{t.e, t.e2, D}, t.e, E, D, D);
            ex.map(add_map{t.v, t.v2, D}, t.v, N, D, D);
            ex.map(add_map{t.u2, t.u, D}, t.u, S, D, D);
        }
        set2set(ex, w.node_s2s, p.n_iters, t.v, N, in.node_graph, in.offsets, S, D, t, t.q_nodes);
        set2set(ex, w.edge_s2s, p.n_iters, t.e, E, in.edge_graph, in.edge_offsets, S, D, t, t.q_edges);
        ex.map(cat_map{{{t.q_nodes, nullptr, 2 * D}, {t.q_edges, nullptr, 2 * D}, {t.u, nullptr, D}, {}}, 3}, t.cat, S,
               5 * D, 5 * D);
        mlp(ex, w.head, t.cat, S, y + f, ldy, t.mlp_a, t.mlp_b, act::none);
    }
}

}  // namespace xtalsieve::gpu
