#include "xtalsieve/screen.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <sstream>
#include <unordered_map>

#include "engine/screen/discovery_metrics.hpp"
#include "engine/screen/hull.hpp"
#include "engine/screen/report_html.hpp"
#include "engine/screen/screen_state.hpp"
#include "io/ase_db.hpp"
#include "xtalsieve/csv.hpp"
#include "xtalsieve/csv_writer.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/generator.hpp"
#include "xtalsieve/metrics.hpp"
#include "xtalsieve/model_store.hpp"
#include "xtalsieve/predictor.hpp"
#include "xtalsieve/repeat_reader.hpp"
#include "xtalsieve/symmetry.hpp"

namespace fs = std::filesystem;

namespace xtalsieve {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::size_t report_sample = 100000;  // predictions kept for the report's histogram
constexpr std::size_t parity_cap = 20000;      // labelled points drawn in the parity plot

// A property: one model, or the mean and spread of an ensemble.
struct property {
    std::string name;
    std::vector<std::size_t> members;  // indices into the predictor's models, then (once it runs) its output columns
    bool classifier = false;
    bool hull = false;  // e_above_hull: the members' energy minus the hull energy at the composition
};

struct element_filter {
    std::string text, kind;  // kind: contains | excludes | only
    std::vector<int> set;
};

std::vector<element_filter> parse_element_filters(const std::vector<std::string>& specs) {
    std::vector<element_filter> out;
    for (const auto& s : specs) {
        const auto colon = s.find(':');
        element_filter f;
        f.text = s;
        f.kind = s.substr(0, colon);
        if (colon == std::string::npos || (f.kind != "contains" && f.kind != "excludes" && f.kind != "only"))
            throw error("--elements '" + s + "': expected contains:EL,EL | excludes:EL,.. | only:EL,..");
        std::stringstream ss(s.substr(colon + 1));
        std::string el;
        while (std::getline(ss, el, ',')) {
            const int z = atomic_number(el);
            if (!z) throw error("--elements '" + s + "': unknown element '" + el + "'");
            f.set.push_back(z);
        }
        std::sort(f.set.begin(), f.set.end());
        out.push_back(std::move(f));
    }
    return out;
}

std::unordered_map<std::string, double> load_labels(const std::string& spec, std::string& column) {
    std::string path = spec;
    column.clear();
    if (auto c = spec.rfind(':'); c != std::string::npos && !fs::exists(spec)) {
        path = spec.substr(0, c);
        column = spec.substr(c + 1);
    }
    if (io::is_sqlite(path)) {  // an ASE database: a column or key-value pair, by unique_id
        if (column.empty()) throw error(path + ": name the key, e.g. --labels " + path + ":energy");
        return io::ase_db_labels(path, column);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error("--labels: cannot open " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    csv_reader r(text);
    std::vector<std::string> h, f;
    if (!r.next(h)) throw error(path + ": empty labels file");
    int id_col = -1, val_col = -1;
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (h[i] == "material_id" || (id_col < 0 && h[i] == "id")) id_col = static_cast<int>(i);
        if (!column.empty() && h[i] == column) val_col = static_cast<int>(i);
    }
    if (id_col < 0) throw error(path + ": labels need an 'id' or 'material_id' column");
    if (column.empty()) {
        if (h.size() != 2) throw error(path + ": name the label column, e.g. --labels " + path + ":heat_ref");
        val_col = 1 - id_col;
        column = h[val_col];
    }
    if (val_col < 0) throw error(path + ": no column '" + column + "'");
    std::unordered_map<std::string, double> out;
    while (r.next(f)) {
        if (f.size() <= static_cast<std::size_t>(std::max(id_col, val_col))) continue;
        try {
            std::size_t pos = 0;
            const double v = std::stod(f[val_col], &pos);
            if (std::isfinite(v)) out[f[id_col]] = v;
        } catch (...) {
        }
    }
    return out;
}

std::string fmt(double x) { return csv_number(x); }

// Row framing of a part's all.rows / errors.rows: u64 stream position, u32
// length, the CSV row's bytes (little-endian); rows in stream order.
void put_frame(std::ostream& f, std::uint64_t seq, const std::string& row) {
    char h[12];
    for (int i = 0; i < 8; ++i) h[i] = static_cast<char>((seq >> (8 * i)) & 0xff);
    const auto n = static_cast<std::uint32_t>(row.size());
    for (int i = 0; i < 4; ++i) h[8 + i] = static_cast<char>((n >> (8 * i)) & 0xff);
    f.write(h, 12);
    f << row;
}

const nlohmann::ordered_json& nan_json_null() {
    static const nlohmann::ordered_json n;
    return n;
}
nlohmann::ordered_json nan_null(double x) { return std::isfinite(x) ? nlohmann::ordered_json(x) : nan_json_null(); }

// summary.json's "audit_exact": the approximate ranking's deviation and
// recall@k against the exact values of the audited candidates (stream order).
nlohmann::ordered_json audit_summary(double fraction, const std::vector<double>& a, const std::vector<double>& e,
                                     std::size_t top, bool maximize) {
    nlohmann::ordered_json au;
    au["fraction"] = fraction;
    au["n"] = a.size();
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - e[i]));
    au["max_abs_deviation"] = worst;
    nlohmann::ordered_json rk;
    for (std::size_t k : {std::size_t(10), std::size_t(100), std::size_t(1000), top})
        if (k <= a.size()) rk[std::to_string(k)] = recall_at_k(a, e, k, maximize);
    au["recall_at_k_vs_exact"] = rk;
    return au;
}

