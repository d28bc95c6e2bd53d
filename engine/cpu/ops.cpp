#include "engine/cpu/ops.hpp"

#include <algorithm>
#include <cmath>

#include "engine/cpu/isa.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::cpu {

dense load_dense(const model_weights& w, const std::string& prefix, bool bias, int expect_in) {
    const tensor& W = w.at(prefix + ".weight");
    if (W.shape.size() != 2 || (expect_in >= 0 && W.dim(1) != expect_in))
        throw error(w.name + ": " + prefix + ".weight has an unexpected shape");
    dense d;
    d.out = static_cast<int>(W.dim(0));
    d.in = static_cast<int>(W.dim(1));
    d.wt.resize(W.data.size());
    for (int o = 0; o < d.out; ++o)
        for (int i = 0; i < d.in; ++i)
            d.wt[static_cast<std::size_t>(i) * d.out + o] = W.data[static_cast<std::size_t>(o) * d.in + i];
    if (bias) {
        const tensor& b = w.at(prefix + ".bias");
        if (b.numel() != d.out) throw error(w.name + ": " + prefix + ".bias has an unexpected shape");
        d.b = b.data;
    }
    return d;
}

std::vector<lstm_layer> load_lstm(const model_weights& w, const std::string& prefix, int n_layers) {
    std::vector<lstm_layer> v;
    for (int l = 0; l < n_layers; ++l) {
        const std::string s = std::to_string(l);
        // PyTorch's names (weight_ih_l0, bias_ih_l0) as a dense layer's .weight / .bias.
        auto get = [&](const char* kind) {
            model_weights tmp;
            tmp.name = w.name;
            tmp.tensors["x.weight"] = w.at(prefix + ".weight_" + kind + "_l" + s);
            tmp.tensors["x.bias"] = w.at(prefix + ".bias_" + kind + "_l" + s);
            return load_dense(tmp, "x");
        };
        lstm_layer L;
        L.ih = get("ih");
        L.hh = get("hh");
        v.push_back(std::move(L));
    }
    return v;
}

ops::ops(std::string_view isa) : k_(cpu::kernels(resolve_isa(isa))) {}

namespace {

epilogue epilogue_of(act a) {
    switch (a) {
    case act::none: return epilogue::none;
    case act::softplus2: return epilogue::softplus2;
    case act::silu: return epilogue::silu;
    case act::sigmoid: return epilogue::sigmoid;
    }
    return epilogue::none;
}

}  // namespace

std::uint64_t& dense_flops_this_thread() {
    thread_local std::uint64_t flops = 0;
    return flops;
}

void ops::linear(const dense& L, const float* x, std::int64_t rows, std::int64_t ldx, float* y, std::int64_t ldy,
                 act a) const {
    if (rows == 0) return;
    dense_flops_this_thread() += 2 * static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(L.in) *
                                 static_cast<std::uint64_t>(L.out);
    k_.gemm({x, rows, ldx, L.wt.data(), L.b.empty() ? nullptr : L.b.data(), y, ldy, L.in, L.out, epilogue_of(a)});
}

void ops::apply(act a, float* x, std::int64_t n) const {
    switch (a) {
    case act::none: return;
    case act::softplus2: {
        k_.softplus(x, n);
        const float ln2 = 0.693147180559945309f;
        for (std::int64_t i = 0; i < n; ++i) x[i] -= ln2;
        return;
    }
    case act::sigmoid: k_.sigmoid(x, n); return;
    case act::silu: k_.silu(x, n); return;
    }
}

void segment_sum_by_index(const float* x, const std::int32_t* index, std::int64_t E, int F, float* out,
                          std::int64_t n_out) {
    std::fill(out, out + n_out * F, 0.0f);
    for (std::int64_t e = 0; e < E; ++e) {
        float* o = out + static_cast<std::int64_t>(index[e]) * F;
        const float* v = x + e * F;
        for (int f = 0; f < F; ++f) o[f] += v[f];
    }
}

