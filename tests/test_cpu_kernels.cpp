// The CPU backend's building blocks against straightforward double-precision versions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/cpu/isa.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/models/cgcnn/params.hpp"

using namespace xtalsieve;
using namespace xtalsieve::cpu;

namespace {

double ref_softplus(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }
double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

// Every test below runs on every instruction-set path this CPU supports.
class CpuKernels : public ::testing::TestWithParam<isa> {};

INSTANTIATE_TEST_SUITE_P(Isa, CpuKernels, ::testing::ValuesIn(supported_isas()),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

TEST_P(CpuKernels, VectorMathIsAccurate) {
    const kernel_table& k = kernels(GetParam());
    std::vector<float> xs;
    for (double x = -80; x <= 80; x += 0.00731) xs.push_back(static_cast<float>(x));
    for (float x : {-1e30f, -200.0f, -88.5f, 88.5f, 200.0f, 1e30f, 0.0f, -0.0f}) xs.push_back(x);
    std::vector<float> sp(xs), sg(xs);
    k.softplus(sp.data(), static_cast<std::int64_t>(sp.size()));
    k.sigmoid(sg.data(), static_cast<std::int64_t>(sg.size()));
    double worst_sp = 0, worst_sig = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double x = xs[i];
        ASSERT_TRUE(std::isfinite(sp[i]) && std::isfinite(sg[i])) << x;
        const double rsp = ref_softplus(x), rsg = ref_sigmoid(x);
        worst_sp = std::max(worst_sp, std::abs(sp[i] - rsp) / std::max(1e-30, rsp));
        if (rsg > 1e-30) worst_sig = std::max(worst_sig, std::abs(sg[i] - rsg) / rsg);
        else EXPECT_LT(sg[i], 1e-30f) << x;
    }
    EXPECT_LT(worst_sp, 5e-7);
    EXPECT_LT(worst_sig, 5e-7);
}

TEST_P(CpuKernels, ExpIsAccurateAndZeroBelowItsRange) {
    const kernel_table& k = kernels(GetParam());
    std::vector<float> xs;
    for (double x = -86.9; x <= 88; x += 0.00917) xs.push_back(static_cast<float>(x));
    const std::size_t in_range = xs.size();
    for (float x : {-87.5f, -200.0f, -1e30f}) xs.push_back(x);
    if (xs.size() % 2 == 0) xs.push_back(-300.0f);
    std::vector<float> ex(xs);
    // An odd length: the vector body and the one-lane tail.
    k.exp(ex.data(), static_cast<std::int64_t>(ex.size()));
    double worst = 0;
    for (std::size_t i = 0; i < in_range; ++i) {
        const double r = std::exp(static_cast<double>(xs[i]));
        ASSERT_TRUE(std::isfinite(ex[i])) << xs[i];
        worst = std::max(worst, std::abs(ex[i] - r) / r);
    }
    EXPECT_LT(worst, 3e-7);
    for (std::size_t i = in_range; i < xs.size(); ++i) EXPECT_EQ(ex[i], 0.0f) << xs[i];
}

TEST(GaussWindow, HoldsEveryNonNegligibleCentre) {
    for (double d = 0.5; d <= 9.0; d += 0.0137) {
        gauss_win w;
        make_gauss_window(d, w);
        for (int k = 0; k < cgcnn::n_gaussians; ++k) {
            const double x = d - k * 0.2;
            const double g = std::exp(-x * x / 0.04);
            if (k >= w.k0 && k < w.k0 + gauss_window)
                EXPECT_NEAR(w.g[k - w.k0], static_cast<float>(g), 1.2e-7 * g + 1e-30) << "d=" << d << " k=" << k;
            else EXPECT_LT(g, 1e-13) << "d=" << d << " k=" << k;
        }
    }
}

TEST_P(CpuKernels, GemmMatchesNaiveProductAndIgnoresItsBatch) {
    const kernel_table& kt = kernels(GetParam());
    std::mt19937 rng(7);
    std::normal_distribution<float> nd;
    // Widths that exercise every column tile (two vectors, one vector, one lane).
    for (const auto& [K, N] : {std::pair{64, 256}, {41, 37}, {32, 1}, {64, 2}}) {
        const int Mrows = 37;
        std::vector<float> wt(K * N), b(N), x(Mrows * K), y(Mrows * N);
        for (auto& v : wt) v = nd(rng);
        for (auto& v : b) v = nd(rng);
        for (auto& v : x) v = nd(rng);
        kt.gemm({x.data(), Mrows, K, wt.data(), b.data(), y.data(), N, K, N});
        for (int i = 0; i < Mrows; ++i)
            for (int o = 0; o < N; ++o) {
                double acc = b[o];
                for (int k = 0; k < K; ++k) acc += double(wt[k * N + o]) * x[i * K + k];
                EXPECT_NEAR(y[i * N + o], acc, 1e-4 * (1 + std::abs(acc)));
            }
        // Each row alone, at another position in a larger, differently strided
        // buffer, gives the same bits.
        for (int i = 0; i < Mrows; ++i) {
            std::vector<float> xi(3 * (K + 3), 0.5f), yi(3 * (N + 5), 0.0f);
            std::copy_n(&x[i * K], K, &xi[2 * (K + 3)]);
            kt.gemm({xi.data(), 3, K + 3, wt.data(), b.data(), yi.data(), N + 5, K, N});
            for (int o = 0; o < N; ++o) ASSERT_EQ(yi[2 * (N + 5) + o], y[i * N + o]) << "K=" << K << " N=" << N << " row " << i;
        }
    }
}

TEST_P(CpuKernels, FusedConvolutionMatchesNaiveLayer) {
    std::mt19937 rng(11);
    std::normal_distribution<float> nd(0.0f, 0.5f);
    std::uniform_real_distribution<double> ud(1.0, 9.0);
    // A = 20: a width that is not a whole number of vectors (the one-lane tail).
    // A spread of 40 puts pre-activations far into the gate's clamps (|z| > 87).
    for (const int A : {64, 20})
    for (const float spread : {1.0f, 40.0f}) {
    const int M = 12, N = 23, G = cgcnn::n_gaussians;
    std::vector<float> pq(N * 4 * A), v(N * A), wbt(G * 2 * A), s2(A), t2(A);
    for (auto& x : pq) x = spread * nd(rng);
    for (auto& x : v) x = nd(rng);
    for (auto& x : wbt) x = nd(rng);
    for (auto& x : s2) x = 1 + nd(rng);
    for (auto& x : t2) x = nd(rng);
    std::vector<std::int32_t> idx(N * M);
    std::vector<double> dist(N * M);
    std::vector<gauss_win> win(N * M);
    for (int e = 0; e < N * M; ++e) {
        idx[e] = static_cast<std::int32_t>(rng() % N);
        dist[e] = ud(rng);
        // A third of the slots repeat an earlier slot of their atom (the same
        // neighbour at the same length, as in symmetric cells).
        if (e % M > 0 && rng() % 3 == 0) {
            const int q = e - 1 - static_cast<int>(rng() % (e % M));
            idx[e] = idx[q];
            dist[e] = static_cast<float>(dist[q]);
            dist[q] = dist[e];
            make_gauss_window(dist[q], win[q]);
        }
        dist[e] = static_cast<float>(dist[e]);  // graphs hold float32 lengths
        make_gauss_window(dist[e], win[e]);
    }
    // Naive: full 41-wide Gaussian product in double.
    std::vector<double> want(N * A);
    for (int i = 0; i < N; ++i) {
        std::vector<double> acc(A, 0.0);
        for (int m = 0; m < M; ++m) {
            const int e = i * M + m, j = idx[e];
            std::vector<double> z(2 * A);
            for (int o = 0; o < 2 * A; ++o) {
                z[o] = double(pq[i * 4 * A + o]) + pq[j * 4 * A + 2 * A + o];
                for (int k = 0; k < G; ++k) {
                    const double x = dist[e] - k * 0.2;
                    z[o] += double(static_cast<float>(std::exp(-x * x / 0.04))) * wbt[k * 2 * A + o];
                }
            }
            for (int a = 0; a < A; ++a) acc[a] += ref_sigmoid(z[a]) * ref_softplus(z[A + a]);
        }
        for (int a = 0; a < A; ++a) want[i * A + a] = ref_softplus(v[i * A + a] + acc[a] * s2[a] + t2[a]);
    }
    std::vector<float> out(N * A);
    conv_args a{pq.data(), v.data(), idx.data(), win.data(), wbt.data(), s2.data(), t2.data(), out.data(), N, M, A};
    kernels(GetParam()).conv(a);
    for (int k = 0; k < N * A; ++k) EXPECT_NEAR(out[k], want[k], 2e-5 * (1 + std::abs(want[k]))) << "A=" << A;
    // Reusing the gates of repeated slots changes no bit.
    std::vector<float> d32(dist.begin(), dist.end());
    std::vector<std::int8_t> same(N * M);
    same_slots(idx.data(), d32.data(), N, M, same.data());
    int repeated = 0;
    for (int e = 0; e < N * M; ++e) {
        if (same[e] < 0) continue;
        ++repeated;
        ASSERT_LT(same[e], e % M);
        ASSERT_EQ(idx[e - e % M + same[e]], idx[e]);
        ASSERT_EQ(d32[e - e % M + same[e]], d32[e]);
    }
    EXPECT_GT(repeated, N * M / 5);
    std::vector<float> out_reuse(N * A);
    conv_args b = a;
    b.out = out_reuse.data();
    b.same_as = same.data();
    kernels(GetParam()).conv(b);
    EXPECT_EQ(0, std::memcmp(out.data(), out_reuse.data(), out.size() * sizeof(float))) << "A=" << A;
    }
}
