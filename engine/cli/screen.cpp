// `xtalsieve screen`: a ranked shortlist from a stream of candidates.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <tuple>
#include <memory>
#include <sstream>

#include "engine/cli/commands.hpp"
#include "xtalsieve/screen.hpp"

namespace xtalsieve::cli {

namespace {

double number(const std::string& s, const std::string& what) {
    try {
        std::size_t pos = 0;
        const double v = std::stod(s, &pos);
        if (pos == s.size()) return v;
    } catch (...) {
    }
    throw usage_error(what + ": '" + s + "' is not a number");
}

std::vector<std::string> words(const std::string& s) {
    std::stringstream ss(s);
    std::vector<std::string> w;
    for (std::string x; ss >> x;) w.push_back(x);
    return w;
}

// The command line as typed; the values are checked and turned into
// screen_options by screen() below.
struct screen_args {
    std::vector<std::string> models, ensembles, where, elements;
    std::string atom_init, fidelity, input, generate, objective, spacegroups, labels, out;
    std::string tolerance = "0.8:1.1";
    bool no_charge_balance = false;
    input_args in;
    std::size_t top = 100, max_records = 0, repeat_to = 0;
    double risk = 0, symprec = 1e-3, checkpoint_seconds = 5, audit_exact = 0, max_images = 0;
    int max_atoms = 0, threads = 0;
    bool dedup = false, all = false, resume = false, log_json = false, no_progress = false;
    std::string approx = "exact", isa;
    std::string hull_ref, hull_energy, label_kind = "formation";
    double stability_threshold = 0;
    bool hull_lp = false;
    std::string shard;  // "i/n"
};

// "i/n" with 0 <= i < n.
std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& s, const std::string& what) {
    const auto slash = s.find('/');
    auto num = [&](const std::string& x) -> long {
        if (x.empty() || x.size() > 9 || x.find_first_not_of("0123456789") != std::string::npos)
            throw usage_error(what + " expects i/n with 0 <= i < n, got '" + s + "'");
        return std::stol(x);
    };
    if (slash == std::string::npos) throw usage_error(what + " expects i/n with 0 <= i < n, got '" + s + "'");
    const long i = num(s.substr(0, slash)), n = num(s.substr(slash + 1));
    if (n < 1 || i >= n) throw usage_error(what + " expects i/n with 0 <= i < n, got '" + s + "'");
    return {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)};
}

// The shard of a Slurm job-array task: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN
// of SLURM_ARRAY_TASK_COUNT (contiguous indices, step 1).
bool slurm_array_shard(std::uint32_t& i, std::uint32_t& n) {
    const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
    const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
    if (!id || !count) return false;
    const char* mn = std::getenv("SLURM_ARRAY_TASK_MIN");
    const char* mx = std::getenv("SLURM_ARRAY_TASK_MAX");
    const long lo = mn ? std::atol(mn) : 0, c = std::atol(count), t = std::atol(id);
    if (mx && std::atol(mx) - lo + 1 != c)
        throw usage_error("SLURM_ARRAY_TASK_*: the array's indices must be contiguous (--array=0-" + std::to_string(c - 1) +
                          "); or give --shard i/n");
    if (c < 1 || t - lo < 0 || t - lo >= c) throw usage_error("SLURM_ARRAY_TASK_ID is outside the array; give --shard i/n");
    i = static_cast<std::uint32_t>(t - lo);
    n = static_cast<std::uint32_t>(c);
    return true;
}

// The command line without "--shard X" (parts of one run record one command).
std::string without_shard(const std::string& cl) {
    std::vector<std::string> t;
    std::size_t at = 0;
    for (;;) {
        const auto sp = cl.find(' ', at);
        t.push_back(cl.substr(at, sp == std::string::npos ? std::string::npos : sp - at));
        if (sp == std::string::npos) break;
        at = sp + 1;
    }
    std::string out;
    for (std::size_t k = 0; k < t.size(); ++k) {
        if (t[k] == "--shard") {
            ++k;
            continue;
        }
        if (t[k].rfind("--shard=", 0) == 0) continue;
        out += (out.empty() ? "" : " ") + t[k];
    }
    return out;
}

