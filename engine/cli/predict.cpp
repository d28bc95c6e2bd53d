#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "engine/cli/commands.hpp"
#include "engine/cli/model_args.hpp"
#include "xtalsieve/csv_writer.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

namespace xtalsieve::cli {

namespace {

struct predict_args {
    std::vector<std::string> models;
    std::string atom_init, input, output;
    input_args in;
    int threads = 0;
    std::size_t batch_atoms = 4096;
    double max_images = 0;
    std::string approx = "exact", device = "cpu", isa;
};

int predict(const predict_args& a) {
    const std::string& output = a.output;
    predict_options opt;
    opt.threads = a.threads;
    opt.batch_atoms = a.batch_atoms;
    opt.model.mode = parse_precision(a.approx);
    parse_device(a.device, opt.model);
    opt.model.isa = a.isa;
    opt.max_images_per_atom = a.max_images;

    predictor pred(load_models(a.models, a.atom_init), opt);
    auto reader = open_input(a.input, a.in.get());

    std::ofstream file;
    std::ostream* out = &std::cout;
    if (!output.empty()) {
        file.open(output, std::ios::binary | std::ios::trunc);
        if (!file) throw error(output + ": cannot write");
        out = &file;
    }
    std::ofstream errors;
    const std::string errors_path = output.empty() ? "" : output + ".errors.csv";

    *out << "id,formula,natoms";
    for (const auto& n : pred.model_names()) *out << ',' << csv_field(n);
    *out << ",warnings\n";
    std::size_t n_ok = 0, n_failed = 0, n_skipped = 0, n_non_structure = 0;
    std::string line;
    pred.run(*reader, [&](const prediction& p) {
        if (p.non_structure) {  // a CIF block without atom sites: no row
            ++n_non_structure;
            return;
        }
        line = csv_field(p.id) + ',' + csv_field(p.formula) + ',' + (p.formula.empty() ? "" : std::to_string(p.n_atoms));
        std::string warnings;
        for (const auto& w : p.warnings) {
            warnings += (warnings.empty() ? "" : "; ") + w;
            std::fprintf(stderr, "xtalsieve predict: %s: warning: %s\n", p.id.c_str(), w.c_str());
        }
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
        line += ',' + csv_field(warnings) + '\n';
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

}  // namespace

command add_predict(CLI::App& app) {
    auto a = std::make_shared<predict_args>();
    CLI::App* sub = app.add_subcommand("predict", "Predict properties of every structure in the input (CSV out)");
    sub->add_option("--input", a->input, "File, compressed file, archive or folder of structures")
        ->type_name("PATH")
        ->required()
        ->group(group_input);
    add_input_options(*sub, a->in);
    repeatable(sub->add_option("--model", a->models, "Checkpoint path (.pth.tar, .xtsw) or name such as cgcnn/band-gap; repeatable"))
        ->type_name("M")
        ->required()
        ->group(group_models);
    add_atom_init(*sub, a->atom_init);
    sub->add_option("--output", a->output, "CSV file (default: stdout); failures also go to FILE.errors.csv")
        ->type_name("FILE")
        ->group(group_output);
    add_threads(*sub, a->threads);
    add_batch_atoms(*sub, a->batch_atoms);
    add_approx(*sub, a->approx);
    add_device(*sub, a->device);
    add_isa(*sub, a->isa);
    add_max_images(*sub, a->max_images);
    return [a] { return predict(*a); };
}

}  // namespace xtalsieve::cli
