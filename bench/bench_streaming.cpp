// Whole files read through open_input and parsed, one thread: throughput and
// peak memory on files far larger than one record. The files are written once
// into the temporary folder (size: XTALSIEVE_BENCH_STREAM_MB, default 1024)
// from the perov_5 structures, repeated with new ids.
//   build/bench/bench_streaming [--benchmark_filter=xyz]
// peak_rss_MB is the process's resident high-water mark during the read
// alone (reset through /proc/self/clear_refs before it starts).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "bench/bench_support.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"

namespace fs = std::filesystem;

namespace {

std::size_t target_bytes() {
    const char* e = std::getenv("XTALSIEVE_BENCH_STREAM_MB");
    return (e ? std::strtoull(e, nullptr, 10) : 1024) << 20;
}

double peak_rss_mb() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Writes the file for a format unless it is already there at the right size.
fs::path make_file(const std::string& kind) {
    const fs::path dir = fs::temp_directory_path() / ("xtalsieve-bench-stream-" + std::to_string(target_bytes() >> 20));
    fs::create_directories(dir);
    const std::string plain_name = kind.starts_with("json") ? "entries.json" : kind == "cif" ? "blocks.cif" : "frames.xyz";
    const fs::path plain = dir / plain_name;
    if (!fs::exists(plain)) {
        const auto structs = xs_bench::perov_structures();
        const fs::path tmp = plain.string() + ".part";
        std::ofstream out(tmp, std::ios::binary);
        const bool json = plain_name == "entries.json", cif = plain_name == "blocks.cif";
        if (json) out << "{\"entries\": [\n";
        std::size_t bytes = 0;
        for (std::size_t k = 0; bytes < target_bytes(); ++k) {
            auto s = structs[k % structs.size()];
            s.id = "c" + std::to_string(k);
            std::string t;
            if (json) t = std::string(k ? ",\n" : "") + "{\"entry_id\": \"" + s.id + "\", \"structure\": " + xs_bench::to_pymatgen_json(s) + "}";
            else if (cif) t = xs_bench::to_p1_cif(s);
            else {
                t = xs_bench::to_extxyz(s);
                t.insert(t.find("pbc="), "id=" + s.id + " ");
            }
            out << t;
            bytes += t.size();
        }
        if (json) out << "\n]}\n";
        out.close();
        fs::rename(tmp, plain);
    }
    if (kind.ends_with(".gz")) {
        const fs::path gz = plain.string() + ".gz";
        if (!fs::exists(gz)) {
            const std::string cmd = "gzip -1 -c '" + plain.string() + "' > '" + gz.string() + ".part' && mv '" + gz.string() +
                                    ".part' '" + gz.string() + "'";
            if (std::system(cmd.c_str()) != 0) throw std::runtime_error("gzip failed");
        }
        return gz;
    }
    return plain;
}

void stream(benchmark::State& state, const std::string& kind) {
    const fs::path file = make_file(kind);
    std::size_t records = 0, atoms = 0, failed = 0;
    double peak = 0;
    for (auto _ : state) {
        reset_peak_rss();
        auto in = xtalsieve::open_input(file);
        xtalsieve::record r;
        while (in->next(r)) {
            ++records;
            try {
                atoms += xtalsieve::parse_record(r).size();
            } catch (const xtalsieve::error&) {
                ++failed;
            }
        }
        peak = peak_rss_mb();
    }
    const double bytes = static_cast<double>(fs::file_size(file));
    state.counters["file_MB"] = bytes / 1e6;
    state.counters["MB/s"] = benchmark::Counter(bytes * static_cast<double>(state.iterations()) / 1e6, benchmark::Counter::kIsRate);
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms), benchmark::Counter::kIsRate);
    state.counters["structures/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
    state.counters["failed"] = static_cast<double>(failed);
    state.counters["peak_rss_MB"] = peak;
}

}  // namespace

static void BM_Stream_xyz(benchmark::State& s) { stream(s, "xyz"); }
static void BM_Stream_xyz_gz(benchmark::State& s) { stream(s, "xyz.gz"); }
static void BM_Stream_cif(benchmark::State& s) { stream(s, "cif"); }
static void BM_Stream_json(benchmark::State& s) { stream(s, "json"); }
static void BM_Stream_json_gz(benchmark::State& s) { stream(s, "json.gz"); }
BENCHMARK(BM_Stream_xyz)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_Stream_xyz_gz)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_Stream_cif)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_Stream_json)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_Stream_json_gz)->Iterations(1)->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