void print_head(const std::string& dir) {
    std::FILE* top = std::fopen((dir + "/top.csv").c_str(), "r");
    if (top) {
        char line[4096];
        for (int i = 0; i < 21 && std::fgets(line, sizeof line, top); ++i) std::fputs(line, stdout);
        std::fclose(top);
    }
}

int screen(const screen_args& a, const std::string& command_line) {
    screen_options o;
    o.models = a.models;
    for (const auto& e : a.ensembles) {
        const auto eq = e.find('=');
        if (eq == std::string::npos) throw usage_error("--ensemble expects NAME=ckpt1,ckpt2,...");
        std::vector<std::string> members;
        std::stringstream ss(e.substr(eq + 1));
        for (std::string m; std::getline(ss, m, ',');)
            if (!m.empty()) members.push_back(m);
        o.ensembles.emplace_back(e.substr(0, eq), members);
    }
    o.input = a.input;
    o.generate = a.generate;
    o.generator.charge_balance = !a.no_charge_balance;
    {
        const auto colon = a.tolerance.find(':');
        if (colon == std::string::npos) throw usage_error("--tolerance expects LO:HI, e.g. 0.8:1.1");
        o.generator.tolerance_min = number(a.tolerance.substr(0, colon), "--tolerance");
        o.generator.tolerance_max = number(a.tolerance.substr(colon + 1), "--tolerance");
        if (!(o.generator.tolerance_min <= o.generator.tolerance_max))
            throw usage_error("--tolerance expects LO <= HI, got '" + a.tolerance + "'");
    }
    o.top = a.top;
    if (!a.objective.empty()) {
        const auto w = words(a.objective);
        if (w.size() != 2 || (w[1] != "min" && w[1] != "max"))
            throw usage_error("--objective expects \"<property> min|max\"");
        o.objective = w[0];
        o.maximize = w[1] == "max";
    }
    o.risk = a.risk;
    for (const auto& wh : a.where) {
        const auto w = words(wh);
        screen_constraint c;
        if (w.size() == 3 && (w[1] == "<" || w[1] == "<=" || w[1] == ">" || w[1] == ">=")) {
            c = {w[0], w[1], number(w[2], "--where"), 0};
        } else if (w.size() == 4 && w[1] == "between") {
            c = {w[0], "between", number(w[2], "--where"), number(w[3], "--where")};
        } else {
            throw usage_error("--where expects \"<property> <|<=|>|>= value\" or \"<property> between a b\"");
        }
        o.where.push_back(c);
    }
    o.element_filters = a.elements;
    o.max_atoms = a.max_atoms;
    if (!a.spacegroups.empty()) {
        std::stringstream ss(a.spacegroups);
        for (std::string x; std::getline(ss, x, ',');) o.spacegroups.push_back(static_cast<int>(number(x, "--spacegroups")));
    }
    o.symprec = a.symprec;
    o.dedup = a.dedup;
    o.labels = a.labels;
    o.out_dir = a.out;
    o.write_all = a.all;
    o.resume = a.resume;
    o.log_json = a.log_json;
    o.progress = !a.no_progress;
    o.threads = a.threads;
    o.isa = a.isa;
    o.max_images_per_atom = a.max_images;
    o.atom_init = a.atom_init;
    o.fidelity = a.fidelity;
    o.max_records = a.max_records;
    o.checkpoint_seconds = a.checkpoint_seconds;
    o.approximate = parse_precision(a.approx) == precision::table;
    o.audit_exact = a.audit_exact;
    o.repeat_to = a.repeat_to;
    o.input_opt = a.in.get();
    o.hull_ref = a.hull_ref;
    o.hull_energy = a.hull_energy;
    o.label_kind = a.label_kind;
    o.stability_threshold = a.stability_threshold;
    o.hull_lp = a.hull_lp;
    o.command_line = without_shard(command_line);
    // Sharding: MPI ranks, --shard i/n, or a Slurm job array's task.
    const mpi_world w = mpi_start();
    struct finish {
        ~finish() { mpi_finish(); }
    } at_exit;
    if (w.size > 1) {
        if (!a.shard.empty()) throw usage_error("--shard cannot be combined with mpirun (every rank is a shard)");
        o.shard_index = static_cast<std::uint32_t>(w.rank);
        o.shard_count = static_cast<std::uint32_t>(w.size);
        // Each rank writes its part under DIR/ranks/ (DIR on a file system all
        // ranks see); rank 0 merges them into DIR once every rank is done.
        const std::string n = std::to_string(w.size);
        o.out_dir = a.out + "/ranks/" + std::to_string(w.rank) + "-of-" + n;
        o.progress = o.progress && w.rank == 0;
        o.log_json = o.log_json && w.rank == 0;
        std::vector<std::string> parts;
        for (int r = 0; r < w.size; ++r) parts.push_back(a.out + "/ranks/" + std::to_string(r) + "-of-" + n);
        // At each of its checkpoints rank 0 merges every rank's latest
        // checkpoint into DIR (summary.json says "interim"), so that DIR holds
        // the merged shortlist so far while the job runs, and after a crash.
        std::size_t interim_merges = 0;
        std::string interim_error;
        if (w.rank == 0)
            o.on_checkpoint = [&] {
                for (const auto& p : parts)
                    if (!std::filesystem::exists(std::filesystem::path(p) / "checkpoint.bin")) return;  // not yet
                try {
                    merge_screen_parts(parts, a.out, nullptr, merge_options{.interim = true});
                    ++interim_merges;
                } catch (const std::exception& e) {
                    // Say it once; the final merge below decides the job's fate.
                    if (interim_error.empty())
                        std::fprintf(stderr, "xtalsieve screen: warning: interim merge failed: %s\n", e.what());
                    interim_error = e.what();
                }
            };
        try {
            run_screen(o);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "xtalsieve screen: MPI rank %d of %d: error: %s\n", w.rank, w.size, e.what());
            mpi_abort(1);
        }
        mpi_barrier();
        if (w.rank != 0) return 0;
        const screen_counts c = merge_screen_parts(parts, a.out);
        std::fprintf(stderr, "xtalsieve screen: %d MPI ranks; %llu inputs = %llu scored + %llu filtered + %llu duplicate + %llu failed; wrote %s/top.csv "
                     "(%zu interim merges while the ranks ran)\n",
                     w.size, (unsigned long long)c.inputs, (unsigned long long)c.scored, (unsigned long long)c.filtered,
                     (unsigned long long)c.duplicate, (unsigned long long)c.failed, a.out.c_str(), interim_merges);
        print_head(a.out);
        return c.failed ? 3 : 0;
    }
    if (!a.shard.empty()) {
        std::tie(o.shard_index, o.shard_count) = parse_shard(a.shard, "--shard");
    } else if (slurm_array_shard(o.shard_index, o.shard_count)) {
        std::fprintf(stderr, "xtalsieve screen: shard %u/%u from SLURM_ARRAY_TASK_ID (give --shard 0/1 for a whole run)\n",
                     o.shard_index, o.shard_count);
    }
    if (o.shard_count > 1) {
        const screen_counts c = run_screen(o);
        std::fprintf(stderr, "xtalsieve screen: shard %u/%u: %llu inputs = %llu scored + %llu filtered + %llu duplicate + %llu failed; "
                     "wrote the part %s (xtalsieve merge PART... --out DIR)\n",
                     o.shard_index, o.shard_count, (unsigned long long)c.inputs, (unsigned long long)c.scored,
                     (unsigned long long)c.filtered, (unsigned long long)c.duplicate, (unsigned long long)c.failed,
                     o.out_dir.c_str());
        return c.failed ? 3 : 0;
    }
    const screen_counts c = run_screen(o);
    std::fprintf(stderr, "xtalsieve screen: %llu inputs = %llu scored + %llu filtered + %llu duplicate + %llu failed; wrote %s/top.csv\n",
                 (unsigned long long)c.inputs, (unsigned long long)c.scored, (unsigned long long)c.filtered,
                 (unsigned long long)c.duplicate, (unsigned long long)c.failed, o.out_dir.c_str());
    // Print the shortlist head for the terminal user.
    print_head(o.out_dir);
    return c.failed ? 3 : 0;
}

}  // namespace

