// The measured dense ceiling of one core, against which the models' FLOP rates
// are stated (issue 13: "the fraction of the measured dense ceiling you reach").
//   BM_FmaPeak        independent register FMAs on the widest vectors the ISA
//                     path has: the core's FMA throughput at its actual clock.
//   BM_Gemm/M/K/N     the engine's fixed-order GEMM (engine/cpu/kernels.hpp) on
//                     the shapes MatGL's layers have (K, N = 64 and 128; M rows
//                     of bonds or triplets) and on a large square-ish shape.
//   BM_OnednnSgemm    oneDNN's dnnl_sgemm on the same shapes, one thread, when
//                     the build found oneDNN (libdnnl-dev): a library GEMM that
//                     picks its blocking per shape, the ceiling a batch-variant
//                     kernel would have (the engine's GEMM keeps a fixed FMA
//                     order per element instead; see kernels.hpp).
// Counters: gflops (2 M K N per iteration). Every figure is one thread.
//   build/bench/bench_gemm
#include <benchmark/benchmark.h>

#include <immintrin.h>

#include <cstdint>
#include <random>
#include <vector>

#include "bench/bench_support.hpp"
#include "engine/cpu/isa.hpp"
#include "engine/cpu/kernels.hpp"

#ifdef XS_BENCH_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

namespace {

std::vector<float> randoms(std::size_t n, unsigned seed) {
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> v(n);
    for (auto& x : v) x = u(g);
    return v;
}

// 10 independent accumulator chains hide the FMA latency (4 cycles x 2 pipes on
// Zen 3 and Intel cores need at least 8 in flight). The result is used, so the
// chains are not optimized away; floating-point rules keep every FMA.
#define XS_FMA_LOOP(NAME, TARGET, V, FMA, SET1)                                                              \
    __attribute__((target(TARGET), noipa)) float NAME(std::int64_t iters) {                               \
        V a0 = SET1(1.f), a1 = SET1(1.1f), a2 = SET1(1.2f), a3 = SET1(1.3f), a4 = SET1(1.4f);               \
        V a5 = SET1(1.5f), a6 = SET1(1.6f), a7 = SET1(1.7f), a8 = SET1(1.8f), a9 = SET1(1.9f);              \
        const V m = SET1(0.999999f), c = SET1(1e-7f);                                                         \
        for (std::int64_t i = 0; i < iters; ++i) {                                                            \
            a0 = FMA(a0, m, c), a1 = FMA(a1, m, c), a2 = FMA(a2, m, c), a3 = FMA(a3, m, c);                 \
            a4 = FMA(a4, m, c), a5 = FMA(a5, m, c), a6 = FMA(a6, m, c), a7 = FMA(a7, m, c);                 \
            a8 = FMA(a8, m, c), a9 = FMA(a9, m, c);                                                           \
        }                                                                                                     \
        V s = FMA(a0, a1, a2);                                                                                \
        s = FMA(s, a3, a4), s = FMA(s, a5, a6), s = FMA(s, a7, a8), s = FMA(s, a9, c);                        \
        float r;                                                                                              \
        __builtin_memcpy(&r, &s, sizeof r);                                                                   \
        return r;                                                                                             \
    }
XS_FMA_LOOP(fma_loop_avx2, "avx2,fma", __m256, _mm256_fmadd_ps, _mm256_set1_ps)
XS_FMA_LOOP(fma_loop_avx512, "avx512f", __m512, _mm512_fmadd_ps, _mm512_set1_ps)
#undef XS_FMA_LOOP

}  // namespace

static void BM_FmaPeak(benchmark::State& state) {
    const auto isa = xtalsieve::cpu::resolve_isa("");
    const bool wide = isa == xtalsieve::cpu::isa::avx512;
    if (isa == xtalsieve::cpu::isa::portable) {
        state.SkipWithError("portable path: no vector FMA to measure");
        return;
    }
    const std::int64_t iters = 1 << 20;
    for (auto _ : state) benchmark::DoNotOptimize(wide ? fma_loop_avx512(iters) : fma_loop_avx2(iters));
    const double flops = 10.0 * iters * (wide ? 16 : 8) * 2;
    state.counters["gflops"] = benchmark::Counter(flops * static_cast<double>(state.iterations()) / 1e9,
                                                  benchmark::Counter::kIsRate);
    state.SetLabel(xtalsieve::cpu::isa_name(isa));
}
BENCHMARK(BM_FmaPeak)->Unit(benchmark::kMillisecond);

static void BM_Gemm(benchmark::State& state) {
    const auto m = state.range(0);
    const int k = static_cast<int>(state.range(1)), n = static_cast<int>(state.range(2));
    const auto isa = xtalsieve::cpu::resolve_isa("");
    const auto& kt = xtalsieve::cpu::kernels(isa);
    auto x = randoms(static_cast<std::size_t>(m) * k, 1), w = randoms(static_cast<std::size_t>(k) * n, 2),
         b = randoms(static_cast<std::size_t>(n), 3);
    std::vector<float> y(static_cast<std::size_t>(m) * n);
    xtalsieve::cpu::gemm_args a{x.data(), m, k, w.data(), b.data(), y.data(), n, k, n};
    for (auto _ : state) {
        kt.gemm(a);
        benchmark::ClobberMemory();
    }
    state.counters["gflops"] = benchmark::Counter(2.0 * m * k * n * static_cast<double>(state.iterations()) / 1e9,
                                                  benchmark::Counter::kIsRate);
    state.SetLabel(kt.name);
}
// Rows x K x N: MatGL's 64-wide layers on a batch of bonds, its 128-wide
// hidden layers, a three-body block (9 basis functions in), and a large one.
static void shapes(benchmark::internal::Benchmark* b) {
    for (const auto& s : {std::vector<std::int64_t>{16384, 64, 64}, {16384, 128, 64}, {16384, 64, 128}, {16384, 9, 64},
                          {2048, 512, 512}})
        b->Args(s);
    b->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_Gemm)->Apply(shapes);

#ifdef XS_BENCH_HAVE_DNNL
static void BM_OnednnSgemm(benchmark::State& state) {
    const auto m = state.range(0);
    const auto k = state.range(1), n = state.range(2);
    auto x = randoms(static_cast<std::size_t>(m) * k, 1), w = randoms(static_cast<std::size_t>(k) * n, 2);
    std::vector<float> y(static_cast<std::size_t>(m) * n);
    for (auto _ : state) {
        if (dnnl_sgemm('N', 'N', m, n, k, 1.f, x.data(), k, w.data(), n, 0.f, y.data(), n) != dnnl_success)
            state.SkipWithError("dnnl_sgemm failed");
        benchmark::ClobberMemory();
    }
    state.counters["gflops"] = benchmark::Counter(2.0 * m * k * n * static_cast<double>(state.iterations()) / 1e9,
                                                  benchmark::Counter::kIsRate);
    state.SetLabel("oneDNN");
}
BENCHMARK(BM_OnednnSgemm)->Apply(shapes);
#endif
BENCHMARK_MAIN();
