// The CUDA backend's device math (cuda/*_math.hpp, cuda/activations.hpp) run
// on the CPU against the CPU backend, in every build (no nvcc needed): the
// per-element functions the kernels are thin loops around, and the whole
// CGCNN forward pass assembled from them exactly as cuda/cgcnn_cuda.cpp
// sequences its kernels, and MEGNet's forward pass through the very sequence
// cuda/megnet_cuda.cpp launches (cuda/megnet_forward.hpp) on a host executor,
// and M3GNet's likewise (cuda/m3gnet_forward.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "cuda/activations.hpp"
#include "cuda/cgcnn_layout.hpp"
#include "cuda/cgcnn_math.hpp"
#include "cuda/chunk_staging.hpp"
#include "cuda/dense_math.hpp"
#include "cuda/m3gnet_forward.hpp"
#include "cuda/m3gnet_math.hpp"
#include "cuda/m3gnet_staging.hpp"
#include "cuda/megnet_forward.hpp"
#include "cuda/megnet_math.hpp"
#include "cuda/megnet_staging.hpp"
#include "engine/cpu/cgcnn_cpu.hpp"
#include "engine/cpu/isa.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/cpu/ops.hpp"
#include "engine/models/cgcnn/params.hpp"
#include "engine/models/m3gnet/basis.hpp"
#include "engine/models/m3gnet/m3gnet.hpp"
#include "engine/models/m3gnet/params.hpp"
#include "engine/models/megnet/megnet.hpp"
#include "engine/models/megnet/params.hpp"
#include "test_support.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/model.hpp"

using namespace xtalsieve;

namespace {

const cpu::kernel_table& best_kernels() { return cpu::kernels(cpu::resolve_isa("")); }
bool best_path_has_fma() { return std::string(best_kernels().name) != "portable"; }

// Relative difference with a floor, so values near zero compare absolutely.
double rel(double a, double b) { return std::abs(a - b) / std::max(1.0, std::abs(b)); }

// The CGCNN forward pass on the host through the device functions, in the
// order of cgcnn_cuda.cpp's enqueue(): embed, windows, per layer dense + conv,
// pool, head, fc_out, finish.
std::vector<double> device_math_forward(const cgcnn::params& p, const graph_batch& b) {
    const gpu::cgcnn_layout L = gpu::make_cgcnn_layout(p);
    const int A = p.A, H = p.H, M = b.max_neighbors;
    const auto N = static_cast<std::int64_t>(b.n_atoms());
    const auto S = static_cast<std::int64_t>(b.n_structures());
    std::vector<std::int32_t> numbers(b.numbers.begin(), b.numbers.end());
    std::vector<float> v(N * A), next(N * A), pq(N * 4 * A), pooled(S * A), h(S * H), h2(S * H), o(S * p.n_out);
    std::vector<gpu::gauss_win> win(N * M);
    for (std::int64_t i = 0; i < N; ++i)
        for (int c = 0; c < A; ++c) v[i * A + c] = gpu::embed_element(L.emb.data(), numbers.data(), A, i, c);
    for (std::int64_t e = 0; e < N * M; ++e) win[e] = gpu::make_window(static_cast<double>(b.nbr_dist[e]));
    auto dense = [](const gpu::dense_view& d) {
        for (std::int64_t r = 0; r < d.m; ++r)
            for (int c = 0; c < d.n; ++c) d.y[r * d.ldy + c] = gpu::dense_element(d, r, c);
    };
    for (const gpu::cgcnn_conv_layout& w : L.convs) {
        dense({v.data(), N, A, w.w_pq_t.data(), w.b_pq.data(), pq.data(), 4 * A, A, 4 * A, gpu::act::none});
        const gpu::conv_view cv{pq.data(), v.data(), b.nbr_idx.data(), win.data(), w.w_bond_t.data(),
                                w.bn2_scale.data(), w.bn2_shift.data(), N, M, A};
        for (std::int64_t i = 0; i < N; ++i)
            for (int c = 0; c < A; ++c) next[i * A + c] = gpu::conv_element(cv, i, c);
        v.swap(next);
    }
    for (std::int64_t s = 0; s < S; ++s)
        for (int c = 0; c < A; ++c) pooled[s * A + c] = gpu::pool_element(v.data(), b.offsets.data(), A, s, c);
    dense({pooled.data(), S, A, L.w_fc_t.data(), L.b_fc.data(), h.data(), H, A, H, gpu::act::softplus});
    for (std::size_t l = 0; l < L.w_h_t.size(); ++l) {
        dense({h.data(), S, H, L.w_h_t[l].data(), L.b_h[l].data(), h2.data(), H, H, H, gpu::act::softplus});
        h.swap(h2);
    }
    dense({h.data(), S, H, L.w_out_t.data(), L.b_out.data(), o.data(), p.n_out, H, p.n_out, gpu::act::none});
    std::vector<double> out(S);
    for (std::int64_t s = 0; s < S; ++s) out[s] = gpu::cgcnn_finish(p, o.data() + s * p.n_out);
    return out;
}


struct checkpoint {
    const char* what;
    std::filesystem::path path;
};

std::vector<checkpoint> checkpoints() {
    return {{"official formation energy", xs_test::pretrained_dir() / "formation-energy-per-atom.pth.tar"},
            {"random regression (A=32, 3 hidden)", xs_test::data_dir() / "random-cgcnn" / "random-regression.pt"},
            {"random classification", xs_test::data_dir() / "random-cgcnn" / "random-classification.pt"}};
}

cgcnn::params load_params(const std::filesystem::path& path) {
    load_options lo;
    lo.atom_init = xs_test::shared_dir() / "data" / "cgcnn" / "atom_init.json";
    return cgcnn::prepare(load_weights(path, lo));
}

}  // namespace

