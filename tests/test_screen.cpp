// `xtalsieve screen`, end to end through the executable.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "engine/cpu/isa.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

using xs_test::cli;
using xs_test::scratch;

std::string env() { return "XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " "; }
std::string perov() { return (xs_test::shared_dir() / "data" / "perov_5" / "val.csv").string(); }

nlohmann::json summary(const fs::path& d) { return nlohmann::json::parse(xs_test::slurp(d / "summary.json")); }

}  // namespace

TEST(Screen, Perov5MetricsMatchScipyAndSklearn) {
    const fs::path d = scratch("perov");
    ASSERT_EQ(xs_test::run(env() + cli() + " screen --model cgcnn/formation-energy-per-atom --input " + perov() +
                           " --labels " + perov() + ":heat_ref --all --top 100 --no-progress --out " + d.string() +
                           " >/dev/null 2>&1"),
              0);
    const auto s = summary(d);
    EXPECT_EQ(s["counts"]["inputs"], 3787);
    EXPECT_EQ(s["counts"]["scored"], 3787);
    EXPECT_TRUE(s["accounting_ok"].get<bool>());
    EXPECT_EQ(s["metrics"]["n_labelled"], 3787);
    for (const char* k : {"10", "100", "1000"}) EXPECT_TRUE(s["metrics"]["recall_at_k"].contains(k)) << k;
    // The independent computation: scipy / scikit-learn from Debian.
    const std::string check = "/usr/bin/python3 " + (fs::path(XS_TEST_DATA_DIR).parent_path() / "check_screen_metrics.py").string() +
                              " " + d.string() + " " + perov() + " heat_ref formation-energy-per-atom min";
    EXPECT_EQ(xs_test::run(check + " > " + (d / "check.txt").string() + " 2>&1"), 0) << xs_test::slurp(d / "check.txt");
    // top.csv: K rows, ranked by predicted formation energy, ascending.
    const auto top = xs_test::read_table(d / "top.csv");
    ASSERT_EQ(top.keys.size(), 100u);
    double prev = -1e300;
    for (const auto& k : top.keys) {
        const double v = top.num(k, "formation-energy-per-atom");
        EXPECT_GE(v, prev);
        prev = v;
    }
    const std::string html = xs_test::slurp(d / "report.html");
    for (const char* cls : {"class=\"parity\"", "class=\"recall\"", "class=\"histogram\""})
        EXPECT_NE(html.find(cls), std::string::npos) << cls;
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("http"), html.find("http://www.w3.org/2000/svg"));  // no network references
    // Rendered by headless Chromium: the screenshot must show the three plots.
    const fs::path shot = d / "report.png";
    ASSERT_EQ(xs_test::run("chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1000 "
                           "--screenshot=" + shot.string() + " file://" + (d / "report.html").string() +
                           " >/dev/null 2>&1"),
              0);
    const std::string check_shot = "/usr/bin/python3 " +
                                   (fs::path(XS_TEST_DATA_DIR).parent_path() / "check_report_screenshot.py").string() +
                                   " " + shot.string();
    EXPECT_EQ(xs_test::run(check_shot + " > " + (d / "shot.txt").string() + " 2>&1"), 0) << xs_test::slurp(d / "shot.txt");
    fs::remove_all(d);
}

