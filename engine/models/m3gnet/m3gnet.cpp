// M3GNet's forward pass, in MatGL 2.0.4's order of operations:
//   node type -> embedding (64); bond length -> radial basis rbf (9) ->
//   e = SiLU(dense(rbf))
//   3 blocks:
//     three-body: atom gate sigmoid(dense(v)) (9) at each triplet's third
//     atom, times the radial basis of the neighbour bond times Y_l(cos θ),
//     times the cutoff weights, summed per bond; e += SiLU(W b) * sigmoid(G b)
//     graph convolution: e += gated_mlp[v_i, v_j, e] * (W_e rbf);
//     v_dst += sum over incoming bonds of gated_mlp[v_i, v_j, e'] * (W_v rbf)
//   readout: Set2Set -> three dense layers -> out * std + mean (formation
//   energy), or a per-atom gated MLP summed -> std * out + mean + sum of
//   element references (the potential's total energy).
//
// MatGL's three-body step, when its cutoff is below the graph's (the
// potential: 4 Å vs 5 Å), numbers the bonds kept for the three-body list
// ("pruned") 0, 1, 2, ... and then uses those numbers as indices into the
// full graph's bonds in three places (which atom gates a triplet, which
// bonds' cutoff weights scale it, which bond receives its sum); and its
// segment indexing collapses bonds without triplets. Both shift upstream's
// energies by about 1e-5 to 5e-5 eV, so they are reproduced here exactly
// (three_body_step), per structure, as upstream runs one structure at a time.
#include "engine/models/m3gnet/m3gnet.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/cpu/ops.hpp"
#include "engine/models/m3gnet/basis.hpp"
#include "engine/models/matgl/common.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::m3gnet {

namespace {

using cpu::act;
using cpu::dense;
using cpu::load_dense;

struct gated_mlp {
    std::vector<dense> layers, gates;
    bool activate_last = true;
};

// The first layer of a gated MLP on [v_src | v_dst | e] (in = 3D), split so
// that the node parts are computed once per atom instead of once per bond:
// W [v_i | v_j | e] + b = (W_i v_i) + (W_j v_j) + (W_e e + b). One product per
// atom gives [W_i v | W_j v] for layer and gate (4 x out columns), one per
// bond [W_e e + b] for both (2 x out).
struct edge_first_layer {
    dense node;  // D -> 4 out: layer W_i | layer W_j | gate W_i | gate W_j, no bias
    dense edge;  // D -> 2 out: layer W_e | gate W_e, with the biases
    int out = 0;
};

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

class m3gnet_cpu final : public model {
public:
    m3gnet_cpu(const model_weights& w, const model_options& opt) : ops_(opt.isa) {
        name_ = w.name;
        types_ = matgl::node_types(w);
        cutoff_ = matgl::real_hparam(w, "cutoff", 0.5, 20.0);
        rc3_ = matgl::real_hparam(w, "threebody_cutoff", 0.5, 20.0);
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
        rbf_ = radial_basis(static_cast<float>(cutoff_));
        const tensor& emb = w.at("embedding.layer_node_embedding.weight");
        node_emb_ = emb.data;
        D_ = static_cast<int>(emb.dim(1));
        edge_emb_ = load_dense(w, "embedding.layer_edge_embedding.layers.0", true, n_basis);
        n_blocks_ = matgl::int_hparam(w, "nblocks", 1, 64);
        for (int b = 0; b < n_blocks_; ++b) {
            block B;
            const std::string t = "three_body_interactions." + std::to_string(b);
            B.atom = load_dense(w, t + ".update_network_atom.layers.0", true, D_);
            B.bond = load_gated(w, t + ".update_network_bond", 1, true, false);
            const std::string g = "graph_layers." + std::to_string(b) + ".conv";
            B.edge_update = load_gated(w, g + ".edge_update_func", 3, true);
            B.node_update = load_gated(w, g + ".node_update_func", 3, true);
            B.edge_first = split_first(B.edge_update, D_);
            B.node_first = split_first(B.node_update, D_);
            B.edge_weight = load_dense(w, g + ".edge_weight_func", false, n_basis);
            B.node_weight = load_dense(w, g + ".node_weight_func", false, n_basis);
            blocks_.push_back(std::move(B));
        }
        potential_ = w.meta.count("wrapper") && w.meta.at("wrapper") == "Potential";
        if (potential_) {
            readout_gated_ = load_gated(w, "final_layer.gated", 4, false);
            elem_ref_ = w.at("element_refs.property_offset").data;
        } else {
            if (w.meta.count("args.readout_type") && w.meta.at("args.readout_type") != "set2set")
                throw error(w.name + ": M3GNet readout '" + w.meta.at("args.readout_type") + "' is not supported");
            s2s_iters_ = matgl::int_hparam(w, "niters_set2set", 1, 64);
            s2s_ = cpu::load_lstm(w, "readout.set2set.lstm", matgl::int_hparam(w, "nlayers_set2set", 1, 16));
            for (int i = 0; i < 3; ++i) head_.push_back(load_dense(w, "final_layer.layers." + std::to_string(2 * i)));
        }
        mean_ = static_cast<float>(w.norm_mean);
        std_ = static_cast<float>(w.norm_std);
        const std::string base = matgl::short_name(w);
        if (potential_) {
            outputs_ = {base + "-energy", base + "-energy-per-atom"};
            units_ = {"eV", "eV/atom"};
        } else {
            outputs_ = {base};
            units_ = {"eV/atom"};
        }
    }

