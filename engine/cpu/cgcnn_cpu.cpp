#include "engine/cpu/cgcnn_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/cpu/isa.hpp"
#include "engine/cpu/kernels.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::cpu {

namespace {

// A PyTorch weight [n, k] transposed to the kernels' [k, n].
std::vector<float> transpose(const std::vector<float>& w, int n, int k) {
    std::vector<float> t(w.size());
    for (int o = 0; o < n; ++o)
        for (int i = 0; i < k; ++i) t[static_cast<std::size_t>(i) * n + o] = w[static_cast<std::size_t>(o) * k + i];
    return t;
}

struct layer_state {
    std::vector<float> w_pq_t, b_pq;   // v -> [W_self v + bias | W_nbr v]: [A, 4A], [4A]
    std::vector<float> w_bond_t;       // [41, 2A]
    std::vector<float> table;          // approximate mode: [table_rows, 2A]
};

class cgcnn_cpu final : public model {
public:
    cgcnn_cpu(std::shared_ptr<const cgcnn::params> p, precision mode, std::string_view isa_req)
        : p_(std::move(p)), k_(kernels(resolve_isa(isa_req))), mode_(mode) {
        const int A = p_->A;
        for (const cgcnn::conv_layer& c : p_->convs) {
            layer_state L;
            std::vector<float> w(c.w_self);
            w.insert(w.end(), c.w_nbr.begin(), c.w_nbr.end());
            std::vector<float> b(c.bias);
            b.resize(4 * A, 0.0f);
            L.w_pq_t = transpose(w, 4 * A, A);
            L.b_pq = std::move(b);
            L.w_bond_t.resize(static_cast<std::size_t>(cgcnn::n_gaussians) * 2 * A);
            for (int o = 0; o < 2 * A; ++o)
                for (int k = 0; k < cgcnn::n_gaussians; ++k)
                    L.w_bond_t[k * 2 * A + o] = c.w_bond[o * cgcnn::n_gaussians + k];
            if (mode_ == precision::table) {
                // Exact bond block at each grid distance (double accumulation).
                L.table.resize(static_cast<std::size_t>(table_rows) * 2 * A);
                double g[cgcnn::n_gaussians];
                for (int i = 0; i < table_rows; ++i) {
                    const double d = i * table_step;
                    for (int k = 0; k < cgcnn::n_gaussians; ++k) {
                        const double x = d - k * cgcnn::gauss_step;
                        g[k] = static_cast<float>(std::exp(-x * x / (cgcnn::gauss_var * cgcnn::gauss_var)));
                    }
                    for (int o = 0; o < 2 * A; ++o) {
                        double acc = 0;
                        for (int k = 0; k < cgcnn::n_gaussians; ++k) acc += g[k] * c.w_bond[o * cgcnn::n_gaussians + k];
                        L.table[static_cast<std::size_t>(i) * 2 * A + o] = static_cast<float>(acc);
                    }
                }
            }
            layers_.push_back(std::move(L));
        }
        w_fc_t_ = transpose(p_->w_fc, p_->H, A);
        for (const auto& w : p_->w_h) w_h_t_.push_back(transpose(w, p_->H, p_->H));
        w_out_t_ = transpose(p_->w_out, p_->n_out, p_->H);
    }

    const std::string& name() const override { return p_->name; }
    bool classification() const override { return p_->classification; }
    std::vector<std::string> units() const override { return {cgcnn::unit_of(*p_)}; }
    graph_options graph() const override { return {}; }

