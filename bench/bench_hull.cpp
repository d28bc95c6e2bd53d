// Energy above the hull: cost per candidate next to the model's, one thread.
//
// Synthetic campaign: 1,000 chemical systems of 2 to 6 elements drawn from 40
// elements, 10,000 reference phases over them and their subsystems, 1,000,000
// candidate formulas over the 1,000 systems (random amounts and energies).
//   BM_HullBuildAll          every system's hull from a cold cache (Qhull), per system
//   BM_HullPerCandidate/0    formula parse + e_above_hull, warm cache (screen's path without all.csv)
//   BM_HullPerCandidate/1    the same with the decomposition (screen's path with --all)
//   BM_HullColdPerCandidate  1M candidates from a cold cache: hull building amortised in
//   BM_HullLpPerCandidate    the linear program per candidate instead of facets (--hull-lp)
//   BM_ModelPerCandidate     graph + CGCNN formation-energy model of one perov_5 structure
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "engine/screen/hull.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/predictor.hpp"

namespace {

struct campaign {
    std::shared_ptr<xtalsieve::reference_set> ref;
    std::vector<std::vector<int>> systems;
    std::vector<std::string> formulas;  // candidates
    std::vector<double> energies;
};

std::string formula_of(const std::vector<int>& els, std::mt19937_64& rng, int max_amount) {
    std::uniform_int_distribution<int> amt(1, max_amount);
    std::string f;
    for (int z : els) f += std::string(xtalsieve::element_symbol(z)) + std::to_string(amt(rng));
    return f;
}

const campaign& get_campaign() {
    static const campaign c = [] {
        campaign c;
        std::mt19937_64 rng(12345);
        std::vector<int> pool;
        for (int z : {3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 24,
                      25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 37, 38, 39, 40, 41, 42, 49, 50, 56})
            pool.push_back(z);
        std::uniform_int_distribution<int> size(0, 9);
        std::set<std::vector<int>> seen;
        while (c.systems.size() < 1000) {
            const int sz_roll = size(rng);  // 2: 10 %, 3: 30 %, 4: 30 %, 5: 20 %, 6: 10 %
            const int n = sz_roll < 1 ? 2 : sz_roll < 4 ? 3 : sz_roll < 7 ? 4 : sz_roll < 9 ? 5 : 6;
            std::vector<int> s = pool;
            std::shuffle(s.begin(), s.end(), rng);
            s.resize(n);
            std::sort(s.begin(), s.end());
            if (seen.insert(s).second) c.systems.push_back(s);
        }
        std::uniform_int_distribution<std::size_t> pick(0, c.systems.size() - 1);
        std::uniform_real_distribution<double> e(-3.0, 0.2), u(0, 1);
        std::vector<xtalsieve::reference_phase> phases;
        while (phases.size() < 10000) {
            const auto& sys = c.systems[pick(rng)];
            std::vector<int> sub;
            for (int z : sys)
                if (u(rng) < 0.75) sub.push_back(z);
            if (sub.size() < 2) continue;
            const std::string f = formula_of(sub, rng, 6);
            phases.push_back({f, xtalsieve::parse_formula(f), e(rng), ""});
        }
        c.ref = std::make_shared<xtalsieve::reference_set>(xtalsieve::make_reference_set(std::move(phases)));
        for (int i = 0; i < 1000000; ++i) {
            c.formulas.push_back(formula_of(c.systems[pick(rng)], rng, 8));
            c.energies.push_back(e(rng));
        }
        return c;
    }();
    return c;
}

}  // namespace

static void BM_HullBuildAll(benchmark::State& state) {
    const auto& c = get_campaign();
    for (auto _ : state) {
        xtalsieve::hull_cache cache(c.ref);
        std::size_t facets = 0;
        for (const auto& s : c.systems) facets += cache.get(s)->facets();
        benchmark::DoNotOptimize(facets);
        state.counters["facets_per_system"] = static_cast<double>(facets) / static_cast<double>(c.systems.size());
    }
    state.counters["systems/s"] = benchmark::Counter(static_cast<double>(c.systems.size()) * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
    state.counters["us_per_system"] = benchmark::Counter(static_cast<double>(c.systems.size()) * static_cast<double>(state.iterations()),
                                                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["reference_phases"] = static_cast<double>(c.ref->phases.size());
}
BENCHMARK(BM_HullBuildAll)->Unit(benchmark::kMillisecond)->Iterations(3);

static void run_candidates(benchmark::State& state, bool cold, bool decomposition, bool lp, std::size_t n) {
    const auto& c = get_campaign();
    auto cache = std::make_unique<xtalsieve::hull_cache>(c.ref);
    if (!cold)
        for (const auto& s : c.systems) cache->get(s);
    double sink = 0;
    for (auto _ : state) {
        if (cold) {
            state.PauseTiming();
            cache = std::make_unique<xtalsieve::hull_cache>(c.ref);
            state.ResumeTiming();
        }
        for (std::size_t i = 0; i < n; ++i) {
            const auto h = cache->evaluate(xtalsieve::parse_formula(c.formulas[i]), c.energies[i], decomposition, lp);
            sink += h.e_above_hull;
        }
    }
    benchmark::DoNotOptimize(sink);
    const double items = static_cast<double>(n) * static_cast<double>(state.iterations());
    state.counters["candidates/s"] = benchmark::Counter(items, benchmark::Counter::kIsRate);
    state.counters["ns_per_candidate"] = benchmark::Counter(items * 1e-9, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["systems"] = static_cast<double>(cache->systems());
}

static void BM_HullPerCandidate(benchmark::State& state) { run_candidates(state, false, state.range(0) != 0, false, 1000000); }
BENCHMARK(BM_HullPerCandidate)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(2);

static void BM_HullColdPerCandidate(benchmark::State& state) { run_candidates(state, true, false, false, 1000000); }
BENCHMARK(BM_HullColdPerCandidate)->Unit(benchmark::kMillisecond)->Iterations(2);

static void BM_HullLpPerCandidate(benchmark::State& state) { run_candidates(state, false, false, true, 100000); }
BENCHMARK(BM_HullLpPerCandidate)->Unit(benchmark::kMillisecond)->Iterations(2);

static void BM_ModelPerCandidate(benchmark::State& state) {
    const auto structs = xs_bench::perov_structures();
    std::vector<xtalsieve::model_weights> w;
    w.push_back(xtalsieve::load_weights(xs_bench::model_path("formation-energy-per-atom")));
    xtalsieve::predict_options o;
    o.threads = 1;
    xtalsieve::predictor pred(std::move(w), o);
    std::size_t k = 0;
    for (auto _ : state) {
        auto v = pred.predict(structs[k++ % structs.size()]);
        benchmark::DoNotOptimize(v);
    }
    state.counters["ns_per_candidate"] = benchmark::Counter(static_cast<double>(state.iterations()) * 1e-9,
                                                            benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ModelPerCandidate)->Iterations(20000)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