    const std::string& name() const override { return name_; }
    std::vector<std::string> outputs() const override { return outputs_; }
    std::vector<std::string> units() const override { return units_; }
    bool classification() const override { return false; }
    // Triplet scratch is ~100 bytes x ~2,000 triplets per atom at 5 Å: 64
    // atoms keep a worker's buffers near 13 MB. 64 rather than 256: a
    // 2-thread screen's peak RSS fell from 226-243 MB to 153-162 MB and it ran
    // faster (the batch's bonds, ~2,500 GEMM rows, still fill the tiles).
    std::size_t max_batch_atoms() const override { return 64; }
    // Small generated perovskites (a near 3.5 Å) have ~5,000 triplets per
    // atom: without this bound a batch of them needs 2.5 times that scratch.
    std::size_t max_batch_triplets() const override { return 64 * 2000; }
    graph_options graph() const override {
        graph_options g;
        g.layout = graph_layout::edges;
        g.radius = cutoff_;
        g.max_neighbors = 0;
        g.three_body_cutoff = rc3_;
        g.order = site_order::file;
        return g;
    }

    void predict(const graph_batch& b, std::span<double> out) override {
        const auto N = static_cast<std::int64_t>(b.n_atoms());
        const auto E = static_cast<std::int64_t>(b.n_edges());
        const auto S = static_cast<std::int64_t>(b.n_structures());
        const int D = D_;
        XS_ASSERT(out.size() == static_cast<std::size_t>(S) * outputs_.size());

        // Node embedding, radial basis, edge embedding.
        v_.resize(static_cast<std::size_t>(N) * D);
        node_type_.resize(static_cast<std::size_t>(N));
        matgl::embed_nodes(types_, node_emb_, D, b.numbers, name_, v_.data(), node_type_.data());
        rbf_e_.resize(static_cast<std::size_t>(E) * n_basis);
        fc_.resize(static_cast<std::size_t>(E));
        for (std::int64_t e = 0; e < E; ++e) {
            rbf_(b.bond_dist[e], &rbf_e_[e * n_basis]);
            fc_[e] = polynomial_cutoff(b.bond_dist[e], static_cast<float>(rc3_));
        }
        e_.resize(static_cast<std::size_t>(E) * D);
        ops_.linear(edge_emb_, rbf_e_.data(), E, n_basis, e_.data(), D, act::silu);
        prepare_three_body(b);

        for (const block& B : blocks_) {
            three_body_step(B, b);
            conv_step(B, b);
        }

        if (potential_) {
            gated(readout_gated_, v_.data(), N, D, atom_e_);
            for (std::int64_t s = 0; s < S; ++s) {
                float sum = 0, ref = 0;
                for (auto i = b.offsets[s]; i < b.offsets[s + 1]; ++i) sum += atom_e_[i];
                for (auto i = b.offsets[s]; i < b.offsets[s + 1]; ++i) ref += elem_ref_.at(static_cast<std::size_t>(node_type_[i]));
                const float energy = (std_ * sum + mean_) + ref;
                out[s * 2] = static_cast<double>(energy);
                out[s * 2 + 1] = static_cast<double>(energy) / static_cast<double>(b.offsets[s + 1] - b.offsets[s]);
            }
        } else {
            s2s_out_.resize(static_cast<std::size_t>(S) * 2 * D);
            cpu::set2set(s2s_, s2s_iters_, v_.data(), D, b.offsets.data(), S, s2s_out_.data());
            h1_.resize(static_cast<std::size_t>(S) * head_[0].out);
            h2_.resize(static_cast<std::size_t>(S) * head_[1].out);
            y_.resize(static_cast<std::size_t>(S));
            ops_.linear(head_[0], s2s_out_.data(), S, 2 * D, h1_.data(), head_[0].out, act::silu);
            ops_.linear(head_[1], h1_.data(), S, head_[0].out, h2_.data(), head_[1].out, act::silu);
            ops_.linear(head_[2], h2_.data(), S, head_[1].out, y_.data(), 1, act::none);
            for (std::int64_t s = 0; s < S; ++s) out[s] = static_cast<double>(y_[s] * std_ + mean_);
        }
    }

private:
    struct block {
        dense atom;            // 64 -> 9, sigmoid
        gated_mlp bond;        // 9 -> 64, no bias
        gated_mlp edge_update, node_update;  // 192 -> 64 -> 64 -> 64
        edge_first_layer edge_first, node_first;
        dense edge_weight, node_weight;      // 9 -> 64, no bias
    };

