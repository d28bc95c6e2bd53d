// `xtalsieve bench`: end-to-end throughput of the streaming pipeline.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
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

struct bench_args {
    std::vector<std::string> models = {"cgcnn/formation-energy-per-atom"};
    std::string atom_init, input, output = "/dev/null";
    std::size_t repeat_to = 1000000;
    int threads = 0;
    std::size_t batch_atoms = 4096;
    std::string approx = "exact", device = "cpu", isa;
};

int bench(const bench_args& a) {
    const auto& names = a.models;
    const std::string& input = a.input;
    predict_options opt;
    opt.threads = a.threads;
    opt.batch_atoms = a.batch_atoms;
    opt.model.mode = parse_precision(a.approx);
    parse_device(a.device, opt.model);
    opt.model.isa = a.isa;
    predictor pred(load_models(names, a.atom_init), opt);
    auto reader = open_repeated(input, a.repeat_to);
    std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
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

}  // namespace

command add_bench(CLI::App& app) {
    auto a = std::make_shared<bench_args>();
    CLI::App* sub = app.add_subcommand("bench", "End-to-end throughput of the streaming pipeline (JSON on stdout)");
    sub->add_option("--input", a->input, "Structures to replay (as for predict)")->type_name("PATH")->required()->group(group_input);
    sub->add_option("--repeat-to", a->repeat_to, "Replay the input up to this many records (records)")
        ->type_name("N")
        ->transform(decimal_integer())
        ->group(group_input);
    repeatable(sub->add_option("--model", a->models, "Checkpoint path or name; repeatable"))->type_name("M")->group(group_models);
    add_atom_init(*sub, a->atom_init);
    sub->add_option("--output", a->output, "Where the predictions go")->type_name("FILE")->group(group_output);
    add_threads(*sub, a->threads);
    add_batch_atoms(*sub, a->batch_atoms);
    add_approx(*sub, a->approx);
    add_device(*sub, a->device);
    add_isa(*sub, a->isa);
    return [a] { return bench(*a); };
}

}  // namespace xtalsieve::cli
