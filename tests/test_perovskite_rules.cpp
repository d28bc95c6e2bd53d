// The perovskite generator's physical rules: charge balance over common
// oxidation states and Goldschmidt's tolerance factor, checked against
// tests/data/perovskite_rules_golden.csv (tools/make_perovskite_golden.py,
// computed straight from pymatgen, independently of the engine's table).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/screen/perovskite_rules.hpp"
#include "test_support.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/generator.hpp"

namespace fs = std::filesystem;

namespace {

using xs_test::cli;
using xs_test::scratch;

std::string env() { return "XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " "; }
nlohmann::json summary(const fs::path& d) { return nlohmann::json::parse(xs_test::slurp(d / "summary.json")); }

struct golden_row {
    bool balanced = false;
    double t = std::nan("");  // NaN: no assignment has Shannon radii
};

const std::map<std::string, golden_row>& golden() {
    static const std::map<std::string, golden_row> g = [] {
        std::map<std::string, golden_row> out;
        const auto t = xs_test::read_table(xs_test::data_dir() / "perovskite_rules_golden.csv");
        for (const auto& id : t.keys) {
            const auto& row = t.rows.at(id);
            golden_row r;
            r.balanced = row.at("charge_balanced") == "1";
            if (!row.at("t").empty()) r.t = std::stod(row.at("t"));
            out[id] = r;
        }
        return out;
    }();
    return g;
}

// Counts the golden file predicts for the default rules (0.8 <= t <= 1.1).
struct expected_counts {
    std::size_t balanced = 0, no_radii = 0, outside = 0, kept = 0;
};
expected_counts expected(double lo = 0.8, double hi = 1.1) {
    expected_counts c;
    for (const auto& [id, r] : golden()) {
        if (!r.balanced) continue;
        ++c.balanced;
        if (std::isnan(r.t)) ++c.no_radii;
        else if (r.t < lo || r.t > hi) ++c.outside;
        else ++c.kept;
    }
    return c;
}

// Splits "SrTiO3" into its three symbols (A, B, X).
std::vector<int> abx(const std::string& id) {
    std::vector<int> z;
    std::size_t i = 0;
    while (i < id.size() && z.size() < 3) {
        std::size_t j = i + 1;
        while (j < id.size() && std::islower(static_cast<unsigned char>(id[j]))) ++j;
        z.push_back(xtalsieve::atomic_number(id.substr(i, j - i)));
        i = j;
    }
    return z;
}

}  // namespace

TEST(PerovskiteRules, GoldenFileCoversTheDefaultCandidates) {
    EXPECT_EQ(golden().size(), 2995u);
    ASSERT_TRUE(golden().count("SrScF3"));
    EXPECT_FALSE(golden().at("SrScF3").balanced);
    for (const char* id : {"CaTiO3", "SrTiO3", "KMgF3"}) EXPECT_TRUE(golden().at(id).balanced) << id;
}

TEST(PerovskiteRules, EveryDefaultCandidateMatchesPymatgen) {
    for (const auto& [id, g] : golden()) {
        const auto z = abx(id);
        ASSERT_EQ(z.size(), 3u) << id;
        const auto r = xtalsieve::assess_perovskite(z[0], z[1], z[2]);
        EXPECT_EQ(r.charge_balanced, g.balanced) << id;
        if (std::isnan(g.t)) {
            EXPECT_TRUE(std::isnan(r.t)) << id << " t=" << r.t;
        } else {
            EXPECT_NEAR(r.t, g.t, 1e-6) << id;
        }
    }
}

TEST(PerovskiteRules, KnownCompounds) {
    using xtalsieve::atomic_number;
    const auto srsc = xtalsieve::assess_perovskite(atomic_number("Sr"), atomic_number("Sc"), atomic_number("F"));
    EXPECT_FALSE(srsc.charge_balanced);  // Sr2+ Sc3+ 3 F- = +2: no common states balance it
    const auto cati = xtalsieve::assess_perovskite(atomic_number("Ca"), atomic_number("Ti"), atomic_number("O"));
    EXPECT_TRUE(cati.charge_balanced);
    EXPECT_EQ(cati.q_a, 2);
    EXPECT_EQ(cati.q_b, 4);
    EXPECT_EQ(cati.q_x, -2);
    // Shannon: Ca2+ XII 1.34, Ti4+ VI 0.605, O2- VI 1.40.
    EXPECT_NEAR(cati.t, (1.34 + 1.40) / (std::sqrt(2.0) * (0.605 + 1.40)), 1e-12);
    const auto kmg = xtalsieve::assess_perovskite(atomic_number("K"), atomic_number("Mg"), atomic_number("F"));
    EXPECT_TRUE(kmg.charge_balanced);
    EXPECT_NEAR(kmg.t, golden().at("KMgF3").t, 1e-6);
}

TEST(PerovskiteRules, GeneratorMarksEveryRuledOutCandidate) {
    auto in = xtalsieve::open_generator("perovskite");
    ASSERT_EQ(in->descriptor_names(), std::vector<std::string>{"t"});
    std::map<std::string, std::size_t> reasons;
    std::size_t n = 0;
    xtalsieve::record r;
    while (in->next(r)) {
        ++n;
        ++reasons[r.filtered];
        ASSERT_EQ(r.descriptors.size(), 1u);
        const auto& g = golden().at(r.id);
        if (!g.balanced) {
            EXPECT_EQ(r.filtered, "charge balance") << r.id;
        }
        if (!std::isnan(g.t)) {
            EXPECT_NEAR(r.descriptors[0], g.t, 1e-6) << r.id;
        }
    }
    const auto e = expected();
    EXPECT_EQ(n, 2995u);
    EXPECT_EQ(reasons["charge balance"], 2995 - e.balanced);
    EXPECT_EQ(reasons["tolerance factor: no Shannon radii"], e.no_radii);
    EXPECT_EQ(reasons["tolerance factor"], e.outside);
    EXPECT_EQ(reasons[""], e.kept);
    // The numbers the README and generator.hpp quote.
    EXPECT_EQ(e.balanced, 1899u);
    EXPECT_EQ(e.kept, 899u);
    EXPECT_THROW(xtalsieve::open_generator("perovskite", {true, 1.2, 0.9}), xtalsieve::error);
}

// The README's Quick-start job: every candidate accounted for, per rule, and
// a top 20 of charge-balanced candidates with their formula and t.
TEST(PerovskiteRules, DefaultJobRanksChargeBalancedCandidates) {
    const fs::path d = scratch("rules-default");
    ASSERT_EQ(xs_test::run(env() + cli() + " screen --model cgcnn/formation-energy-per-atom --generate perovskite --top 20"
                           " --all --no-progress --out " + (d / "out").string() + " > " + (d / "stdout.txt").string() +
                           " 2>/dev/null"),
              0);
    const auto s = summary(d / "out");
    const auto c = s["counts"];
    const auto e = expected();
    EXPECT_EQ(c["inputs"], 2995);
    EXPECT_EQ(c["scored"], e.kept);
    EXPECT_EQ(c["inputs"].get<int>(), c["scored"].get<int>() + c["filtered"].get<int>() + c["duplicate"].get<int>() +
                                          c["failed"].get<int>());
    EXPECT_TRUE(s["accounting_ok"].get<bool>());
    EXPECT_EQ(s["filters"]["charge balance"], 2995 - e.balanced);
    EXPECT_EQ(s["filters"]["tolerance factor"], e.outside);
    EXPECT_EQ(s["filters"]["tolerance factor: no Shannon radii"], e.no_radii);
    std::size_t by_rule = 0;
    for (const auto& [k, v] : s["filters"].items()) by_rule += v.get<std::size_t>();
    EXPECT_EQ(by_rule, c["filtered"].get<std::size_t>());

    // stdout: the header and 20 ranked candidates, each with formula and t.
    std::istringstream out(xs_test::slurp(d / "stdout.txt"));
    std::string line;
    std::getline(out, line);
    EXPECT_EQ(line.rfind("rank,id,formula,natoms,t,", 0), 0u) << line;
    const auto top = xs_test::read_table(d / "out" / "top.csv");
    ASSERT_EQ(top.keys.size(), 20u);
    for (const auto& id : top.keys) {
        const auto& row = top.rows.at(id);
        const auto& g = golden().at(row.at("id"));
        EXPECT_TRUE(g.balanced) << row.at("id");
        EXPECT_NEAR(std::stod(row.at("t")), g.t, 1e-6) << row.at("id");
        EXPECT_FALSE(row.at("formula").empty());
        std::getline(out, line);
        EXPECT_NE(line.find("," + row.at("id") + "," + row.at("formula") + ",5," + row.at("t") + ","), std::string::npos)
            << line;
    }
    // all.csv: every scored candidate, each with the golden t in the window.
    const auto all = xs_test::read_table(d / "out" / "all.csv");
    EXPECT_EQ(all.keys.size(), e.kept);
    for (const auto& id : all.keys) {
        const double t = all.num(id, "t");
        EXPECT_NEAR(t, golden().at(id).t, 1e-6) << id;
        EXPECT_TRUE(t >= 0.8 && t <= 1.1) << id;
    }
    EXPECT_EQ(all.rows.count("SrScF3"), 0u);
    for (const char* id : {"CaTiO3", "SrTiO3", "KMgF3"}) {
        ASSERT_EQ(all.rows.count(id), 1u) << id;
        EXPECT_NEAR(all.num(id, "t"), golden().at(id).t, 1e-6) << id;
    }
    // The report counts each rule too.
    const std::string report = xs_test::slurp(d / "out" / "report.html");
    EXPECT_NE(report.find("filtered: charge balance"), std::string::npos);
    EXPECT_NE(report.find("filtered: tolerance factor"), std::string::npos);
    fs::remove_all(d);
}

TEST(PerovskiteRules, NoChargeBalanceKeepsUnbalancedCandidates) {
    const fs::path d = scratch("rules-nocb");
    const std::string base = env() + cli() + " screen --model cgcnn/formation-energy-per-atom --generate "
                             "'perovskite:A=Sr,Ca,K;B=Sc,Ti,Mg;X=F,O' --all --no-progress";
    ASSERT_EQ(xs_test::run(base + " --out " + (d / "on").string() + " >/dev/null 2>&1"), 0);
    ASSERT_EQ(xs_test::run(base + " --no-charge-balance --out " + (d / "off").string() + " >/dev/null 2>&1"), 0);
    const auto on = xs_test::read_table(d / "on" / "all.csv");
    const auto off = xs_test::read_table(d / "off" / "all.csv");
    EXPECT_EQ(on.rows.count("SrScF3"), 0u);
    EXPECT_GT(summary(d / "on")["filters"]["charge balance"].get<int>(), 0);
    ASSERT_EQ(off.rows.count("SrScF3"), 1u);
    EXPECT_NEAR(off.num("SrScF3", "t"), golden().at("SrScF3").t, 1e-6);
    EXPECT_FALSE(summary(d / "off")["filters"].contains("charge balance"));
    EXPECT_GT(off.keys.size(), on.keys.size());
    for (const auto& dir : {d / "on", d / "off"}) {
        const auto c = summary(dir)["counts"];
        EXPECT_EQ(c["inputs"], 18);  // 3 x 3 x 2
        EXPECT_TRUE(summary(dir)["accounting_ok"].get<bool>());
    }
    fs::remove_all(d);
}

TEST(PerovskiteRules, ToleranceWindowFilters) {
    const fs::path d = scratch("rules-tol");
    // t: CaTiO3 0.966, SrTiO3 1.002, BaTiO3 1.062.
    const std::string base = env() + cli() + " screen --model cgcnn/formation-energy-per-atom --generate "
                             "'perovskite:A=Ca,Sr,Ba;B=Ti;X=O' --all --no-progress";
    ASSERT_EQ(xs_test::run(base + " --out " + (d / "default").string() + " >/dev/null 2>&1"), 0);
    ASSERT_EQ(xs_test::run(base + " --tolerance 0.98:1.02 --out " + (d / "narrow").string() + " >/dev/null 2>&1"), 0);
    EXPECT_EQ(summary(d / "default")["counts"]["scored"], 3);
    const auto s = summary(d / "narrow");
    EXPECT_EQ(s["counts"]["scored"], 1);
    EXPECT_EQ(s["filters"]["tolerance factor"], 2);
    EXPECT_TRUE(s["accounting_ok"].get<bool>());
    const auto all = xs_test::read_table(d / "narrow" / "all.csv");
    EXPECT_EQ(all.keys, std::vector<std::string>{"SrTiO3"});
    // A malformed or inverted window is a usage error.
    EXPECT_NE(xs_test::run(base + " --tolerance 1.1:0.8 --out " + (d / "bad").string() + " >/dev/null 2>&1"), 0);
    EXPECT_NE(xs_test::run(base + " --tolerance 0.9 --out " + (d / "bad").string() + " >/dev/null 2>&1"), 0);
    fs::remove_all(d);
}
