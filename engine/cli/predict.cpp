#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "engine/cli/commands.hpp"
#include "engine/cli/model_args.hpp"
#include "engine/cli/run_report.hpp"
#include "xtalsieve/csv_writer.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

namespace xtalsieve::cli {

namespace {

struct predict_args {
    std::vector<std::string> models;
    std::string atom_init, fidelity, input, output;
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

    predictor pred(load_models(a.models, a.atom_init, a.fidelity), opt);
    auto reader = open_input(a.input, a.in.get());

    std::ofstream file;
    std::ostream* out = &std::cout;
    if (!output.empty()) {
        file.open(output, std::ios::binary | std::ios::trunc);
        if (!file) throw error(output + ": cannot write");
        out = &file;
    }
    run_report report("xtalsieve predict", output.empty() ? "" : output + ".errors.csv");

    *out << "id,formula,natoms";
    for (const auto& n : pred.model_names()) *out << ',' << csv_field(n);
    *out << ",warnings\n";
    std::string line;
    pred.run(*reader, [&](const prediction& p) {
        if (p.non_structure) {  // a CIF block without atom sites: no row
            report.non_structure();
            return;
        }
        line = csv_field(p.id) + ',' + csv_field(p.formula) + ',' + (p.formula.empty() ? "" : std::to_string(p.n_atoms));
        for (const auto& w : p.warnings) report.warning(p.id, w);
        if (!p.filtered.empty()) {
            line.append(pred.model_names().size(), ',');
            report.skipped(p.id + ": skipped (" + p.filtered + ")");
        } else if (p.error.empty()) {
            for (double v : p.values) line += ',' + csv_number(v);
            report.ok();
        } else {
            line.append(pred.model_names().size(), ',');
            report.failed(p.id, p.source, p.line, p.error);
        }
        line += ',' + csv_field(joined_warnings(p)) + '\n';
        *out << line;
    });
    out->flush();
    if (!*out) throw error((output.empty() ? std::string("stdout") : output) + ": write failed");
    return report.finish("predicted");
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
    add_fidelity(*sub, a->fidelity);
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