TEST(Screen, ConstraintsFiltersEnsemblesAndAccounting) {
    const fs::path d = scratch("filters");
    const std::string pre = xs_test::pretrained_dir().string() + "/";
    ASSERT_EQ(xs_test::run(env() + cli() + " screen --ensemble fe=" + pre + "formation-energy-per-atom.pth.tar," + pre +
                           "final-energy-per-atom.pth.tar --model cgcnn/band-gap --objective 'fe min' --risk 1"
                           " --where 'band-gap between 0.5 3' --elements excludes:Pb,Hg --elements contains:O"
                           " --max-atoms 5 --top 7 --no-progress --all --input " + perov() + " --out " + d.string() +
                           " >/dev/null 2>&1"),
              0);
    const auto s = summary(d);
    const auto c = s["counts"];
    EXPECT_EQ(c["inputs"], 3787);
    EXPECT_EQ(c["scored"].get<int>() + c["filtered"].get<int>() + c["duplicate"].get<int>() + c["failed"].get<int>(), 3787);
    EXPECT_GT(c["filtered"].get<int>(), 0);
    EXPECT_TRUE(s["filters"].contains("elements contains:O"));
    // Every filtered candidate sits in exactly one filter's bitmap.
    int removed = 0;
    for (const auto& [k, v] : s["filters"].items()) removed += v.get<int>();
    EXPECT_EQ(removed, c["filtered"].get<int>());
    // The element index covers every parsed candidate: each has at least one element.
    EXPECT_GT(s["element_index"]["O"].get<int>(), 0);
    EXPECT_LE(s["element_index"]["O"].get<int>(), 3787);
    // Filters apply in order, so contains:O removes at most the candidates without oxygen.
    EXPECT_LE(s["filters"].value("elements contains:O", 0), 3787 - s["element_index"]["O"].get<int>());
    EXPECT_GT(s["filters"].value("elements contains:O", 0), 0);
    const auto top = xs_test::read_table(d / "top.csv");
    ASSERT_EQ(top.keys.size(), 7u);
    for (const auto& k : top.keys) {
        const double gap = top.num(k, "band-gap");
        EXPECT_GE(gap, 0.5);
        EXPECT_LE(gap, 3.0);
        // risk-adjusted: score = mean + 1 * std
        EXPECT_NEAR(top.num(k, "score"), top.num(k, "fe") + top.num(k, "fe_std"), 1e-6);
        EXPECT_GT(top.num(k, "fe_std"), 0);
    }
    fs::remove_all(d);
}