// Writes top.csv, summary.json and report.html from the accumulated state of a
// whole run (one process, or merged parts). `ctx` is the run's context (see
// run_screen), `heap` the top-K sorted best first.
void write_outputs(const fs::path& dir, const nlohmann::json& ctx, const screen_state& st,
                   const std::vector<screen_entry>& heap, const nlohmann::ordered_json& audit,
                   const nlohmann::ordered_json& timings, bool interim = false) {
    struct prop_info {
        std::string name;
        bool ensemble, classifier;
    };
    std::vector<prop_info> props;
    for (const auto& p : ctx.at("props")) props.push_back({p.at("name"), p.at("ensemble"), p.at("classifier")});
    const std::size_t obj = ctx.at("obj");
    const bool maximize = ctx.at("maximize");
    const std::size_t top_k = ctx.at("top");
    const std::vector<std::string> descriptor_names = ctx.at("descriptor_names");
    const std::string header = ctx.at("header");
    const std::string command_line = ctx.at("command_line");
    const bool has_labels = ctx.at("has_labels");
    const nlohmann::json& hull = ctx.at("hull");
    const bool has_hull = !hull.is_null();
    // top.csv
    {
        std::ofstream top(dir / "top.csv", std::ios::binary | std::ios::trunc);
        top << "rank," << header << ",score,warnings,source,record\n";
        for (std::size_t r = 0; r < heap.size(); ++r) {
            const auto& e = heap[r];
            top << r + 1 << ',' << csv_field(e.id) << ',' << csv_field(e.formula) << ',' << e.natoms;
            for (std::size_t i = 0; i < descriptor_names.size(); ++i)
                top << ',' << (i < e.descriptors.size() && std::isfinite(e.descriptors[i]) ? fmt(e.descriptors[i]) : std::string());
            for (std::size_t i = 0; i < props.size(); ++i) {
                top << ',' << fmt(e.values[i]);
                if (props[i].ensemble) top << ',' << fmt(e.stds[i]);
            }
            top << ',' << fmt(e.score) << ',' << csv_field(e.warnings) << ',' << csv_field(e.source) << ',' << e.index
                << '\n';
        }
    }

    // summary.json
    nlohmann::ordered_json sj;
    // A merge of running ranks' checkpoints (merge_options::interim); the
    // final outputs do not have the key.
    if (interim) sj["interim"] = true;
    sj["command_line"] = command_line;
    sj["version"] = "xtalsieve 0.1.0";
    sj["models"] = ctx.at("models");
    sj["objective"] = {{"property", props[obj].name}, {"direction", maximize ? "max" : "min"}, {"risk", ctx.at("risk").get<double>()}};
    sj["counts"] = {{"inputs", st.inputs},       {"scored", st.scored}, {"filtered", st.filtered},
                    {"duplicate", st.duplicate}, {"failed", st.failed},
                    {"non_structure_blocks", st.non_structure_blocks}, {"with_warnings", st.warned}};
    sj["accounting_ok"] = st.scored + st.filtered + st.duplicate + st.failed == st.inputs;
    // Candidates each filter removed, and how many parsed candidates contain each element.
    nlohmann::ordered_json fj = nlohmann::ordered_json::object(), ej = nlohmann::ordered_json::object();
    for (const auto& [k, n] : st.filtered_by) fj[k] = n;
    for (const auto& [z, n] : st.element_index) ej[std::string(element_symbol(z))] = n;
    sj["filters"] = fj;
    sj["element_index"] = ej;
    report_data rd;
    std::vector<std::size_t> ks = {10, 100, 1000, top_k};
    std::sort(ks.begin(), ks.end());
    ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
    if (has_labels) {
        nlohmann::ordered_json m;
        const std::size_t n = st.lab_pred.size();
        m["labels"] = ctx.at("labels").get<std::string>();
        m["column"] = ctx.at("label_column").get<std::string>();
        m["n_labelled"] = n;
        nlohmann::ordered_json rk;
        for (auto k : ks) rk[std::to_string(k)] = nan_null(recall_at_k(st.lab_score, st.lab_true, k, maximize));
        m["recall_at_k"] = rk;
        m["spearman"] = nan_null(spearman(st.lab_pred, st.lab_true));
        m["kendall"] = nan_null(kendall_tau_b(st.lab_pred, st.lab_true));
        m["mae"] = nan_null(mean_absolute_error(st.lab_pred, st.lab_true));
        m["rmse"] = nan_null(root_mean_squared_error(st.lab_pred, st.lab_true));
        m["r2"] = nan_null(r2_score(st.lab_pred, st.lab_true));
        if (props[obj].classifier) m["roc_auc"] = nan_null(roc_auc(st.lab_pred, st.lab_true));
        sj["metrics"] = m;
        const std::size_t cap = std::min<std::size_t>(n, parity_cap);
        rd.parity_pred.assign(st.lab_pred.begin(), st.lab_pred.begin() + static_cast<std::ptrdiff_t>(cap));
        rd.parity_true.assign(st.lab_true.begin(), st.lab_true.begin() + static_cast<std::ptrdiff_t>(cap));
        rd.parity_label.assign(st.lab_label.begin(), st.lab_label.begin() + static_cast<std::ptrdiff_t>(std::min(cap, st.lab_label.size())));
        for (double k = 1; k <= static_cast<double>(n); k *= 1.25)
            rd.recall_curve.emplace_back(std::floor(k), recall_at_k(st.lab_score, st.lab_true, static_cast<std::size_t>(k), maximize));
    }
    const std::size_t systems = st.hull_systems.size();
    if (has_hull) {
        nlohmann::ordered_json h;
        h["reference"] = hull.at("reference").get<std::string>();
        h["rows"] = hull.at("rows").get<std::size_t>();
        h["phases"] = hull.at("phases").get<std::size_t>();
        h["duplicates_dropped"] = hull.at("duplicates_dropped").get<std::size_t>();  // same composition, higher energy
        h["energy_property"] = hull.at("energy_property").get<std::string>();
        h["method"] = hull.at("method").get<std::string>();
        h["chemical_systems"] = systems;
        h["hull_cpu_s"] = static_cast<double>(st.hull_ns) * 1e-9;
        sj["hull"] = h;
    }
    if (has_hull && has_labels) {
        const double threshold = ctx.at("stability_threshold");
        const discovery_metrics dm = compute_discovery_metrics(st.disc_pred, st.disc_true, threshold, ks);
        nlohmann::ordered_json d;
        d["definitions"] = "Matbench Discovery (metrics/discovery.py): stable when e_above_hull <= threshold";
        d["threshold"] = threshold;
        d["label_kind"] = ctx.at("label_kind").get<std::string>();
        d["n"] = dm.n;
        d["confusion_matrix"] = {{"TP", dm.tp}, {"FP", dm.fp}, {"TN", dm.tn}, {"FN", dm.fn}};
        d["precision"] = nan_null(dm.precision);
        d["recall"] = nan_null(dm.recall);
        d["f1"] = nan_null(dm.f1);
        d["accuracy"] = nan_null(dm.accuracy);
        d["prevalence"] = nan_null(dm.prevalence);
        d["daf"] = nan_null(dm.daf);
        d["tpr"] = nan_null(dm.tpr);
        d["fpr"] = nan_null(dm.fpr);
        d["tnr"] = nan_null(dm.tnr);
        d["fnr"] = nan_null(dm.fnr);
        d["mae"] = nan_null(dm.mae);
        d["rmse"] = nan_null(dm.rmse);
        d["r2"] = nan_null(dm.r2);
        nlohmann::ordered_json tk = nlohmann::ordered_json::object();
        for (const auto& t : dm.top)
            tk[std::to_string(t.k)] = {{"precision", nan_null(t.precision)}, {"daf", nan_null(t.daf)}, {"recall", nan_null(t.recall)}};
        d["top_k"] = tk;
        sj["discovery"] = d;
        rd.discovery_curve = discovery_curve(st.disc_pred, st.disc_true, threshold);
        char b[160];
        std::snprintf(b, sizeof b, "F1 %.3f, precision %.3f, recall %.3f, DAF %.2f, accuracy %.3f (TP %zu FP %zu TN %zu FN %zu)",
                      dm.f1, dm.precision, dm.recall, dm.daf, dm.accuracy, dm.tp, dm.fp, dm.tn, dm.fn);
        rd.discovery_summary = b;
        std::size_t predicted_stable = 0;
        for (double x : st.disc_pred) predicted_stable += x <= threshold;
        rd.discovery_predicted_stable = predicted_stable;
    }
    if (!audit.is_null()) sj["audit_exact"] = audit;
    sj["timings"] = timings;
    {
        std::ofstream f(dir / "summary.json", std::ios::trunc);
        f << sj.dump(1) << '\n';
    }

    // report.html
    rd.title = "xtalsieve screen: " + ctx.at("title").get<std::string>();
    rd.objective = props[obj].name;
    rd.maximize = maximize;
    rd.distribution = st.sample;
    for (const auto& w : ctx.at("where"))
        if (w.at("prop").get<std::size_t>() == obj) {
            std::vector<double> v = {w.at("a").get<double>()};
            if (w.at("op") == "between") v.push_back(w.at("b").get<double>());
            rd.thresholds.emplace_back(w.at("property").get<std::string>() + " " + w.at("op").get<std::string>(), v);
        }
    rd.table_header = {"rank", "id", "formula", "natoms"};
    for (const auto& n : descriptor_names) rd.table_header.push_back(n);
    for (const auto& p : props) rd.table_header.push_back(p.name);
    rd.table_header.push_back("score");
    for (std::size_t r = 0; r < heap.size(); ++r) {
        std::vector<std::string> row = {std::to_string(r + 1), heap[r].id, heap[r].formula, std::to_string(heap[r].natoms)};
        for (std::size_t i = 0; i < descriptor_names.size(); ++i) {
            const auto& d = heap[r].descriptors;
            row.push_back(i < d.size() && std::isfinite(d[i]) ? fmt(d[i]) : "");
        }
        for (std::size_t i = 0; i < props.size(); ++i)
            row.push_back(fmt(heap[r].values[i]) + (props[i].ensemble ? " ± " + fmt(heap[r].stds[i]) : ""));
        row.push_back(fmt(heap[r].score));
        rd.table_rows.push_back(std::move(row));
    }
    rd.facts = {{"inputs", std::to_string(st.inputs)},     {"scored", std::to_string(st.scored)},
                {"filtered", std::to_string(st.filtered)}, {"duplicate", std::to_string(st.duplicate)},
                {"failed", std::to_string(st.failed)}};
    // What each filter removed (the generator's physical rules among them).
    for (const auto& [k, n] : st.filtered_by) rd.facts.emplace_back("filtered: " + k, std::to_string(n));
    if (has_hull)
        rd.facts.emplace_back("hull", hull.at("reference").get<std::string>() + ": " +
                                          std::to_string(hull.at("phases").get<std::size_t>()) + " phases, " +
                                          std::to_string(systems) + " chemical systems, energy " +
                                          hull.at("energy_property").get<std::string>());
    rd.facts.emplace_back("command", command_line);
    {
        std::ofstream f(dir / "report.html", std::ios::trunc);
        f << render_report(rd);
    }
}

}  // namespace

