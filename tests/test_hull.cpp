// Energy above the convex hull against pymatgen's PhaseDiagram (golden files made by
// tools/make_hull_golden.py), the two exact methods against each other, and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "engine/screen/hull.hpp"
#include "test_support.hpp"
#include "xtalsieve/composition.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"

namespace fs = std::filesystem;
using namespace xtalsieve;

namespace {

fs::path hull_data() { return xs_test::data_dir() / "hull"; }

// Parses "A 0.5; B 0.5" into reduced-formula-free (formula -> fraction).
std::map<std::string, double> parse_parts(const std::string& s) {
    std::map<std::string, double> out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = s.find("; ", i);
        if (j == std::string::npos) j = s.size();
        const std::string p = s.substr(i, j - i);
        const auto sp = p.rfind(' ');
        out[p.substr(0, sp)] += std::stod(p.substr(sp + 1));
        i = j + 2;
    }
    return out;
}

// Composition key of a formula for comparing decompositions (pymatgen writes
// reduced formulas, the reference file its own spelling).
std::string comp_key(const std::string& f) {
    composition c = parse_formula(f);
    double s = 0;
    for (auto& [z, a] : c) s += a;
    std::string k;
    char buf[48];
    for (auto& [z, a] : c) {
        std::snprintf(buf, sizeof buf, "%s%.6f", std::string(element_symbol(z)).c_str(), a / s);
        k += buf;
    }
    return k;
}

struct parity {
    double max_diff = 0, max_diff_lp = 0;
    std::size_t n = 0, decomp_mismatch = 0;
};

// Every candidate of a golden file: e_above_hull by facets and by LP within tol.
parity check_golden(hull_cache& cache, const fs::path& golden, const std::string& formula_col,
                    bool compare_decomposition) {
    const auto t = xs_test::read_table(golden);
    parity p;
    for (const auto& k : t.keys) {
        const auto& row = t.rows.at(k);
        const composition c = parse_formula(row.at(formula_col));
        const double e = std::stod(row.at("energy"));
        const double want = std::stod(row.at("e_above_hull"));
        const hull_point h = cache.evaluate(c, e);
        const hull_point l = cache.evaluate(c, e, true, true);
        p.max_diff = std::max(p.max_diff, std::abs(h.e_above_hull - want));
        p.max_diff_lp = std::max(p.max_diff_lp, std::abs(l.e_above_hull - want));
        EXPECT_NEAR(h.e_above_hull, want, 1e-6) << k << " " << row.at(formula_col);
        EXPECT_NEAR(l.e_above_hull, want, 1e-6) << k << " " << row.at(formula_col) << " (LP)";
        // The decomposition: fractions sum to 1, reproduce the composition and the hull energy.
        double fsum = 0, esum = 0;
        std::map<int, double> back;
        for (auto& [ph, f] : h.decomp.parts) {
            fsum += f;
            const composition pc = ph >= 0 ? cache.reference().phases[ph].comp : composition{{-ph, 1.0}};
            esum += f * (ph >= 0 ? cache.reference().phases[ph].energy : 0.0);
            for (auto& [z, a] : pc) back[z] += f * a;
        }
        EXPECT_NEAR(fsum, 1, 1e-9) << k;
        EXPECT_NEAR(esum, h.e_hull, 1e-9) << k;
        double total = 0;
        for (auto& [z, a] : c) total += a;
        for (auto& [z, a] : c) EXPECT_NEAR(back[z], a / total, 1e-9) << k << " element " << z;
        if (compare_decomposition) {
            std::map<std::string, double> got, want_parts;
            for (auto& [name, f] : parse_parts(cache.describe(h.decomp))) got[comp_key(name)] += f;
            for (auto& [name, f] : parse_parts(row.at("decomposition"))) want_parts[comp_key(name)] += f;
            bool same = got.size() == want_parts.size();
            for (auto& [name, f] : want_parts) same = same && got.count(name) && std::abs(got[name] - f) < 1e-5;
            if (!same) ++p.decomp_mismatch;
            EXPECT_TRUE(same) << k << ": " << cache.describe(h.decomp) << " vs " << row.at("decomposition");
        }
        ++p.n;
    }
    return p;
}

}  // namespace

