#include "engine/models/m3gnet/params.hpp"

#include <algorithm>
#include <cstddef>

#include "engine/models/m3gnet/basis.hpp"
#include "engine/models/matgl/common.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::m3gnet {

namespace {

using cpu::dense;
using cpu::load_dense;

edge_first_layer split_first(const gated_mlp& g, int D) {
    const dense& L = g.layers[0];
    const dense& G = g.gates[0];
    XS_ASSERT(L.in == 3 * D && G.in == 3 * D && L.out == G.out);
    edge_first_layer f;
    const int o = L.out;
    f.out = o;
    f.node.in = D;
    f.node.out = 4 * o;
    f.node.wt.resize(static_cast<std::size_t>(D) * 4 * o);
    f.edge.in = D;
    f.edge.out = 2 * o;
    f.edge.wt.resize(static_cast<std::size_t>(D) * 2 * o);
    for (int i = 0; i < D; ++i)
        for (int c = 0; c < o; ++c) {
            // wt is [in, out]: row i of the transposed weight.
            f.node.wt[static_cast<std::size_t>(i) * 4 * o + c] = L.wt[static_cast<std::size_t>(i) * o + c];
            f.node.wt[static_cast<std::size_t>(i) * 4 * o + o + c] = L.wt[static_cast<std::size_t>(D + i) * o + c];
            f.node.wt[static_cast<std::size_t>(i) * 4 * o + 2 * o + c] = G.wt[static_cast<std::size_t>(i) * o + c];
            f.node.wt[static_cast<std::size_t>(i) * 4 * o + 3 * o + c] = G.wt[static_cast<std::size_t>(D + i) * o + c];
            f.edge.wt[static_cast<std::size_t>(i) * 2 * o + c] = L.wt[static_cast<std::size_t>(2 * D + i) * o + c];
            f.edge.wt[static_cast<std::size_t>(i) * 2 * o + o + c] = G.wt[static_cast<std::size_t>(2 * D + i) * o + c];
        }
    f.edge.b = L.b;
    f.edge.b.insert(f.edge.b.end(), G.b.begin(), G.b.end());
    return f;
}

gated_mlp load_gated(const model_weights& w, const std::string& prefix, int n_layers, bool activate_last, bool bias = true) {
    gated_mlp g;
    g.activate_last = activate_last;
    for (int i = 0; i < n_layers; ++i) {
        g.layers.push_back(load_dense(w, prefix + ".layers." + std::to_string(2 * i), bias));
        g.gates.push_back(load_dense(w, prefix + ".gates." + std::to_string(2 * i), bias));
    }
    return g;
}

}  // namespace

params prepare(const model_weights& w) {
    params p;
    p.name = w.name;
    p.types = matgl::node_types(w);
    p.cutoff = matgl::real_hparam(w, "cutoff", 0.5, 20.0);
    p.rc3 = matgl::real_hparam(w, "threebody_cutoff", 0.5, 20.0);
    if (w.hparam("max_n") != max_n || w.hparam("max_l") != max_l)
        throw error(w.name + ": M3GNet with max_n, max_l other than 3, 3 is not supported");
    if (w.hparams.count("use_smooth") && w.hparam("use_smooth") != 0)
        throw error(w.name + ": M3GNet with use_smooth is not supported");
    if (w.hparams.count("use_phi") && w.hparam("use_phi") != 0)
        throw error(w.name + ": M3GNet with use_phi is not supported");
    if (w.hparams.count("include_state") && w.hparam("include_state") != 0)
        throw error(w.name + ": M3GNet with a state (include_state) is not supported");
    if (auto it = w.meta.find("args.activation_type"); it != w.meta.end() && it->second != "swish")
        throw error(w.name + ": M3GNet activation '" + it->second + "' is not supported (swish is)");
    if (auto it = w.meta.find("args.rbf_type"); it != w.meta.end() && it->second != "SphericalBessel")
        throw error(w.name + ": M3GNet radial basis '" + it->second + "' is not supported");
    const tensor& emb = w.at("embedding.layer_node_embedding.weight");
    p.node_emb = emb.data;
    p.D = static_cast<int>(emb.dim(1));
    p.edge_emb = load_dense(w, "embedding.layer_edge_embedding.layers.0", true, n_basis);
    p.n_blocks = matgl::int_hparam(w, "nblocks", 1, 64);
    for (int b = 0; b < p.n_blocks; ++b) {
        block_params B;
        const std::string t = "three_body_interactions." + std::to_string(b);
        B.atom = load_dense(w, t + ".update_network_atom.layers.0", true, p.D);
        B.bond = load_gated(w, t + ".update_network_bond", 1, true, false);
        const std::string g = "graph_layers." + std::to_string(b) + ".conv";
        B.edge_update = load_gated(w, g + ".edge_update_func", 3, true);
        B.node_update = load_gated(w, g + ".node_update_func", 3, true);
        B.edge_first = split_first(B.edge_update, p.D);
        B.node_first = split_first(B.node_update, p.D);
        B.edge_weight = load_dense(w, g + ".edge_weight_func", false, n_basis);
        B.node_weight = load_dense(w, g + ".node_weight_func", false, n_basis);
        p.blocks.push_back(std::move(B));
    }
    p.potential = w.meta.count("wrapper") && w.meta.at("wrapper") == "Potential";
    if (p.potential) {
        p.readout_gated = load_gated(w, "final_layer.gated", 4, false);
        p.elem_ref = w.at("element_refs.property_offset").data;
    } else {
        if (w.meta.count("args.readout_type") && w.meta.at("args.readout_type") != "set2set")
            throw error(w.name + ": M3GNet readout '" + w.meta.at("args.readout_type") + "' is not supported");
        p.s2s_iters = matgl::int_hparam(w, "niters_set2set", 1, 64);
        p.s2s = cpu::load_lstm(w, "readout.set2set.lstm", matgl::int_hparam(w, "nlayers_set2set", 1, 16));
        for (int i = 0; i < 3; ++i) p.head.push_back(load_dense(w, "final_layer.layers." + std::to_string(2 * i)));
    }
    p.mean = static_cast<float>(w.norm_mean);
    p.std = static_cast<float>(w.norm_std);
    const std::string base = matgl::short_name(w);
    if (p.potential) {
        p.outputs = {base + "-energy", base + "-energy-per-atom"};
        p.units = {"eV", "eV/atom"};
    } else {
        p.outputs = {base};
        p.units = {"eV/atom"};
    }
    return p;
}