screen_counts run_screen(const screen_options& opt) {
    const auto t_start = clock_type::now();
    if (opt.out_dir.empty()) throw error("--out DIR is required");
    if (opt.input.empty() == opt.generate.empty()) throw error("give exactly one of --input and --generate");
    if (opt.top == 0) throw error("--top must be positive");
    const fs::path dir = opt.out_dir;
    fs::create_directories(dir);

    // Models: single properties first, then ensemble members.
    std::vector<std::string> ckpts;
    std::vector<property> props;
    for (const auto& m : opt.models) {
        ckpts.push_back(m);
        props.push_back({"", {ckpts.size() - 1}});
    }
    for (const auto& [name, members] : opt.ensembles) {
        if (members.size() < 2) throw error("--ensemble " + name + ": needs at least two checkpoints");
        property p{name, {}};
        for (const auto& m : members) {
            ckpts.push_back(m);
            p.members.push_back(ckpts.size() - 1);
        }
        props.push_back(std::move(p));
    }
    if (ckpts.empty()) throw error("at least one --model or --ensemble is required");
    std::vector<model_weights> weights;
    std::vector<std::string> checksums;
    load_options lo;
    lo.atom_init = opt.atom_init;
    lo.fidelity = opt.fidelity;
    for (const auto& c : ckpts) {
        const fs::path p = resolve_model(c);
        weights.push_back(load_weights(p, lo));
        checksums.push_back(weights.back().name + " sha256:" + file_sha256(p));
    }

    const auto efilters = parse_element_filters(opt.element_filters);
    predict_options po;
    po.threads = opt.threads;
    po.model.isa = opt.isa;
    po.max_images_per_atom = opt.max_images_per_atom;
    po.model.mode = opt.approximate ? precision::table : precision::exact;
    if (opt.audit_exact > 0 && !opt.approximate) throw error("--audit-exact needs an approximate mode (--approx table)");
    if (opt.audit_exact < 0 || opt.audit_exact > 1) throw error("--audit-exact expects a fraction in (0, 1]");
    po.prefilter = [&](const structure& s) -> std::string {
        if (opt.max_atoms > 0 && static_cast<int>(s.size()) > opt.max_atoms)
            return "max-atoms " + std::to_string(opt.max_atoms);
        std::vector<int> els = s.numbers;
        std::sort(els.begin(), els.end());
        els.erase(std::unique(els.begin(), els.end()), els.end());
        for (const auto& f : efilters) {
            bool ok;
            if (f.kind == "contains") ok = std::includes(els.begin(), els.end(), f.set.begin(), f.set.end());
            else if (f.kind == "only") ok = std::includes(f.set.begin(), f.set.end(), els.begin(), els.end());
            else ok = std::none_of(els.begin(), els.end(), [&](int z) { return std::binary_search(f.set.begin(), f.set.end(), z); });
            if (!ok) return "elements " + f.text;
        }
        if (!opt.spacegroups.empty()) {
            const int sg = spacegroup_number(s, opt.symprec);
            if (std::find(opt.spacegroups.begin(), opt.spacegroups.end(), sg) == opt.spacegroups.end())
                return "spacegroups";
        }
        return {};
    };
    if (opt.dedup) po.key = [&](const structure& s) { return symmetry_key(s, opt.symprec); };

    // A part of a sharded run (a job-array task, an MPI rank): the records whose
    // stream position seq satisfies seq % shard_count == shard_index.
    const bool part = opt.shard_count > 1;
    if (opt.shard_count > 1 && opt.shard_index >= opt.shard_count)
        throw error("--shard " + std::to_string(opt.shard_index) + "/" + std::to_string(opt.shard_count) +
                    ": the index must be below the count");
    screen_state st;
    st.shard_index = part ? opt.shard_index : 0;
    st.shard_count = part ? opt.shard_count : 0;
    const fs::path ckpt_file = dir / "checkpoint.bin";
    {
        std::string fp = opt.input + "|" + opt.generate + "|" + std::to_string(opt.top) + "|" + opt.objective + "|" +
                         std::to_string(opt.maximize) + "|" + fmt(opt.risk) + "|" + opt.labels + "|" +
                         std::to_string(opt.dedup) + "|" + std::to_string(opt.max_atoms) + "|" +
                         std::to_string(opt.write_all) + "|" + std::to_string(opt.max_records);
        // A replayed stream is another stream: a resume must replay as far.
        if (opt.repeat_to) fp += "|repeat " + std::to_string(opt.repeat_to);
        if (!opt.generate.empty())
            fp += "|" + std::to_string(opt.generator.charge_balance) + "|" + fmt(opt.generator.tolerance_min) + ":" +
                  fmt(opt.generator.tolerance_max);
        for (const auto& c : checksums) fp += "|" + c;
        for (const auto& w : opt.where) fp += "|" + w.property + w.op + fmt(w.a) + fmt(w.b);
        for (const auto& e : opt.element_filters) fp += "|" + e;
        // The symmetry options decide filters, duplicates and (sharded --dedup) ownership.
        fp += "|symprec " + fmt(opt.symprec) + "|spacegroups";
        for (const int sg : opt.spacegroups) fp += " " + std::to_string(sg);
        fp += "|" + opt.input_opt.format + "|" + opt.input_opt.select + "|" + opt.input_opt.disorder + "|" +
              std::to_string(opt.input_opt.max_record_bytes) + "|" + fmt(opt.max_images_per_atom);
        for (const auto& sp : opt.input_opt.species) fp += "|" + sp;
        // The input's size (a file; a folder: files and bytes), so that parts of
        // runs over different data do not merge.
        if (!opt.input.empty()) {
            std::error_code ec;
            if (fs::is_regular_file(opt.input, ec)) {
                fp += "|bytes " + std::to_string(fs::file_size(opt.input, ec));
            } else if (fs::is_directory(opt.input, ec)) {
                std::uint64_t files = 0, bytes = 0;
                for (const auto& e : fs::recursive_directory_iterator(opt.input, ec))
                    if (e.is_regular_file(ec)) ++files, bytes += e.file_size(ec);
                fp += "|files " + std::to_string(files) + " bytes " + std::to_string(bytes);
            }
        }
        if (!opt.hull_ref.empty()) {
            std::string ref_file = opt.hull_ref;
            if (auto c = ref_file.rfind(':'); c != std::string::npos && !fs::exists(ref_file)) ref_file.resize(c);
            fp += "|hull " + opt.hull_ref + "|" + (fs::exists(ref_file) ? file_sha256(ref_file) : "") + "|" +
                  opt.hull_energy + "|" + opt.label_kind + "|" + fmt(opt.stability_threshold) + "|" +
                  std::to_string(opt.hull_lp);
        }
        st.fingerprint = fp;
    }
    if (opt.resume) {
        const std::string fp = st.fingerprint;
        st.load(ckpt_file);
        if (st.fingerprint != fp) throw error(ckpt_file.string() + ": checkpoint was made with other options; cannot resume");
        if (st.shard_count != (part ? opt.shard_count : 0u) || st.shard_index != (part ? opt.shard_index : 0u))
            throw error(ckpt_file.string() + ": checkpoint is of shard " + std::to_string(st.shard_index) + "/" +
                        std::to_string(st.shard_count) + "; cannot resume it as another shard");
        st.complete = false;
    }
    // With --dedup a part cannot own records by position: the first of a set
    // of duplicates is the first over the whole stream. So every part reads and
    // parses every record and computes its key; a record that gets that far
    // belongs to the part its key names (FNV-1a, the same on every machine), so
    // all copies of a crystal meet in one part, in stream order. Records that
    // fail or are filtered before their key counts belong by position.
    const bool by_key = part && opt.dedup;
    po.skip = [&](std::size_t seq) {
        if (part && !by_key && seq % opt.shard_count != opt.shard_index) return true;  // another part's: not parsed
        return opt.resume && roaring_bitmap_contains(st.processed, static_cast<std::uint32_t>(seq));
    };
    if (by_key)
        po.own = [&](std::size_t seq, const std::string* key) {
            if (!key) return seq % opt.shard_count == opt.shard_index;
            std::uint64_t h = 0xcbf29ce484222325ull;
            for (const unsigned char c : *key) h = (h ^ c) * 0x100000001b3ull;
            return h % opt.shard_count == opt.shard_index;
        };
    predictor pred(std::move(weights), po);
    {
        // Models to output columns: a model with several outputs (the MatGL
        // band gap, one per fidelity; the potential's energy and energy per
        // atom) gives one property per output.
        const auto& cols = pred.column_offsets();
        std::vector<property> expanded;
        for (auto& p : props) {
            if (p.members.size() == 1) {
                const std::size_t k = p.members[0];
                for (std::size_t c = cols[k]; c < cols[k + 1]; ++c) {
                    property q = p;
                    q.members = {c};
                    if (q.name.empty() || cols[k + 1] - cols[k] > 1) q.name = pred.model_names()[c];
                    expanded.push_back(std::move(q));
                }
                continue;
            }
            for (auto& m : p.members) {
                if (cols[m + 1] - cols[m] != 1)
                    throw error("--ensemble " + p.name + ": member " + ckpts[m] + " has several outputs; ensembles take single-output models");
                m = cols[m];
            }
            expanded.push_back(std::move(p));
        }
        props = std::move(expanded);
    }
    for (auto& p : props) {
        if (p.name.empty()) p.name = pred.model_names()[p.members[0]];
        p.classifier = pred.classification(p.members[0]);
    }
    auto find_prop = [&](const std::string& n) -> std::size_t {
        for (std::size_t i = 0; i < props.size(); ++i)
            if (props[i].name == n) return i;
        throw error("unknown property '" + n + "' (properties: model file stems and ensemble names)");
    };
    // Stability: e_above_hull of a predicted formation energy against reference phases.
    std::unique_ptr<hull_cache> hulls;
    std::size_t hull_src = 0, hull_idx = props.size();
    if (opt.label_kind != "formation" && opt.label_kind != "e_above_hull")
        throw error("--label-kind expects formation or e_above_hull, got '" + opt.label_kind + "'");
    if (opt.hull_ref.empty()) {
        if (!opt.hull_energy.empty()) throw error("--hull-energy needs --hull-ref");
        if (opt.label_kind != "formation") throw error("--label-kind e_above_hull needs --hull-ref");
    } else {
        hulls = std::make_unique<hull_cache>(std::make_shared<reference_set>(load_reference_phases(opt.hull_ref)));
        if (!opt.hull_energy.empty()) {
            hull_src = find_prop(opt.hull_energy);
        } else {
            hull_src = props.size();
            for (std::size_t i = 0; i < props.size() && hull_src == props.size(); ++i) {
                std::string n = props[i].name;
                std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
                if (n.find("formation-energy") != std::string::npos || n.find("eform") != std::string::npos) hull_src = i;
            }
            if (hull_src == props.size())
                throw error("--hull-ref: no property named *formation-energy* or *eform*; name the predicted formation "
                            "energy per atom with --hull-energy");
        }
        if (props[hull_src].classifier) throw error("--hull-energy " + props[hull_src].name + " is a classifier");
        property h{"e_above_hull", props[hull_src].members, false, true};
        props.push_back(std::move(h));
        hull_idx = props.size() - 1;
    }
    const std::size_t obj = opt.objective.empty() ? 0 : find_prop(opt.objective);
    std::vector<std::size_t> where_prop;
    for (const auto& w : opt.where) where_prop.push_back(find_prop(w.property));

    std::string label_column;
    std::unordered_map<std::string, double> labels;
    if (!opt.labels.empty()) labels = load_labels(opt.labels, label_column);

    // Output streams; on resume they are cut back to the checkpoint's sizes.
    auto open_out = [&](const fs::path& p, std::uint64_t keep, const std::string& header) {
        if (opt.resume && fs::exists(p)) fs::resize_file(p, keep);
        std::ofstream f(p, std::ios::binary | (opt.resume ? std::ios::app : std::ios::trunc));
        if (!f) throw error(p.string() + ": cannot write");
        if (!opt.resume || keep == 0) f << header;
        return f;
    };
    auto open_stream = [&]() -> std::unique_ptr<record_reader> {
        if (!opt.generate.empty()) {
            if (!opt.repeat_to) return open_generator(opt.generate, opt.generator);
            // Replayed (benchmarks, memory checks): a generator enumerates a
            // few thousand candidates; later passes get ids "<id>#<pass>".
            return open_repeated([&] { return open_generator(opt.generate, opt.generator); }, opt.repeat_to,
                                 "--generate " + opt.generate);
        }
        if (opt.repeat_to) return open_repeated(opt.input, opt.repeat_to, opt.input_opt);
        return open_input(opt.input, opt.input_opt);
    };
    std::unique_ptr<record_reader> reader = open_stream();
    // The source's own numbers about each candidate (a generator's t) follow natoms.
    const std::vector<std::string> descriptor_names = reader->descriptor_names();
    auto descriptor_cells = [&](const std::vector<double>& d) {
        std::string out;
        for (std::size_t i = 0; i < descriptor_names.size(); ++i)
            out += "," + (i < d.size() && std::isfinite(d[i]) ? fmt(d[i]) : std::string());
        return out;
    };
    std::string header = "id,formula,natoms";
    for (const auto& n : descriptor_names) header += "," + csv_field(n);
    for (const auto& p : props) {
        header += "," + csv_field(p.name);
        if (p.members.size() > 1) header += "," + csv_field(p.name + "_std");
    }
    const std::string all_header = header + (hulls ? ",e_hull,decomposition" : "") + ",warnings,source,record\n";
    const std::string errors_header = "id,status,source,reason\n";
    const char* all_name = part ? "all.rows" : "all.csv";
    const char* errors_name = part ? "errors.rows" : "errors.csv";
    // Everything writing the outputs needs, recorded in the checkpoint so that
    // `xtalsieve merge` writes the parts' outputs exactly as this process would.
    nlohmann::json ctx;
    ctx["command_line"] = opt.command_line;
    ctx["models"] = checksums;
    ctx["props"] = nlohmann::json::array();
    for (const auto& p : props)
        ctx["props"].push_back({{"name", p.name}, {"ensemble", p.members.size() > 1}, {"classifier", p.classifier}});
    ctx["obj"] = obj;
    ctx["maximize"] = opt.maximize;
    ctx["risk"] = opt.risk;
    ctx["top"] = opt.top;
    ctx["audit_exact"] = opt.audit_exact;
    ctx["header"] = header;
    ctx["all_header"] = all_header;
    ctx["errors_header"] = errors_header;
    ctx["write_all"] = opt.write_all;
    ctx["descriptor_names"] = descriptor_names;
    ctx["has_labels"] = !labels.empty();
    ctx["labels"] = opt.labels;
    ctx["label_column"] = label_column;
    ctx["label_kind"] = opt.label_kind;
    ctx["stability_threshold"] = opt.stability_threshold;
    ctx["title"] = opt.generate.empty() ? opt.input : opt.generate;
    ctx["where"] = nlohmann::json::array();
    for (std::size_t c = 0; c < opt.where.size(); ++c)
        ctx["where"].push_back({{"property", opt.where[c].property}, {"op", opt.where[c].op}, {"a", opt.where[c].a},
                                {"b", opt.where[c].b}, {"prop", where_prop[c]}});
    ctx["hull"] = nullptr;
    if (hulls) {
        const auto& ref = hulls->reference();
        ctx["hull"] = {{"reference", opt.hull_ref}, {"rows", ref.rows}, {"phases", ref.phases.size()},
                       {"duplicates_dropped", ref.duplicates}, {"energy_property", props[hull_src].name},
                       {"method", opt.hull_lp ? "linear program per candidate" : "lower-hull facets (Qhull) per chemical system"}};
    }
    st.context = ctx.dump();
    std::ofstream all;
    if (opt.write_all)
        all = open_out(dir / all_name, st.all_csv_bytes, part ? "" : all_header);
    std::ofstream errs = open_out(dir / errors_name, st.errors_csv_bytes, part ? "" : errors_header);
    // A row of all.csv or errors.csv; a part frames it with its stream position.
    auto put_row = [&](std::ofstream& f, std::size_t seq, const std::string& row) {
        if (part) put_frame(f, seq, row);
        else f << row;
    };

    const bool better_max = opt.maximize;
    auto better = [&](const screen_entry& a, const screen_entry& b) {
        if (a.score != b.score) return better_max ? a.score > b.score : a.score < b.score;
        return a.seq < b.seq;
    };
    // Heap whose top is the worst kept entry.
    auto heap_cmp = [&](const screen_entry& a, const screen_entry& b) { return better(a, b); };
    std::vector<screen_entry> heap = std::move(st.top);
    std::make_heap(heap.begin(), heap.end(), heap_cmp);

    const bool tty = opt.progress && ::isatty(2);
    auto last_ckpt = clock_type::now(), last_progress = clock_type::now();
    auto progress = [&](bool final) {
        const double el = std::chrono::duration<double>(clock_type::now() - t_start).count();
        if (opt.log_json)
            std::fprintf(stderr,
                         "{\"event\":\"%s\",\"elapsed_s\":%.2f,\"inputs\":%llu,\"scored\":%llu,\"filtered\":%llu,"
                         "\"duplicate\":%llu,\"failed\":%llu,\"rate_per_s\":%.0f}\n",
                         final ? "done" : "progress", el, (unsigned long long)st.inputs, (unsigned long long)st.scored,
                         (unsigned long long)st.filtered, (unsigned long long)st.duplicate,
                         (unsigned long long)st.failed, st.inputs / std::max(el, 1e-9));
        else if (tty) {
            // The total is known for replayed and capped streams; otherwise no ETA.
            const std::size_t total = opt.max_records ? opt.max_records : opt.repeat_to;
            const double rate = st.inputs / std::max(el, 1e-9);
            char eta[32] = "";
            if (total > st.inputs && rate > 0) std::snprintf(eta, sizeof eta, "  ETA %.0f s", (total - st.inputs) / rate);
            std::fprintf(stderr, "\r[screen] %llu inputs (%.0f/s)%s  scored %llu  filtered %llu  duplicate %llu  failed %llu%s",
                         (unsigned long long)st.inputs, rate, eta, (unsigned long long)st.scored,
                         (unsigned long long)st.filtered, (unsigned long long)st.duplicate,
                         (unsigned long long)st.failed, final ? "\n" : "");
        }
    };
    auto checkpoint = [&] {
        if (all.is_open()) all.flush();
        errs.flush();
        st.all_csv_bytes = all.is_open() ? static_cast<std::uint64_t>(fs::file_size(dir / all_name)) : 0;
        st.errors_csv_bytes = static_cast<std::uint64_t>(fs::file_size(dir / errors_name));
        if (hulls) {
            std::vector<std::pair<std::uint64_t, std::uint64_t>> u, k = hulls->system_keys();
            std::set_union(st.hull_systems.begin(), st.hull_systems.end(), k.begin(), k.end(), std::back_inserter(u));
            st.hull_systems = std::move(u);
        }
        st.top = heap;
        st.save(ckpt_file);
    };
    auto checkpoint_and_tell = [&] {
        checkpoint();
        if (opt.on_checkpoint) opt.on_checkpoint();
    };

    // The audit sample: a fixed pseudo-random subset of stream positions.
    auto audited = [&](std::size_t seq) {
        std::uint64_t h = seq * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ull;
        h ^= h >> 32;
        return static_cast<double>(h % 1000000) < opt.audit_exact * 1e6;
    };
    std::map<std::size_t, double> audit_approx;  // seq -> approximate objective mean
    // Caps the stream (tests and trial runs); the cap is part of the fingerprint.
    struct capped final : record_reader {
        record_reader& in;
        std::size_t left;
        capped(record_reader& r, std::size_t n) : in(r), left(n) {}
        bool next(record& r) override { return left-- > 0 && in.next(r); }
    } cap(*reader, opt.max_records ? opt.max_records : static_cast<std::size_t>(-1));

    std::vector<double> mean(props.size()), sd(props.size());
    hull_point hp;
    pred.run(cap, [&](const prediction& p) {
        if (p.skipped) return;
        if (p.non_structure) {
            ++st.non_structure_blocks;
            roaring_bitmap_add(st.processed, static_cast<std::uint32_t>(p.seq));
            return;
        }
        ++st.inputs;
        for (int z : p.elements) ++st.element_index[z];
        roaring_bitmap_add(st.processed, static_cast<std::uint32_t>(p.seq));
        const std::string where_from = p.source + (p.line ? ":" + std::to_string(p.line) : "");
        if (!p.error.empty()) {
            ++st.failed;
            put_row(errs, p.seq, csv_field(p.id) + ",failed," + csv_field(where_from) + ',' + csv_field(p.error) + '\n');
        } else if (!p.filtered.empty()) {
            ++st.filtered;
            ++st.filtered_by[p.filtered];
        } else if (opt.dedup && st.seen_keys.count(p.key)) {
            ++st.duplicate;
            put_row(errs, p.seq, csv_field(p.id) + ",duplicate," + csv_field(where_from) + ',' +
                                     csv_field("duplicate of " + st.seen_keys[p.key]) + '\n');
        } else {
            if (opt.dedup) st.seen_keys[p.key] = p.id;
            for (std::size_t i = 0; i < props.size(); ++i) {
                double s = 0, s2 = 0;
                for (auto k : props[i].members) s += p.values[k];
                const double n = static_cast<double>(props[i].members.size());
                mean[i] = s / n;
                for (auto k : props[i].members) s2 += (p.values[k] - mean[i]) * (p.values[k] - mean[i]);
                sd[i] = std::sqrt(s2 / n);
            }
            if (hulls) {
                // The hull energy is a constant of the composition: e_above_hull
                // has the energy's spread.
                const auto t0 = clock_type::now();
                hp = hulls->evaluate(parse_formula(p.formula), mean[hull_src], all.is_open(), opt.hull_lp);
                mean[hull_idx] = hp.e_above_hull;
                st.hull_ns += static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t0).count());
            }
            const double score = mean[obj] + (opt.maximize ? -opt.risk : opt.risk) * sd[obj];
            const std::string warnings = joined_warnings(p);
            if (!p.warnings.empty()) ++st.warned;
            if (all.is_open()) {
                std::string row = csv_field(p.id) + ',' + csv_field(p.formula) + ',' + std::to_string(p.n_atoms) +
                                  descriptor_cells(p.descriptors);
                for (std::size_t i = 0; i < props.size(); ++i) {
                    row += ',' + fmt(mean[i]);
                    if (props[i].members.size() > 1) row += ',' + fmt(sd[i]);
                }
                if (hulls) row += ',' + fmt(hp.e_hull) + ',' + csv_field(hulls->describe(hp.decomp));
                row += ',' + csv_field(warnings) + ',' + csv_field(p.source) + ',' + std::to_string(p.index) + '\n';
                put_row(all, p.seq, row);
            }
            if (auto it = labels.find(p.id); it != labels.end()) {
                double truth = it->second;
                if (hulls) {
                    // The true e_above_hull: the label against the same hull, or given.
                    const double true_eh = opt.label_kind == "e_above_hull" ? it->second : it->second - hp.e_hull;
                    st.disc_pred.push_back(mean[hull_idx]);
                    st.disc_true.push_back(true_eh);
                    if (obj == hull_idx) truth = true_eh;
                }
                st.lab_pred.push_back(mean[obj]);
                st.lab_true.push_back(truth);
                st.lab_score.push_back(score);
                st.lab_seq.push_back(p.seq);
                if (st.lab_label.size() < parity_cap) st.lab_label.push_back(p.id + " (" + p.formula + ")");
            }
            if (st.sample.size() < report_sample) {
                st.sample.push_back(mean[obj]);
                st.sample_seq.push_back(p.seq);
            }
            if (opt.audit_exact > 0 && audited(p.seq)) audit_approx[p.seq] = mean[obj];
            bool ok = true;
            for (std::size_t c = 0; c < opt.where.size() && ok; ++c) {
                const auto& w = opt.where[c];
                const double v = mean[where_prop[c]];
                ok = w.op == "<" ? v < w.a : w.op == "<=" ? v <= w.a : w.op == ">" ? v > w.a
                   : w.op == ">=" ? v >= w.a : (v >= w.a && v <= w.b);
                if (!ok) {
                    ++st.filtered;
                    ++st.filtered_by["where " + w.property + " " + w.op];
                }
            }
            if (ok) {
                ++st.scored;
                screen_entry e{p.seq, p.id, p.source, p.index, score, mean, sd, p.formula, p.n_atoms, warnings, p.descriptors};
                if (heap.size() < opt.top) {
                    heap.push_back(std::move(e));
                    std::push_heap(heap.begin(), heap.end(), heap_cmp);
                } else if (better(e, heap.front())) {
                    std::pop_heap(heap.begin(), heap.end(), heap_cmp);
                    heap.back() = std::move(e);
                    std::push_heap(heap.begin(), heap.end(), heap_cmp);
                }
            }
        }
        const auto now = clock_type::now();
        if (std::chrono::duration<double>(now - last_ckpt).count() >= opt.checkpoint_seconds) {
            checkpoint_and_tell();
            last_ckpt = now;
        }
        if ((tty || opt.log_json) && std::chrono::duration<double>(now - last_progress).count() >= (tty ? 0.5 : 1.0)) {
            progress(false);
            last_progress = now;
        }
    });
    checkpoint();
    progress(true);

    const auto timings_now = [&] {
        const double wall = std::chrono::duration<double>(clock_type::now() - t_start).count();
        const predict_stats ps = pred.stats();
        return nlohmann::ordered_json{{"wall_s", wall}, {"parse_cpu_s", ps.parse_ns * 1e-9}, {"graph_cpu_s", ps.graph_ns * 1e-9},
                                      {"infer_cpu_s", ps.infer_ns * 1e-9}, {"inputs_per_s", st.inputs / std::max(wall, 1e-9)}};
    };
    if (opt.audit_exact > 0) {
        // Second pass over the same stream, exact mode, audited positions only.
        std::vector<model_weights> ws;
        for (const auto& c : ckpts) ws.push_back(load_weights(resolve_model(c), lo));
        predict_options eo;
        eo.threads = opt.threads;
        eo.model.isa = opt.isa;
        eo.max_images_per_atom = opt.max_images_per_atom;
        eo.skip = [&](std::size_t seq) { return audit_approx.count(seq) == 0; };
        predictor exact(std::move(ws), eo);
        std::vector<double>& a = st.audit_approx;
        std::vector<double>& e = st.audit_exact;
        st.audit_seq.clear(), a.clear(), e.clear();
        auto again = open_stream();
        capped cap2(*again, opt.max_records ? opt.max_records : static_cast<std::size_t>(-1));
        exact.run(cap2, [&](const prediction& p) {
            if (p.skipped || p.non_structure || !p.error.empty()) return;
            double s = 0;
            for (auto k : props[obj].members) s += p.values[k];
            st.audit_seq.push_back(p.seq);
            a.push_back(audit_approx[p.seq]);
            e.push_back(s / static_cast<double>(props[obj].members.size()));
        });
    }
    if (part) {
        // A part: the state is the result; `xtalsieve merge` writes the outputs.
        st.complete = true;
        st.timings = timings_now().dump();
        st.save(ckpt_file);
        return {st.inputs, st.scored, st.filtered, st.duplicate, st.failed};
    }
    std::sort(heap.begin(), heap.end(), better);
    nlohmann::ordered_json audit;
    if (opt.audit_exact > 0) audit = audit_summary(opt.audit_exact, st.audit_approx, st.audit_exact, opt.top, opt.maximize);
    write_outputs(dir, ctx, st, heap, audit, timings_now());
    return {st.inputs, st.scored, st.filtered, st.duplicate, st.failed};
}

}  // namespace xtalsieve