TEST(Hull, ParsesFormulas) {
    EXPECT_EQ(parse_formula("Fe2O3"), (composition{{8, 3.0}, {26, 2.0}}));
    EXPECT_EQ(parse_formula("Ca(NO3)2"), (composition{{7, 2.0}, {8, 6.0}, {20, 1.0}}));
    EXPECT_EQ(parse_formula("Ba0.5Sr0.5TiO3"), (composition{{8, 3.0}, {22, 1.0}, {38, 0.5}, {56, 0.5}}));
    EXPECT_EQ(parse_formula("Li2 O"), (composition{{3, 2.0}, {8, 1.0}}));
    EXPECT_EQ(parse_formula("OO"), (composition{{8, 2.0}}));
    EXPECT_EQ(parse_formula("[Co(NH3)6]Cl3"), (composition{{1, 18.0}, {7, 6.0}, {17, 3.0}, {27, 1.0}}));
    for (const char* bad : {"Xx2O", "Fe2O3)", "(FeO", "Fe-O", "", "2", "fe2o3"})
        EXPECT_THROW(parse_formula(bad), error) << bad;
    try {
        parse_formula("FeXq");
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("unknown element 'Xq'"), std::string::npos) << e.what();
    }
}

TEST(Hull, DuplicateFormulasKeepTheLowest) {
    std::vector<reference_phase> ph = {{"FeO", parse_formula("FeO"), -1.0, "a:2"},
                                       {"Fe2O2", parse_formula("Fe2O2"), -1.5, "a:3"},
                                       {"FeO", parse_formula("FeO"), -1.2, "a:4"},
                                       {"Fe2O3", parse_formula("Fe2O3"), -1.1, "a:5"}};
    const auto r = make_reference_set(ph, "a");
    EXPECT_EQ(r.rows, 4u);
    EXPECT_EQ(r.duplicates, 2u);
    ASSERT_EQ(r.phases.size(), 2u);
    EXPECT_EQ(r.phases[0].energy, -1.5);
    hull_cache cache(std::make_shared<reference_set>(r));
    EXPECT_NEAR(cache.evaluate(parse_formula("FeO"), -1.4).e_above_hull, 0.1, 1e-12);
}

TEST(Hull, BadReferenceFilesNameFileAndLine) {
    const fs::path d = xs_test::scratch("hull-bad");
    auto expect_error = [&](const std::string& name, const std::string& text, const std::string& spec_tail,
                            const std::string& needle) {
        xs_test::write_file(d / name, text);
        try {
            load_reference_phases((d / name).string() + spec_tail);
            ADD_FAILURE() << name << ": no error";
        } catch (const error& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect_error("unknown.csv", "formula,energy_per_atom\nFeO,-1\nQqO,-2\n", "", "unknown.csv:3: formula 'QqO': unknown element 'Qq'");
    expect_error("nan.csv", "formula,energy_per_atom\nFeO,-1\nFe2O3,abc\n", "", "nan.csv:3: energy 'abc' is not a finite number");
    expect_error("inf.csv", "formula,energy_per_atom\nFeO,inf\n", "", "inf.csv:2: energy 'inf'");
    expect_error("empty.csv", "formula,energy_per_atom\nFeO,\n", "", "empty.csv:2: energy ''");
    expect_error("nocol.csv", "formula,e\nFeO,-1\n", "", "no energy column 'energy_per_atom'");
    expect_error("col.csv", "formula,e\nFeO,-1\nFeO2,x\n", ":e", "col.csv:3: energy 'x'");
    expect_error("bad.json", "[{\"composition\": {\"Fe\": 1, \"O\": 1}, \"energy\": -2.0}, {\"composition\": {\"Zz\": 1}, \"energy\": 1}]",
                 "", "bad.json: entry #1: formula 'Zz': unknown element");
    expect_error("bad.jsonl", "{\"composition\": \"FeO\", \"energy\": -2.0}\n{\"composition\": \"FeO\", \"energy\": \"x\"}\n", "",
                 "bad.jsonl:2: 'energy' is not a number");
    EXPECT_THROW(load_reference_phases((d / "missing.csv").string()), error);
    fs::remove_all(d);
}

TEST(Hull, ReadsCsvAndPymatgenEntries) {
    const fs::path d = xs_test::scratch("hull-read");
    // ComputedEntry: (energy + sum of adjustments) / atoms; PDEntry; a CSV with another column name.
    xs_test::write_file(d / "e.json",
                        R"({"entries": [{"@class": "ComputedEntry", "composition": {"Fe": 2.0, "O": 2.0}, "energy": -8.0,
                            "energy_adjustments": [{"value": -0.4}], "correction": -0.4, "data": {"ef": -1.25}},
                           {"@class": "PDEntry", "composition": {"Fe": 1, "O": 1}, "energy": -3.0, "name": "FeO"}]})");
    auto r = load_reference_phases((d / "e.json").string());
    ASSERT_EQ(r.phases.size(), 1u);  // one composition, the lowest kept
    EXPECT_EQ(r.duplicates, 1u);
    EXPECT_DOUBLE_EQ(r.phases[0].energy, -2.1);
    // KEY names a per-atom number in every entry's data; an entry without it is an error.
    EXPECT_THROW(load_reference_phases((d / "e.json").string() + ":ef"), error);
    xs_test::write_file(d / "k.jsonl", R"({"composition": {"Fe": 2, "O": 3}, "energy": -30.0, "data": {"ef": -1.25}})" "\n");
    r = load_reference_phases((d / "k.jsonl").string() + ":ef");
    ASSERT_EQ(r.phases.size(), 1u);
    EXPECT_DOUBLE_EQ(r.phases[0].energy, -1.25);
    r = load_reference_phases((d / "k.jsonl").string());
    EXPECT_DOUBLE_EQ(r.phases[0].energy, -6.0);
    xs_test::write_file(d / "p.csv", "id,formula,heat\n1,Fe2O3,-1.5\n2,FeO,-1.1\n");
    r = load_reference_phases((d / "p.csv").string() + ":heat");
    ASSERT_EQ(r.phases.size(), 2u);
    EXPECT_EQ(r.phases[1].where, (d / "p.csv").string() + ":3");
    fs::remove_all(d);
}