TEST(DeviceMath, GaussWindowIsTheCpuBackendsBitForBit) {
    // Every bond length a graph can hold: 0 .. 8 Å, the padding at 9 Å, and
    // lengths on the rounding boundaries of the window centre (0.1 + 0.2 k).
    std::vector<double> ds = {0.0, 0.5, 0.7, 1e-9, 8.0, 9.0, 9.2};
    for (int k = 0; k < 42; ++k) ds.push_back(0.1 + 0.2 * k);
    for (double d = 0; d < 9.2; d += 0.00731) ds.push_back(d);
    for (double d : ds) {
        cpu::gauss_win c;
        cpu::make_gauss_window(d, c);
        const gpu::gauss_win g = gpu::make_window(d);
        ASSERT_EQ(g.k0, c.k0) << d;
        for (int t = 0; t < gpu::gauss_window; ++t) ASSERT_EQ(g.g[t], c.g[t]) << "d = " << d << ", t = " << t;
    }
    static_assert(sizeof(gpu::gauss_win) == sizeof(cpu::gauss_win));
}

TEST(DeviceMath, ActivationsAgreeWithTheCpuKernels) {
    std::vector<float> xs;
    for (float x = -95.0f; x <= 95.0f; x += 0.0173f) xs.push_back(x);
    for (float x : {0.0f, -0.0f, 1e-30f, -1e-30f, 20.0f, -20.0f, 88.0f, -88.0f, 100.0f}) xs.push_back(x);
    const auto& k = best_kernels();
    std::vector<float> sp(xs), sg(xs), si(xs);
    k.softplus(sp.data(), static_cast<std::int64_t>(sp.size()));
    k.sigmoid(sg.data(), static_cast<std::int64_t>(sg.size()));
    k.silu(si.data(), static_cast<std::int64_t>(si.size()));
    double worst = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        // A few float ulps: CUDA/glibc expf and log1pf against Highway's.
        const double tol = 1e-6;
        const double e1 = std::abs(gpu::softplus(xs[i]) - sp[i]) / std::max(1e-30, std::abs(static_cast<double>(sp[i])));
        const double e2 = std::abs(gpu::sigmoid(xs[i]) - sg[i]) / std::max(1e-30, std::abs(static_cast<double>(sg[i])));
        const double e3 = std::abs(gpu::silu(xs[i]) - si[i]) / std::max(1e-30, std::abs(static_cast<double>(si[i])));
        EXPECT_LE(e1, tol) << "softplus(" << xs[i] << ")";
        EXPECT_LE(e2, tol) << "sigmoid(" << xs[i] << ")";
        EXPECT_LE(e3, tol) << "silu(" << xs[i] << ")";
        worst = std::max({worst, e1, e2, e3});
    }
    std::cout << "device activations vs CPU " << k.name << " kernels: max relative difference " << worst << "\n";
    // softplus2 is softplus minus log 2 rounded to float32, as PyTorch.
    EXPECT_EQ(gpu::apply(gpu::act::softplus2, 0.0f), gpu::softplus(0.0f) - 0.693147180559945309f);
    EXPECT_EQ(gpu::apply(gpu::act::none, -3.5f), -3.5f);
}

TEST(DeviceMath, GateIsSigmoidTimesSoftplus) {
    double worst = 0;
    for (float zf = -80.0f; zf <= 90.0f; zf += 0.37f)  // the gate clamps zf at -80
        for (float zc = -40.0f; zc <= 40.0f; zc += 0.29f) {
            const double ref = 1.0 / (1.0 + std::exp(-static_cast<double>(zf))) *
                               (std::max(0.0, static_cast<double>(zc)) + std::log1p(std::exp(-std::abs(static_cast<double>(zc)))));
            const double got = gpu::gate(zf, zc);
            // Relative where the gate is representable; absolute below 1e-30.
            const double err = std::abs(got - ref) / std::max(1e-30, std::abs(ref));
            ASSERT_LE(err, 1e-6) << "gate(" << zf << ", " << zc << ") = " << got << ", expected " << ref;
            worst = std::max(worst, err);
        }
    std::cout << "device gate vs double sigmoid * softplus: max relative difference " << worst << "\n";
}

