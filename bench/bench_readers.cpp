// Reader throughput per format, one thread: perov_5 structures (5 atoms) and a
// 320-atom supercell, written in each format in memory, then parsed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "bench/bench_support.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/formats.hpp"

namespace {

template <class Write, class Read>
void run(benchmark::State& state, Write write, Read read) {
    auto structs = xs_bench::perov_structures();
    if (state.range(0) > 1) structs = {xs_bench::supercell(structs.front(), static_cast<int>(state.range(0)))};
    std::vector<std::string> texts;
    std::size_t bytes = 0, atoms = 0;
    for (const auto& s : structs) {
        texts.push_back(write(s));
        bytes += texts.back().size();
        atoms += s.size();
    }
    std::size_t n = 0;
    for (auto _ : state) {
        for (const auto& t : texts) benchmark::DoNotOptimize(read(t));
        ++n;
    }
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms * n), benchmark::Counter::kIsRate);
    state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes * n) / 1e6, benchmark::Counter::kIsRate);
}

}  // namespace

static void BM_ReadP1Cif(benchmark::State& state) {
    run(state, xs_bench::to_p1_cif, [](const std::string& t) { return xtalsieve::read_cif(t, "b"); });
}
BENCHMARK(BM_ReadP1Cif)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond);

static void BM_ReadExtxyz(benchmark::State& state) {
    run(state, xs_bench::to_extxyz, [](const std::string& t) { return xtalsieve::read_extxyz_frame(t, "b"); });
}
BENCHMARK(BM_ReadExtxyz)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond);

static void BM_ReadPoscar(benchmark::State& state) {
    run(state, xs_bench::to_poscar, [](const std::string& t) { return xtalsieve::read_poscar(t, "b"); });
}
BENCHMARK(BM_ReadPoscar)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond);

static void BM_ReadPymatgenJson(benchmark::State& state) {
    run(state, xs_bench::to_pymatgen_json, [](const std::string& t) { return xtalsieve::read_pymatgen_json(t, "b"); });
}
BENCHMARK(BM_ReadPymatgenJson)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