// An ASE database as the reference: the energy from a named key-value pair,
// the composition from the row's atoms. The fixture (tests/make_reader_fixtures.py,
// written with ASE) holds ten structures with a number gap_ref, two of them C8.
TEST(Hull, ReadsAnAseDatabase) {
    const std::string db = (xs_test::data_dir() / "readers" / "good" / "structures.db").string();
    const auto r = load_reference_phases(db + ":gap_ref");
    EXPECT_EQ(r.duplicates, 1u);  // C8 twice (9000046, 9012304): the lower number kept
    const std::map<std::string, double> want = {{"NaCl", 4.774055}, {"KCl", 4.381993}, {"ZnS", 2.029271},
                                                {"BaTiO3", 1.910979}, {"TiO2", 2.689207}, {"C", 1.781317},
                                                {"CsCl", 4.98169},  {"Ge", 1.532559}, {"Si", 0.9553938}};
    ASSERT_EQ(r.phases.size(), want.size());
    for (const auto& p : r.phases) {
        // The phase's reduced formula from its atom fractions (all multiples of 1/60 here).
        std::vector<int> zs;
        for (const auto& [z, x] : p.comp)
            for (int k = 0; k < static_cast<int>(std::lround(x * 60)); ++k) zs.push_back(z);
        const std::string f = reduced_formula(zs);
        ASSERT_TRUE(want.count(f)) << f;
        EXPECT_DOUBLE_EQ(p.energy, want.at(f)) << f;
    }
    try {
        load_reference_phases(db + ":no_such_key");
        ADD_FAILURE() << "a missing key was accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("structures.db"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("no_such_key"), std::string::npos) << e.what();
    }
    EXPECT_THROW(load_reference_phases(db), error);  // the key must be named
}