TEST(DeviceMath, DenseElementIsTheCpuGemm) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int K : {1, 7, 64, 92}) {
        for (int n : {1, 5, 16, 33, 256}) {
            const std::int64_t m = 13;
            std::vector<float> x(m * K), w(static_cast<std::size_t>(K) * n), bias(n), y(m * n), yc(m * n);
            for (auto& f : x) f = u(rng);
            for (auto& f : w) f = u(rng);
            for (auto& f : bias) f = u(rng);
            for (gpu::act a : {gpu::act::none, gpu::act::softplus}) {
                const gpu::dense_view d{x.data(), m, K, w.data(), bias.data(), y.data(), n, K, n, a};
                for (std::int64_t r = 0; r < m; ++r)
                    for (int c = 0; c < n; ++c) y[r * n + c] = gpu::dense_element(d, r, c);
                best_kernels().gemm({x.data(), m, K, w.data(), bias.data(), yc.data(), n, K, n,
                                     a == gpu::act::none ? cpu::epilogue::none : cpu::epilogue::softplus});
                for (std::size_t i = 0; i < y.size(); ++i) {
                    // The same fma sequence: identical on the FMA paths before
                    // the activation; the activation differs by library ulps.
                    if (a == gpu::act::none && best_path_has_fma())
                        ASSERT_EQ(y[i], yc[i]) << "K=" << K << " n=" << n << " i=" << i;
                    else
                        ASSERT_LE(rel(y[i], yc[i]), 2e-6) << "K=" << K << " n=" << n << " i=" << i;
                }
            }
        }
    }
}

TEST(DeviceMath, ConvElementIsTheCpuConv) {
    const cgcnn::params p = load_params(checkpoints()[0].path);
    const gpu::cgcnn_layout L = gpu::make_cgcnn_layout(p);
    graph_batch b;
    for (const auto& g : xs_test::cgcnn_sample_graphs()) b.append(g);
    const int A = p.A, M = b.max_neighbors;
    const auto N = static_cast<std::int64_t>(b.n_atoms());
    // Realistic inputs: the first layer's pq and v of the sample batch.
    std::vector<float> v(N * A), pq(N * 4 * A), out(N * A), outc(N * A);
    for (std::int64_t i = 0; i < N; ++i) std::copy_n(&p.emb[b.numbers[i] * A], A, &v[i * A]);
    best_kernels().gemm({v.data(), N, A, L.convs[0].w_pq_t.data(), L.convs[0].b_pq.data(), pq.data(), 4 * A, A, 4 * A});
    std::vector<gpu::gauss_win> win(N * M);
    std::vector<cpu::gauss_win> winc(N * M);
    for (std::int64_t e = 0; e < N * M; ++e) {
        win[e] = gpu::make_window(b.nbr_dist[e]);
        cpu::make_gauss_window(b.nbr_dist[e], winc[e]);
    }
    const auto& c0 = L.convs[0];
    const gpu::conv_view cv{pq.data(), v.data(), b.nbr_idx.data(), win.data(), c0.w_bond_t.data(),
                            c0.bn2_scale.data(), c0.bn2_shift.data(), N, M, A};
    for (std::int64_t i = 0; i < N; ++i)
        for (int c = 0; c < A; ++c) out[i * A + c] = gpu::conv_element(cv, i, c);
    best_kernels().conv({pq.data(), v.data(), b.nbr_idx.data(), winc.data(), c0.w_bond_t.data(), c0.bn2_scale.data(),
                         c0.bn2_shift.data(), outc.data(), N, M, A});
    double worst = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        ASSERT_LE(rel(out[i], outc[i]), 1e-6) << "element " << i;
        worst = std::max(worst, rel(out[i], outc[i]));
    }
    std::cout << "device conv vs CPU " << best_kernels().name << " conv (" << N << " atoms): max relative difference "
              << worst << "\n";
}

TEST(DeviceMath, CgcnnForwardMatchesTheCpuBackend) {
    const auto graphs = xs_test::cgcnn_sample_graphs();
    ASSERT_EQ(graphs.size(), 10u);
    graph_batch b;
    for (const auto& g : graphs) b.append(g);
    for (const checkpoint& ck : checkpoints()) {
        auto p = std::make_shared<const cgcnn::params>(load_params(ck.path));
        const std::vector<double> dev = device_math_forward(*p, b);
        std::vector<double> ref(b.n_structures());
        cpu::make_cgcnn(p)->predict(b, ref);
        double worst = 0;
        for (std::size_t s = 0; s < ref.size(); ++s) {
            ASSERT_TRUE(std::isfinite(dev[s])) << ck.what << " structure " << s;
            // The bound for the GPU against the CPU backend.
            EXPECT_LE(std::abs(dev[s] - ref[s]), 1e-5 * std::max(1.0, std::abs(ref[s])))
                << ck.what << " structure " << s << ": device math " << dev[s] << ", CPU " << ref[s];
            worst = std::max(worst, rel(dev[s], ref[s]));
        }
        std::cout << ck.what << ": device math vs CPU backend, max relative difference " << worst << "\n";
    }
}