void segment_mean_by_index(const float* x, const std::int32_t* index, std::int64_t E, int F, float* out,
                           std::int64_t n_out) {
    segment_sum_by_index(x, index, E, F, out, n_out);
    std::vector<std::int64_t> count(static_cast<std::size_t>(n_out), 0);
    for (std::int64_t e = 0; e < E; ++e) ++count[static_cast<std::size_t>(index[e])];
    for (std::int64_t n = 0; n < n_out; ++n) {
        const float c = static_cast<float>(std::max<std::int64_t>(count[static_cast<std::size_t>(n)], 1));
        for (int f = 0; f < F; ++f) out[n * F + f] /= c;
    }
}

void range_mean(const float* x, const std::int64_t* offsets, std::int64_t S, int F, float* out) {
    for (std::int64_t s = 0; s < S; ++s) {
        float* o = out + s * F;
        std::fill(o, o + F, 0.0f);
        for (std::int64_t r = offsets[s]; r < offsets[s + 1]; ++r)
            for (int f = 0; f < F; ++f) o[f] += x[r * F + f];
        const float c = static_cast<float>(std::max<std::int64_t>(offsets[s + 1] - offsets[s], 1));
        for (int f = 0; f < F; ++f) o[f] /= c;
    }
}

namespace {

float sigmoidf(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// z = W x + b for a small dense layer, one output at a time in input order.
void matvec(const dense& L, const float* x, float* z) {
    for (int o = 0; o < L.out; ++o) z[o] = L.b.empty() ? 0.0f : L.b[o];
    for (int i = 0; i < L.in; ++i) {
        const float xi = x[i];
        const float* w = &L.wt[static_cast<std::size_t>(i) * L.out];
        for (int o = 0; o < L.out; ++o) z[o] += xi * w[o];
    }
}

}  // namespace

void set2set(const std::vector<lstm_layer>& lstm, int n_iters, const float* x, int D, const std::int64_t* offsets,
             std::int64_t S, float* out) {
    const std::size_t L = lstm.size();
    std::vector<float> h(L * D), c(L * D), zi(4 * D), zh(4 * D), q_star(2 * D), in(2 * D), alpha;
    for (std::int64_t s = 0; s < S; ++s) {
        std::fill(h.begin(), h.end(), 0.0f);
        std::fill(c.begin(), c.end(), 0.0f);
        std::fill(q_star.begin(), q_star.end(), 0.0f);
        const std::int64_t lo = offsets[s], hi = offsets[s + 1];
        for (int it = 0; it < n_iters; ++it) {
            const float* xin = q_star.data();
            for (std::size_t l = 0; l < L; ++l) {
                matvec(lstm[l].ih, xin, zi.data());
                matvec(lstm[l].hh, &h[l * D], zh.data());
                float* hl = &h[l * D];
                float* cl = &c[l * D];
                for (int d = 0; d < D; ++d) {
                    const float ig = sigmoidf(zi[d] + zh[d]);
                    const float fg = sigmoidf(zi[D + d] + zh[D + d]);
                    const float gg = std::tanh(zi[2 * D + d] + zh[2 * D + d]);
                    const float og = sigmoidf(zi[3 * D + d] + zh[3 * D + d]);
                    cl[d] = fg * cl[d] + ig * gg;
                    hl[d] = og * std::tanh(cl[d]);
                }
                std::copy(hl, hl + D, in.begin());
                xin = in.data();
            }
            const float* q = &h[(L - 1) * D];
            // Attention: softmax over the structure's rows of <x_m, q>.
            alpha.assign(static_cast<std::size_t>(hi - lo), 0.0f);
            float amax = -INFINITY;
            for (std::int64_t m = lo; m < hi; ++m) {
                float a = 0;
                for (int d = 0; d < D; ++d) a += x[m * D + d] * q[d];
                alpha[static_cast<std::size_t>(m - lo)] = a;
                amax = std::max(amax, a);
            }
            float sum = 0;
            for (float& a : alpha) sum += (a = std::exp(a - amax));
            std::copy(q, q + D, q_star.begin());
            std::fill(q_star.begin() + D, q_star.end(), 0.0f);
            for (std::int64_t m = lo; m < hi; ++m) {
                const float w = alpha[static_cast<std::size_t>(m - lo)] / sum;
                for (int d = 0; d < D; ++d) q_star[D + d] += w * x[m * D + d];
            }
        }
        std::copy(q_star.begin(), q_star.end(), out + s * 2 * D);
    }
}

}  // namespace xtalsieve::cpu
