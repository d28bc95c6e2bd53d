// Crystal-graph construction: perov_5 cells and supercells of one of them.
#include <benchmark/benchmark.h>

#include "bench/bench_support.hpp"

static void BM_GraphPerov5(benchmark::State& state) {
    const auto structs = xs_bench::perov_structures();
    std::size_t atoms = 0, n = 0;
    for (auto _ : state) {
        for (const auto& s : structs) {
            auto g = xtalsieve::build_graph(s);
            benchmark::DoNotOptimize(g);
            atoms += s.size();
        }
        n += structs.size();
    }
    state.counters["structures/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["edges/s"] = benchmark::Counter(static_cast<double>(atoms * 12), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GraphPerov5)->Unit(benchmark::kMillisecond);

// Supercells n x n x n of the first perov_5 cell: 5, 40, 135, 320 atoms.
static void BM_GraphSupercell(benchmark::State& state) {
    const auto s = xs_bench::supercell(xs_bench::perov_structures().front(), static_cast<int>(state.range(0)));
    std::size_t atoms = 0;
    for (auto _ : state) {
        auto g = xtalsieve::build_graph(s);
        benchmark::DoNotOptimize(g);
        atoms += s.size();
    }
    state.counters["atoms"] = static_cast<double>(s.size());
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_GraphSupercell)->DenseRange(1, 4)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