TEST(DeviceMath, CgcnnForwardIsBatchInvariant) {
    const auto graphs = xs_test::cgcnn_sample_graphs();
    const cgcnn::params p = load_params(checkpoints()[0].path);
    graph_batch all;
    for (const auto& g : graphs) all.append(g);
    const std::vector<double> together = device_math_forward(p, all);
    for (std::size_t s = 0; s < graphs.size(); ++s) {
        graph_batch one;
        one.append(graphs[s]);
        const double alone = device_math_forward(p, one)[0];
        EXPECT_EQ(std::memcmp(&alone, &together[s], sizeof(double)), 0)
            << "structure " << s << ": alone " << alone << ", in the batch " << together[s];
    }
}

// A large batch goes to the GPU in chunks of whole structures, each packed
// into one staging area with indices rebased to the chunk (cuda/
// chunk_staging.hpp, cgcnn_cuda.cpp's run_chunked): every chunk, unpacked as
// the kernels read it, gives its structures' answers bit for bit.
TEST(DeviceMath, ChunkedStagingGivesTheWholeBatchsAnswers) {
    const auto graphs = xs_test::cgcnn_sample_graphs();
    const cgcnn::params p = load_params(checkpoints()[0].path);
    graph_batch all;
    for (int r = 0; r < 5; ++r)
        for (const auto& g : graphs) all.append(g);
    const int M = all.max_neighbors;
    const std::vector<double> whole = device_math_forward(p, all);
    const auto chunks = gpu::plan_chunks(all, 100);
    ASSERT_GT(chunks.size(), 2u);
    std::int64_t next = 0;
    for (const auto& [s0, s1] : chunks) {
        ASSERT_EQ(s0, next);
        next = s1;
        const gpu::staging_layout L = gpu::staging_for(all, s0, s1, M);
        EXPECT_TRUE(L.n_atoms <= 100 || s1 == s0 + 1) << s0;
        std::vector<std::uint64_t> area((L.bytes + 7) / 8);  // 8-byte aligned
        auto* bytes = reinterpret_cast<unsigned char*>(area.data());
        gpu::pack_chunk(all, s0, M, L, bytes);
        // Unpacked exactly where the kernels read them.
        graph_batch c;
        c.max_neighbors = M;
        const auto* z = reinterpret_cast<const std::int32_t*>(bytes);
        const auto* idx = reinterpret_cast<const std::int32_t*>(bytes + L.off_idx);
        const auto* dist = reinterpret_cast<const float*>(bytes + L.off_dist);
        const auto* offs = reinterpret_cast<const std::int64_t*>(bytes + L.off_offsets);
        c.numbers.assign(z, z + L.n_atoms);
        c.nbr_idx.assign(idx, idx + L.n_atoms * M);
        c.nbr_dist.assign(dist, dist + L.n_atoms * M);
        c.offsets.assign(offs, offs + L.n_structures + 1);
        ASSERT_EQ(c.offsets.front(), 0);
        ASSERT_EQ(c.offsets.back(), L.n_atoms);
        for (std::int32_t j : c.nbr_idx) ASSERT_TRUE(j >= 0 && j < L.n_atoms) << j;
        const std::vector<double> got = device_math_forward(p, c);
        for (std::int64_t s = 0; s < L.n_structures; ++s)
            EXPECT_EQ(std::memcmp(&got[s], &whole[s0 + s], sizeof(double)), 0) << "structure " << s0 + s;
    }
    EXPECT_EQ(next, static_cast<std::int64_t>(all.n_structures()));
}

// ---- MEGNet -----------------------------------------------------------------

namespace {

// megnet_forward's executor on the host: every element of a map in a loop.
struct host_executor {
    template <class Map>
    void map(const Map& f, float* out, std::int64_t rows, int cols, std::int64_t ld) {
        for (std::int64_t r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) out[r * ld + c] = f(r, c);
    }
};

std::filesystem::path matgl_dir() { return xs_test::shared_dir() / "data" / "matgl"; }
const char* const megnet_models[] = {"MEGNet-MP-2018.6.1-Eform", "MEGNet-MP-2019.4.1-BandGap-mfi"};

// MEGNet on the host as cuda/megnet_cuda.cpp runs it on the GPU: chunks of
// at most max_edges edges, each packed into one staging area and read where
// the kernels read it, the forward sequence of megnet_forward.hpp, then
// out * std + mean in float. Returns [S, outputs].
std::vector<double> megnet_device_forward(const megnet::params& p, const graph_batch& b, std::int64_t max_edges) {
    gpu::check_megnet_shapes(p);
    const gpu::megnet_weights w =
        gpu::make_megnet_weights(p, [](const std::vector<float>& v) { return v.empty() ? nullptr : v.data(); });
    const auto S = static_cast<std::int64_t>(b.n_structures());
    const auto no = static_cast<std::int64_t>(p.outputs.size());
    std::vector<float> y(static_cast<std::size_t>(S * no));
    host_executor ex;
    for (const auto& [s0, s1] : gpu::plan_edge_chunks(b, max_edges)) {
        const gpu::megnet_staging L = gpu::megnet_staging_for(b, s0, s1);
        std::vector<std::uint64_t> area((L.bytes + 7) / 8);  // 8-byte aligned
        auto* bytes = reinterpret_cast<unsigned char*>(area.data());
        gpu::pack_megnet_chunk(p, b, s0, L, bytes);
        std::vector<float> scratch(gpu::megnet_scratch_floats(p, L.n_atoms, L.n_edges, L.n_structures));
        gpu::megnet_scratch t{};
        gpu::megnet_scratch_floats(p, L.n_atoms, L.n_edges, L.n_structures, &t, scratch.data());
        gpu::megnet_forward(ex, p, w, gpu::megnet_chunk_at(bytes, L), t, y.data() + s0 * no, no);
    }
    std::vector<double> out(y.size());
    for (std::size_t k = 0; k < y.size(); ++k) out[k] = static_cast<double>(y[k] * p.std + p.mean);
    return out;
}

graph_batch batch_of(const std::vector<crystal_graph>& graphs) {
    graph_batch b;
    for (const auto& g : graphs) b.append(g);
    return b;
}

}  // namespace

