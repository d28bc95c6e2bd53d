#include "engine/models/megnet/params.hpp"

#include <algorithm>
#include <cstdint>

#include "engine/models/matgl/common.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::megnet {

namespace {

std::vector<cpu::dense> load_mlp(const model_weights& w, const std::string& prefix, int n_layers) {
    std::vector<cpu::dense> v;
    for (int i = 0; i < n_layers; ++i) v.push_back(cpu::load_dense(w, prefix + ".layers." + std::to_string(2 * i)));
    for (std::size_t i = 1; i < v.size(); ++i)
        if (v[i].in != v[i - 1].out) throw error(w.name + ": " + prefix + " layer sizes do not chain");
    return v;
}

edge_first_layer split_first(const cpu::dense& L, int D) {
    XS_ASSERT(L.in == 4 * D);
    edge_first_layer f;
    const int o = L.out;
    f.out = o;
    f.node.in = f.state.in = f.edge.in = D;
    f.node.out = 2 * o;
    f.state.out = f.edge.out = o;
    f.node.wt.resize(static_cast<std::size_t>(D) * 2 * o);
    f.state.wt.resize(static_cast<std::size_t>(D) * o);
    f.edge.wt.resize(static_cast<std::size_t>(D) * o);
    // wt is [in, out]: input row r of L is row r % D of the part r / D.
    auto row = [&](int part, int i) { return &L.wt[static_cast<std::size_t>(part * D + i) * o]; };
    for (int i = 0; i < D; ++i) {
        std::copy_n(row(0, i), o, &f.node.wt[static_cast<std::size_t>(i) * 2 * o]);
        std::copy_n(row(1, i), o, &f.node.wt[static_cast<std::size_t>(i) * 2 * o + o]);
        std::copy_n(row(2, i), o, &f.edge.wt[static_cast<std::size_t>(i) * o]);
        std::copy_n(row(3, i), o, &f.state.wt[static_cast<std::size_t>(i) * o]);
    }
    f.edge.b = L.b;
    return f;
}

}  // namespace

params prepare(const model_weights& w) {
    params p;
    p.name = w.name;
    p.types = matgl::node_types(w);
    p.cutoff = matgl::real_hparam(w, "cutoff", 0.5, 20.0);
    p.width = static_cast<float>(matgl::real_hparam(w, "gauss_width", 1e-6, 1e6));
    p.n_blocks = matgl::int_hparam(w, "nblocks", 1, 64);
    p.n_iters = matgl::int_hparam(w, "niters_set2set", 1, 64);
    const int n_s2s_layers = matgl::int_hparam(w, "nlayers_set2set", 1, 16);
    if (w.hparams.count("activation_type") || w.meta.count("args.activation_type")) {
        auto it = w.meta.find("args.activation_type");
        if (it != w.meta.end() && it->second != "softplus2")
            throw error(w.name + ": MEGNet activation '" + it->second + "' is not supported (softplus2 is)");
    }
    if (w.hparams.count("is_classification") && w.hparam("is_classification") != 0)
        throw error(w.name + ": classification MEGNet models are not supported yet");
    p.centers = w.at("bond_expansion.rbf.centers").data;
    const tensor& emb = w.at("embedding.layer_node_embedding.weight");
    p.node_emb = emb.data;
    p.dim_node = static_cast<int>(emb.dim(1));
    if (emb.dim(0) != static_cast<std::int64_t>(std::count_if(p.types.begin(), p.types.end(), [](int t) { return t >= 0; })))
        throw error(w.name + ": node embedding rows do not match the element list");
    if (auto it = w.tensors.find("embedding.layer_state_embedding.weight"); it != w.tensors.end()) {
        p.state_emb = it->second.data;
        p.n_states = static_cast<int>(it->second.dim(0));
        p.dim_state = static_cast<int>(it->second.dim(1));
        p.fidelities = matgl::selected_fidelities(w, p.n_states);
    } else {
        p.dim_state = matgl::int_hparam(w, "dim_state_embedding", 1, 4096);
        p.fidelities = {-1};  // raw state vector, zeros (MatGL's default state)
    }
    p.edge_enc = load_mlp(w, "edge_encoder", 2);
    p.node_enc = load_mlp(w, "node_encoder", 2);
    p.state_enc = load_mlp(w, "state_encoder", 2);
    if (p.edge_enc[0].in != static_cast<int>(p.centers.size()) || p.node_enc[0].in != p.dim_node ||
        p.state_enc[0].in != p.dim_state)
        throw error(w.name + ": encoder input sizes do not match the embeddings");
    for (int b = 0; b < p.n_blocks; ++b) {
        block_params B;
        const std::string pre = "blocks." + std::to_string(b);
        if (w.tensors.count(pre + ".edge_func.layers.0.weight")) {
            B.pre_e = load_mlp(w, pre + ".edge_func", 2);
            B.pre_v = load_mlp(w, pre + ".node_func", 2);
            B.pre_u = load_mlp(w, pre + ".state_func", 2);
        }
        B.phi_e = load_mlp(w, pre + ".conv.edge_func", 3);
        B.phi_v = load_mlp(w, pre + ".conv.node_func", 3);
        B.phi_u = load_mlp(w, pre + ".conv.state_func", 3);
        p.blocks.push_back(std::move(B));
    }
    p.D = p.edge_enc.back().out;
    for (block_params& B : p.blocks) {
        if (B.phi_e[0].in != 4 * p.D) throw error(w.name + ": edge update input is not [v_src | v_dst | e | u]");
        B.phi_e_first = split_first(B.phi_e[0], p.D);
    }
    p.node_s2s = cpu::load_lstm(w, "node_s2s.lstm", n_s2s_layers);
    p.edge_s2s = cpu::load_lstm(w, "edge_s2s.lstm", n_s2s_layers);
    p.head = load_mlp(w, "output_proj", 3);
    if (p.head[0].in != 5 * p.D || p.head.back().out != 1) throw error(w.name + ": output head has an unexpected shape");
    p.mean = static_cast<float>(w.norm_mean);
    p.std = static_cast<float>(w.norm_std);
    const std::string base = matgl::short_name(w);
    if (p.n_states > 0)
        for (int f : p.fidelities) p.outputs.push_back(base + "-" + matgl::fidelity_names.at(static_cast<std::size_t>(f)));
    else
        p.outputs.push_back(base);
    p.units.assign(p.outputs.size(), p.n_states > 0 ? "eV" : "eV/atom");
    return p;
}

graph_options graph_of(double cutoff) {
    graph_options g;
    g.layout = graph_layout::edges;
    g.radius = cutoff;
    g.max_neighbors = 0;
    g.order = site_order::file;
    g.require_edges = true;
    return g;
}

}  // namespace xtalsieve::megnet