    void predict(const graph_batch& batch, std::span<double> out) override {
        const cgcnn::params& p = *p_;
        const auto N = static_cast<std::int64_t>(batch.n_atoms());
        const int M = batch.max_neighbors;
        const int A = p.A;
        XS_ASSERT(out.size() == batch.n_structures());

        v_.resize(static_cast<std::size_t>(N) * A);
        for (std::int64_t i = 0; i < N; ++i) {
            const int z = batch.numbers[i];
            if (z < 1 || z >= static_cast<int>(p.known.size()) || !p.known[z])
                throw error(p.name + ": element Z=" + std::to_string(z) + " has no features in atom_init.json");
            std::copy_n(&p.emb[static_cast<std::size_t>(z) * A], A, &v_[i * A]);
        }
        // Bond features are shared by every layer.
        win_.resize(static_cast<std::size_t>(N) * M);
        if (mode_ == precision::table) {
            for (std::int64_t e = 0; e < N * M; ++e) {
                const double x = std::clamp(static_cast<double>(batch.nbr_dist[e]) / table_step, 0.0, table_rows - 1.001);
                win_[e].k0 = static_cast<std::int32_t>(x);
                win_[e].g[0] = static_cast<float>(x - win_[e].k0);
            }
        } else {
            for (std::int64_t e = 0; e < N * M; ++e) make_gauss_window(batch.nbr_dist[e], win_[e]);
        }

        // Slots that repeat an earlier slot of their atom (symmetric cells)
        // reuse its gate in every layer; see conv_args::same_as.
        // (Slot numbers are int8: a model with more than 127 slots goes without.)
        same_as_.resize(M <= 127 ? static_cast<std::size_t>(N) * M : 0);
        if (!same_as_.empty()) same_slots(batch.nbr_idx.data(), batch.nbr_dist.data(), N, M, same_as_.data());

        next_.resize(v_.size());
        pq_.resize(static_cast<std::size_t>(N) * 4 * A);
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            gemm_args g{v_.data(), N, A, layers_[l].w_pq_t.data(), layers_[l].b_pq.data(), pq_.data(), 4 * A, A, 4 * A};
            k_.gemm(g);
            conv_args a{pq_.data(), v_.data(), batch.nbr_idx.data(), win_.data(), layers_[l].w_bond_t.data(),
                        p.convs[l].bn2_scale.data(), p.convs[l].bn2_shift.data(), next_.data(), N, M, A,
                        layers_[l].table.empty() ? nullptr : layers_[l].table.data(),
                        same_as_.empty() ? nullptr : same_as_.data()};
            k_.conv(a);
            v_.swap(next_);
        }
        head(batch, out);
    }

private:
    // Mean pooling and the fully connected head, all structures of the batch
    // at once: each structure is one row of every product (rows independent).
    void head(const graph_batch& batch, std::span<double> out) {
        const cgcnn::params& p = *p_;
        const int A = p.A, H = p.H;
        const auto S = static_cast<std::int64_t>(batch.n_structures());
        pooled_.assign(static_cast<std::size_t>(S) * A, 0.0f);
        for (std::int64_t s = 0; s < S; ++s) {
            const auto lo = batch.offsets[s], hi = batch.offsets[s + 1];
            float* ps = &pooled_[s * A];
            for (auto i = lo; i < hi; ++i)
                for (int a = 0; a < A; ++a) ps[a] += v_[i * A + a];
            const float n = static_cast<float>(hi - lo);
            for (int a = 0; a < A; ++a) ps[a] /= n;
        }
        k_.softplus(pooled_.data(), S * A);
        h_.resize(static_cast<std::size_t>(S) * H);
        h2_.resize(h_.size());
        k_.gemm({pooled_.data(), S, A, w_fc_t_.data(), p.b_fc.data(), h_.data(), H, A, H, epilogue::softplus});
        for (std::size_t l = 0; l < w_h_t_.size(); ++l) {
            k_.gemm({h_.data(), S, H, w_h_t_[l].data(), p.b_h[l].data(), h2_.data(), H, H, H, epilogue::softplus});
            h_.swap(h2_);
        }
        o_.resize(static_cast<std::size_t>(S) * p.n_out);
        k_.gemm({h_.data(), S, H, w_out_t_.data(), p.b_out.data(), o_.data(), p.n_out, H, p.n_out, epilogue::none});
        for (std::int64_t s = 0; s < S; ++s) {
            const float* o = &o_[s * p.n_out];
            if (p.classification) {
                // exp(log_softmax(o))[1]
                const double m = std::max(o[0], o[1]);
                const double lse = m + std::log(std::exp(o[0] - m) + std::exp(o[1] - m));
                out[s] = std::exp(o[1] - lse);
            } else {
                out[s] = static_cast<double>(o[0]) * p.norm_std + p.norm_mean;
            }
        }
    }

    std::shared_ptr<const cgcnn::params> p_;
    const kernel_table& k_;
    precision mode_;
    std::vector<layer_state> layers_;
    std::vector<float> w_fc_t_, w_out_t_;
    std::vector<std::vector<float>> w_h_t_;
    std::vector<float> v_, next_, pq_, pooled_, h_, h2_, o_;
    std::vector<gauss_win> win_;
    std::vector<std::int8_t> same_as_;
};

}  // namespace

std::unique_ptr<model> make_cgcnn(std::shared_ptr<const cgcnn::params> p, precision mode, std::string_view isa) {
    return std::make_unique<cgcnn_cpu>(std::move(p), mode, isa);
}

}  // namespace xtalsieve::cpu