command add_screen(CLI::App& app, const std::string& command_line) {
    auto a = std::make_shared<screen_args>();
    CLI::App* sub = app.add_subcommand("screen", "A ranked shortlist from a stream of candidates (DIR/top.csv, summary.json, report.html)");
    sub->add_option("--input", a->input, "File, compressed file, archive or folder of structures")
        ->type_name("PATH")
        ->group(group_input);
    sub->add_option("--generate", a->generate, "Enumerate candidates instead of --input: perovskite[:A=..;B=..;X=..]")
        ->type_name("SPEC")
        ->group(group_input);
    sub->add_flag("--no-charge-balance", a->no_charge_balance,
                  "--generate: keep candidates no assignment of common oxidation states balances")
        ->group(group_input);
    sub->add_option("--tolerance", a->tolerance,
                    "--generate: keep Goldschmidt tolerance factors t in [LO, HI] (Shannon radii)")
        ->type_name("LO:HI")
        ->default_str("0.8:1.1")
        ->group(group_input);
    add_input_options(*sub, a->in);
    sub->add_option("--max-records", a->max_records, "Stop after this many input records (0: all)")
        ->type_name("N")
        ->transform(decimal_integer())
        ->group(group_input);
    sub->add_option("--repeat-to", a->repeat_to, "Benchmarks: replay the input or generator up to this many records (0: once)")
        ->type_name("N")
        ->transform(decimal_integer())
        ->group(group_input);
    repeatable(sub->add_option("--model", a->models, "Checkpoint path or name, one property each; repeatable"))
        ->type_name("M")
        ->group(group_models);
    repeatable(sub->add_option("--ensemble", a->ensembles, "Mean and spread of several checkpoints as one property; repeatable"))
        ->type_name("NAME=M1,M2,...")
        ->group(group_models);
    add_atom_init(*sub, a->atom_init);
    add_fidelity(*sub, a->fidelity);
    sub->add_option("--top", a->top, "Shortlist size K (candidates)")
        ->type_name("K")
        ->transform(decimal_integer())
        ->group(group_screening);
    sub->add_option("--objective", a->objective, "Rank by this property (default: the first model, min)")
        ->type_name("\"P min|max\"")
        ->group(group_screening);
    sub->add_option("--risk", a->risk, "Rank ensembles by mean + risk * std in the cautious direction (std units)")
        ->type_name("L")
        ->group(group_screening);
    repeatable(sub->add_option("--where", a->where, "Keep candidates with \"P <|<=|>|>= v\" or \"P between a b\" (property units); repeatable"))
        ->type_name("COND")
        ->group(group_screening);
    repeatable(sub->add_option("--elements", a->elements, "contains:EL,..|excludes:EL,..|only:EL,..; repeatable"))
        ->type_name("FILTER")
        ->group(group_screening);
    sub->add_option("--max-atoms", a->max_atoms, "Skip structures with more atoms (atoms; 0: no limit)")
        ->type_name("N")
        ->transform(decimal_integer())
        ->group(group_screening);
    sub->add_option("--spacegroups", a->spacegroups, "Keep only these space-group numbers (spglib)")
        ->type_name("N,N,...")
        ->group(group_screening);
    sub->add_option("--symprec", a->symprec, "Symmetry tolerance for --spacegroups and --dedup (Å)")
        ->type_name("TOL")
        ->group(group_screening);
    sub->add_flag("--dedup", a->dedup, "Drop symmetry-equivalent duplicates (spglib)")->group(group_screening);
    sub->add_option("--labels", a->labels, "Known values for metrics: CSV FILE:COLUMN (ids from id or material_id) or FILE.db:KEY")
        ->type_name("FILE[:COLUMN|:KEY]")
        ->group(group_screening);
    sub->add_option("--hull-ref", a->hull_ref,
                    "Reference phases for e_above_hull: CSV FILE[:COLUMN] (formula, formation energy per atom), "
                    "pymatgen entry JSON, or FILE.db:KEY; elements are at 0")
        ->type_name("FILE[:COLUMN]")
        ->group(group_screening);
    sub->add_option("--hull-energy", a->hull_energy,
                    "Property holding the predicted formation energy per atom (default: the first *formation-energy* or *eform* model)")
        ->type_name("P")
        ->group(group_screening);
    sub->add_option("--label-kind", a->label_kind,
                    "With --hull-ref: the --labels column holds formation energies per atom or e_above_hull values")
        ->type_name("formation|e_above_hull")
        ->default_str("formation")
        ->group(group_screening);
    sub->add_option("--stability-threshold", a->stability_threshold,
                    "Discovery metrics: stable when e_above_hull <= this (eV/atom)")
        ->type_name("E")
        ->default_str("0")
        ->group(group_screening);
    sub->add_flag("--hull-lp", a->hull_lp, "Solve a linear program per candidate instead of the cached hull facets (a check; slower)")
        ->group(group_performance);
    sub->add_option("--out", a->out, "Output folder")->type_name("DIR")->required()->group(group_output);
    sub->add_flag("--all", a->all, "Also write DIR/all.csv (every scored candidate)")->group(group_output);
    sub->add_flag("--resume", a->resume, "Continue from DIR/checkpoint.bin after a crash (same options)")->group(group_output);
    sub->add_option("--shard", a->shard,
                    "Screen part i of n (records with seq % n == i) into the part folder DIR; join the n parts with "
                    "xtalsieve merge (default from SLURM_ARRAY_TASK_ID/_COUNT when set; under mpirun every rank is a shard)")
        ->type_name("i/n")
        ->group(group_output);
    sub->add_option("--checkpoint-seconds", a->checkpoint_seconds, "Checkpoint interval (seconds)")
        ->type_name("S")
        ->group(group_output);
    sub->add_flag("--log-json", a->log_json, "Progress as JSON lines on stderr")->group(group_output);
    sub->add_flag("--no-progress", a->no_progress, "No live progress line (shown only on a terminal)")->group(group_output);
    add_threads(*sub, a->threads);
    add_approx(*sub, a->approx);
    sub->add_option("--audit-exact", a->audit_exact, "With --approx table: fraction of the ranking re-scored exactly (0..1)")
        ->type_name("F")
        ->group(group_performance);
    add_isa(*sub, a->isa);
    add_max_images(*sub, a->max_images);
    return [a, command_line] { return screen(*a, command_line); };
}

