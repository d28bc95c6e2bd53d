// The CUDA backend's figures (bench/run_gpu.sh runs them; built only with
// -DXTALSIEVE_CUDA=ON): the official formation-energy CGCNN on perov_5
// (five-atom structures), GPU device 0 unless XTALSIEVE_BENCH_DEVICE says
// otherwise ("cuda:1").
//   BM_CudaModelOnly/S    graphs built beforehand, batches of S structures
//                         (S = 1, 64, 4096: 5, 320, 20480 atoms): atoms/s, and
//                         p50/p99 of one batch (the batch-64 latency)
//   BM_CpuModelOnly/S     the same batches on the CPU backend, one thread
//   BM_CudaEndToEnd/T     CIF text -> predictions through the predictor's
//                         pipeline with T CPU threads parsing and building
//                         graphs, inference on the GPU: atoms/s
//   BM_CudaLatency5Atoms  one 5-atom structure, graph + model: p50/p99
//   BM_CudaMegnetModelOnly/S, BM_CpuMegnetModelOnly/S
//                         MatGL's MEGNet formation energy on the same perov_5
//                         structures (MEGNet's own graph: file site order,
//                         4 Å edge list), batches of S = 1, 64, 1024: atoms/s
//                         and p50/p99 of one batch, GPU and one CPU thread
//   BM_CudaM3gnetModelOnly/S, BM_CpuM3gnetModelOnly/S
//                         MatGL's M3GNet potential (PES, energy) on the same
//                         structures (5 Å bonds, 4 Å three-body), batches of
//                         S = 1, 64: atoms/s, p50/p99 of one batch, triplets
//                         per batch (its work is mostly per triplet)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "bench/bench_support.hpp"
#include "xtalsieve/model.hpp"
#include "xtalsieve/predictor.hpp"

