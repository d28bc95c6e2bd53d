#include "engine/cpu/cgcnn_cpu.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/cpu/cgcnn_kernels.hpp"
#include "engine/cpu/dnnl_matmul.hpp"
#include "engine/cpu/vec_math.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::cpu {

namespace {

struct layer_state {
    std::unique_ptr<matmul_f32> pq;   // v -> [W_self v + bias | W_nbr v]
    std::vector<float> w_bond_t;       // [41, 2A]
    std::vector<float> table;          // approximate mode: [table_rows, 2A]
};

class cgcnn_cpu final : public model {
public:
    cgcnn_cpu(std::shared_ptr<const cgcnn::params> p, precision mode)
        : p_(std::move(p)), conv_(select_conv_kernel()), mode_(mode) {
        const int A = p_->A;
        for (const cgcnn::conv_layer& c : p_->convs) {
            layer_state L;
            std::vector<float> w(c.w_self);
            w.insert(w.end(), c.w_nbr.begin(), c.w_nbr.end());
            std::vector<float> b(c.bias);
            b.resize(4 * A, 0.0f);
            L.pq = std::make_unique<matmul_f32>(A, 4 * A, w.data(), b.data());
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
    }

    const std::string& name() const override { return p_->name; }
    bool classification() const override { return p_->classification; }
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

        next_.resize(v_.size());
        pq_.resize(static_cast<std::size_t>(N) * 4 * A);
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            layers_[l].pq->run(v_.data(), N, pq_.data());
            conv_args a{pq_.data(), v_.data(), batch.nbr_idx.data(), win_.data(), layers_[l].w_bond_t.data(),
                        p.convs[l].bn2_scale.data(), p.convs[l].bn2_shift.data(), next_.data(), N, M, A,
                        layers_[l].table.empty() ? nullptr : layers_[l].table.data()};
            conv_(a);
            v_.swap(next_);
        }
        head(batch, out);
    }

private:
    // Mean pooling and the fully connected head, per structure.
    void head(const graph_batch& batch, std::span<double> out) {
        const cgcnn::params& p = *p_;
        const int A = p.A, H = p.H;
        std::vector<float> pooled(A), h(H), h2(H);
        for (std::size_t s = 0; s < batch.n_structures(); ++s) {
            const auto lo = batch.offsets[s], hi = batch.offsets[s + 1];
            std::fill(pooled.begin(), pooled.end(), 0.0f);
            for (auto i = lo; i < hi; ++i)
                for (int a = 0; a < A; ++a) pooled[a] += v_[i * A + a];
            for (int a = 0; a < A; ++a) pooled[a] = softplus(pooled[a] / static_cast<float>(hi - lo));
            dense(p.w_fc.data(), p.b_fc.data(), pooled.data(), A, H, h.data());
            for (std::size_t l = 0; l < p.w_h.size(); ++l) {
                dense(p.w_h[l].data(), p.b_h[l].data(), h.data(), H, H, h2.data());
                h.swap(h2);
            }
            float o[2] = {0, 0};
            for (int k = 0; k < p.n_out; ++k) {
                float acc = p.b_out[k];
                for (int q = 0; q < H; ++q) acc += p.w_out[k * H + q] * h[q];
                o[k] = acc;
            }
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

    // y = softplus(W x + b), W [n_out, n_in].
    static void dense(const float* w, const float* b, const float* x, int n_in, int n_out, float* y) {
        for (int o = 0; o < n_out; ++o) {
            float acc = b[o];
            for (int k = 0; k < n_in; ++k) acc += w[o * n_in + k] * x[k];
            y[o] = softplus(acc);
        }
    }

    std::shared_ptr<const cgcnn::params> p_;
    conv_fn conv_;
    precision mode_;
    std::vector<layer_state> layers_;
    std::vector<float> v_, next_, pq_;
    std::vector<gauss_win> win_;
};

}  // namespace

std::unique_ptr<model> make_cgcnn(std::shared_ptr<const cgcnn::params> p, precision mode) {
    return std::make_unique<cgcnn_cpu>(std::move(p), mode);
}

}  // namespace xtalsieve::cpu