// The segment means as maps: bit for bit the CPU backend's loops (same
// operations, same order), on a real graph's edges.
TEST(DeviceMath, MegnetSegmentMeansAreTheCpuBackendsBitForBit) {
    const megnet::params p = megnet::prepare(load_weights(matgl_dir() / megnet_models[0]));
    const graph_batch b = batch_of(xs_test::matgl_sample_graphs(megnet::graph_of(p.cutoff)));
    const gpu::megnet_staging L = gpu::megnet_staging_for(b, 0, static_cast<std::int64_t>(b.n_structures()));
    std::vector<std::uint64_t> area((L.bytes + 7) / 8);
    auto* bytes = reinterpret_cast<unsigned char*>(area.data());
    gpu::pack_megnet_chunk(p, b, 0, L, bytes);
    const gpu::megnet_chunk c = gpu::megnet_chunk_at(bytes, L);
    const int F = 7;
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-3.0f, 3.0f);
    std::vector<float> x(static_cast<std::size_t>(c.n_edges) * F);
    for (float& f : x) f = u(rng);
    std::vector<float> ref(static_cast<std::size_t>(c.n_atoms) * F), got(ref.size());
    cpu::segment_mean_by_index(x.data(), b.dst.data(), c.n_edges, F, ref.data(), c.n_atoms);
    host_executor ex;
    ex.map(gpu::in_mean_map{x.data(), c.in_offsets, c.in_edges, F}, got.data(), c.n_atoms, F, F);
    ASSERT_EQ(std::memcmp(got.data(), ref.data(), ref.size() * sizeof(float)), 0);
    std::vector<float> ref_s(static_cast<std::size_t>(c.n_structures) * F), got_s(ref_s.size());
    cpu::range_mean(x.data(), b.edge_offsets.data(), c.n_structures, F, ref_s.data());
    ex.map(gpu::range_mean_map{x.data(), c.edge_offsets, F}, got_s.data(), c.n_structures, F, F);
    ASSERT_EQ(std::memcmp(got_s.data(), ref_s.data(), ref_s.size() * sizeof(float)), 0);
    // The CSR lists every edge once, under its destination, in edge order.
    for (std::int64_t n = 0; n < c.n_atoms; ++n)
        for (std::int64_t k = c.in_offsets[n]; k < c.in_offsets[n + 1]; ++k) {
            ASSERT_EQ(c.dst[c.in_edges[k]], n);
            if (k > c.in_offsets[n]) {
                ASSERT_LT(c.in_edges[k - 1], c.in_edges[k]);
            }
        }
    ASSERT_EQ(c.in_offsets[c.n_atoms], c.n_edges);
}

