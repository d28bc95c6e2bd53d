#include "engine/models/cgcnn/params.hpp"

#include <cmath>
#include <string>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::cgcnn {

namespace {

const tensor& get(const model_weights& w, const std::string& key, std::vector<std::int64_t> shape) {
    const tensor& t = w.at(key);
    if (t.shape != shape) {
        std::string want, got;
        for (auto d : shape) want += (want.empty() ? "" : "x") + std::to_string(d);
        for (auto d : t.shape) got += (got.empty() ? "" : "x") + std::to_string(d);
        throw error(w.name + ": tensor '" + key + "' has shape " + got + ", expected " + want);
    }
    return t;
}

// Eval-mode BatchNorm y = (x - mean) / sqrt(var + eps) * gamma + beta as y = x * scale + shift.
void batchnorm_affine(const model_weights& w, const std::string& prefix, std::int64_t n,
                      std::vector<double>& scale, std::vector<double>& shift) {
    const auto& g = get(w, prefix + ".weight", {n}).data;
    const auto& b = get(w, prefix + ".bias", {n}).data;
    const auto& m = get(w, prefix + ".running_mean", {n}).data;
    const auto& v = get(w, prefix + ".running_var", {n}).data;
    scale.resize(n);
    shift.resize(n);
    for (std::int64_t k = 0; k < n; ++k) {
        // PyTorch evaluates in float32; the fold is done in double so that it
        // adds no error of its own.
        const double s = static_cast<double>(g[k]) / std::sqrt(static_cast<double>(v[k]) + 1e-5);
        scale[k] = s;
        shift[k] = static_cast<double>(b[k]) - static_cast<double>(m[k]) * s;
    }
}

}  // namespace

params prepare(const model_weights& w) {
    params p;
    p.name = w.name;
    const auto A = static_cast<std::int64_t>(w.hparam("atom_fea_len"));
    const auto n_conv = static_cast<int>(w.hparam("n_conv"));
    const auto H = static_cast<std::int64_t>(w.hparam("h_fea_len"));
    const auto n_h = static_cast<int>(w.hparam("n_h"));
    if (A <= 0 || n_conv < 0 || H <= 0 || n_h < 1) throw error(w.name + ": invalid CGCNN hyper-parameters");
    p.A = static_cast<int>(A);
    p.H = static_cast<int>(H);
    p.norm_mean = w.norm_mean;
    p.norm_std = w.norm_std;

    const tensor& emb_w = w.at("embedding.weight");
    if (emb_w.shape.size() != 2 || emb_w.dim(0) != A)
        throw error(w.name + ": tensor 'embedding.weight' does not match atom_fea_len " + std::to_string(A));
    const std::int64_t F = emb_w.dim(1);
    p.n_feat = static_cast<int>(F);
    const auto& emb_b = get(w, "embedding.bias", {A}).data;
    if (w.atom_init.shape.size() != 2 || w.atom_init.dim(1) != F)
        throw error(w.name + ": the element table has " +
                    std::to_string(w.atom_init.shape.size() == 2 ? w.atom_init.dim(1) : 0) +
                    " features per element but the model expects " + std::to_string(F));
    const std::int64_t nz = w.atom_init.dim(0);
    p.emb.assign(static_cast<std::size_t>(max_atomic_number + 1) * A, 0.0f);
    p.known.assign(max_atomic_number + 1, 0);
    for (std::int64_t z = 1; z <= max_atomic_number && z < nz; ++z) {
        if (!w.atom_init_known[z]) continue;
        p.known[z] = 1;
        const float* x = &w.atom_init.data[z * F];
        for (std::int64_t o = 0; o < A; ++o) {
            // Same operation order as a float32 GEMM row: accumulate in float.
            float acc = 0.0f;
            for (std::int64_t f = 0; f < F; ++f) acc += emb_w.data[o * F + f] * x[f];
            p.emb[z * A + o] = acc + emb_b[o];
        }
    }

    const std::int64_t in = 2 * A + n_gaussians;
    for (int l = 0; l < n_conv; ++l) {
        const std::string pre = "convs." + std::to_string(l);
        const auto& W = get(w, pre + ".fc_full.weight", {2 * A, in}).data;
        const auto& b = get(w, pre + ".fc_full.bias", {2 * A}).data;
        std::vector<double> s1, t1, s2, t2;
        batchnorm_affine(w, pre + ".bn1", 2 * A, s1, t1);
        batchnorm_affine(w, pre + ".bn2", A, s2, t2);
        conv_layer c;
        c.w_self.resize(2 * A * A);
        c.w_nbr.resize(2 * A * A);
        c.w_bond.resize(2 * A * n_gaussians);
        c.bias.resize(2 * A);
        for (std::int64_t o = 0; o < 2 * A; ++o) {
            for (std::int64_t k = 0; k < A; ++k) {
                c.w_self[o * A + k] = static_cast<float>(W[o * in + k] * s1[o]);
                c.w_nbr[o * A + k] = static_cast<float>(W[o * in + A + k] * s1[o]);
            }
            for (std::int64_t k = 0; k < n_gaussians; ++k)
                c.w_bond[o * n_gaussians + k] = static_cast<float>(W[o * in + 2 * A + k] * s1[o]);
            c.bias[o] = static_cast<float>(b[o] * s1[o] + t1[o]);
        }
        c.bn2_scale.assign(s2.begin(), s2.end());
        c.bn2_shift.assign(t2.begin(), t2.end());
        p.convs.push_back(std::move(c));
    }

    p.w_fc = get(w, "conv_to_fc.weight", {H, A}).data;
    p.b_fc = get(w, "conv_to_fc.bias", {H}).data;
    for (int k = 0; k < n_h - 1; ++k) {
        const std::string pre = "fcs." + std::to_string(k);
        p.w_h.push_back(get(w, pre + ".weight", {H, H}).data);
        p.b_h.push_back(get(w, pre + ".bias", {H}).data);
    }
    const tensor& wo = w.at("fc_out.weight");
    if (wo.shape.size() != 2 || wo.dim(1) != H || (wo.dim(0) != 1 && wo.dim(0) != 2))
        throw error(w.name + ": tensor 'fc_out.weight' must be 1xH or 2xH");
    p.n_out = static_cast<int>(wo.dim(0));
    p.classification = p.n_out == 2;
    p.w_out = wo.data;
    p.b_out = get(w, "fc_out.bias", {p.n_out}).data;
    return p;
}

std::string unit_of(const params& p) {
    const std::string& n = p.name;
    if (p.classification) return "P(class 1)";
    if (n == "formation-energy-per-atom" || n == "final-energy-per-atom") return "eV/atom";
    if (n == "band-gap" || n == "efermi") return "eV";
    if (n == "bulk-moduli" || n == "shear-moduli") return "log10(GPa)";
    return "";
}

}  // namespace xtalsieve::cgcnn