namespace xtalsieve {

namespace {

// Reads the framed rows of one part file, in stream order.
struct frame_reader {
    std::ifstream f;
    std::uint64_t left = 0, seq = 0;
    std::string row;
    frame_reader(const fs::path& p, std::uint64_t bytes) : f(p, std::ios::binary), left(bytes) {
        if (bytes && !f) throw error(p.string() + ": cannot read");
    }
    bool next() {
        if (left == 0) return false;
        unsigned char h[12];
        if (left < 12 || !f.read(reinterpret_cast<char*>(h), 12)) throw error("truncated part rows");
        seq = 0;
        std::uint32_t n = 0;
        for (int i = 0; i < 8; ++i) seq |= static_cast<std::uint64_t>(h[i]) << (8 * i);
        for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(h[8 + i]) << (8 * i);
        if (left - 12 < n) throw error("truncated part rows");
        row.resize(n);
        if (n && !f.read(row.data(), n)) throw error("truncated part rows");
        left -= 12 + n;
        return true;
    }
};

// K-way merge of the parts' framed rows by stream position into one CSV.
void merge_rows(const std::vector<fs::path>& files, const std::vector<std::uint64_t>& sizes, const std::string& header,
                const fs::path& out) {
    std::vector<std::unique_ptr<frame_reader>> rs;
    using item = std::pair<std::uint64_t, std::size_t>;
    std::priority_queue<item, std::vector<item>, std::greater<item>> q;
    for (std::size_t i = 0; i < files.size(); ++i) {
        rs.push_back(std::make_unique<frame_reader>(files[i], sizes[i]));
        if (rs.back()->next()) q.emplace(rs.back()->seq, i);
    }
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    if (!f) throw error(out.string() + ": cannot write");
    f << header;
    while (!q.empty()) {
        const auto [seq, i] = q.top();
        q.pop();
        f << rs[i]->row;
        if (rs[i]->next()) {
            if (rs[i]->seq <= seq) throw error(files[i].string() + ": rows out of order");
            q.emplace(rs[i]->seq, i);
        }
    }
    f.flush();
    if (!f) throw error(out.string() + ": cannot write");
}

}  // namespace

screen_counts merge_screen_parts(const std::vector<std::string>& parts, const std::string& out_dir, std::uint64_t* bytes_read,
                                 merge_options mo) {
    const auto t_start = clock_type::now();
    if (parts.empty()) throw error("merge: no parts given");
    if (out_dir.empty()) throw error("merge: --out DIR is required");
    std::vector<std::unique_ptr<screen_state>> ps;
    std::uint64_t bytes = 0;
    for (const auto& p : parts) {
        const fs::path f = fs::path(p) / "checkpoint.bin";
        if (!fs::exists(f)) throw error(p + ": not a screen part (no checkpoint.bin)");
        auto s = std::make_unique<screen_state>();
        s->load(f);
        bytes += fs::file_size(f);
        if (s->shard_count == 0) throw error(p + ": a whole run, not a part of a sharded one (no --shard)");
        if (!s->complete && !mo.interim)
            throw error(p + ": part " + std::to_string(s->shard_index) + "/" + std::to_string(s->shard_count) +
                        " is unfinished; rerun it with --resume");
        if (s->lab_seq.size() != s->lab_pred.size() || s->sample_seq.size() != s->sample.size())
            throw error(p + ": part made by an older xtalsieve (no stream positions); rerun it");
        ps.push_back(std::move(s));
    }
    const std::uint32_t n = ps[0]->shard_count;
    std::vector<int> owner(n, -1);
    for (std::size_t k = 0; k < ps.size(); ++k) {
        if (ps[k]->fingerprint != ps[0]->fingerprint || ps[k]->shard_count != n)
            throw error("merge: " + parts[k] + " and " + parts[0] +
                        " are parts of different runs (their options, inputs or model checksums differ, or the "
                        "number of shards: " + std::to_string(ps[k]->shard_count) + " vs " + std::to_string(n) + ")");
        const auto i = ps[k]->shard_index;
        if (owner[i] >= 0)
            throw error("merge: shard " + std::to_string(i) + "/" + std::to_string(n) + " given twice (" + parts[owner[i]] +
                        " and " + parts[k] + ")");
        owner[i] = static_cast<int>(k);
    }
    for (std::uint32_t i = 0; i < n; ++i)
        if (owner[i] < 0) throw error("merge: shard " + std::to_string(i) + "/" + std::to_string(n) + " is missing");
    const screen_state& first = *ps[owner[0]];
    const nlohmann::json ctx = nlohmann::json::parse(first.context);
    const bool maximize = ctx.at("maximize");
    const std::size_t top_k = ctx.at("top");

    screen_state m;
    m.fingerprint = first.fingerprint;
    m.context = first.context;
    std::vector<screen_entry> heap;
    struct at {
        std::uint64_t seq;
        std::size_t part, i;
        bool operator<(const at& o) const { return seq < o.seq; }
    };
    std::vector<at> lab, lab_label, sample, audited;
    for (std::size_t k = 0; k < ps.size(); ++k) {
        const screen_state& s = *ps[k];
        m.inputs += s.inputs, m.scored += s.scored, m.filtered += s.filtered, m.duplicate += s.duplicate;
        m.failed += s.failed, m.non_structure_blocks += s.non_structure_blocks, m.warned += s.warned;
        // The parts' stream positions are disjoint (checked above: one part per
        // shard index), so the whole run's counts are the sums.
        for (const auto& [key, c] : s.filtered_by) m.filtered_by[key] += c;
        for (const auto& [z, c] : s.element_index) m.element_index[z] += c;
        roaring_bitmap_or_inplace(m.processed, s.processed);
        heap.insert(heap.end(), s.top.begin(), s.top.end());
        for (std::size_t i = 0; i < s.lab_seq.size(); ++i) lab.push_back({s.lab_seq[i], k, i});
        for (std::size_t i = 0; i < s.lab_label.size(); ++i) lab_label.push_back({s.lab_seq[i], k, i});
        for (std::size_t i = 0; i < s.sample_seq.size(); ++i) sample.push_back({s.sample_seq[i], k, i});
        for (std::size_t i = 0; i < s.audit_seq.size(); ++i) audited.push_back({s.audit_seq[i], k, i});
        std::vector<std::pair<std::uint64_t, std::uint64_t>> u;
        std::set_union(m.hull_systems.begin(), m.hull_systems.end(), s.hull_systems.begin(), s.hull_systems.end(),
                       std::back_inserter(u));
        m.hull_systems = std::move(u);
        m.hull_ns += s.hull_ns;
    }
    // The single run's top-K: the K best by (score, stream position) of all.
    auto better = [&](const screen_entry& a, const screen_entry& b) {
        if (a.score != b.score) return maximize ? a.score > b.score : a.score < b.score;
        return a.seq < b.seq;
    };
    std::sort(heap.begin(), heap.end(), better);
    if (heap.size() > top_k) heap.resize(top_k);
    // Labelled pairs, tooltips and the report sample back in input order.
    std::sort(lab.begin(), lab.end());
    for (const auto& a : lab) {
        const screen_state& s = *ps[a.part];
        m.lab_seq.push_back(a.seq);
        m.lab_pred.push_back(s.lab_pred[a.i]);
        m.lab_true.push_back(s.lab_true[a.i]);
        m.lab_score.push_back(s.lab_score[a.i]);
        if (s.disc_pred.size() == s.lab_pred.size()) {
            m.disc_pred.push_back(s.disc_pred[a.i]);
            m.disc_true.push_back(s.disc_true[a.i]);
        }
    }
    std::sort(lab_label.begin(), lab_label.end());
    for (std::size_t i = 0; i < lab_label.size() && i < parity_cap; ++i)
        m.lab_label.push_back(ps[lab_label[i].part]->lab_label[lab_label[i].i]);
    std::sort(sample.begin(), sample.end());
    for (std::size_t i = 0; i < sample.size() && i < report_sample; ++i) {
        m.sample.push_back(ps[sample[i].part]->sample[sample[i].i]);
        m.sample_seq.push_back(sample[i].seq);
    }

    const fs::path dir = out_dir;
    fs::create_directories(dir);
    std::vector<fs::path> all_files, err_files;
    std::vector<std::uint64_t> all_sizes, err_sizes;
    for (std::size_t k = 0; k < ps.size(); ++k) {
        all_files.push_back(fs::path(parts[k]) / "all.rows");
        err_files.push_back(fs::path(parts[k]) / "errors.rows");
        all_sizes.push_back(ps[k]->all_csv_bytes);
        err_sizes.push_back(ps[k]->errors_csv_bytes);
        bytes += ps[k]->all_csv_bytes + ps[k]->errors_csv_bytes;
    }
    if (ctx.at("write_all") && !mo.interim) merge_rows(all_files, all_sizes, ctx.at("all_header"), dir / "all.csv");
    merge_rows(err_files, err_sizes, ctx.at("errors_header"), dir / "errors.csv");
    m.all_csv_bytes = ctx.at("write_all") && !mo.interim ? fs::file_size(dir / "all.csv") : 0;
    m.errors_csv_bytes = fs::file_size(dir / "errors.csv");
    m.top = heap;
    m.complete = !mo.interim;

    // Timings: the slowest part's wall time, the parts' CPU times summed.
    double wall = 0, parse = 0, graph = 0, infer = 0;
    for (const auto& s : ps) {
        if (s->timings.empty()) continue;
        const auto t = nlohmann::json::parse(s->timings);
        wall = std::max(wall, t.value("wall_s", 0.0));
        parse += t.value("parse_cpu_s", 0.0), graph += t.value("graph_cpu_s", 0.0), infer += t.value("infer_cpu_s", 0.0);
    }
    const double merge_s = std::chrono::duration<double>(clock_type::now() - t_start).count();
    nlohmann::ordered_json timings = {{"wall_s", wall},       {"parse_cpu_s", parse},
                                      {"graph_cpu_s", graph}, {"infer_cpu_s", infer},
                                      {"inputs_per_s", m.inputs / std::max(wall, 1e-9)},
                                      {"parts", ps.size()},   {"merge_wall_s", merge_s}};
    m.timings = timings.dump();
    // --audit-exact: the audited pairs back in stream order, as one process has them.
    nlohmann::ordered_json audit;
    if (ctx.value("audit_exact", 0.0) > 0 && !mo.interim) {
        std::sort(audited.begin(), audited.end());
        for (const auto& a : audited) {
            m.audit_seq.push_back(a.seq);
            m.audit_approx.push_back(ps[a.part]->audit_approx[a.i]);
            m.audit_exact.push_back(ps[a.part]->audit_exact[a.i]);
        }
        audit = audit_summary(ctx.at("audit_exact"), m.audit_approx, m.audit_exact, top_k, maximize);
    }
    write_outputs(dir, ctx, m, heap, audit, timings, mo.interim);
    if (!mo.interim) m.save(dir / "checkpoint.bin");
    if (bytes_read) *bytes_read = bytes;
    return {m.inputs, m.scored, m.filtered, m.duplicate, m.failed};
}

}  // namespace xtalsieve
