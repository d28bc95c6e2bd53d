// Helpers shared by the test files.
#pragma once
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "xtalsieve/cif.hpp"
#include "xtalsieve/csv.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/graph.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/structure.hpp"

namespace xs_test {

inline std::filesystem::path shared_dir() { return XS_SHARED_DIR; }
inline std::filesystem::path data_dir() { return XS_TEST_DATA_DIR; }
inline std::filesystem::path pretrained_dir() { return shared_dir() / "data" / "cgcnn" / "pre-trained"; }

// An empty folder for one test, removed first if a run left it behind.
inline std::filesystem::path scratch(const std::string& name) {
    std::filesystem::path d = std::filesystem::temp_directory_path() / ("xtalsieve-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

// The xtalsieve executable under test.
inline std::string cli() { return XS_CLI_PATH; }

// Writes a file, creating its folder.
inline void write_file(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw xtalsieve::error(p.string() + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A CSV with a header: rows keyed by the first column, columns by header name.
struct table {
    std::vector<std::string> header;
    std::vector<std::string> keys;  // in file order
    std::map<std::string, std::map<std::string, std::string>> rows;

    double num(const std::string& key, const std::string& col) const {
        return std::stod(rows.at(key).at(col));
    }
};

inline table read_table(const std::filesystem::path& p) {
    const std::string text = slurp(p);
    xtalsieve::csv_reader r(text);
    table t;
    std::vector<std::string> f;
    if (!r.next(t.header)) return t;
    while (r.next(f)) {
        if (f.empty() || (f.size() == 1 && f[0].empty())) continue;
        auto& row = t.rows[f[0]];
        t.keys.push_back(f[0]);
        for (std::size_t i = 0; i < f.size() && i < t.header.size(); ++i) row[t.header[i]] = f[i];
    }
    return t;
}

inline const std::vector<std::string>& official_names() {
    static const std::vector<std::string> names = {
        "band-gap",      "bulk-moduli",   "efermi",
        "final-energy-per-atom", "formation-energy-per-atom", "poisson-ratio",
        "semi-metal-classification", "shear-moduli"};
    return names;
}

// Runs a shell command, returning its exit status.
inline int run(const std::string& cmd) {
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The ten CGCNN sample CIFs as graphs in the CGCNN recipe (sites sorted by
// electronegativity, as the predictor feeds CGCNN), in file-name order.
inline std::vector<xtalsieve::crystal_graph> cgcnn_sample_graphs() {
    std::vector<xtalsieve::crystal_graph> out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(shared_dir() / "data" / "cgcnn" / "sample-regression"))
        if (e.path().extension() == ".cif") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        xtalsieve::structure s = xtalsieve::read_cif(slurp(f), f.stem().string());
        xtalsieve::sort_by_electronegativity(s);
        out.push_back(xtalsieve::build_graph(s, xtalsieve::graph_options{}));
    }
    return out;
}

// Real structures for the MatGL families, in file site order: the ten CGCNN
// sample CIFs (file-name order) and the first n_perov records of perov_5's
// validation set, as graphs of the given recipe; structures without a bond in
// the recipe's cutoff (which MatGL models refuse) are left out.
inline std::vector<xtalsieve::crystal_graph> matgl_sample_graphs(const xtalsieve::graph_options& opt,
                                                                 std::size_t n_perov = 20) {
    std::vector<xtalsieve::structure> structs;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(shared_dir() / "data" / "cgcnn" / "sample-regression"))
        if (e.path().extension() == ".cif") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) structs.push_back(xtalsieve::read_cif(slurp(f), f.stem().string()));
    auto in = xtalsieve::open_input(shared_dir() / "data" / "perov_5" / "val.csv");
    xtalsieve::record r;
    while (structs.size() < files.size() + n_perov && in->next(r)) structs.push_back(xtalsieve::read_cif(r.text, r.id));
    std::vector<xtalsieve::crystal_graph> out;
    for (const auto& s : structs) {
        xtalsieve::crystal_graph g = xtalsieve::build_graph(s, opt);
        if (!opt.require_edges || g.n_edges() > 0) out.push_back(std::move(g));
    }
    return out;
}

}  // namespace xs_test