TEST(GoldenHull, Perov5MatchesPymatgen) {
    // Reference phases: every perov_5 validation row's DFT heat_ref; candidates: the
    // CGCNN formation energies (reference-val.csv), as in tools/make_hull_golden.py.
    auto ref = std::make_shared<reference_set>(
        load_reference_phases((xs_test::shared_dir() / "data" / "perov_5" / "val.csv").string() + ":heat_ref"));
    EXPECT_EQ(ref->rows, 3787u);
    hull_cache cache(ref);
    const parity p = check_golden(cache, hull_data() / "perov5_val.csv", "formula", true);
    EXPECT_EQ(p.n, 3787u);
    EXPECT_EQ(p.decomp_mismatch, 0u);
    // The DFT labels against their own hull.
    const auto t = xs_test::read_table(hull_data() / "perov5_val.csv");
    double worst = 0;
    std::map<std::string, double> heat;
    {
        const auto v = xs_test::read_table(xs_test::shared_dir() / "data" / "perov_5" / "val.csv");
        for (const auto& k : v.keys) heat[v.rows.at(k).at("material_id")] = std::stod(v.rows.at(k).at("heat_ref"));
    }
    for (const auto& k : t.keys) {
        const auto& row = t.rows.at(k);
        const double got = cache.evaluate(parse_formula(row.at("formula")), heat.at(k), false).e_above_hull;
        worst = std::max(worst, std::abs(got - std::stod(row.at("true_e_above_hull"))));
    }
    EXPECT_LT(worst, 1e-6);
    std::printf("perov_5: %zu candidates, %zu systems, max |diff| facets %.3g, LP %.3g, true e_above_hull %.3g eV/atom\n",
                p.n, cache.systems(), p.max_diff, p.max_diff_lp, worst);
}

TEST(Hull, Synthetic5ElementMatchesPymatgen) {
    auto ref = std::make_shared<reference_set>(load_reference_phases((hull_data() / "synthetic5_phases.csv").string()));
    EXPECT_EQ(ref->rows, 305u);
    EXPECT_GE(ref->duplicates, 3u);
    hull_cache cache(ref);
    const parity p = check_golden(cache, hull_data() / "synthetic5_candidates.csv", "formula", true);
    EXPECT_EQ(p.n, 600u);
    std::printf("synthetic 5-element: %zu candidates, max |diff| facets %.3g, LP %.3g eV/atom\n", p.n, p.max_diff,
                p.max_diff_lp);
}

TEST(Hull, DegenerateCasesMatchPymatgen) {
    auto ref = std::make_shared<reference_set>(load_reference_phases((hull_data() / "degenerate_phases.csv").string()));
    hull_cache cache(ref);
    // Decompositions on the flat, triangulated face are not unique: energies only there.
    const parity p = check_golden(cache, hull_data() / "degenerate_candidates.csv", "formula", false);
    EXPECT_EQ(p.n, 14u);
    std::printf("degenerate: max |diff| facets %.3g, LP %.3g eV/atom\n", p.max_diff, p.max_diff_lp);
    // Exactly on the hull (inside the flat face, on an edge): within rounding of 0.
    EXPECT_NEAR(cache.evaluate(parse_formula("Ca8Ti7O5"), -1.0).e_above_hull, 0, 1e-12);
    EXPECT_NEAR(cache.evaluate(parse_formula("Ti2O3"), -0.88).e_above_hull, 0, 1e-12);
    // An element the reference never mentions sits at 0.
    EXPECT_EQ(cache.evaluate(parse_formula("Og"), 0.25).e_above_hull, 0.25);
}

TEST(Hull, FacetsAndLinearProgramAgreeOnRandomSystems) {
    // Random 4- to 7-element systems: the two exact methods must agree.
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    const std::vector<int> pool = {3, 8, 12, 14, 15, 16, 25, 26, 27, 28};
    std::vector<reference_phase> ph;
    for (int i = 0; i < 1500; ++i) {
        std::map<int, double> m;
        const int k = 2 + static_cast<int>(u(rng) * 5);
        for (int j = 0; j < k; ++j) m[pool[static_cast<std::size_t>(u(rng) * pool.size())]] = 1 + std::floor(u(rng) * 5);
        ph.push_back({"p" + std::to_string(i), composition(m.begin(), m.end()), -2.5 * u(rng), ""});
    }
    hull_cache cache(std::make_shared<reference_set>(make_reference_set(ph)));
    double worst = 0;
    for (int i = 0; i < 2000; ++i) {
        std::map<int, double> m;
        const int k = 4 + static_cast<int>(u(rng) * 4);
        for (int j = 0; j < k; ++j) m[pool[static_cast<std::size_t>(u(rng) * pool.size())]] = 1 + std::floor(u(rng) * 6);
        const composition c(m.begin(), m.end());
        const double a = cache.evaluate(c, -1, false).e_above_hull, b = cache.evaluate(c, -1, false, true).e_above_hull;
        worst = std::max(worst, std::abs(a - b));
    }
    EXPECT_LT(worst, 1e-9);
    std::printf("random systems (%zu): max |facets - LP| %.3g eV/atom\n", cache.systems(), worst);
}