    // y = layers(x) * gates(x): SiLU between layers, SiLU after the last
    // layer when activate_last, sigmoid after the last gate.
    void gated(const gated_mlp& g, const float* x, std::int64_t rows, std::int64_t ldx, std::vector<float>& y) {
        const std::size_t n = g.layers.size();
        const float* in_l = x;
        const float* in_g = x;
        std::int64_t ld = ldx;
        for (std::size_t l = 0; l < n; ++l) {
            const bool last = l + 1 == n;
            const int w = g.layers[l].out;
            std::vector<float>& ol = (l % 2 == 0) ? ga_ : gb_;
            std::vector<float>& og = (l % 2 == 0) ? gc_ : gd_;
            ol.resize(static_cast<std::size_t>(rows) * w);
            og.resize(static_cast<std::size_t>(rows) * w);
            ops_.linear(g.layers[l], in_l, rows, ld, ol.data(), w, last && !g.activate_last ? act::none : act::silu);
            ops_.linear(g.gates[l], in_g, rows, ld, og.data(), w, last ? act::sigmoid : act::silu);
            in_l = ol.data();
            in_g = og.data();
            ld = w;
        }
        const std::size_t total = static_cast<std::size_t>(rows) * g.layers.back().out;
        y.resize(total);
        for (std::size_t i = 0; i < total; ++i) y[i] = in_l[i] * in_g[i];
    }

    // gated(g, [v_src | v_dst | e]) for every bond, with the first layer split (see edge_first_layer).
    void gated_on_bonds(const gated_mlp& g, const edge_first_layer& f, const graph_batch& b, const std::vector<float>& e,
                        std::vector<float>& y) {
        const auto N = static_cast<std::int64_t>(b.n_atoms());
        const auto E = static_cast<std::int64_t>(b.n_edges());
        const int o = f.out;
        node_part_.resize(static_cast<std::size_t>(N) * 4 * o);
        ops_.linear(f.node, v_.data(), N, D_, node_part_.data(), 4 * o, act::none);
        edge_part_.resize(static_cast<std::size_t>(E) * 2 * o);
        ops_.linear(f.edge, e.data(), E, D_, edge_part_.data(), 2 * o, act::none);
        ga_.resize(static_cast<std::size_t>(E) * o);
        gc_.resize(static_cast<std::size_t>(E) * o);
        for (std::int64_t k = 0; k < E; ++k) {
            const float* q = &edge_part_[static_cast<std::size_t>(k) * 2 * o];
            const float* pi = &node_part_[static_cast<std::size_t>(b.src[k]) * 4 * o];
            const float* pj = &node_part_[static_cast<std::size_t>(b.dst[k]) * 4 * o];
            float* zl = &ga_[static_cast<std::size_t>(k) * o];
            float* zg = &gc_[static_cast<std::size_t>(k) * o];
            for (int c = 0; c < o; ++c) {
                zl[c] = (q[c] + pi[c]) + pj[o + c];
                zg[c] = (q[o + c] + pi[2 * o + c]) + pj[3 * o + c];
            }
        }
        ops_.apply(act::silu, ga_.data(), E * o);
        ops_.apply(g.layers.size() == 1 ? act::sigmoid : act::silu, gc_.data(), E * o);
        const float* in_l = ga_.data();
        const float* in_g = gc_.data();
        for (std::size_t l = 1; l < g.layers.size(); ++l) {
            const bool last = l + 1 == g.layers.size();
            const int w = g.layers[l].out;
            std::vector<float>& ol = (l % 2 == 1) ? gb_ : ga_;
            std::vector<float>& og = (l % 2 == 1) ? gd_ : gc_;
            ol.resize(static_cast<std::size_t>(E) * w);
            og.resize(static_cast<std::size_t>(E) * w);
            ops_.linear(g.layers[l], in_l, E, g.layers[l].in, ol.data(), w, last && !g.activate_last ? act::none : act::silu);
            ops_.linear(g.gates[l], in_g, E, g.gates[l].in, og.data(), w, last ? act::sigmoid : act::silu);
            in_l = ol.data();
            in_g = og.data();
        }
        const std::size_t total = static_cast<std::size_t>(E) * g.layers.back().out;
        y.resize(total);
        for (std::size_t i = 0; i < total; ++i) y[i] = in_l[i] * in_g[i];
    }

