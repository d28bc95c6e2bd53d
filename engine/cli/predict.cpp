#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/cli/commands.hpp"
#include "engine/cli/model_args.hpp"
#include "xtalsieve/csv_writer.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

namespace xtalsieve::cli {

int predict(const std::vector<std::string>& args) {
    std::vector<std::string> valued = {"model", "input", "output", "atom-init", "threads", "batch-atoms", "approx", "device"};
    valued.insert(valued.end(), input_flags.begin(), input_flags.end());
    const flags f(args, valued);
    const auto model_args = f.all("model");
    if (model_args.empty()) throw usage_error("at least one --model is required");
    const std::string input = f.required("input");
    const std::string output = f.get("output");

    predict_options opt;
    opt.threads = static_cast<int>(f.integer("threads", 0));
    opt.batch_atoms = static_cast<std::size_t>(f.integer("batch-atoms", 4096));
    if (opt.threads < 0 || opt.batch_atoms == 0) throw usage_error("--threads and --batch-atoms must be positive");
    opt.model.mode = parse_precision(f.get("approx"));
    parse_device(f.get("device"), opt.model);

    predictor pred(load_models(model_args, f.get("atom-init")), opt);
    const input_options iopt = parse_input_options(f);
    auto reader = open_input(input, iopt);

    std::ofstream file;
    std::ostream* out = &std::cout;
    if (!output.empty()) {
        file.open(output, std::ios::binary | std::ios::trunc);
        if (!file) throw error(output + ": cannot write");
        out = &file;
    }
    std::ofstream errors;
    const std::string errors_path = output.empty() ? "" : output + ".errors.csv";

    *out << "id";
    for (const auto& n : pred.model_names()) *out << ',' << csv_field(n);
    *out << '\n';
    std::size_t n_ok = 0, n_failed = 0, n_skipped = 0, n_non_structure = 0;
    std::string line;
    pred.run(*reader, [&](const prediction& p) {
        if (p.non_structure) {  // a CIF block without atom sites: no row
            ++n_non_structure;
            return;
        }
        line = csv_field(p.id);
        if (!p.filtered.empty()) {
            line.append(pred.model_names().size(), ',');
            ++n_skipped;
            std::fprintf(stderr, "xtalsieve predict: %s: skipped (%s)\n", p.id.c_str(), p.filtered.c_str());
        } else if (p.error.empty()) {
            for (double v : p.values) line += ',' + csv_number(v);
            ++n_ok;
        } else {
            line.append(pred.model_names().size(), ',');
            ++n_failed;
            std::fprintf(stderr, "xtalsieve predict: %s\n", p.error.c_str());
            if (!errors_path.empty()) {
                if (!errors.is_open()) {
                    errors.open(errors_path, std::ios::binary | std::ios::trunc);
                    errors << "id,source,reason\n";
                }
                std::string where = p.source;
                if (p.line) where += ":" + std::to_string(p.line);
                errors << csv_field(p.id) << ',' << csv_field(where) << ',' << csv_field(p.error) << '\n';
            }
        }
        line += '\n';
        *out << line;
    });
    out->flush();
    if (!*out) throw error((output.empty() ? std::string("stdout") : output) + ": write failed");
    if (!errors_path.empty() && !errors.is_open()) std::filesystem::remove(errors_path);
    std::fprintf(stderr, "xtalsieve predict: %zu predicted, %zu skipped, %zu failed%s", n_ok, n_skipped, n_failed,
                 n_failed && !errors_path.empty() ? (" (see " + errors_path + ")").c_str() : "");
    if (n_non_structure) std::fprintf(stderr, "; %zu CIF blocks without atom sites ignored", n_non_structure);
    std::fputc('\n', stderr);
    return n_failed ? 3 : 0;
}

}  // namespace xtalsieve::cli
