// MEGNet's forward pass, in MatGL 2.0.4's order of operations:
//   bond lengths -> Gaussians exp(-w (d - c)^2) (centres from the state dict)
//   node type -> embedding; state: the raw state vector, or an embedding of
//   the fidelity index for the multi-fidelity model
//   encoders: two dense layers each for edges, nodes and state (softplus2)
//   3 blocks: (blocks 1, 2: two dense layers on e, v, u), then
//     e' = phi_e[v_src, v_dst, e, u], v' = phi_v[v, mean_in(e'), u],
//     u' = phi_u[u, mean(e'), mean(v')], each three dense layers (softplus2),
//     and the residual adds the block's input
//   Set2Set over nodes and over edges, [nodes | edges | u] -> three dense
//   layers -> out * std + mean.
#include "engine/models/megnet/megnet.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "engine/cpu/ops.hpp"
#include "engine/models/matgl/common.hpp"
#include "engine/models/megnet/params.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::megnet {

namespace {

using cpu::act;
using cpu::dense;

class megnet_cpu final : public model {
public:
    // The weights and their checks are params.cpp's (shared with the CUDA
    // backend); the members below are named as the forward pass uses them.
    megnet_cpu(const params& p, const model_options& opt)
        : ops_(opt.isa), name_(p.name), outputs_(p.outputs), units_(p.units), types_(p.types), cutoff_(p.cutoff),
          width_(p.width), mean_(p.mean), std_(p.std), n_iters_(p.n_iters), dim_node_(p.dim_node),
          dim_state_(p.dim_state), D_(p.D), fidelities_(p.fidelities), centers_(p.centers), node_emb_(p.node_emb),
          state_emb_(p.state_emb), edge_enc_(p.edge_enc), node_enc_(p.node_enc), state_enc_(p.state_enc),
          head_(p.head), blocks_(p.blocks), node_s2s_(p.node_s2s), edge_s2s_(p.edge_s2s) {}

    const std::string& name() const override { return name_; }
    std::vector<std::string> outputs() const override { return outputs_; }
    std::vector<std::string> units() const override { return units_; }
    bool classification() const override { return false; }
    graph_options graph() const override { return graph_of(cutoff_); }

