// MatGL's MEGNet and M3GNet: model-only throughput (graphs built beforehand)
// at batches of one structure and of 256 structures, and end-to-end (CIF text
// -> parse -> graph -> model) through the predictor on 1 and 2 threads; the
// input is the perov_5 validation set (3787 structures, 5 atoms each), as in
// tools/matgl_bench.py, which times upstream MatGL on the same structures.
//   build/bench/bench_matgl [--benchmark_filter=M3GNet]
// MFLOP/atom and dense_GFLOP/s (model only) count the dense layers as they ran
// (2 x the multiply-adds of every cpu::ops::linear call); compare with
// bench_gemm's measured ceiling of the same core and ISA path.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench/bench_support.hpp"
#include "engine/cpu/ops.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/model.hpp"
#include "xtalsieve/predictor.hpp"

namespace {

const char* const names[] = {"MEGNet-MP-2018.6.1-Eform", "MEGNet-MP-2019.4.1-BandGap-mfi", "M3GNet-MP-2018.6.1-Eform",
                             "M3GNet-MP-2021.2.8-PES"};

xtalsieve::model_weights weights(int k) {
    return xtalsieve::load_weights(xs_bench::shared() / "data" / "matgl" / names[k]);
}

// The perov_5 structures in file order (as MatGL reads them).
const std::vector<xtalsieve::structure>& structures() {
    static const std::vector<xtalsieve::structure> v = [] {
        std::vector<xtalsieve::structure> out;
        for (const auto& r : xs_bench::perov_records()) out.push_back(xtalsieve::parse_record(r, xtalsieve::site_order::file));
        return out;
    }();
    return v;
}

}  // namespace

static void BM_MatglModelOnly(benchmark::State& state) {
    const int k = static_cast<int>(state.range(0));
    const auto per_batch = static_cast<std::size_t>(state.range(1));
    auto m = xtalsieve::make_model(weights(k));
    std::vector<xtalsieve::graph_batch> batches;
    xtalsieve::graph_batch b;
    std::size_t edges = 0, triplets = 0;
    for (const auto& s : structures()) {
        const auto g = xtalsieve::build_graph(s, m->graph());
        edges += g.n_edges();
        triplets += g.trip_ij.size();
        b.append(g);
        if (b.n_structures() == per_batch) {
            batches.push_back(b);
            b.clear();
        }
    }
    if (b.n_structures()) batches.push_back(b);
    std::vector<double> out;
    std::size_t atoms = 0, structs = 0;
    const std::uint64_t flops0 = xtalsieve::cpu::dense_flops_this_thread();
    for (auto _ : state) {
        for (const auto& x : batches) {
            out.resize(x.n_structures() * m->outputs().size());
            m->predict(x, out);
            atoms += x.n_atoms();
            structs += x.n_structures();
        }
    }
    state.SetLabel(names[k]);
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["structures/s"] = benchmark::Counter(static_cast<double>(structs), benchmark::Counter::kIsRate);
    const double n_atoms = 5.0 * static_cast<double>(structures().size());
    state.counters["edges/atom"] = static_cast<double>(edges) / n_atoms;
    state.counters["triplets/atom"] = static_cast<double>(triplets) / n_atoms;
    // Dense layers as run (engine/cpu/ops.hpp: 2 x multiply-adds of ops::linear).
    const auto flops = static_cast<double>(xtalsieve::cpu::dense_flops_this_thread() - flops0);
    state.counters["MFLOP/atom"] = flops / static_cast<double>(atoms) / 1e6;
    state.counters["dense_GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
}
// Batches of 1 structure (latency-like) and of 256 structures.
BENCHMARK(BM_MatglModelOnly)
    ->ArgsProduct({{0, 1, 2, 3}, {1, 256}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

static void BM_MatglEndToEnd(benchmark::State& state) {
    const int k = static_cast<int>(state.range(0));
    const auto& recs = xs_bench::perov_records();
    xtalsieve::predict_options o;
    o.threads = static_cast<int>(state.range(1));
    xtalsieve::predictor p({weights(k)}, o);
    std::size_t atoms = 0, structs = 0;
    for (auto _ : state) {
        xs_bench::vector_reader in(recs);
        p.run(in, [&](const xtalsieve::prediction& r) {
            if (r.error.empty()) {
                atoms += static_cast<std::size_t>(r.n_atoms);
                ++structs;
            }
        });
    }
    state.SetLabel(names[k]);
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["structures/s"] = benchmark::Counter(static_cast<double>(structs), benchmark::Counter::kIsRate);
    state.counters["threads"] = static_cast<double>(o.threads);
}
BENCHMARK(BM_MatglEndToEnd)
    ->ArgsProduct({{0, 1, 2, 3}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();

BENCHMARK_MAIN();
