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
#include "engine/models/m3gnet/params.hpp"
#include "engine/models/matgl/common.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::m3gnet {

namespace {

using cpu::act;

class m3gnet_cpu final : public model {
public:
    m3gnet_cpu(const model_weights& w, const model_options& opt)
        : ops_(opt.isa), p_(prepare(w)), rbf_(static_cast<float>(p_.cutoff)) {}

    const std::string& name() const override { return p_.name; }
    std::vector<std::string> outputs() const override { return p_.outputs; }
    std::vector<std::string> units() const override { return p_.units; }
    bool classification() const override { return false; }
    // Triplet scratch is ~100 bytes x ~2,000 triplets per atom at 5 Å: 64
    // atoms keep a worker's buffers near 13 MB. 64 rather than 256: a
    // 2-thread screen's peak RSS fell from 226-243 MB to 153-162 MB and it ran
    // faster (the batch's bonds, ~2,500 GEMM rows, still fill the tiles).
    std::size_t max_batch_atoms() const override { return 64; }
    // Small generated perovskites (a near 3.5 Å) have ~5,000 triplets per
    // atom: without this bound a batch of them needs 2.5 times that scratch.
    std::size_t max_batch_triplets() const override { return 64 * 2000; }
    graph_options graph() const override { return graph_of(p_.cutoff, p_.rc3); }

    void predict(const graph_batch& b, std::span<double> out) override {
        const auto N = static_cast<std::int64_t>(b.n_atoms());
        const auto E = static_cast<std::int64_t>(b.n_edges());
        const auto S = static_cast<std::int64_t>(b.n_structures());
        const int D = p_.D;
        XS_ASSERT(out.size() == static_cast<std::size_t>(S) * p_.outputs.size());

        // Node embedding, radial basis, edge embedding.
        v_.resize(static_cast<std::size_t>(N) * D);
        node_type_.resize(static_cast<std::size_t>(N));
        matgl::embed_nodes(p_.types, p_.node_emb, D, b.numbers, p_.name, v_.data(), node_type_.data());
        rbf_e_.resize(static_cast<std::size_t>(E) * n_basis);
        fc_.resize(static_cast<std::size_t>(E));
        for (std::int64_t e = 0; e < E; ++e) {
            rbf_(b.bond_dist[e], &rbf_e_[e * n_basis]);
            fc_[e] = polynomial_cutoff(b.bond_dist[e], static_cast<float>(p_.rc3));
        }
        e_.resize(static_cast<std::size_t>(E) * D);
        ops_.linear(p_.edge_emb, rbf_e_.data(), E, n_basis, e_.data(), D, act::silu);
        prepare_three_body(b);

        for (const block_params& B : p_.blocks) {
            three_body_step(B, b);
            conv_step(B, b);
        }

        if (p_.potential) {
            gated(p_.readout_gated, v_.data(), N, D, atom_e_);
            for (std::int64_t s = 0; s < S; ++s) {
                float sum = 0, ref = 0;
                for (auto i = b.offsets[s]; i < b.offsets[s + 1]; ++i) sum += atom_e_[i];
                for (auto i = b.offsets[s]; i < b.offsets[s + 1]; ++i) ref += p_.elem_ref.at(static_cast<std::size_t>(node_type_[i]));
                const float energy = (p_.std * sum + p_.mean) + ref;
                out[s * 2] = static_cast<double>(energy);
                out[s * 2 + 1] = static_cast<double>(energy) / static_cast<double>(b.offsets[s + 1] - b.offsets[s]);
            }
        } else {
            s2s_out_.resize(static_cast<std::size_t>(S) * 2 * D);
            cpu::set2set(p_.s2s, p_.s2s_iters, v_.data(), D, b.offsets.data(), S, s2s_out_.data());
            h1_.resize(static_cast<std::size_t>(S) * p_.head[0].out);
            h2_.resize(static_cast<std::size_t>(S) * p_.head[1].out);
            y_.resize(static_cast<std::size_t>(S));
            ops_.linear(p_.head[0], s2s_out_.data(), S, 2 * D, h1_.data(), p_.head[0].out, act::silu);
            ops_.linear(p_.head[1], h1_.data(), S, p_.head[0].out, h2_.data(), p_.head[1].out, act::silu);
            ops_.linear(p_.head[2], h2_.data(), S, p_.head[1].out, y_.data(), 1, act::none);
            for (std::int64_t s = 0; s < S; ++s) out[s] = static_cast<double>(y_[s] * p_.std + p_.mean);
        }
    }

private:
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
        ops_.linear(f.node, v_.data(), N, p_.D, node_part_.data(), 4 * o, act::none);
        edge_part_.resize(static_cast<std::size_t>(E) * 2 * o);
        ops_.linear(f.edge, e.data(), E, p_.D, edge_part_.data(), 2 * o, act::none);
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
    // cutoff weight and its basis, all with upstream's indexing (see top and
    // three_body_indices).
    void prepare_three_body(const graph_batch& b) {
        const auto S = static_cast<std::int64_t>(b.n_structures());
        const auto T = static_cast<std::int64_t>(b.trip_ij.size());
        t_atom_.resize(static_cast<std::size_t>(T));
        t_target_.resize(static_cast<std::size_t>(T));
        t_wij_.resize(static_cast<std::size_t>(T));
        t_wik_.resize(static_cast<std::size_t>(T));
        t_weight_.resize(static_cast<std::size_t>(T));
        t_basis_.resize(static_cast<std::size_t>(T) * n_basis);
        for (std::int64_t s = 0; s < S; ++s) {
            const auto t0 = b.triplet_offsets[s];
            three_body_indices(b, p_.rc3, s, t_atom_.data() + t0, t_wij_.data() + t0, t_wik_.data() + t0,
                               t_target_.data() + t0);
        }
        for (std::int64_t t = 0; t < T; ++t) {
            t_weight_[t] = fc_[t_wij_[t]] * fc_[t_wik_[t]];
            // Geometry of the true pruned bonds: the neighbour bond's length, cos θ.
            // The neighbour bond's radial basis is its edge basis (same length, same function).
            const float* sb = &rbf_e_[static_cast<std::size_t>(b.trip_ik[t]) * n_basis];
            float y[3];
            spherical_y0(b.cos_theta[t], y);
            for (int l = 0; l < max_l; ++l)
                for (int n = 0; n < max_n; ++n) t_basis_[t * n_basis + l * max_n + n] = sb[l * max_n + n] * y[l];
        }
    }

