// `xtalsieve bench`: end-to-end throughput of the streaming pipeline.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "engine/cli/commands.hpp"
#include "engine/cli/model_args.hpp"
#include "xtalsieve/csv_writer.hpp"
#include "xtalsieve/predictor.hpp"
#include "xtalsieve/repeat_reader.hpp"

namespace xtalsieve::cli {

namespace {

double peak_rss_mb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

int bench(const std::vector<std::string>& args) {
    const flags f(args, {"model", "input", "repeat-to", "threads", "batch-atoms", "output", "atom-init", "approx", "device"});
    auto names = f.all("model");
    if (names.empty()) names = {"cgcnn/formation-energy-per-atom"};
    const std::string input = f.required("input");
    const auto total = static_cast<std::size_t>(f.integer("repeat-to", 1000000));
    predict_options opt;
    opt.threads = static_cast<int>(f.integer("threads", 0));
    opt.batch_atoms = static_cast<std::size_t>(f.integer("batch-atoms", 4096));
    opt.model.mode = parse_precision(f.get("approx"));
    parse_device(f.get("device"), opt.model);
    predictor pred(load_models(names, f.get("atom-init")), opt);
    auto reader = open_repeated(input, total);
    const std::string output = f.get("output", "/dev/null");
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out << "id";
    for (const auto& n : pred.model_names()) out << ',' << n;
    out << '\n';
    std::string line;
    const auto t0 = std::chrono::steady_clock::now();
    pred.run(*reader, [&](const prediction& p) {
        line = csv_field(p.id);
        for (double v : p.values) line += ',' + csv_number(v);
        line += '\n';
        out << line;
    });
    out.flush();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const predict_stats s = pred.stats();
    const int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::thread::hardware_concurrency());
    auto sec = [](std::uint64_t ns) { return static_cast<double>(ns) * 1e-9; };
    std::printf(
        "{\"input\": \"%s\", \"models\": %zu, \"threads\": %d, \"records\": %llu, \"failed\": %llu,\n"
        " \"wall_s\": %.3f, \"structures_per_s\": %.0f, \"atoms_per_s\": %.0f,\n"
        " \"stage_cpu_s\": {\"read\": %.3f, \"parse\": %.3f, \"graph\": %.3f, \"infer\": %.3f, \"write\": %.3f},\n"
        " \"peak_rss_mb\": %.1f}\n",
        input.c_str(), names.size(), threads, static_cast<unsigned long long>(s.records),
        static_cast<unsigned long long>(s.failed), wall, static_cast<double>(s.structures) / wall,
        static_cast<double>(s.atoms) / wall, sec(s.read_ns), sec(s.parse_ns), sec(s.graph_ns), sec(s.infer_ns),
        sec(s.write_ns), peak_rss_mb());
    return s.failed ? 3 : 0;
}

}  // namespace xtalsieve::cli