    // Per triplet: the atom that gates it, the bond receiving its sum, its
    // cutoff weight and its basis, all with upstream's indexing (see top).
    void prepare_three_body(const graph_batch& b) {
        const auto S = static_cast<std::int64_t>(b.n_structures());
        const auto T = static_cast<std::int64_t>(b.trip_ij.size());
        t_atom_.resize(static_cast<std::size_t>(T));
        t_target_.resize(static_cast<std::size_t>(T));
        t_weight_.resize(static_cast<std::size_t>(T));
        t_basis_.resize(static_cast<std::size_t>(T) * n_basis);
        std::vector<std::int32_t> prank, psrc, n_triple, mark;
        for (std::int64_t s = 0; s < S; ++s) {
            const auto e0 = b.edge_offsets[s], e1 = b.edge_offsets[s + 1];
            const auto t0 = b.triplet_offsets[s], t1 = b.triplet_offsets[s + 1];
            if (t0 == t1) continue;
            // Pruned numbering of this structure's bonds.
            prank.assign(static_cast<std::size_t>(e1 - e0), -1);
            psrc.clear();
            for (auto e = e0; e < e1; ++e)
                if (b.bond_dist[e] <= rc3_) {
                    prank[static_cast<std::size_t>(e - e0)] = static_cast<std::int32_t>(psrc.size());
                    psrc.push_back(b.src[e]);
                }
            // Pruned bonds per atom, and per pruned bond its triplet count.
            std::vector<std::int32_t> nb(static_cast<std::size_t>(b.offsets[s + 1] - b.offsets[s]), 0);
            for (std::int32_t a : psrc) ++nb[static_cast<std::size_t>(a - b.offsets[s])];
            std::int64_t L = 0;
            for (auto t = t0; t < t1; ++t) {
                const std::int32_t p_ij = prank[static_cast<std::size_t>(b.trip_ij[t] - e0)];
                const std::int32_t p_ik = prank[static_cast<std::size_t>(b.trip_ik[t] - e0)];
                XS_ASSERT(p_ij >= 0 && p_ik >= 0);
                L = std::max<std::int64_t>(L, std::max(p_ij, p_ik) + 1);
                // Upstream indexes the full bond arrays with pruned numbers.
                t_atom_[t] = b.dst[e0 + p_ik];
                t_weight_[t] = fc_[e0 + p_ij] * fc_[e0 + p_ik];
                // Geometry of the true pruned bonds: the neighbour bond's length, cos θ.
                // The neighbour bond's radial basis is its edge basis (same length, same function).
                const float* sb = &rbf_e_[static_cast<std::size_t>(b.trip_ik[t]) * n_basis];
                float y[3];
                spherical_y0(b.cos_theta[t], y);
                for (int l = 0; l < max_l; ++l)
                    for (int n = 0; n < max_n; ++n) t_basis_[t * n_basis + l * max_n + n] = sb[l * max_n + n] * y[l];
            }
            // Segment indices from the per-bond triplet counts (first L bonds).
            const std::int64_t Ts = t1 - t0;
            mark.assign(static_cast<std::size_t>(Ts), 0);
            std::int64_t cum = 0;
            for (std::int64_t j = 0; j + 1 < L; ++j) {
                cum += nb[static_cast<std::size_t>(psrc[static_cast<std::size_t>(j)] - b.offsets[s])] - 1;
                if (cum < Ts) mark[static_cast<std::size_t>(cum)] = 1;
            }
            std::int32_t seg = 0;
            for (std::int64_t t = 0; t < Ts; ++t) {
                seg += mark[static_cast<std::size_t>(t)];
                t_target_[t0 + t] = static_cast<std::int32_t>(e0 + seg);
            }
        }
    }