    void predict(const graph_batch& b, std::span<double> out) override {
        const auto N = static_cast<std::int64_t>(b.n_atoms());
        const auto E = static_cast<std::int64_t>(b.n_edges());
        const auto S = static_cast<std::int64_t>(b.n_structures());
        const auto no = static_cast<std::int64_t>(outputs_.size());
        XS_ASSERT(static_cast<std::int64_t>(out.size()) == S * no);
        const int G = static_cast<int>(centers_.size());
        const int H = edge_enc_[0].out;  // encoder hidden width

        // Edge Gaussians and the state-independent encoders.
        gauss_.resize(static_cast<std::size_t>(E) * G);
        for (std::int64_t e = 0; e < E; ++e) {
            const float d = b.bond_dist[e];
            for (int k = 0; k < G; ++k) {
                const float x = d - centers_[k];
                gauss_[e * G + k] = -width_ * (x * x);
            }
        }
        // The vector exp (about 1 ulp from expf; 0 where e^x < 1.7e-38): the
        // E x G exponentials were 7 % of an end-to-end run in libm's expf.
        ops_.kernels().exp(gauss_.data(), E * G);
        tmp_.resize(static_cast<std::size_t>(std::max(E, N)) * std::max(H, node_enc_[0].out));  // the encoders' hidden layer
        e_enc_.resize(static_cast<std::size_t>(E) * D_);
        ops_.linear(edge_enc_[0], gauss_.data(), E, G, tmp_.data(), H, act::softplus2);
        ops_.linear(edge_enc_[1], tmp_.data(), E, H, e_enc_.data(), D_, act::softplus2);
        emb_.resize(static_cast<std::size_t>(N) * dim_node_);
        matgl::embed_nodes(types_, node_emb_, dim_node_, b.numbers, name_, emb_.data());
        v_enc_.resize(static_cast<std::size_t>(N) * D_);
        ops_.linear(node_enc_[0], emb_.data(), N, dim_node_, tmp_.data(), H, act::softplus2);
        ops_.linear(node_enc_[1], tmp_.data(), N, H, v_enc_.data(), D_, act::softplus2);

        // Graph index of every edge (for the state broadcast).
        edge_graph_.resize(static_cast<std::size_t>(E));
        node_graph_.resize(static_cast<std::size_t>(N));
        for (std::int64_t s = 0; s < S; ++s) {
            for (auto e = b.edge_offsets[s]; e < b.edge_offsets[s + 1]; ++e) edge_graph_[e] = static_cast<std::int32_t>(s);
            for (auto i = b.offsets[s]; i < b.offsets[s + 1]; ++i) node_graph_[i] = static_cast<std::int32_t>(s);
        }

        for (std::int64_t f = 0; f < no; ++f) {
            // State input: the fidelity's embedding, or the zero state.
            state_in_.assign(static_cast<std::size_t>(S) * dim_state_, 0.0f);
            if (fidelities_[f] >= 0)
                for (std::int64_t s = 0; s < S; ++s)
                    std::memcpy(&state_in_[s * dim_state_], &state_emb_[static_cast<std::size_t>(fidelities_[f]) * dim_state_],
                                sizeof(float) * dim_state_);
            std::vector<float> u0(static_cast<std::size_t>(S) * H);
            u_.resize(static_cast<std::size_t>(S) * D_);
            ops_.linear(state_enc_[0], state_in_.data(), S, dim_state_, u0.data(), H, act::softplus2);
            ops_.linear(state_enc_[1], u0.data(), S, H, u_.data(), D_, act::softplus2);
            e_ = e_enc_;
            v_ = v_enc_;
            for (const block& B : blocks_) run_block(B, b, N, E, S);
            // Readout.
            s2s_.resize(static_cast<std::size_t>(S) * 5 * D_);
            node_r_.resize(static_cast<std::size_t>(S) * 2 * D_);
            edge_r_.resize(static_cast<std::size_t>(S) * 2 * D_);
            cpu::set2set(node_s2s_, n_iters_, v_.data(), D_, b.offsets.data(), S, node_r_.data());
            cpu::set2set(edge_s2s_, n_iters_, e_.data(), D_, b.edge_offsets.data(), S, edge_r_.data());
            for (std::int64_t s = 0; s < S; ++s) {
                float* r = &s2s_[s * 5 * D_];
                std::memcpy(r, &node_r_[s * 2 * D_], sizeof(float) * 2 * D_);
                std::memcpy(r + 2 * D_, &edge_r_[s * 2 * D_], sizeof(float) * 2 * D_);
                std::memcpy(r + 4 * D_, &u_[s * D_], sizeof(float) * D_);
            }
            h1_.resize(static_cast<std::size_t>(S) * head_[0].out);
            h2_.resize(static_cast<std::size_t>(S) * head_[1].out);
            y_.resize(static_cast<std::size_t>(S));
            ops_.linear(head_[0], s2s_.data(), S, 5 * D_, h1_.data(), head_[0].out, act::softplus2);
            ops_.linear(head_[1], h1_.data(), S, head_[0].out, h2_.data(), head_[1].out, act::softplus2);
            ops_.linear(head_[2], h2_.data(), S, head_[1].out, y_.data(), 1, act::none);
            for (std::int64_t s = 0; s < S; ++s) out[s * no + f] = static_cast<double>(y_[s] * std_ + mean_);
        }
    }

private:
    using block = block_params;

    // x [rows, in] through layers first.. of a stack of dense layers with
    // softplus2 after each; result in y.
    void mlp(const std::vector<dense>& L, const float* x, std::int64_t rows, std::int64_t ldx, std::vector<float>& y,
             std::size_t first = 0) {
        const float* in = x;
        std::int64_t ld = ldx;
        for (std::size_t l = first; l < L.size(); ++l) {
            std::vector<float>& o = (l + 1 == L.size()) ? y : (l % 2 == 0 ? mlp_a_ : mlp_b_);
            o.resize(static_cast<std::size_t>(rows) * L[l].out);
            ops_.linear(L[l], in, rows, ld, o.data(), L[l].out, act::softplus2);
            in = o.data();
            ld = L[l].out;
        }
    }