TEST(Hull, CacheIsThreadSafe) {
    auto ref = std::make_shared<reference_set>(load_reference_phases((hull_data() / "synthetic5_phases.csv").string()));
    hull_cache shared_cache(ref), serial(ref);
    const auto t = xs_test::read_table(hull_data() / "synthetic5_candidates.csv");
    std::vector<double> want;
    for (const auto& k : t.keys) want.push_back(serial.evaluate(parse_formula(t.rows.at(k).at("formula")), 0, false).e_above_hull);
    std::vector<std::thread> th;
    std::vector<int> bad(4, 0);
    for (int w = 0; w < 4; ++w)
        th.emplace_back([&, w] {
            for (std::size_t i = 0; i < t.keys.size(); ++i) {
                const auto& k = t.keys[(i + w * 150) % t.keys.size()];
                const double got = shared_cache.evaluate(parse_formula(t.rows.at(k).at("formula")), 0, false).e_above_hull;
                const std::size_t j = (i + w * 150) % t.keys.size();
                if (got != want[j]) ++bad[w];
            }
        });
    for (auto& x : th) x.join();
    for (int w = 0; w < 4; ++w) EXPECT_EQ(bad[w], 0);
    EXPECT_EQ(shared_cache.systems(), serial.systems());
}

namespace {

std::string env() { return "XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " "; }
std::string perov() { return (xs_test::shared_dir() / "data" / "perov_5" / "val.csv").string(); }
std::string checker() { return (fs::path(XS_TEST_DATA_DIR).parent_path() / "check_discovery_metrics.py").string(); }

}  // namespace

TEST(GoldenHull, ScreenPerov5RanksByEAboveHullWithDiscoveryMetrics) {
    // The README's worked example: reference = the DFT labels of perov_5, candidates =
    // the CGCNN formation energies of the same structures.
    const fs::path d = xs_test::scratch("hull-screen");
    ASSERT_EQ(xs_test::run(env() + xs_test::cli() + " screen --model cgcnn/formation-energy-per-atom --input " + perov() +
                           " --hull-ref " + perov() + ":heat_ref --labels " + perov() +
                           ":heat_ref --objective 'e_above_hull min' --all --top 100 --no-progress --out " + d.string() +
                           " >" + (d / "log.txt").string() + " 2>&1"),
              0)
        << xs_test::slurp(d / "log.txt");
    const auto s = nlohmann::json::parse(xs_test::slurp(d / "summary.json"));
    EXPECT_EQ(s["hull"]["rows"], 3787);
    // Some formulas name one composition in another order (CuCdN3, CdCuN3): the lowest is kept.
    EXPECT_EQ(s["hull"]["phases"].get<int>() + s["hull"]["duplicates_dropped"].get<int>(), 3787);
    EXPECT_EQ(s["hull"]["energy_property"], "formation-energy-per-atom");
    EXPECT_EQ(s["discovery"]["n"], 3787);
    EXPECT_EQ(s["objective"]["property"], "e_above_hull");
    // Predicted e_above_hull of every candidate vs pymatgen, and the metrics vs scikit-learn.
    const std::string check = "/usr/bin/python3 " + checker() + " " + d.string() + " " +
                              (hull_data() / "perov5_val.csv").string() + " 0";
    EXPECT_EQ(xs_test::run(check + " > " + (d / "check.txt").string() + " 2>&1"), 0) << xs_test::slurp(d / "check.txt");
    std::printf("%s", xs_test::slurp(d / "check.txt").c_str());
    // top.csv ranked by e_above_hull, ascending; all.csv has the decomposition.
    const auto top = xs_test::read_table(d / "top.csv");
    ASSERT_EQ(top.keys.size(), 100u);
    double prev = -1e300;
    for (const auto& k : top.keys) {
        const double v = top.num(k, "e_above_hull");
        EXPECT_GE(v, prev);
        prev = v;
    }
    const auto all = xs_test::read_table(d / "all.csv");
    const auto golden = xs_test::read_table(hull_data() / "perov5_val.csv");
    ASSERT_EQ(all.keys.size(), 3787u);
    for (const auto& k : all.keys) {
        // Three numbers written with 9 significant digits (csv_number).
        EXPECT_NEAR(all.num(k, "formation-energy-per-atom") - all.num(k, "e_hull"), all.num(k, "e_above_hull"), 2e-8);
        EXPECT_FALSE(all.rows.at(k).at("decomposition").empty()) << k;
    }
    const std::string html = xs_test::slurp(d / "report.html");
    EXPECT_NE(html.find("class=\"discovery\""), std::string::npos);

    // --where on e_above_hull, a threshold of 0.1 and labels that are e_above_hull values.
    const fs::path d2 = xs_test::scratch("hull-screen-where");
    std::string labels = "material_id,e_above_hull\n";
    std::size_t above = 0;
    for (const auto& k : golden.keys) {
        labels += k + "," + golden.rows.at(k).at("true_e_above_hull") + "\n";
        above += golden.num(k, "e_above_hull") > 0.1;
    }
    xs_test::write_file(d2 / "labels.csv", labels);
    ASSERT_EQ(xs_test::run(env() + xs_test::cli() + " screen --model cgcnn/formation-energy-per-atom --input " + perov() +
                           " --hull-ref " + perov() + ":heat_ref --labels " + (d2 / "labels.csv").string() +
                           " --label-kind e_above_hull --stability-threshold 0.1 --where 'e_above_hull <= 0.1'"
                           " --all --top 50 --no-progress --out " + (d2 / "out").string() + " >/dev/null 2>&1"),
              0);
    const auto s2 = nlohmann::json::parse(xs_test::slurp(d2 / "out" / "summary.json"));
    EXPECT_EQ(s2["counts"]["filtered"], above);
    EXPECT_EQ(s2["discovery"]["threshold"], 0.1);
    EXPECT_EQ(xs_test::run("/usr/bin/python3 " + checker() + " " + (d2 / "out").string() + " " +
                           (hull_data() / "perov5_val.csv").string() + " 0.1 > " + (d2 / "check.txt").string() + " 2>&1"),
              0)
        << xs_test::slurp(d2 / "check.txt");
    fs::remove_all(d);
    fs::remove_all(d2);
}

TEST(Hull, ScreenOptionErrors) {
    const fs::path d = xs_test::scratch("hull-errors");
    auto run = [&](const std::string& args) {
        return xs_test::run(env() + xs_test::cli() + " screen --input " + perov() + " --max-records 5 --no-progress --out " +
                            d.string() + " " + args + " >" + (d / "err.txt").string() + " 2>&1");
    };
    EXPECT_NE(run("--model cgcnn/band-gap --hull-ref " + perov() + ":heat_ref"), 0);
    EXPECT_NE(xs_test::slurp(d / "err.txt").find("--hull-energy"), std::string::npos) << xs_test::slurp(d / "err.txt");
    EXPECT_NE(run("--model cgcnn/formation-energy-per-atom --hull-energy formation-energy-per-atom"), 0);
    EXPECT_NE(xs_test::slurp(d / "err.txt").find("needs --hull-ref"), std::string::npos);
    xs_test::write_file(d / "bad.csv", "formula,energy_per_atom\nBaTiO3,-3\nBaTiO3,nan\n");
    EXPECT_NE(run("--model cgcnn/formation-energy-per-atom --hull-ref " + (d / "bad.csv").string()), 0);
    EXPECT_NE(xs_test::slurp(d / "err.txt").find("bad.csv:3: energy 'nan' is not a finite number"), std::string::npos)
        << xs_test::slurp(d / "err.txt");
    // e_above_hull as a maximised objective and a filter.
    EXPECT_EQ(run("--model cgcnn/formation-energy-per-atom --hull-ref " + perov() +
                  ":heat_ref --where 'e_above_hull < 100' --objective 'e_above_hull max'"),
              0)
        << xs_test::slurp(d / "err.txt");
    fs::remove_all(d);
}
