// `xtalsieve structures`: the structures exactly as xtalsieve reads them,
// written as extended XYZ, pymatgen JSON lines or CIF (to see what the engine
// read, and to convert formats).
#include <cstdio>
#include <fstream>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/cli/run_report.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/writers.hpp"

namespace xtalsieve::cli {

namespace {

struct structures_args {
    std::string input, output, order = "file";
    input_args in;
};

int structures(const structures_args& a) {
    const structure_format fmt = structure_format_of(a.output);
    auto reader = open_input(a.input, a.in.get());
    std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
    if (!out) throw error(a.output + ": cannot write");
    run_report report("xtalsieve structures", a.output + ".errors.csv");
    const site_order order = a.order == "reference" ? site_order::reference : site_order::file;
    record r;
    while (reader->next(r)) {
        if (r.non_structure) {
            report.non_structure();
            continue;
        }
        try {
            out << to_text(parse_record(r, order), fmt);
            report.ok();
        } catch (const disorder_skipped& e) {
            report.skipped(e.what());
        } catch (const error& e) {
            report.failed(r.id, r.source, r.line, e.what());
        }
    }
    out.flush();
    if (!out) throw error(a.output + ": write failed");
    return report.finish("written");
}

}  // namespace

command add_structures(CLI::App& app) {
    auto a = std::make_shared<structures_args>();
    CLI::App* sub = app.add_subcommand("structures", "Write the structures exactly as read (extended XYZ, JSON lines, CIF)");
    sub->add_option("--input", a->input, "File, compressed file, archive or folder of structures")
        ->type_name("PATH")
        ->required()
        ->group(group_input);
    add_input_options(*sub, a->in);
    sub->add_option("--output", a->output,
                    "Output file: .extxyz (or .xyz), .jsonl (pymatgen Structure dicts, id in properties.id) or .cif; "
                    "failures also go to FILE.errors.csv")
        ->type_name("FILE")
        ->required()
        ->group(group_output);
    sub->add_option("--order", a->order,
                    "Site order: file (as read; for CIF, grouped by element in file order) or reference (by electronegativity, "
                    "as the models see them)")
        ->type_name("ORDER")
        ->check(CLI::IsMember({"file", "reference"}))
        ->group(group_output);
    return [a] { return structures(*a); };
}

}  // namespace xtalsieve::cli
