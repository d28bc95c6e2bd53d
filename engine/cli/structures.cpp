// `xtalsieve structures`: the structures exactly as xtalsieve reads them,
// written as extended XYZ, pymatgen JSON lines or CIF (to see what the engine
// read, and to convert formats).
#include <cstdio>
#include <fstream>
#include <memory>

#include "engine/cli/commands.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/csv_writer.hpp"
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
    const std::string errors_path = a.output + ".errors.csv";
    std::ofstream errors;
    const site_order order = a.order == "reference" ? site_order::reference : site_order::file;
    std::size_t n_ok = 0, n_failed = 0, n_skipped = 0, n_non_structure = 0;
    record r;
    while (reader->next(r)) {
        if (r.non_structure) {
            ++n_non_structure;
            continue;
        }
        try {
            out << to_text(parse_record(r, order), fmt);
            ++n_ok;
        } catch (const disorder_skipped& e) {
            ++n_skipped;
            std::fprintf(stderr, "xtalsieve structures: %s\n", e.what());
        } catch (const error& e) {
            ++n_failed;
            std::fprintf(stderr, "xtalsieve structures: %s\n", e.what());
            if (!errors.is_open()) {
                errors.open(errors_path, std::ios::binary | std::ios::trunc);
                errors << "id,source,reason\n";
            }
            std::string where = r.source;
            if (r.line) where += ":" + std::to_string(r.line);
            errors << csv_field(r.id) << ',' << csv_field(where) << ',' << csv_field(e.what()) << '\n';
        }
    }
    out.flush();
    if (!out) throw error(a.output + ": write failed");
    if (!errors.is_open()) std::filesystem::remove(errors_path);
    std::fprintf(stderr, "xtalsieve structures: %zu written, %zu skipped, %zu failed%s", n_ok, n_skipped, n_failed,
                 n_failed ? (" (see " + errors_path + ")").c_str() : "");
    if (n_non_structure) std::fprintf(stderr, "; %zu CIF blocks without atom sites ignored", n_non_structure);
    std::fputc('\n', stderr);
    return n_failed ? 3 : 0;
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
