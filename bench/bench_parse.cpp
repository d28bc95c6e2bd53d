// CIF parsing throughput (perov_5 CIF texts, already in memory).
#include <benchmark/benchmark.h>

#include "bench/bench_support.hpp"
#include "xtalsieve/cif.hpp"

static void BM_ParseCif(benchmark::State& state) {
    const auto recs = xs_bench::perov_records();
    std::size_t bytes = 0, atoms = 0, n = 0;
    for (auto _ : state) {
        for (const auto& r : recs) {
            auto s = xtalsieve::read_cif(r.text, r.id);
            atoms += s.size();
            bytes += r.text.size();
            benchmark::DoNotOptimize(s);
        }
        n += recs.size();
    }
    state.counters["structures/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes) / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseCif)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