graph_options graph_of(double cutoff, double rc3) {
    graph_options g;
    g.layout = graph_layout::edges;
    g.radius = cutoff;
    g.max_neighbors = 0;
    g.three_body_cutoff = rc3;
    g.order = site_order::file;
    return g;
}

void three_body_indices(const graph_batch& b, double rc3, std::int64_t s, std::int32_t* atom, std::int32_t* w_ij,
                        std::int32_t* w_ik, std::int32_t* target) {
    const auto e0 = b.edge_offsets[s], e1 = b.edge_offsets[s + 1];
    const auto t0 = b.triplet_offsets[s], t1 = b.triplet_offsets[s + 1];
    if (t0 == t1) return;
    // Pruned numbering of this structure's bonds.
    std::vector<std::int32_t> prank(static_cast<std::size_t>(e1 - e0), -1), psrc;
    for (auto e = e0; e < e1; ++e)
        if (b.bond_dist[e] <= rc3) {
            prank[static_cast<std::size_t>(e - e0)] = static_cast<std::int32_t>(psrc.size());
            psrc.push_back(b.src[e]);
        }
    // Pruned bonds per atom.
    std::vector<std::int32_t> nb(static_cast<std::size_t>(b.offsets[s + 1] - b.offsets[s]), 0);
    for (std::int32_t a : psrc) ++nb[static_cast<std::size_t>(a - b.offsets[s])];
    std::int64_t L = 0;
    for (auto t = t0; t < t1; ++t) {
        const std::int32_t p_ij = prank[static_cast<std::size_t>(b.trip_ij[t] - e0)];
        const std::int32_t p_ik = prank[static_cast<std::size_t>(b.trip_ik[t] - e0)];
        XS_ASSERT(p_ij >= 0 && p_ik >= 0);
        L = std::max<std::int64_t>(L, std::max(p_ij, p_ik) + 1);
        // Upstream indexes the full bond arrays with pruned numbers.
        atom[t - t0] = b.dst[e0 + p_ik];
        w_ij[t - t0] = static_cast<std::int32_t>(e0 + p_ij);
        w_ik[t - t0] = static_cast<std::int32_t>(e0 + p_ik);
    }
    // Segment indices from the per-bond triplet counts (first L bonds).
    const std::int64_t Ts = t1 - t0;
    std::vector<std::int32_t> mark(static_cast<std::size_t>(Ts), 0);
    std::int64_t cum = 0;
    for (std::int64_t j = 0; j + 1 < L; ++j) {
        cum += nb[static_cast<std::size_t>(psrc[static_cast<std::size_t>(j)] - b.offsets[s])] - 1;
        if (cum < Ts) mark[static_cast<std::size_t>(cum)] = 1;
    }
    std::int32_t seg = 0;
    for (std::int64_t t = 0; t < Ts; ++t) {
        seg += mark[static_cast<std::size_t>(t)];
        target[t] = static_cast<std::int32_t>(e0 + seg);
    }
}

}  // namespace xtalsieve::m3gnet
