// Merging the parts of a sharded screen (`xtalsieve merge`, MPI rank 0).
//
// Simulated parts of one run over 10,000,000 candidates, assigned by
// seq % n == i: each part holds its top-K (K = 100), counts, a filter bitmap
// (10% of its candidates), an element index (5 elements), its processed-input
// bitmap and no per-candidate rows (no --labels, no --all: those add bytes in
// proportion to the candidates, not to the parts).
//   BM_Merge/PARTS/K   merge_screen_parts over PARTS part folders (read, check,
//                      merge, write top.csv/summary.json/report.html)
// Counters: bytes_per_part (what one rank or task hands over: its
// checkpoint.bin), total_MB, merge seconds per part.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unistd.h>

#include "engine/screen/screen_state.hpp"
#include "xtalsieve/screen.hpp"

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t candidates = 10000000;

struct parts_on_disk {
    fs::path dir;
    std::vector<std::string> parts;
    std::uint64_t bytes = 0;
};

parts_on_disk& make_parts(int n, int k) {
    static std::map<std::pair<int, int>, parts_on_disk> cache;
    auto& p = cache[{n, k}];
    if (!p.parts.empty()) return p;
    p.dir = fs::temp_directory_path() / ("xtalsieve-bench-merge-" + std::to_string(::getpid()) + "-" + std::to_string(n) + "-" + std::to_string(k));
    fs::remove_all(p.dir);
    nlohmann::json ctx = {{"command_line", "xtalsieve screen (bench_merge)"}, {"models", {"e sha256:0"}},
                          {"props", {{{"name", "e"}, {"ensemble", false}, {"classifier", false}}}},
                          {"obj", 0}, {"maximize", false}, {"risk", 0.0}, {"top", k}, {"header", "id,formula,natoms,e"},
                          {"all_header", "id,formula,natoms,e,warnings,source,record\n"},
                          {"errors_header", "id,status,source,reason\n"}, {"write_all", false},
                          {"descriptor_names", nlohmann::json::array()}, {"has_labels", false}, {"labels", ""},
                          {"label_column", ""}, {"label_kind", "formation"}, {"stability_threshold", 0.0},
                          {"title", "bench"}, {"where", nlohmann::json::array()}, {"hull", nullptr}};
    std::mt19937_64 rng(42);
    std::normal_distribution<double> score(0, 1);
    for (int i = 0; i < n; ++i) {
        xtalsieve::screen_state st;
        st.fingerprint = "bench";
        st.shard_index = static_cast<std::uint32_t>(i);
        st.shard_count = static_cast<std::uint32_t>(n);
        st.complete = true;
        st.context = ctx.dump();
        st.timings = R"({"wall_s":1.0})";
        std::vector<xtalsieve::screen_entry> heap;
        for (std::uint64_t seq = static_cast<std::uint64_t>(i); seq < candidates; seq += static_cast<std::uint64_t>(n)) {
            ++st.inputs;
            roaring_bitmap_add(st.processed, static_cast<std::uint32_t>(seq));
            ++st.element_index[8 + static_cast<int>(seq % 5)];
            if (seq % 10 == 0) {
                ++st.filtered;
                ++st.filtered_by["where e <"];
                continue;
            }
            ++st.scored;
            if (static_cast<int>(heap.size()) < k || rng() % 8 == 0) {
                xtalsieve::screen_entry e;
                e.seq = seq, e.id = "cand-" + std::to_string(seq), e.source = "big.extxyz", e.index = seq;
                e.score = score(rng), e.values = {e.score}, e.stds = {0}, e.formula = "BaTiO3", e.natoms = 5;
                heap.push_back(std::move(e));
                if (static_cast<int>(heap.size()) > k) {
                    std::sort(heap.begin(), heap.end(), [](const auto& a, const auto& b) { return a.score < b.score; });
                    heap.resize(static_cast<std::size_t>(k));
                }
            }
        }
        st.top = std::move(heap);
        const fs::path d = p.dir / ("part-" + std::to_string(i));
        fs::create_directories(d);
        st.save(d / "checkpoint.bin");
        p.bytes += fs::file_size(d / "checkpoint.bin");
        p.parts.push_back(d.string());
    }
    return p;
}

void BM_Merge(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0)), k = static_cast<int>(state.range(1));
    auto& p = make_parts(n, k);
    const fs::path out = p.dir / "merged";
    for (auto _ : state) {
        const auto c = xtalsieve::merge_screen_parts(p.parts, out.string());
        benchmark::DoNotOptimize(c);
    }
    state.counters["bytes_per_part"] = static_cast<double>(p.bytes) / n;
    state.counters["total_MB"] = static_cast<double>(p.bytes) / 1e6;
    state.counters["s_per_part"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                                                  benchmark::Counter::kInvert);
}
BENCHMARK(BM_Merge)->Args({10, 100})->Args({100, 100})->Args({1000, 100})->Args({10000, 100})->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
