#include "engine/cpu/cgcnn_cpu.hpp"

#include <Eigen/Core>
#include <cmath>
#include <string>

#include "xtalsieve/error.hpp"

namespace xtalsieve::cpu {

namespace {

using mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using cmap = Eigen::Map<const mat>;
using map = Eigen::Map<mat>;

// PyTorch's Softplus(beta=1, threshold=20).
inline float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

class cgcnn_cpu final : public model {
public:
    explicit cgcnn_cpu(std::shared_ptr<const cgcnn::params> p) : p_(std::move(p)) {}

    const std::string& name() const override { return p_->name; }
    bool classification() const override { return p_->classification; }
    graph_options graph() const override { return {}; }

    void predict(const graph_batch& batch, std::span<double> out) override {
        const cgcnn::params& p = *p_;
        const auto N = static_cast<Eigen::Index>(batch.n_atoms());
        const int M = batch.max_neighbors;
        const int A = p.A;
        const auto E = N * M;
        XS_ASSERT(out.size() == batch.n_structures());

        v_.resize(N, A);
        for (Eigen::Index i = 0; i < N; ++i) {
            const int z = batch.numbers[i];
            if (z < 1 || z >= static_cast<int>(p.known.size()) || !p.known[z])
                throw error(p.name + ": element Z=" + std::to_string(z) + " has no features in atom_init.json");
            v_.row(i) = Eigen::Map<const Eigen::RowVectorXf>(&p.emb[static_cast<std::size_t>(z) * A], A);
        }

        // Bond features are shared by every layer.
        gauss_.resize(E, cgcnn::n_gaussians);
        const double inv_var2 = 1.0 / (cgcnn::gauss_var * cgcnn::gauss_var);
        for (Eigen::Index e = 0; e < E; ++e) {
            const double d = batch.nbr_dist[e];
            for (int k = 0; k < cgcnn::n_gaussians; ++k) {
                const double x = d - k * cgcnn::gauss_step;
                gauss_(e, k) = static_cast<float>(std::exp(-x * x * inv_var2));
            }
        }

        for (const cgcnn::conv_layer& c : p.convs) {
            self_.noalias() = v_ * cmap(c.w_self.data(), 2 * A, A).transpose();
            nbr_.noalias() = v_ * cmap(c.w_nbr.data(), 2 * A, A).transpose();
            bond_.noalias() = gauss_ * cmap(c.w_bond.data(), 2 * A, cgcnn::n_gaussians).transpose();
            next_.resize(N, A);
            for (Eigen::Index i = 0; i < N; ++i) {
                float* s = next_.row(i).data();
                for (int a = 0; a < A; ++a) s[a] = 0.0f;
                const float* pi = self_.row(i).data();
                for (int m = 0; m < M; ++m) {
                    const Eigen::Index e = i * M + m;
                    const float* qj = nbr_.row(batch.nbr_idx[e]).data();
                    const float* g = bond_.row(e).data();
                    for (int a = 0; a < A; ++a) {
                        const float zf = pi[a] + qj[a] + g[a] + c.bias[a];
                        const float zc = pi[A + a] + qj[A + a] + g[A + a] + c.bias[A + a];
                        s[a] += sigmoid(zf) * softplus(zc);
                    }
                }
                const float* vi = v_.row(i).data();
                for (int a = 0; a < A; ++a) s[a] = softplus(vi[a] + (s[a] * c.bn2_scale[a] + c.bn2_shift[a]));
            }
            v_.swap(next_);
        }

        const int H = p.H;
        Eigen::RowVectorXf pooled(A), h(H), h2(H);
        for (std::size_t sidx = 0; sidx < batch.n_structures(); ++sidx) {
            const auto lo = batch.offsets[sidx], hi = batch.offsets[sidx + 1];
            pooled = v_.middleRows(lo, hi - lo).colwise().sum() / static_cast<float>(hi - lo);
            for (int a = 0; a < A; ++a) pooled[a] = softplus(pooled[a]);
            h = pooled * cmap(p.w_fc.data(), H, A).transpose() +
                Eigen::Map<const Eigen::RowVectorXf>(p.b_fc.data(), H);
            for (int k = 0; k < H; ++k) h[k] = softplus(h[k]);
            for (std::size_t l = 0; l < p.w_h.size(); ++l) {
                h2 = h * cmap(p.w_h[l].data(), H, H).transpose() +
                     Eigen::Map<const Eigen::RowVectorXf>(p.b_h[l].data(), H);
                for (int k = 0; k < H; ++k) h[k] = softplus(h2[k]);
            }
            float o[2];
            for (int k = 0; k < p.n_out; ++k) {
                float acc = p.b_out[k];
                for (int q = 0; q < H; ++q) acc += p.w_out[k * H + q] * h[q];
                o[k] = acc;
            }
            if (p.classification) {
                // exp(log_softmax(o))[1]
                const double m = std::max(o[0], o[1]);
                const double lse = m + std::log(std::exp(o[0] - m) + std::exp(o[1] - m));
                out[sidx] = std::exp(o[1] - lse);
            } else {
                out[sidx] = static_cast<double>(o[0]) * p.norm_std + p.norm_mean;
            }
        }
    }

private:
    std::shared_ptr<const cgcnn::params> p_;
    mat v_, next_, gauss_, self_, nbr_, bond_;
};

}  // namespace

std::unique_ptr<model> make_cgcnn(std::shared_ptr<const cgcnn::params> p) {
    return std::make_unique<cgcnn_cpu>(std::move(p));
}

}  // namespace xtalsieve::cpu
