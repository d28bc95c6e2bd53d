// The `xtalsieve` command line.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "engine/cli/commands.hpp"
#include "xtalsieve/backends.hpp"
#include "xtalsieve/error.hpp"

#ifndef XTALSIEVE_VERSION
#define XTALSIEVE_VERSION "0.0.0"
#endif
#ifndef XTALSIEVE_GIT_REVISION
#define XTALSIEVE_GIT_REVISION "unknown"
#endif

namespace {

// The kernel paths are all compiled into every build and chosen at run time
// (engine/cpu/isa.hpp); the CUDA backend only with -DXTALSIEVE_CUDA=ON.
std::string version_text() {
    std::string paths;
    for (const auto& p : xtalsieve::cpu_isa_paths()) paths += (paths.empty() ? "" : ", ") + p;
    return "xtalsieve " XTALSIEVE_VERSION " (git " XTALSIEVE_GIT_REVISION ")\n"
           "backends: cpu (built: avx512, avx2, portable; this CPU runs: " + paths + ")\n"
           "cuda: " + xtalsieve::cuda_status() + "\n"
           "mpi: " + std::string(xtalsieve::cli::mpi_built() ? "built (mpirun -np N xtalsieve screen ...)" : "not built (-DXTALSIEVE_MPI=ON)");
}

const char* description =
    "xtalsieve: screen crystal structures with graph neural networks\n"
    "\n"
    "M is a checkpoint path (.pth.tar or .xtsw) or a name such as cgcnn/formation-energy-per-atom,\n"
    "looked up in $XTALSIEVE_MODELS (colon-separated folders), then the user cache.\n"
    "PATH is a file, a compressed file (.gz .bz2 .xz .zst), a .tar/.zip, or a folder walked recursively, of:\n"
    "  CIF (every data block), POSCAR/CONTCAR/*.vasp, extended XYZ (every frame), pymatgen JSON/JSON lines\n"
    "  (Structure, ComputedStructureEntry, lists, {\"entries\": [...]}), ASE SQLite *.db, CDVAE CSV (`cif` column).\n"
    "Every file is read as a stream. `xtalsieve COMMAND --help` lists a command's options.";

const char* exit_codes =
    "Exit status: 0 all inputs predicted, 3 some inputs failed (see the errors CSV), 2 usage error,\n"
    "1 other errors (unreadable model, unwritable output, ...).";

// Optimal string alignment distance: Levenshtein plus adjacent transpositions,
// so that "--tpo" is one edit from "--top".
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// The closest candidate within a third of the word's length (at least 1, at
// most 3 edits), or "" when nothing is close enough to be a likely typo.
std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
    const std::size_t limit = std::clamp<std::size_t>(word.size() / 3, 1, 3);
    std::string best;
    std::size_t best_d = limit + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) best = c, best_d = d;
    }
    return best;
}

// CLI11 2.1 reports leftover arguments without a hint; this names the first
// one and suggests the nearest option of the command (or the nearest command).
std::string unknown_argument_message(const CLI::App& app, const std::string& arg) {
    const auto subs = app.get_subcommands();
    const CLI::App* scope = subs.empty() ? &app : subs.front();
    if (arg.rfind("-", 0) == 0) {
        const std::string name = arg.substr(0, arg.find('='));
        std::vector<std::string> names;
        for (const CLI::Option* o : scope->get_options())
            for (const auto& l : o->get_lnames()) names.push_back("--" + l);
        const std::string hint = closest(name, names);
        return "unknown option " + name + (hint.empty() ? "" : "; did you mean " + hint + "?");
    }
    if (scope == &app) {
        std::vector<std::string> names;
        for (const CLI::App* s : app.get_subcommands({})) names.push_back(s->get_name());
        const std::string hint = closest(arg, names);
        return "unknown command '" + arg + "'" + (hint.empty() ? "" : "; did you mean " + hint + "?");
    }
    return "unexpected argument '" + arg + "'";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // `xtalsieve help [COMMAND]` is kept as a synonym of `xtalsieve [COMMAND] --help`.
    if (!args.empty() && args[0] == "help") {
        args.erase(args.begin());
        args.push_back("--help");
    }
    std::string command_line = "xtalsieve";
    for (int i = 1; i < argc; ++i) command_line += std::string(" ") + argv[i];

    CLI::App app(description, "xtalsieve");
    app.footer(exit_codes);
    app.set_version_flag("--version", version_text());
    app.require_subcommand(1);
    app.get_formatter()->column_width(36);
    // Every option shows its default; an option given twice keeps its last
    // value (repeatable options collect them instead, see repeatable()).
    app.option_defaults()->always_capture_default()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

    std::map<const CLI::App*, xtalsieve::cli::command> commands;
    auto add = [&](xtalsieve::cli::command run) {
        CLI::App* sub = app.get_subcommands({}).back();
        sub->footer(exit_codes);
        commands[sub] = std::move(run);
    };
    add(xtalsieve::cli::add_predict(app));
    add(xtalsieve::cli::add_screen(app, command_line));
    add(xtalsieve::cli::add_merge(app));
    add(xtalsieve::cli::add_convert(app));
    add(xtalsieve::cli::add_bench(app));
    add(xtalsieve::cli::add_models(app));
    add(xtalsieve::cli::add_structures(app));
    app.add_subcommand("version", "Print the version and the backends built");
    commands[app.get_subcommands({}).back()] = [] {
        std::puts(version_text().c_str());
        return 0;
    };

    if (args.empty()) {
        std::cerr << app.help();
        return 2;
    }
    std::string cmd;
    try {
        // CLI11 parses a reversed vector (it pops arguments from the back).
        std::reverse(args.begin(), args.end());
        app.parse(args);
        const CLI::App* sub = app.get_subcommands().front();
        cmd = sub->get_name();
        return commands.at(sub)();
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version: stdout, status 0
        // Arguments no option took explain a "missing" or "bad value" error
        // best, so they are reported first.
        const auto left = app.remaining(true);
        const std::string msg = left.empty() ? e.what() : unknown_argument_message(app, left.front());
        const auto subs = app.get_subcommands();
        const std::string prefix = subs.empty() ? "xtalsieve" : "xtalsieve " + subs.front()->get_name();
        std::fprintf(stderr, "%s: %s\n(see %s --help)\n", prefix.c_str(), msg.c_str(), prefix.c_str());
        return 2;
    } catch (const xtalsieve::cli::usage_error& e) {
        std::fprintf(stderr, "xtalsieve %s: %s\n(see xtalsieve %s --help)\n", cmd.c_str(), e.what(), cmd.c_str());
        return 2;
    } catch (const xtalsieve::error& e) {
        std::fprintf(stderr, "xtalsieve %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xtalsieve %s: unexpected error: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}