    void three_body_step(const block_params& B, const graph_batch& b) {
        const auto N = static_cast<std::int64_t>(b.n_atoms());
        const auto E = static_cast<std::int64_t>(b.n_edges());
        const auto T = static_cast<std::int64_t>(b.trip_ij.size());
        if (T == 0) return;
        atom_w_.resize(static_cast<std::size_t>(N) * n_basis);
        ops_.linear(B.atom, v_.data(), N, p_.D, atom_w_.data(), n_basis, act::sigmoid);
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

    void conv_step(const block_params& B, const graph_batch& b) {
        const auto N = static_cast<std::int64_t>(b.n_atoms());
        const auto E = static_cast<std::int64_t>(b.n_edges());
        const int D = p_.D;
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
    params p_;
    radial_basis rbf_;
    // Scratch, reused across batches.
    std::vector<float> v_, e_, rbf_e_, fc_, t_weight_, t_basis_, atom_w_, new_bonds_, upd_, wrbf_, msg_, atom_e_,
        s2s_out_, h1_, h2_, y_, ga_, gb_, gc_, gd_, node_part_, edge_part_;
    std::vector<std::int32_t> node_type_, t_atom_, t_target_, t_wij_, t_wik_;
};

}  // namespace

std::unique_ptr<model> make(const model_weights& w, const model_options& opt) {
    return std::make_unique<m3gnet_cpu>(w, opt);
}

}  // namespace xtalsieve::m3gnet