command add_merge(CLI::App& app) {
    struct merge_args {
        std::vector<std::string> parts;
        std::string out;
        bool interim = false;
    };
    auto a = std::make_shared<merge_args>();
    CLI::App* sub = app.add_subcommand(
        "merge", "Join the part folders of a sharded screen (--shard i/n, job arrays) into the single run's outputs");
    sub->add_option("parts", a->parts, "Part folders written by screen --shard (all n of them, any order)")
        ->type_name("PART")
        ->required();
    sub->add_option("--out", a->out, "Output folder")->type_name("DIR")->required()->group(group_output);
    sub->add_flag("--interim", a->interim,
                  "Merge the parts' latest checkpoints while they still run: the shortlist so far (summary.json says "
                  "\"interim\"; no all.csv until the final merge)")
        ->group(group_output);
    return [a] {
        const screen_counts c = merge_screen_parts(a->parts, a->out, nullptr, merge_options{.interim = a->interim});
        std::fprintf(stderr, "xtalsieve merge%s: %zu parts; %llu inputs = %llu scored + %llu filtered + %llu duplicate + %llu failed; wrote %s/top.csv\n",
                     a->interim ? " --interim" : "", a->parts.size(), (unsigned long long)c.inputs, (unsigned long long)c.scored,
                     (unsigned long long)c.filtered, (unsigned long long)c.duplicate, (unsigned long long)c.failed,
                     a->out.c_str());
        print_head(a->out);
        return c.failed ? 3 : 0;
    };
}

}  // namespace xtalsieve::cli