    void three_body_step(const block& B, const graph_batch& b) {
        const auto N = static_cast<std::int64_t>(b.n_atoms());
        const auto E = static_cast<std::int64_t>(b.n_edges());
        const auto T = static_cast<std::int64_t>(b.trip_ij.size());
        if (T == 0) return;
        atom_w_.resize(static_cast<std::size_t>(N) * n_basis);
        ops_.linear(B.atom, v_.data(), N, D_, atom_w_.data(), n_basis, act::sigmoid);
        new_bonds_.assign(static_cast<std::size_t>(E) * n_basis, 0.0f);
        for (std::int64_t t = 0; t < T; ++t) {
            const float* aw = &atom_w_[static_cast<std::size_t>(t_atom_[t]) * n_basis];
            float* nbw = &new_bonds_[static_cast<std::size_t>(t_target_[t]) * n_basis];
            const float w = t_weight_[t];
            for (int k = 0; k < n_basis; ++k) nbw[k] += (t_basis_[t * n_basis + k] * aw[k]) * w;
        }
        gated(B.bond, new_bonds_.data(), E, n_basis, upd_);
        for (std::size_t i = 0; i < e_.size(); ++i) e_[i] += upd_[i];
    }

    void conv_step(const block& B, const graph_batch& b) {
        const auto N = static_cast<std::int64_t>(b.n_atoms());
        const auto E = static_cast<std::int64_t>(b.n_edges());
        const int D = D_;
        // Edge update.
        gated_on_bonds(B.edge_update, B.edge_first, b, e_, upd_);
        wrbf_.resize(static_cast<std::size_t>(E) * D);
        ops_.linear(B.edge_weight, rbf_e_.data(), E, n_basis, wrbf_.data(), D, act::none);
        for (std::size_t i = 0; i < e_.size(); ++i) e_[i] += upd_[i] * wrbf_[i];
        // Node update with the new bond features.
        gated_on_bonds(B.node_update, B.node_first, b, e_, upd_);
        ops_.linear(B.node_weight, rbf_e_.data(), E, n_basis, wrbf_.data(), D, act::none);
        for (std::size_t i = 0; i < upd_.size(); ++i) upd_[i] *= wrbf_[i];
        msg_.resize(static_cast<std::size_t>(N) * D);
        cpu::segment_sum_by_index(upd_.data(), b.dst.data(), E, D, msg_.data(), N);
        for (std::size_t i = 0; i < v_.size(); ++i) v_[i] += msg_[i];
    }

    cpu::ops ops_;
    std::string name_;
    std::vector<std::string> outputs_, units_;
    std::array<int, 119> types_{};
    double cutoff_ = 5.0, rc3_ = 4.0;
    radial_basis rbf_;
    int D_ = 64, n_blocks_ = 3, s2s_iters_ = 3;
    bool potential_ = false;
    float mean_ = 0, std_ = 1;
    std::vector<float> node_emb_, elem_ref_;
    dense edge_emb_;
    std::vector<block> blocks_;
    gated_mlp readout_gated_;
    std::vector<cpu::lstm_layer> s2s_;
    std::vector<dense> head_;
    // Scratch, reused across batches.
    std::vector<float> v_, e_, rbf_e_, fc_, t_weight_, t_basis_, atom_w_, new_bonds_, upd_, wrbf_, msg_, atom_e_,
        s2s_out_, h1_, h2_, y_, ga_, gb_, gc_, gd_, node_part_, edge_part_;
    std::vector<std::int32_t> node_type_, t_atom_, t_target_;
};

}  // namespace

std::unique_ptr<model> make(const model_weights& w, const model_options& opt) {
    return std::make_unique<m3gnet_cpu>(w, opt);
}

}  // namespace xtalsieve::m3gnet