// Set2Set as maps (LSTM step, scores, softmax, readout) against the CPU
// backend's cpu::set2set, on the real model's LSTM and realistic rows: the
// same operations in the same order, so only the libraries' exp and tanh
// could differ (on the host they are the same; measured: 0).
TEST(DeviceMath, MegnetSet2SetAgreesWithTheCpuBackend) {
    const megnet::params p = megnet::prepare(load_weights(matgl_dir() / megnet_models[0]));
    const graph_batch b = batch_of(xs_test::matgl_sample_graphs(megnet::graph_of(p.cutoff)));
    const gpu::megnet_weights w =
        gpu::make_megnet_weights(p, [](const std::vector<float>& v) { return v.empty() ? nullptr : v.data(); });
    const auto N = static_cast<std::int64_t>(b.n_atoms()), S = static_cast<std::int64_t>(b.n_structures());
    const int D = p.D;
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    std::vector<float> x(static_cast<std::size_t>(N) * D);
    for (float& f : x) f = u(rng);
    std::vector<std::int32_t> graph_of_row(static_cast<std::size_t>(N));
    for (std::int64_t s = 0; s < S; ++s)
        for (auto i = b.offsets[s]; i < b.offsets[s + 1]; ++i) graph_of_row[i] = static_cast<std::int32_t>(s);
    std::vector<float> ref(static_cast<std::size_t>(S) * 2 * D), got(ref.size());
    cpu::set2set(p.node_s2s, p.n_iters, x.data(), D, b.offsets.data(), S, ref.data());
    std::vector<float> scratch(gpu::megnet_scratch_floats(p, N, 0, S));
    gpu::megnet_scratch t{};
    gpu::megnet_scratch_floats(p, N, 0, S, &t, scratch.data());
    host_executor ex;
    gpu::megnet_detail::set2set(ex, w.node_s2s, p.n_iters, x.data(), N, graph_of_row.data(), b.offsets.data(), S, D, t,
                                got.data());
    double worst = 0;
    for (std::size_t k = 0; k < ref.size(); ++k) {
        ASSERT_LE(rel(got[k], ref[k]), 1e-5) << "element " << k << ": " << got[k] << " vs " << ref[k];
        worst = std::max(worst, rel(got[k], ref[k]));
    }
    std::cout << "device Set2Set vs cpu::set2set (" << S << " structures): max relative difference " << worst << "\n";
}

TEST(DeviceMath, MegnetForwardMatchesTheCpuBackend) {
    for (const char* name : megnet_models) {
        const model_weights wts = load_weights(matgl_dir() / name);
        const megnet::params p = megnet::prepare(wts);
        const auto graphs = xs_test::matgl_sample_graphs(megnet::graph_of(p.cutoff));
        ASSERT_GE(graphs.size(), 25u) << name;
        const graph_batch b = batch_of(graphs);
        const std::vector<double> dev = megnet_device_forward(p, b, 1 << 20);
        auto cpu_model = megnet::make(wts, model_options{});
        std::vector<double> ref(b.n_structures() * p.outputs.size());
        cpu_model->predict(b, ref);
        double worst = 0;
        for (std::size_t k = 0; k < ref.size(); ++k) {
            ASSERT_TRUE(std::isfinite(dev[k])) << name << " value " << k;
            // The bound for the GPU against the CPU backend.
            EXPECT_LE(std::abs(dev[k] - ref[k]), 1e-5 * std::max(1.0, std::abs(ref[k])))
                << name << " structure " << k / p.outputs.size() << " output " << p.outputs[k % p.outputs.size()]
                << ": device math " << dev[k] << ", CPU " << ref[k];
            worst = std::max(worst, rel(dev[k], ref[k]));
        }
        std::cout << name << " (" << b.n_structures() << " structures, " << b.n_edges()
                  << " edges): device math vs CPU backend (" << best_kernels().name << "), max relative difference "
                  << worst << "\n";
    }
}

// One structure alone, in the whole batch, and in chunks of a few hundred
// edges (as the GPU stages a large batch): the same bits.
TEST(DeviceMath, MegnetForwardIsBatchInvariant) {
    for (const char* name : megnet_models) {
        const megnet::params p = megnet::prepare(load_weights(matgl_dir() / name));
        // The ten sample CIFs and five perovskites: every structure also runs
        // alone, on the host (seconds per model).
        const auto graphs = xs_test::matgl_sample_graphs(megnet::graph_of(p.cutoff), 5);
        const graph_batch all = batch_of(graphs);
        const std::size_t no = p.outputs.size();
        const std::vector<double> together = megnet_device_forward(p, all, 1 << 20);
        ASSERT_GT(gpu::plan_edge_chunks(all, 400).size(), 3u);
        const std::vector<double> chunked = megnet_device_forward(p, all, 400);
        ASSERT_EQ(std::memcmp(chunked.data(), together.data(), together.size() * sizeof(double)), 0) << name;
        for (std::size_t s = 0; s < graphs.size(); ++s) {
            const std::vector<double> alone = megnet_device_forward(p, batch_of({graphs[s]}), 1 << 20);
            ASSERT_EQ(alone.size(), no);
            EXPECT_EQ(std::memcmp(alone.data(), &together[s * no], no * sizeof(double)), 0)
                << name << " structure " << s << ": alone " << alone[0] << ", in the batch " << together[s * no];
        }
    }
}

// ---- M3GNet -----------------------------------------------------------------

