// `xtalsieve screen`: a ranked shortlist from a stream of candidates.
#include <cstdio>
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

}  // namespace

int screen(const std::vector<std::string>& args, const std::string& command_line) {
    std::vector<std::string> valued = {"model", "ensemble", "input", "generate", "top", "objective", "where", "risk",
                                       "elements", "max-atoms", "spacegroups", "symprec", "labels", "out", "threads",
                                       "atom-init", "max-records", "checkpoint-seconds", "approx", "audit-exact", "repeat-to"};
    valued.insert(valued.end(), input_flags.begin(), input_flags.end());
    const flags f(args, valued, {"dedup", "all", "resume", "log-json", "no-progress"});
    screen_options o;
    o.models = f.all("model");
    for (const auto& e : f.all("ensemble")) {
        const auto eq = e.find('=');
        if (eq == std::string::npos) throw usage_error("--ensemble expects NAME=ckpt1,ckpt2,...");
        std::vector<std::string> members;
        std::stringstream ss(e.substr(eq + 1));
        for (std::string m; std::getline(ss, m, ',');)
            if (!m.empty()) members.push_back(m);
        o.ensembles.emplace_back(e.substr(0, eq), members);
    }
    o.input = f.get("input");
    o.generate = f.get("generate");
    o.top = static_cast<std::size_t>(f.integer("top", 100));
    if (f.has("objective")) {
        const auto w = words(f.get("objective"));
        if (w.size() != 2 || (w[1] != "min" && w[1] != "max"))
            throw usage_error("--objective expects \"<property> min|max\"");
        o.objective = w[0];
        o.maximize = w[1] == "max";
    }
    o.risk = f.has("risk") ? number(f.get("risk"), "--risk") : 0.0;
    for (const auto& wh : f.all("where")) {
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
    o.element_filters = f.all("elements");
    o.max_atoms = static_cast<int>(f.integer("max-atoms", 0));
    if (f.has("spacegroups")) {
        std::stringstream ss(f.get("spacegroups"));
        for (std::string x; std::getline(ss, x, ',');) o.spacegroups.push_back(static_cast<int>(number(x, "--spacegroups")));
    }
    if (f.has("symprec")) o.symprec = number(f.get("symprec"), "--symprec");
    o.dedup = f.has("dedup");
    o.labels = f.get("labels");
    o.out_dir = f.required("out");
    o.write_all = f.has("all");
    o.resume = f.has("resume");
    o.log_json = f.has("log-json");
    o.progress = !f.has("no-progress");
    o.threads = static_cast<int>(f.integer("threads", 0));
    o.atom_init = f.get("atom-init");
    o.max_records = static_cast<std::size_t>(f.integer("max-records", 0));
    if (f.has("checkpoint-seconds")) o.checkpoint_seconds = number(f.get("checkpoint-seconds"), "--checkpoint-seconds");
    o.approximate = parse_precision(f.get("approx")) == precision::table;
    if (f.has("audit-exact")) o.audit_exact = number(f.get("audit-exact"), "--audit-exact");
    o.repeat_to = static_cast<std::size_t>(f.integer("repeat-to", 0));
    o.input_opt = parse_input_options(f);
    o.command_line = command_line;
    const screen_counts c = run_screen(o);
    std::fprintf(stderr, "xtalsieve screen: %llu inputs = %llu scored + %llu filtered + %llu duplicate + %llu failed; wrote %s/top.csv\n",
                 (unsigned long long)c.inputs, (unsigned long long)c.scored, (unsigned long long)c.filtered,
                 (unsigned long long)c.duplicate, (unsigned long long)c.failed, o.out_dir.c_str());
    // Print the shortlist head for the terminal user.
    std::FILE* top = std::fopen((o.out_dir + "/top.csv").c_str(), "r");
    if (top) {
        char line[4096];
        for (int i = 0; i < 21 && std::fgets(line, sizeof line, top); ++i) std::fputs(line, stdout);
        std::fclose(top);
    }
    return c.failed ? 3 : 0;
}

}  // namespace xtalsieve::cli