    void run_block(const block& B, const graph_batch& b, std::int64_t N, std::int64_t E, std::int64_t S) {
        const int D = D_;
        const float *e1 = e_.data(), *v1 = v_.data(), *u1 = u_.data();
        if (!B.pre_e.empty()) {
            mlp(B.pre_e, e_.data(), E, D, pe_);
            mlp(B.pre_v, v_.data(), N, D, pv_);
            mlp(B.pre_u, u_.data(), S, D, pu_);
            e1 = pe_.data();
            v1 = pv_.data();
            u1 = pu_.data();
        }
        // Edge update on [v_src | v_dst | e | u], its first layer split (see
        // edge_first_layer): per atom, per structure and per bond products,
        // summed per bond, then the layers after the first.
        const edge_first_layer& f = B.phi_e_first;
        const int o = f.out;
        node_part_.resize(static_cast<std::size_t>(N) * 2 * o);
        state_part_.resize(static_cast<std::size_t>(S) * o);
        z_.resize(static_cast<std::size_t>(E) * o);
        ops_.linear(f.node, v1, N, D, node_part_.data(), 2 * o, act::none);
        ops_.linear(f.state, u1, S, D, state_part_.data(), o, act::none);
        ops_.linear(f.edge, e1, E, D, z_.data(), o, act::none);
        for (std::int64_t e = 0; e < E; ++e) {
            float* z = &z_[static_cast<std::size_t>(e) * o];
            const float* ps = &node_part_[static_cast<std::size_t>(b.src[e]) * 2 * o];
            const float* pd = &node_part_[static_cast<std::size_t>(b.dst[e]) * 2 * o + o];
            const float* pu = &state_part_[static_cast<std::size_t>(edge_graph_[e]) * o];
            for (int c = 0; c < o; ++c) z[c] = static_cast<float>((double(z[c]) + ps[c]) + (double(pd[c]) + pu[c]));
        }
        ops_.apply(act::softplus2, z_.data(), E * o);
        mlp(B.phi_e, z_.data(), E, o, e2_, 1);
        // Node update on [v | mean of incoming e' | u].
        ve_.resize(static_cast<std::size_t>(N) * D);
        cpu::segment_mean_by_index(e2_.data(), b.dst.data(), E, D, ve_.data(), N);
        cat_.resize(static_cast<std::size_t>(N) * 3 * D);
        for (std::int64_t i = 0; i < N; ++i) {
            float* r = &cat_[i * 3 * D];
            std::memcpy(r, v1 + i * D, sizeof(float) * D);
            std::memcpy(r + D, &ve_[i * D], sizeof(float) * D);
            std::memcpy(r + 2 * D, u1 + static_cast<std::int64_t>(node_graph_[i]) * D, sizeof(float) * D);
        }
        mlp(B.phi_v, cat_.data(), N, 3 * D, v2_);
        // State update on [u | mean e' | mean v'].
        ue_.resize(static_cast<std::size_t>(S) * D);
        uv_.resize(static_cast<std::size_t>(S) * D);
        cpu::range_mean(e2_.data(), b.edge_offsets.data(), S, D, ue_.data());
        cpu::range_mean(v2_.data(), b.offsets.data(), S, D, uv_.data());
        cat_.resize(static_cast<std::size_t>(S) * 3 * D);
        for (std::int64_t s = 0; s < S; ++s) {
            float* r = &cat_[s * 3 * D];
            std::memcpy(r, u1 + s * D, sizeof(float) * D);
            std::memcpy(r + D, &ue_[s * D], sizeof(float) * D);
            std::memcpy(r + 2 * D, &uv_[s * D], sizeof(float) * D);
        }
        mlp(B.phi_u, cat_.data(), S, 3 * D, u2_);
        for (std::size_t i = 0; i < e_.size(); ++i) e_[i] += e2_[i];
        for (std::size_t i = 0; i < v_.size(); ++i) v_[i] += v2_[i];
        for (std::size_t i = 0; i < u_.size(); ++i) u_[i] = u2_[i] + u_[i];
    }

    cpu::ops ops_;
    std::string name_;
    std::vector<std::string> outputs_, units_;
    std::array<int, 119> types_{};
    double cutoff_ = 4.0;
    float width_ = 0.5f, mean_ = 0, std_ = 1;
    int n_iters_ = 2, dim_node_ = 16, dim_state_ = 2, D_ = 32;
    std::vector<int> fidelities_;
    std::vector<float> centers_, node_emb_, state_emb_;
    std::vector<dense> edge_enc_, node_enc_, state_enc_, head_;
    std::vector<block> blocks_;
    std::vector<cpu::lstm_layer> node_s2s_, edge_s2s_;
    // Scratch, reused across batches.
    std::vector<float> gauss_, tmp_, e_enc_, v_enc_, emb_, state_in_, e_, v_, u_, pe_, pv_, pu_, cat_, e2_, v2_, u2_,
        ve_, ue_, uv_, mlp_a_, mlp_b_, s2s_, node_r_, edge_r_, h1_, h2_, y_, node_part_, state_part_, z_;
    std::vector<std::int32_t> edge_graph_, node_graph_;
};

}  // namespace

std::unique_ptr<model> make(const model_weights& w, const model_options& opt) {
    return std::make_unique<megnet_cpu>(prepare(w), opt);
}

}  // namespace xtalsieve::megnet
