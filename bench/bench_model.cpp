// Model-only throughput: graphs built beforehand, batches of perov_5 structures
// through the official formation-energy CGCNN on one thread.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/bench_support.hpp"
#include "xtalsieve/model.hpp"

namespace {

std::vector<xtalsieve::graph_batch> make_batches(std::size_t batch_atoms) {
    std::vector<xtalsieve::graph_batch> out;
    xtalsieve::graph_batch b;
    for (const auto& s : xs_bench::perov_structures()) {
        if (b.n_atoms() + s.size() > batch_atoms && b.n_structures() > 0) {
            out.push_back(b);
            b.clear();
        }
        b.append(xtalsieve::build_graph(s));
    }
    if (b.n_structures()) out.push_back(b);
    return out;
}

}  // namespace

static void BM_ModelPerBatch(benchmark::State& state) {
    const auto batches = make_batches(static_cast<std::size_t>(state.range(0)));
    auto w = xtalsieve::load_weights(xs_bench::model_path("formation-energy-per-atom"));
    auto m = xtalsieve::make_model(w);
    std::vector<double> out;
    std::size_t atoms = 0, structs = 0;
    for (auto _ : state) {
        for (const auto& b : batches) {
            out.resize(b.n_structures());
            m->predict(b, out);
            atoms += b.n_atoms();
            structs += b.n_structures();
        }
    }
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["structures/s"] = benchmark::Counter(static_cast<double>(structs), benchmark::Counter::kIsRate);
    state.counters["edges/s"] = benchmark::Counter(static_cast<double>(atoms * 12), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ModelPerBatch)->Arg(512)->Arg(4096)->Arg(16384)->Unit(benchmark::kMillisecond);

// How cost grows with the number of models sharing one graph batch.
static void BM_ModelsSharingGraphs(benchmark::State& state) {
    const auto batches = make_batches(4096);
    const char* names[] = {"formation-energy-per-atom", "band-gap", "bulk-moduli", "shear-moduli",
                           "efermi", "poisson-ratio", "final-energy-per-atom", "semi-metal-classification"};
    std::vector<std::unique_ptr<xtalsieve::model>> ms;
    for (int k = 0; k < state.range(0); ++k) ms.push_back(xtalsieve::make_model(xtalsieve::load_weights(xs_bench::model_path(names[k]))));
    std::vector<double> out;
    std::size_t atoms = 0;
    for (auto _ : state) {
        for (const auto& b : batches) {
            out.resize(b.n_structures());
            for (auto& m : ms) m->predict(b, out);
            atoms += b.n_atoms();
        }
    }
    state.counters["models"] = static_cast<double>(state.range(0));
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ModelsSharingGraphs)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Unit(benchmark::kMillisecond);

// Supercells n x n x n of the first perov_5 cell (5, 40, 135, 320 atoms):
// graph construction plus model, one structure per batch.
static void BM_SupercellEndToEnd(benchmark::State& state) {
    const auto s = xs_bench::supercell(xs_bench::perov_structures().front(), static_cast<int>(state.range(0)));
    auto m = xtalsieve::make_model(xtalsieve::load_weights(xs_bench::model_path("formation-energy-per-atom")));
    std::vector<double> out(1);
    std::size_t atoms = 0;
    for (auto _ : state) {
        xtalsieve::graph_batch b;
        b.append(xtalsieve::build_graph(s));
        m->predict(b, out);
        atoms += s.size();
    }
    state.counters["atoms"] = static_cast<double>(s.size());
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SupercellEndToEnd)->DenseRange(1, 4)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