namespace {

const char* const m3gnet_models[] = {"M3GNet-MP-2018.6.1-Eform", "M3GNet-MP-2021.2.8-PES"};

// M3GNet on the host as cuda/m3gnet_cuda.cpp runs it on the GPU: chunks of at
// most max_edges bonds and max_triplets triplets, each packed into one
// staging area and read where the kernels read it, the forward sequence of
// m3gnet_forward.hpp, then the host's finish (energy per atom, or
// out * std + mean). Returns [S, outputs].
std::vector<double> m3gnet_device_forward(const m3gnet::params& p, const graph_batch& b, std::int64_t max_edges,
                                          std::int64_t max_triplets) {
    gpu::check_m3gnet_shapes(p);
    const gpu::m3gnet_weights w =
        gpu::make_m3gnet_weights(p, [](const std::vector<float>& v) { return v.empty() ? nullptr : v.data(); });
    const auto S = static_cast<std::int64_t>(b.n_structures());
    const auto no = static_cast<std::int64_t>(p.outputs.size());
    std::vector<float> y(static_cast<std::size_t>(S * no));
    host_executor ex;
    for (const auto& [s0, s1] : gpu::plan_m3gnet_chunks(b, max_edges, max_triplets)) {
        const gpu::m3gnet_staging L = gpu::m3gnet_staging_for(b, s0, s1);
        std::vector<std::uint64_t> area((L.bytes + 7) / 8);  // 8-byte aligned
        auto* bytes = reinterpret_cast<unsigned char*>(area.data());
        gpu::pack_m3gnet_chunk(p, b, s0, L, bytes);
        std::vector<float> scratch(
            gpu::m3gnet_scratch_floats(p, L.n_atoms, L.n_edges, L.n_triplets, L.n_structures));
        gpu::m3gnet_scratch t{};
        gpu::m3gnet_scratch_floats(p, L.n_atoms, L.n_edges, L.n_triplets, L.n_structures, &t, scratch.data());
        gpu::m3gnet_forward(ex, p, w, gpu::m3gnet_chunk_at(bytes, L), t, y.data() + s0 * no, no);
    }
    std::vector<double> out(y.size());
    for (std::int64_t s = 0; s < S; ++s) {
        if (p.potential) {
            const double energy = static_cast<double>(y[s * 2]);
            out[s * 2] = energy;
            out[s * 2 + 1] = energy / static_cast<double>(b.offsets[s + 1] - b.offsets[s]);
        } else {
            out[s] = static_cast<double>(y[s] * p.std + p.mean);
        }
    }
    return out;
}

}  // namespace

// The bases as maps: the CPU's own functions (basis.hpp is XS_HD), so on the
// host they are the CPU backend's values bit for bit.
TEST(DeviceMath, M3gnetBasesAreTheCpuBackendsBitForBit) {
    const m3gnet::radial_basis rbf(5.0f);
    std::vector<float> dist;
    for (int i = 0; i < 400; ++i) dist.push_back(0.5f + 0.0123f * static_cast<float>(i));
    host_executor ex;
    std::vector<float> got(dist.size() * m3gnet::n_basis), fc(dist.size());
    ex.map(gpu::m3_rbf_map{dist.data(), rbf}, got.data(), static_cast<std::int64_t>(dist.size()), m3gnet::n_basis,
           m3gnet::n_basis);
    ex.map(gpu::m3_cutoff_map{dist.data(), 4.0f}, fc.data(), static_cast<std::int64_t>(dist.size()), 1, 1);
    for (std::size_t e = 0; e < dist.size(); ++e) {
        float ref[m3gnet::n_basis];
        rbf(dist[e], ref);
        ASSERT_EQ(std::memcmp(ref, &got[e * m3gnet::n_basis], sizeof ref), 0) << "distance " << dist[e];
        const float ref_fc = m3gnet::polynomial_cutoff(dist[e], 4.0f);
        ASSERT_EQ(std::memcmp(&ref_fc, &fc[e], sizeof ref_fc), 0) << "distance " << dist[e];
    }
}

// The staged three-body lists: every triplet listed once, under the bond
// three_body_indices names, in triplet order (the CPU's accumulation order);
// on a potential's graph (three-body cutoff 4 Å below the 5 Å graph), where
// upstream's pruned-number indexing and segment collapsing matter.
TEST(DeviceMath, M3gnetStagingKeepsUpstreamsThreeBodyIndices) {
    const m3gnet::params p = m3gnet::prepare(load_weights(matgl_dir() / m3gnet_models[1]));
    ASSERT_LT(p.rc3, p.cutoff);
    const graph_batch b = batch_of(xs_test::matgl_sample_graphs(m3gnet::graph_of(p.cutoff, p.rc3), 3));
    const auto S = static_cast<std::int64_t>(b.n_structures());
    const auto T = static_cast<std::int64_t>(b.trip_ij.size());
    ASSERT_GT(T, 0);
    std::vector<std::int32_t> atom(T), w_ij(T), w_ik(T), target(T);
    for (std::int64_t s = 0; s < S; ++s) {
        const auto t0 = b.triplet_offsets[s];
        m3gnet::three_body_indices(b, p.rc3, s, atom.data() + t0, w_ij.data() + t0, w_ik.data() + t0,
                                   target.data() + t0);
    }
    for (const auto& [s0, s1] : gpu::plan_m3gnet_chunks(b, 300, 4000)) {
        const gpu::m3gnet_staging L = gpu::m3gnet_staging_for(b, s0, s1);
        std::vector<std::uint64_t> area((L.bytes + 7) / 8);
        auto* bytes = reinterpret_cast<unsigned char*>(area.data());
        gpu::pack_m3gnet_chunk(p, b, s0, L, bytes);
        const gpu::m3gnet_chunk c = gpu::m3gnet_chunk_at(bytes, L);
        ASSERT_EQ(c.trip_offsets[c.n_edges], c.n_triplets);
        std::vector<int> seen(static_cast<std::size_t>(c.n_triplets), 0);
        for (std::int64_t e = 0; e < c.n_edges; ++e)
            for (std::int64_t k = c.trip_offsets[e]; k < c.trip_offsets[e + 1]; ++k) {
                const std::int64_t t = c.trip_list[k];
                ++seen[static_cast<std::size_t>(t)];
                ASSERT_EQ(target[L.first_triplet + t], L.first_edge + e);
                if (k > c.trip_offsets[e]) {
                    ASSERT_LT(c.trip_list[k - 1], c.trip_list[k]);
                }
            }
        for (std::int64_t t = 0; t < c.n_triplets; ++t) {
            ASSERT_EQ(seen[static_cast<std::size_t>(t)], 1);
            ASSERT_EQ(c.atom[t] + L.first_atom, atom[L.first_triplet + t]);
            ASSERT_EQ(c.w_ij[t] + L.first_edge, w_ij[L.first_triplet + t]);
            ASSERT_EQ(c.w_ik[t] + L.first_edge, w_ik[L.first_triplet + t]);
            ASSERT_EQ(c.trip_ik[t] + L.first_edge, b.trip_ik[L.first_triplet + t]);
        }
    }
}

