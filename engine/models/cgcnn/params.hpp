// CGCNN parameters prepared for inference: eval-mode BatchNorm folded into the
// preceding linear maps, fc_full split into its self / neighbour / bond blocks.
// Every backend (engine/cpu, cuda/) consumes this one structure.
#pragma once
#include <string>
#include <vector>

#include "xtalsieve/weights.hpp"

namespace xtalsieve::cgcnn {

inline constexpr int n_gaussians = 41;      // centres 0, 0.2, ..., 8.0 Å
inline constexpr double gauss_step = 0.2;   // Å
inline constexpr double gauss_var = 0.2;    // Å

struct conv_layer {
    // z = W_self v_i + W_nbr v_j + W_bond u + bias, with bn1 folded in.
    // Row-major [2A, A], [2A, A], [2A, 41]; bias [2A].
    std::vector<float> w_self, w_nbr, w_bond, bias;
    // bn2 as an affine map: s * bn2_scale + bn2_shift, [A] each.
    std::vector<float> bn2_scale, bn2_shift;
};

struct params {
    std::string name;
    int n_feat = 92;          // atom feature length (atom_init columns)
    int A = 64;               // atom_fea_len
    int H = 32;               // h_fea_len
    int n_out = 1;            // 1 (regression) or 2 (classification)
    bool classification = false;
    double norm_mean = 0, norm_std = 1;
    // Embedding applied to the element table once: emb[z] = W atom_init[z] + b,
    // [max_atomic_number + 1, A]; known[z] says whether z has features.
    std::vector<float> emb;
    std::vector<std::uint8_t> known;
    std::vector<conv_layer> convs;
    std::vector<float> w_fc, b_fc;            // conv_to_fc [H, A], [H]
    std::vector<std::vector<float>> w_h, b_h; // fcs.k [H, H], [H]
    std::vector<float> w_out, b_out;          // fc_out [n_out, H], [n_out]
};

// Checks shapes against the hyper-parameters and folds; throws xtalsieve::error
// naming the model and the offending tensor.
params prepare(const model_weights& w);

// The unit of an official checkpoint's target (CGCNN's paper, Table 1), by
// its name: "eV/atom", "eV", "log10(GPa)", "P(class 1)" for classifiers, ""
// when unknown.
std::string unit_of(const params& p);

}  // namespace xtalsieve::cgcnn
