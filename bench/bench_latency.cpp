// Latency of one 5-atom structure through the in-process C++ call, one thread:
// CIF text in (parse + graph + model), and arrays in (graph + model). perov_5's
// cubic cells are symmetric (each site has 3-4 distinct bonds among its 12
// slots, whose gates the CGCNN kernel computes once); the "rattled" case moves
// every atom by up to 0.05 Å so that no two slots repeat: the generic cost.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "bench/bench_support.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/predictor.hpp"

namespace {

void report(benchmark::State& state, std::vector<double>& us) {
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[us.size() * 99 / 100];
    state.counters["structures/s"] = benchmark::Counter(static_cast<double>(us.size()), benchmark::Counter::kIsRate);
}

xtalsieve::predictor make_predictor() {
    std::vector<xtalsieve::model_weights> w;
    w.push_back(xtalsieve::load_weights(xs_bench::model_path("formation-energy-per-atom")));
    xtalsieve::predict_options o;
    o.threads = 1;
    return xtalsieve::predictor(std::move(w), o);
}

}  // namespace

static void BM_LatencyCifText(benchmark::State& state) {
    const auto recs = xs_bench::perov_records();
    auto pred = make_predictor();
    std::vector<double> us;
    std::size_t k = 0;
    for (auto _ : state) {
        const auto& r = recs[k++ % recs.size()];
        const auto t0 = std::chrono::steady_clock::now();
        auto s = xtalsieve::read_cif(r.text, r.id);
        xtalsieve::sort_by_electronegativity(s);
        auto v = pred.predict(s);
        benchmark::DoNotOptimize(v);
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    report(state, us);
}
BENCHMARK(BM_LatencyCifText)->Iterations(20000);

// One structure at a time from arrays (graph + model), cycling through structs.
static void time_arrays(benchmark::State& state, const std::vector<xtalsieve::structure>& structs) {
    auto pred = make_predictor();
    std::vector<double> us;
    std::size_t k = 0;
    for (auto _ : state) {
        const auto& s = structs[k++ % structs.size()];
        const auto t0 = std::chrono::steady_clock::now();
        auto v = pred.predict(s);
        benchmark::DoNotOptimize(v);
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    report(state, us);
}

static void BM_LatencyArrays(benchmark::State& state) { time_arrays(state, xs_bench::perov_structures()); }
BENCHMARK(BM_LatencyArrays)->Iterations(20000);

static void BM_LatencyArraysRattled(benchmark::State& state) {
    auto structs = xs_bench::perov_structures();
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(-0.0125, 0.0125);  // fractional: up to ~0.05 Å per axis
    for (auto& s : structs)
        for (auto& f : s.frac)
            for (double& x : f) x += u(rng);
    time_arrays(state, structs);
}
BENCHMARK(BM_LatencyArraysRattled)->Iterations(20000);

BENCHMARK_MAIN();
