// The batch API: throughput in structures/s from flat arrays through the C++
// batch_predictor and the C xs_predict_batch (2 threads), next to the CLI's
// path (CIF text records through predictor::run), on the 3787 perov_5
// structures with the formation-energy model; and the latency of one 5-atom
// structure through the C API (batch of one, and xs_predict_arrays).
// bench/bench_python.py measures the same from Python.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "bench/bench_support.hpp"
#include "xtalsieve/batch.hpp"
#include "xtalsieve/xtalsieve.h"

namespace {

// Options are plain structs: set the fields that matter.
inline xtalsieve::batch_options threads(int n) {
    xtalsieve::batch_options o;
    o.threads = n;
    return o;
}


struct flat {
    std::vector<std::size_t> offsets{0};
    std::vector<double> lattices, positions;
    std::vector<int> numbers;
    std::size_t n = 0;
    xtalsieve::structure_batch view() const {
        xtalsieve::structure_batch b;
        b.offsets = offsets;
        b.lattices = lattices;
        b.positions = positions;
        b.numbers = numbers;
        return b;
    }
};

const flat& perov_flat() {
    static const flat f = [] {
        flat f;
        for (const auto& r : xs_bench::perov_records()) {
            const auto s = xtalsieve::parse_record(r, xtalsieve::site_order::file);
            for (const auto& row : s.lattice) f.lattices.insert(f.lattices.end(), row.begin(), row.end());
            for (const auto& p : s.frac) f.positions.insert(f.positions.end(), p.begin(), p.end());
            f.numbers.insert(f.numbers.end(), s.numbers.begin(), s.numbers.end());
            f.offsets.push_back(f.numbers.size());
            ++f.n;
        }
        return f;
    }();
    return f;
}

const std::string& model() {
    static const std::string m = xs_bench::model_path("formation-energy-per-atom").string();
    return m;
}

}  // namespace

static void BM_BatchCppArrays(benchmark::State& state) {
    const auto& f = perov_flat();
    const xtalsieve::batch_predictor p({model()}, threads(2));
    std::vector<double> out(f.n);
    for (auto _ : state) benchmark::DoNotOptimize(p.predict(f.view(), out));
    state.counters["structures/s"] =
        benchmark::Counter(static_cast<double>(f.n * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BatchCppArrays)->Unit(benchmark::kMillisecond)->UseRealTime();

static void BM_BatchCApiArrays(benchmark::State& state) {
    const auto& f = perov_flat();
    const char* models[] = {model().c_str()};
    xs_predictor* p = xs_predictor_new_threads(models, 1, nullptr, 2);
    std::vector<double> out(f.n);
    for (auto _ : state)
        benchmark::DoNotOptimize(xs_predict_batch(p, f.n, f.offsets.data(), f.lattices.data(), f.positions.data(),
                                                  f.numbers.data(), out.data()));
    xs_predictor_free(p);
    state.counters["structures/s"] =
        benchmark::Counter(static_cast<double>(f.n * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BatchCApiArrays)->Unit(benchmark::kMillisecond)->UseRealTime();

// The CLI's path from CIF text (in memory, no file reading or CSV writing).
static void BM_PipelineCifText(benchmark::State& state) {
    const auto recs = xs_bench::perov_records();
    const xtalsieve::batch_predictor p({model()}, threads(2));
    for (auto _ : state) {
        xs_bench::vector_reader in(recs);
        std::size_t n = 0;
        p.run(in, [&](const xtalsieve::prediction& r) { n += r.values.size(); });
        benchmark::DoNotOptimize(n);
    }
    state.counters["structures/s"] =
        benchmark::Counter(static_cast<double>(recs.size() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PipelineCifText)->Unit(benchmark::kMillisecond)->UseRealTime();

static void latency(benchmark::State& state, bool batch) {
    const auto& f = perov_flat();
    const char* models[] = {model().c_str()};
    xs_predictor* p = xs_predictor_new_threads(models, 1, nullptr, 1);
    std::vector<double> us;
    std::size_t k = 0;
    double out = 0;
    for (auto _ : state) {
        const std::size_t i = k++ % f.n, lo = f.offsets[i];
        const std::size_t off[2] = {0, f.offsets[i + 1] - lo};
        const auto t0 = std::chrono::steady_clock::now();
        if (batch)
            xs_predict_batch(p, 1, off, &f.lattices[9 * i], &f.positions[3 * lo], &f.numbers[lo], &out);
        else
            xs_predict_arrays(p, &f.lattices[9 * i], &f.positions[3 * lo], &f.numbers[lo], off[1], &out);
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
        benchmark::DoNotOptimize(out);
    }
    xs_predictor_free(p);
    std::sort(us.begin(), us.end());
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[us.size() * 99 / 100];
}
static void BM_LatencyCApiBatchOfOne(benchmark::State& state) { latency(state, true); }
static void BM_LatencyCApiArrays(benchmark::State& state) { latency(state, false); }
BENCHMARK(BM_LatencyCApiBatchOfOne)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LatencyCApiArrays)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