TEST(DeviceMath, M3gnetForwardMatchesTheCpuBackend) {
    for (const char* name : m3gnet_models) {
        const model_weights wts = load_weights(matgl_dir() / name);
        const m3gnet::params p = m3gnet::prepare(wts);
        const auto graphs = xs_test::matgl_sample_graphs(m3gnet::graph_of(p.cutoff, p.rc3), 5);
        ASSERT_GE(graphs.size(), 15u) << name;
        const graph_batch b = batch_of(graphs);
        const std::vector<double> dev = m3gnet_device_forward(p, b, 1 << 20, 1 << 24);
        auto cpu_model = m3gnet::make(wts, model_options{});
        std::vector<double> ref(b.n_structures() * p.outputs.size());
        cpu_model->predict(b, ref);
        double worst = 0;
        for (std::size_t k = 0; k < ref.size(); ++k) {
            ASSERT_TRUE(std::isfinite(dev[k])) << name << " value " << k;
            // The bound for the GPU against the CPU backend.
            EXPECT_LE(std::abs(dev[k] - ref[k]), 1e-5 * std::max(1.0, std::abs(ref[k])))
                << name << " structure " << k / p.outputs.size() << " output " << p.outputs[k % p.outputs.size()]
                << ": device math " << dev[k] << ", CPU " << ref[k];
            worst = std::max(worst, rel(dev[k], ref[k]));
        }
        std::cout << name << " (" << b.n_structures() << " structures, " << b.n_edges() << " bonds, "
                  << b.trip_ij.size() << " triplets): device math vs CPU backend (" << best_kernels().name
                  << "), max relative difference " << worst << "\n";
    }
}

// One structure alone, in the whole batch, and in chunks of a few hundred
// bonds / a few thousand triplets (as the GPU stages a large batch): the
// same bits. The structures of at most 8,000 triplets among the sample CIFs
// and five perovskites, so that every one also runs alone in a few seconds
// on the host.
TEST(DeviceMath, M3gnetForwardIsBatchInvariant) {
    for (const char* name : m3gnet_models) {
        const m3gnet::params p = m3gnet::prepare(load_weights(matgl_dir() / name));
        std::vector<crystal_graph> graphs;
        for (auto& g : xs_test::matgl_sample_graphs(m3gnet::graph_of(p.cutoff, p.rc3), 5))
            if (g.trip_ij.size() <= 8000) graphs.push_back(std::move(g));
        ASSERT_GE(graphs.size(), 6u) << name;
        const graph_batch all = batch_of(graphs);
        const std::size_t no = p.outputs.size();
        const std::vector<double> together = m3gnet_device_forward(p, all, 1 << 20, 1 << 24);
        ASSERT_GT(gpu::plan_m3gnet_chunks(all, 300, 4000).size(), 3u);
        const std::vector<double> chunked = m3gnet_device_forward(p, all, 300, 4000);
        ASSERT_EQ(std::memcmp(chunked.data(), together.data(), together.size() * sizeof(double)), 0) << name;
        for (std::size_t s = 0; s < graphs.size(); ++s) {
            const std::vector<double> alone = m3gnet_device_forward(p, batch_of({graphs[s]}), 1 << 20, 1 << 24);
            ASSERT_EQ(alone.size(), no);
            EXPECT_EQ(std::memcmp(alone.data(), &together[s * no], no * sizeof(double)), 0)
                << name << " structure " << s << ": alone " << alone[0] << ", in the batch " << together[s * no];
        }
    }
}
