// CGCNN's parameters in the layout the CUDA kernels read (host-only C++): the
// same transposes as the CPU backend's (engine/cpu/cgcnn_cpu.cpp), made once
// at load time from cgcnn::params, where BatchNorm is already folded
// (engine/models/cgcnn/params.cpp). Uploaded once to the device by
// cgcnn_cuda.cpp; the host tests run the device math on it.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cuda/cgcnn_math.hpp"
#include "engine/models/cgcnn/params.hpp"

namespace xtalsieve::gpu {

static_assert(n_gaussians == cgcnn::n_gaussians, "the device Gaussian expansion must be CGCNN's");

struct cgcnn_conv_layout {
    std::vector<float> w_pq_t, b_pq;  // v -> [W_self v + bias | W_nbr v]: [A, 4A], [4A]
    std::vector<float> w_bond_t;      // [41, 2A]
    std::vector<float> bn2_scale, bn2_shift;  // [A]
};

struct cgcnn_layout {
    int A = 0, H = 0, n_out = 1;
    std::vector<float> emb;                     // [Zmax + 1, A]
    std::vector<cgcnn_conv_layout> convs;
    std::vector<float> w_fc_t, b_fc;            // [A, H], [H]
    std::vector<std::vector<float>> w_h_t, b_h; // [H, H], [H]
    std::vector<float> w_out_t, b_out;          // [H, n_out], [n_out]
};

// A PyTorch weight [n, k] transposed to [k, n].
inline std::vector<float> transposed(const std::vector<float>& w, int n, int k) {
    std::vector<float> t(w.size());
    for (int o = 0; o < n; ++o)
        for (int i = 0; i < k; ++i) t[static_cast<std::size_t>(i) * n + o] = w[static_cast<std::size_t>(o) * k + i];
    return t;
}

inline cgcnn_layout make_cgcnn_layout(const cgcnn::params& p) {
    cgcnn_layout L;
    L.A = p.A;
    L.H = p.H;
    L.n_out = p.n_out;
    L.emb = p.emb;
    for (const cgcnn::conv_layer& c : p.convs) {
        cgcnn_conv_layout cl;
        std::vector<float> w(c.w_self);
        w.insert(w.end(), c.w_nbr.begin(), c.w_nbr.end());
        cl.w_pq_t = transposed(w, 4 * p.A, p.A);
        cl.b_pq = c.bias;
        cl.b_pq.resize(static_cast<std::size_t>(4) * p.A, 0.0f);
        cl.w_bond_t = transposed(c.w_bond, 2 * p.A, n_gaussians);
        cl.bn2_scale = c.bn2_scale;
        cl.bn2_shift = c.bn2_shift;
        L.convs.push_back(std::move(cl));
    }
    L.w_fc_t = transposed(p.w_fc, p.H, p.A);
    L.b_fc = p.b_fc;
    for (std::size_t l = 0; l < p.w_h.size(); ++l) {
        L.w_h_t.push_back(transposed(p.w_h[l], p.H, p.H));
        L.b_h.push_back(p.b_h[l]);
    }
    L.w_out_t = transposed(p.w_out, p.n_out, p.H);
    L.b_out = p.b_out;
    return L;
}

// The prediction from fc_out's row o[n_out], in double as the CPU backend:
// P(class 1) = exp(log_softmax(o))[1] for classifiers, else the denormalized
// regression target.
inline double cgcnn_finish(const cgcnn::params& p, const float* o) {
    if (p.classification) {
        const double m = std::max(o[0], o[1]);
        const double lse = m + std::log(std::exp(o[0] - m) + std::exp(o[1] - m));
        return std::exp(o[1] - lse);
    }
    return static_cast<double>(o[0]) * p.norm_std + p.norm_mean;
}

}  // namespace xtalsieve::gpu