namespace {

xtalsieve::model_options gpu_options() {
    xtalsieve::model_options o;
    const char* d = std::getenv("XTALSIEVE_BENCH_DEVICE");
    xtalsieve::set_device(o, d && *d ? d : "cuda:0");
    return o;
}

const std::vector<xtalsieve::structure>& structures() {
    static const std::vector<xtalsieve::structure> s = [] {
        auto v = xs_bench::perov_structures();
        for (auto& x : v) xtalsieve::sort_by_electronegativity(x);
        return v;
    }();
    return s;
}

const std::vector<xtalsieve::crystal_graph>& graphs() {
    static const std::vector<xtalsieve::crystal_graph> g = [] {
        std::vector<xtalsieve::crystal_graph> v;
        for (const auto& s : structures()) v.push_back(xtalsieve::build_graph(s));
        return v;
    }();
    return g;
}

// Batches of n_structures consecutive perov_5 structures, cycling through the
// 3787 of them as often as needed for at least 8 batches (4096 needs repeats).
std::vector<xtalsieve::graph_batch> batches(std::size_t n_structures) {
    const auto& g = graphs();
    const std::size_t n_batches = std::max<std::size_t>(8, g.size() / n_structures);
    std::vector<xtalsieve::graph_batch> out(std::min<std::size_t>(n_batches, 64));
    std::size_t k = 0;
    for (auto& b : out)
        for (std::size_t s = 0; s < n_structures; ++s) b.append(g[k++ % g.size()]);
    return out;
}

void report_latency(benchmark::State& state, std::vector<double>& us) {
    if (us.empty()) return;
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

void model_only(benchmark::State& state, const xtalsieve::model_options& o) {
    const auto bs = batches(static_cast<std::size_t>(state.range(0)));
    auto m = xtalsieve::make_model(xtalsieve::load_weights(xs_bench::model_path("formation-energy-per-atom")), o);
    std::vector<double> out;
    // Warm-up: first-call allocations and, for small batches, CUDA Graph capture.
    for (const auto& b : bs) {
        out.resize(b.n_structures() * m->outputs().size());
        m->predict(b, out);
    }
    std::size_t atoms = 0;
    std::vector<double> us;
    for (auto _ : state) {
        for (const auto& b : bs) {
            out.resize(b.n_structures() * m->outputs().size());
            const auto t0 = std::chrono::steady_clock::now();
            m->predict(b, out);
            us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
            atoms += b.n_atoms();
        }
    }
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["atoms_per_batch"] = static_cast<double>(bs.front().n_atoms());
    report_latency(state, us);
}

// Batches of n_structures consecutive perov_5 structures as graphs of the
// model's recipe, for at least 8 batches (at most 64).
std::vector<xtalsieve::graph_batch> batches_for(const xtalsieve::graph_options& g, std::size_t n_structures) {
    const auto v = xs_bench::perov_structures();
    const std::size_t n_batches = std::min<std::size_t>(64, std::max<std::size_t>(8, v.size() / n_structures));
    std::vector<xtalsieve::graph_batch> out(n_batches);
    std::size_t k = 0;
    for (auto& b : out)
        for (std::size_t s = 0; s < n_structures; ++s) b.append(xtalsieve::build_graph(v[k++ % v.size()], g));
    return out;
}

// A MatGL model (folder name under shared/data/matgl) on batches of
// state.range(0) perov_5 structures, graphs built beforehand.
void matgl_model_only(benchmark::State& state, const char* name, const xtalsieve::model_options& o) {
    auto m = xtalsieve::make_model(xtalsieve::load_weights(xs_bench::shared() / "data" / "matgl" / name), o);
    const auto bs = batches_for(m->graph(), static_cast<std::size_t>(state.range(0)));
    std::vector<double> out;
    for (const auto& b : bs) {  // warm-up: first-call allocations
        out.resize(b.n_structures() * m->outputs().size());
        m->predict(b, out);
    }
    std::size_t atoms = 0;
    std::vector<double> us;
    for (auto _ : state) {
        for (const auto& b : bs) {
            out.resize(b.n_structures() * m->outputs().size());
            const auto t0 = std::chrono::steady_clock::now();
            m->predict(b, out);
            us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
            atoms += b.n_atoms();
        }
    }
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["atoms_per_batch"] = static_cast<double>(bs.front().n_atoms());
    state.counters["edges_per_batch"] = static_cast<double>(bs.front().n_edges());
    state.counters["triplets_per_batch"] = static_cast<double>(bs.front().trip_ij.size());
    report_latency(state, us);
}

}  // namespace

static void BM_CudaModelOnly(benchmark::State& state) { model_only(state, gpu_options()); }
BENCHMARK(BM_CudaModelOnly)->Arg(1)->Arg(64)->Arg(4096)->MinTime(2.0)->Unit(benchmark::kMicrosecond);

static void BM_CpuModelOnly(benchmark::State& state) { model_only(state, {}); }
BENCHMARK(BM_CpuModelOnly)->Arg(1)->Arg(64)->Arg(4096)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

static void BM_CudaEndToEnd(benchmark::State& state) {
    const auto recs = xs_bench::perov_records();
    std::vector<xtalsieve::model_weights> w;
    w.push_back(xtalsieve::load_weights(xs_bench::model_path("formation-energy-per-atom")));
    xtalsieve::predict_options o;
    o.threads = static_cast<int>(state.range(0));
    o.model = gpu_options();
    xtalsieve::predictor pred(std::move(w), o);
    std::size_t atoms = 0, failed = 0;
    for (auto _ : state) {
        xs_bench::vector_reader in(recs);
        pred.run(in, [&](const xtalsieve::prediction& p) {
            atoms += static_cast<std::size_t>(p.n_atoms);
            failed += !p.error.empty();
        });
    }
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["threads"] = static_cast<double>(state.range(0));
    state.counters["failed"] = static_cast<double>(failed);
}
BENCHMARK(BM_CudaEndToEnd)->Arg(1)->Arg(4)->Arg(16)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_CudaLatency5Atoms(benchmark::State& state) {
    auto m = xtalsieve::make_model(xtalsieve::load_weights(xs_bench::model_path("formation-energy-per-atom")), gpu_options());
    const auto& s = structures();
    std::vector<double> out(1), us;
    std::size_t k = 0;
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        xtalsieve::graph_batch b;
        b.append(xtalsieve::build_graph(s[k++ % s.size()]));
        m->predict(b, out);
        benchmark::DoNotOptimize(out.data());
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    report_latency(state, us);
}
BENCHMARK(BM_CudaLatency5Atoms)->Iterations(20000)->Unit(benchmark::kMicrosecond);

static void BM_CudaMegnetModelOnly(benchmark::State& state) {
    matgl_model_only(state, "MEGNet-MP-2018.6.1-Eform", gpu_options());
}
BENCHMARK(BM_CudaMegnetModelOnly)->Arg(1)->Arg(64)->Arg(1024)->MinTime(2.0)->Unit(benchmark::kMicrosecond);

static void BM_CpuMegnetModelOnly(benchmark::State& state) { matgl_model_only(state, "MEGNet-MP-2018.6.1-Eform", {}); }
BENCHMARK(BM_CpuMegnetModelOnly)->Arg(1)->Arg(64)->Arg(1024)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

static void BM_CudaM3gnetModelOnly(benchmark::State& state) {
    matgl_model_only(state, "M3GNet-MP-2021.2.8-PES", gpu_options());
}
BENCHMARK(BM_CudaM3gnetModelOnly)->Arg(1)->Arg(64)->MinTime(2.0)->Unit(benchmark::kMicrosecond);

static void BM_CpuM3gnetModelOnly(benchmark::State& state) { matgl_model_only(state, "M3GNet-MP-2021.2.8-PES", {}); }
BENCHMARK(BM_CpuM3gnetModelOnly)->Arg(1)->Arg(64)->MinTime(1.0)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