TEST(Screen, SymmetryDuplicatesAreScoredOnce) {
    const fs::path d = scratch("dedup");
    fs::create_directories(d / "in");
    auto cif = [](const std::string& name, double a, std::vector<std::string> sites) {
        std::string s = "data_" + name + "\n_cell_length_a " + std::to_string(a) + "\n_cell_length_b 3.905\n_cell_length_c 3.905\n"
                        "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n"
                        "_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n";
        for (const auto& x : sites) s += x + "\n";
        return s;
    };
    std::ofstream(d / "in" / "a.cif") << cif("a", 3.905, {"Sr1 Sr 0 0 0", "Ti1 Ti .5 .5 .5", "O1 O .5 .5 0", "O2 O .5 0 .5", "O3 O 0 .5 .5"});
    // The same crystal shifted by (0.1, 0, 0) and with sites permuted.
    std::ofstream(d / "in" / "b.cif") << cif("b", 3.905, {"O1 O .6 .5 0", "Ti1 Ti .6 .5 .5", "Sr1 Sr .1 0 0", "O2 O .6 0 .5", "O3 O 0.1 .5 .5"});
    // A 2x1x1 supercell of it.
    std::ofstream(d / "in" / "c.cif") << cif("c", 7.81, {"Sr1 Sr 0 0 0", "Sr2 Sr .5 0 0", "Ti1 Ti .25 .5 .5", "Ti2 Ti .75 .5 .5",
                                                          "O1 O .25 .5 0", "O2 O .75 .5 0", "O3 O .25 0 .5", "O4 O .75 0 .5",
                                                          "O5 O 0 .5 .5", "O6 O .5 .5 .5"});
    // A different crystal.
    std::ofstream(d / "in" / "d.cif") << cif("d", 3.905, {"Ba1 Ba 0 0 0", "Ti1 Ti .5 .5 .5", "O1 O .5 .5 0", "O2 O .5 0 .5", "O3 O 0 .5 .5"});
    ASSERT_EQ(xs_test::run(env() + cli() + " screen --model cgcnn/band-gap --dedup --no-progress --input " + (d / "in").string() +
                           " --out " + (d / "out").string() + " >/dev/null 2>&1"),
              0);
    const auto s = summary(d / "out");
    EXPECT_EQ(s["counts"]["scored"], 2);
    EXPECT_EQ(s["counts"]["duplicate"], 2);
    const auto errs = xs_test::read_table(d / "out" / "errors.csv");
    ASSERT_EQ(errs.keys, (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(errs.rows.at("b").at("reason"), "duplicate of a");
    fs::remove_all(d);
}

TEST(Screen, GeneratorFeedsTheScreen) {
    const fs::path d = scratch("gen");
    ASSERT_EQ(xs_test::run(env() + cli() + " screen --model cgcnn/formation-energy-per-atom --generate "
                           "'perovskite:A=Ca,Sr,Ba;B=Ti,Zr;X=O,S' --top 3 --no-progress --out " + d.string() + " >/dev/null 2>&1"),
              0);
    const auto s = summary(d);
    EXPECT_EQ(s["counts"]["inputs"], 12);
    const auto top = xs_test::read_table(d / "top.csv");
    EXPECT_EQ(top.keys.size(), 3u);
    fs::remove_all(d);
}

TEST(Screen, ReplayedGeneratorCountsEveryPass) {
    const fs::path d = scratch("gen-replay");
    const std::string args = env() + cli() + " screen --model cgcnn/formation-energy-per-atom --generate perovskite --top 6"
                                             " --all --threads 1 --no-progress --out ";
    ASSERT_EQ(xs_test::run(args + (d / "one").string() + " >/dev/null 2>&1"), 0);
    const auto one = summary(d / "one");
    const int n = one["counts"]["inputs"].get<int>();
    ASSERT_GT(n, 0);
    ASSERT_EQ(xs_test::run(args + (d / "three").string() + " --repeat-to " + std::to_string(3 * n) + " >/dev/null 2>&1"), 0);
    const auto three = summary(d / "three");
    // Every count, the per-filter and per-element ones among them, is three
    // times one pass's: they are counted per candidate, not per distinct id.
    for (const char* k : {"inputs", "scored", "filtered", "failed"})
        EXPECT_EQ(three["counts"][k].get<int>(), 3 * one["counts"][k].get<int>()) << k;
    ASSERT_FALSE(one["filters"].empty());
    for (const auto& [k, v] : one["filters"].items()) EXPECT_EQ(three["filters"][k].get<int>(), 3 * v.get<int>()) << k;
    ASSERT_FALSE(one["element_index"].empty());
    for (const auto& [k, v] : one["element_index"].items())
        EXPECT_EQ(three["element_index"][k].get<int>(), 3 * v.get<int>()) << k;
    // Later passes are renamed <id>#<pass>; equal scores rank in stream order,
    // so one pass's best candidate takes the first three places.
    const auto t1 = xs_test::read_table(d / "one" / "top.csv"), t3 = xs_test::read_table(d / "three" / "top.csv");
    ASSERT_FALSE(t1.keys.empty());
    ASSERT_EQ(t3.keys.size(), 6u);
    const std::string best = t1.rows.at(t1.keys[0]).at("id");
    EXPECT_EQ(t3.rows.at(t3.keys[0]).at("id"), best);
    EXPECT_EQ(t3.rows.at(t3.keys[1]).at("id"), best + "#1");
    EXPECT_EQ(t3.rows.at(t3.keys[2]).at("id"), best + "#2");
    EXPECT_EQ(xs_test::read_table(d / "three" / "all.csv").keys.size(), 3 * xs_test::read_table(d / "one" / "all.csv").keys.size());
    fs::remove_all(d);
}

// On every instruction-set path this CPU has: a resumed run's batches start
// elsewhere, so this also checks that predictions do not depend on the batch.
class SlowScreen : public ::testing::TestWithParam<xtalsieve::cpu::isa> {};

INSTANTIATE_TEST_SUITE_P(SlowIsa, SlowScreen, ::testing::ValuesIn(xtalsieve::cpu::supported_isas()),
                         [](const auto& info) { return std::string(xtalsieve::cpu::isa_name(info.param)); });

TEST_P(SlowScreen, KillAndResumeGivesIdenticalResults) {
    const fs::path d = scratch(std::string("resume-") + xtalsieve::cpu::isa_name(GetParam()));
    const auto env = [&] { return ::env() + "XTALSIEVE_ISA=" + xtalsieve::cpu::isa_name(GetParam()) + " "; };
    // --dedup makes the run slow enough (spglib) to be killed part-way.
    const std::string args = " screen --model cgcnn/formation-energy-per-atom --dedup --all --top 50 --threads 1 --no-progress"
                             " --checkpoint-seconds 0.3 --labels " + perov() + ":heat_ref --input " + perov() +
                             // The hull's state (cached systems, predicted and true e_above_hull) resumes too.
                             " --hull-ref " + perov() + ":heat_ref --out ";
    ASSERT_EQ(xs_test::run(env() + cli() + args + (d / "full").string() + " >/dev/null 2>&1"), 0);

    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const std::string cmd = "exec env " + env() + cli() + args + (d / "killed").string() + " >/dev/null 2>&1";
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    // Wait for a checkpoint, then kill without warning.
    for (int i = 0; i < 400 && !fs::exists(d / "killed" / "checkpoint.bin"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
    ASSERT_EQ(xs_test::run(env() + cli() + args + (d / "killed").string() + " --resume >/dev/null 2>&1"), 0);
    for (const char* f : {"top.csv", "all.csv", "errors.csv"})
        EXPECT_EQ(xs_test::slurp(d / "full" / f), xs_test::slurp(d / "killed" / f)) << f;
    auto a = summary(d / "full"), b = summary(d / "killed");
    for (auto* j : {&a, &b}) {
        j->erase("timings");
        j->erase("command_line");
        (*j)["hull"].erase("hull_cpu_s");  // a timing
    }
    EXPECT_EQ(a.dump(), b.dump());
    fs::remove_all(d);
}

TEST(Screen, ApproximateModeIsAuditedAgainstExact) {
    const fs::path d = scratch("audit");
    ASSERT_EQ(xs_test::run(env() + cli() + " screen --model cgcnn/formation-energy-per-atom --generate perovskite --top 50"
                           " --approx table --audit-exact 0.5 --log-json --out " + d.string() + " >/dev/null 2>" +
                           (d / "log.jsonl").string()),
              0);
    const auto s = summary(d);
    const auto a = s["audit_exact"];
    EXPECT_GT(a["n"].get<int>(), 350);
    EXPECT_LT(a["n"].get<int>(), 550);  // about half of the 899 candidates the generator's rules keep
    EXPECT_LT(a["max_abs_deviation"].get<double>(), 1e-3);
    EXPECT_GE(a["recall_at_k_vs_exact"]["100"].get<double>(), 0.95);
    // --log-json: machine-readable progress, ending with a "done" event.
    std::istringstream log(xs_test::slurp(d / "log.jsonl"));
    std::string line, last;
    while (std::getline(log, line))
        if (!line.empty() && line[0] == '{') last = line;
    const auto j = nlohmann::json::parse(last);
    EXPECT_EQ(j["event"], "done");
    EXPECT_EQ(j["inputs"], 2995);
    fs::remove_all(d);
}

TEST(Screen, LiveProgressOnlyOnATerminal) {
    const fs::path d = scratch("tty");
    const std::string cmd = cli() + " screen --model cgcnn/band-gap --input " + perov() +
                            " --repeat-to 40000 --out " + (d / "o").string() + " >/dev/null";
    // util-linux `script` gives the command a pseudo-terminal.
    ASSERT_EQ(xs_test::run(env() + "script -qec '" + cmd + "' /dev/null > " + (d / "tty.txt").string() + " 2>&1"), 0);
    const std::string tty = xs_test::slurp(d / "tty.txt");
    EXPECT_NE(tty.find("\r[screen] "), std::string::npos);
    EXPECT_NE(tty.find("ETA"), std::string::npos);
    ASSERT_EQ(xs_test::run(env() + cmd + " 2> " + (d / "pipe.txt").string()), 0);
    EXPECT_EQ(xs_test::slurp(d / "pipe.txt").find("[screen]"), std::string::npos);
    fs::remove_all(d);
}

TEST(Screen, SpaceGroupFilter) {
    const fs::path d = scratch("sg");
    const std::string base = env() + cli() + " screen --model cgcnn/band-gap --generate 'perovskite:A=Ca,Sr;B=Ti;X=O,F' --no-progress"
                             " --no-charge-balance";  // CaTiF3 and SrTiF3 do not balance charge
    ASSERT_EQ(xs_test::run(base + " --spacegroups 221 --out " + (d / "a").string() + " >/dev/null 2>&1"), 0);
    ASSERT_EQ(xs_test::run(base + " --spacegroups 62,225 --out " + (d / "b").string() + " >/dev/null 2>&1"), 0);
    // Ideal cubic perovskites are all Pm-3m (221).
    EXPECT_EQ(summary(d / "a")["counts"]["scored"], 4);
    EXPECT_EQ(summary(d / "b")["counts"]["scored"], 0);
    EXPECT_EQ(summary(d / "b")["filters"]["spacegroups"], 4);
    fs::remove_all(d);
}

TEST(Screen, ReadsDatabasesWithSelect) {
    const fs::path d = scratch("db");
    const std::string db = (fs::path(XS_TEST_DATA_DIR) / "readers" / "good" / "structures.db").string();
    ASSERT_EQ(xs_test::run(env() + cli() + " screen --model cgcnn/band-gap --no-progress --select split=test --input " + db +
                           " --out " + d.string() + " >/dev/null 2>&1"),
              0);
    EXPECT_EQ(summary(d)["counts"]["inputs"], 6);
    fs::remove_all(d);
}

// ASE key-value pairs as labels: the fixture stores the original code's
// band-gap predictions as `gap_ref`, so the metrics against them must show
// no error at all, and every row must be matched by its unique_id.
TEST(Screen, AseKeyValuePairsAreLabels) {
    const fs::path d = scratch("dblabels");
    const std::string db = (fs::path(XS_TEST_DATA_DIR) / "readers" / "good" / "structures.db").string();
    ASSERT_EQ(xs_test::run(env() + cli() + " screen --model cgcnn/band-gap --no-progress --input " + db + " --labels " + db +
                           ":gap_ref --top 5 --out " + d.string() + " >/dev/null 2>&1"),
              0);
    const auto s = summary(d);
    EXPECT_EQ(s["metrics"]["n_labelled"], 10);
    EXPECT_LT(s["metrics"]["mae"].get<double>(), 1e-4);
    EXPECT_GT(s["metrics"]["spearman"].get<double>(), 0.9999);
    // A key that no row has is a usage error that names it.
    const fs::path e = scratch("dblabels-missing");
    EXPECT_NE(xs_test::run(env() + cli() + " screen --model cgcnn/band-gap --no-progress --input " + db + " --labels " + db +
                           ":nope --out " + e.string() + " > " + (e / "log.txt").string() + " 2>&1"),
              0);
    EXPECT_NE(xs_test::slurp(e / "log.txt").find("no row has a value for 'nope'"), std::string::npos);
    fs::remove_all(d);
    fs::remove_all(e);
}

namespace {

// Peak resident set size (kB) of a shell command: a fresh python3 whose only
// child is the command reads its children's high-water mark (ru_maxrss).
long peak_rss_kb(const std::string& cmd, const fs::path& out) {
    const std::string py = "import resource, subprocess, sys; "
                           "rc = subprocess.call(sys.argv[1], shell=True); "
                           "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)";
    if (xs_test::run("/usr/bin/python3 -c '" + py + "' \"" + cmd + " >/dev/null 2>&1\" > " + out.string()) != 0) return -1;
    std::istringstream in(xs_test::slurp(out));
    int rc = -1;
    long kb = -1;
    in >> rc >> kb;
    return rc == 0 ? kb : -1;
}

}  // namespace

// Memory stays flat when streaming: the screen state keeps counts, a top-K
// heap, a capped report sample and a run-optimized bitmap, nothing per
// candidate. Per-element bitmaps and their checkpoint serializations once grew
// the peak by 78-104 bytes per candidate (78-104 MB more for the larger run
// here); the bound below is 16 bytes (16 MB over the million candidates
// between the runs), above the run-to-run noise of the peak itself (two
// threads' allocator arenas: up to about 6 MB between identical runs).
TEST(SlowScreenMemory, PeakRssDoesNotGrowWithTheStream) {
    const fs::path d = scratch("memory");
    // The generator replayed: candidates cost no input I/O, most are removed
    // by its rules after parsing, so the run is quick and the state sees every
    // kind of record (filtered, scored, kept or not in the top-K).
    const auto peak = [&](std::size_t n) {
        const fs::path o = d / std::to_string(n);
        const long kb = peak_rss_kb(env() + cli() + " screen --model cgcnn/formation-energy-per-atom --generate perovskite"
                                            " --top 100 --threads 2 --no-progress --checkpoint-seconds 0.5 --repeat-to " +
                                        std::to_string(n) + " --out " + o.string(),
                                    d / ("rss-" + std::to_string(n)));
        EXPECT_EQ(summary(o)["counts"]["inputs"].get<std::size_t>(), n);
        return kb;
    };
    // Both past the bounded parts' fill: the report keeps the first 100,000
    // predictions, and about 30 % of the generated candidates reach the model
    // (the rest fail its rules), so the sample is full at about 334,000.
    const std::size_t small = 350000, large = 1350000;
    const long a = peak(small), b = peak(large);
    ASSERT_GT(a, 0);
    ASSERT_GT(b, 0);
    const double bytes_per_candidate = (static_cast<double>(b) - static_cast<double>(a)) * 1024.0 / (large - small);
    std::printf("peak RSS %ld kB at %zu candidates, %ld kB at %zu: %.2f bytes per candidate\n", a, small, b, large,
                bytes_per_candidate);
    EXPECT_LT(bytes_per_candidate, 16.0);
    fs::remove_all(d);
}

// M3GNet's scratch is sized by the largest batch a worker has run; batches are
// bounded by triplets as well as atoms, so dense generated cells (about 5,000
// triplets per atom) cannot ratchet it up. Two threads over 6,000 generated
// candidates peaked at 412 MB with the atom bound alone, 242 MB with both.
TEST(SlowScreenMemory, M3gnetPeakRssIsBoundedByItsBatches) {
    const fs::path d = scratch("memory-m3gnet");
    const std::string models = "XTALSIEVE_MODELS=" + (xs_test::shared_dir() / "data" / "matgl").string() + " ";
    const long kb = peak_rss_kb(models + cli() + " screen --model matgl/M3GNet-MP-2018.6.1-Eform --generate perovskite"
                                                 " --top 100 --threads 2 --no-progress --repeat-to 6000 --out " +
                                    (d / "out").string(),
                                d / "rss");
    ASSERT_GT(kb, 0);
    EXPECT_GT(summary(d / "out")["counts"]["scored"].get<int>(), 0);
    std::printf("M3GNet peak RSS over 6,000 generated candidates, 2 threads: %ld kB\n", kb);
    EXPECT_LT(kb, 320 * 1024);
    fs::remove_all(d);
}
