// Sharded screens (--shard i/n + merge, MPI ranks) give exactly the single run's outputs.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

using xs_test::cli;
using xs_test::scratch;

std::string env() { return "XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " "; }
std::string perov() { return (xs_test::shared_dir() / "data" / "perov_5" / "val.csv").string(); }

// Labels, a where filter, an element filter, the hull (e_above_hull, discovery
// metrics) and a neighbour-search bound that makes some inputs fail (errors.csv).
std::string perov_args() {
    return " screen --model cgcnn/formation-energy-per-atom --input " + perov() + " --labels " + perov() +
           ":heat_ref --hull-ref " + perov() + ":heat_ref --where 'formation-energy-per-atom < 0.5'"
           " --elements excludes:Pb --max-images-per-atom 250 --top 40 --all --threads 1 --no-progress";
}

// Runs `args --out res` in folder `cwd` (so that every run records the same
// command line), returning the exit status.
int run_in(const fs::path& cwd, const std::string& args, const std::string& tail = "") {
    fs::create_directories(cwd);
    return xs_test::run("cd " + cwd.string() + " && " + env() + args + " --out res" + tail + " >" +
                        (cwd / "log.txt").string() + " 2>&1");
}

std::string log_of(const fs::path& cwd) { return xs_test::slurp(cwd / "log.txt"); }

// Exit status of a run that succeeded: 0, or 3 when some inputs failed (the fixture has failures).
bool ok(int rc) { return rc == 0 || rc == 3; }

// Every output but timings byte for byte (summary.json without "timings" and
// hull.hull_cpu_s, which are measurements).
void expect_same_outputs(const fs::path& a, const fs::path& b, bool with_all = true) {
    for (const char* f : {"top.csv", "errors.csv", "report.html", "all.csv"}) {
        if (!with_all && std::string(f) == "all.csv") continue;
        ASSERT_TRUE(fs::exists(b / f)) << b / f;
        EXPECT_TRUE(xs_test::slurp(a / f) == xs_test::slurp(b / f)) << f << " differs: " << a << " vs " << b;
    }
    auto ja = nlohmann::ordered_json::parse(xs_test::slurp(a / "summary.json"));
    auto jb = nlohmann::ordered_json::parse(xs_test::slurp(b / "summary.json"));
    for (auto* j : {&ja, &jb}) {
        j->erase("timings");
        if (j->contains("hull")) (*j)["hull"].erase("hull_cpu_s");
    }
    EXPECT_EQ(ja.dump(1), jb.dump(1));
}

std::string parts_of(const fs::path& d, int n) {
    std::string s;
    for (int i = n - 1; i >= 0; --i) s += " " + (d / ("s" + std::to_string(i)) / "res").string();  // any order
    return s;
}

bool mpi_available() {
    return xs_test::run(cli() + " --version 2>/dev/null | grep -q 'mpi: built'") == 0 &&
           xs_test::run("command -v mpirun >/dev/null 2>&1") == 0;
}

std::string mpirun(int n) {
    return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 mpirun "
           "--allow-run-as-root --oversubscribe -np " + std::to_string(n) + " ";
}

}  // namespace

TEST(Shards, FourShardsMergedEqualTheSingleRunAndResumeAfterAKill) {
    const fs::path d = scratch("shards4");
    ASSERT_TRUE(ok(run_in(d / "single", cli() + perov_args()))) << log_of(d / "single");
    const auto s = nlohmann::json::parse(xs_test::slurp(d / "single" / "res" / "summary.json"));
    // The fixture exercises every merged piece: failures, filters, labels, hull.
    ASSERT_GT(s["counts"]["failed"].get<int>(), 0);
    ASSERT_GT(s["counts"]["filtered"].get<int>(), 0);
    ASSERT_GT(s["counts"]["scored"].get<int>(), 1000);
    ASSERT_TRUE(s.contains("discovery"));
    for (int i : {0, 1, 3})
        ASSERT_TRUE(ok(run_in(d / ("s" + std::to_string(i)), cli() + perov_args() + " --shard " + std::to_string(i) + "/4")))
            << log_of(d / ("s" + std::to_string(i)));
    // Shard 2 is killed part-way (a checkpoint after every record makes it slow).
    const fs::path s2 = d / "s2";
    fs::create_directories(s2);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const std::string cmd = "cd " + s2.string() + " && exec env " + env() + cli() + perov_args() +
                                " --shard 2/4 --checkpoint-seconds 0 --out res >/dev/null 2>&1";
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    for (int i = 0; i < 800 && !fs::exists(s2 / "res" / "checkpoint.bin"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "shard 2 finished before it could be killed";
    // An unfinished part does not merge.
    EXPECT_EQ(run_in(d / "m0", cli() + " merge" + parts_of(d, 4)), 1);
    EXPECT_NE(log_of(d / "m0").find("unfinished"), std::string::npos) << log_of(d / "m0");
    // ... except as an interim merge: the shortlist so far, marked as such.
    ASSERT_TRUE(ok(run_in(d / "mi", cli() + " merge --interim" + parts_of(d, 4)))) << log_of(d / "mi");
    const auto si = nlohmann::json::parse(xs_test::slurp(d / "mi" / "res" / "summary.json"));
    EXPECT_EQ(si.value("interim", false), true);
    EXPECT_GT(si["counts"]["inputs"].get<int>(), s["counts"]["inputs"].get<int>() / 2);
    EXPECT_LT(si["counts"]["inputs"].get<int>(), s["counts"]["inputs"].get<int>());
    EXPECT_EQ(si["accounting_ok"], true);
    EXPECT_TRUE(fs::exists(d / "mi" / "res" / "top.csv"));
    EXPECT_FALSE(fs::exists(d / "mi" / "res" / "all.csv"));
    ASSERT_TRUE(ok(run_in(s2, cli() + perov_args() + " --shard 2/4 --resume"))) << log_of(s2);
    ASSERT_EQ(run_in(d / "m", cli() + " merge" + parts_of(d, 4)), 3) << log_of(d / "m");
    expect_same_outputs(d / "single" / "res", d / "m" / "res");

    // Parts of another run, a missing part and a repeated part are refused.
    ASSERT_TRUE(ok(run_in(d / "other", cli() + perov_args() + " --top 41 --shard 1/4"))) << log_of(d / "other");
    const std::string p = " " + (d / "s0" / "res").string() + " " + (d / "s2" / "res").string() + " " + (d / "s3" / "res").string();
    EXPECT_EQ(run_in(d / "m1", cli() + " merge" + p + " " + (d / "other" / "res").string()), 1);
    EXPECT_NE(log_of(d / "m1").find("different runs"), std::string::npos) << log_of(d / "m1");
    EXPECT_EQ(run_in(d / "m2", cli() + " merge" + p), 1);
    EXPECT_NE(log_of(d / "m2").find("shard 1/4 is missing"), std::string::npos) << log_of(d / "m2");
    EXPECT_EQ(run_in(d / "m3", cli() + " merge" + p + p), 1);
    EXPECT_NE(log_of(d / "m3").find("given twice"), std::string::npos) << log_of(d / "m3");
    // A part resumed as another shard is refused.
    EXPECT_EQ(run_in(s2, cli() + perov_args() + " --shard 1/4 --resume"), 1);
    fs::remove_all(d);
}

TEST(Shards, GeneratorShardsAndSlurmArrayEnvironment) {
    const fs::path d = scratch("shards-gen");
    const std::string args = cli() + " screen --model cgcnn/formation-energy-per-atom --generate perovskite --top 25 --all"
                                     " --threads 1 --no-progress";
    ASSERT_EQ(run_in(d / "single", args), 0) << log_of(d / "single");
    for (int i = 0; i < 3; ++i) {
        // Job-array tasks 5..7: the shard comes from SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN.
        const std::string slurm = "SLURM_ARRAY_TASK_ID=" + std::to_string(5 + i) +
                                  " SLURM_ARRAY_TASK_MIN=5 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=3 ";
        ASSERT_EQ(run_in(d / ("s" + std::to_string(i)), slurm + args), 0) << log_of(d / ("s" + std::to_string(i)));
        EXPECT_NE(log_of(d / ("s" + std::to_string(i))).find("shard " + std::to_string(i) + "/3"), std::string::npos);
    }
    ASSERT_EQ(run_in(d / "m", cli() + " merge" + parts_of(d, 3)), 0) << log_of(d / "m");
    expect_same_outputs(d / "single" / "res", d / "m" / "res");
    const auto s = nlohmann::json::parse(xs_test::slurp(d / "m" / "res" / "summary.json"));
    EXPECT_EQ(s["counts"]["inputs"], 2995);
    EXPECT_EQ(s["counts"]["scored"], 899);
    // --shard 0/1 is a whole run even inside a job array.
    ASSERT_EQ(run_in(d / "w", "SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 " + args, " --shard 0/1"), 0) << log_of(d / "w");
    expect_same_outputs(d / "single" / "res", d / "w" / "res");
    // Bad shard specifications are usage errors.
    EXPECT_EQ(run_in(d / "bad", args + " --shard 4/4"), 2);
    fs::remove_all(d);
}

TEST(Shards, AuditExactShardsMergedEqualTheSingleRun) {
    const fs::path d = scratch("shards-audit");
    // Each part re-scores its own audited candidates exactly; the merge puts
    // the pairs back in stream order, so the audit's figures are the single run's.
    const std::string args = perov_args() + " --approx table --audit-exact 0.25";
    ASSERT_TRUE(ok(run_in(d / "single", cli() + args))) << log_of(d / "single");
    const auto s = nlohmann::json::parse(xs_test::slurp(d / "single" / "res" / "summary.json"));
    ASSERT_TRUE(s.contains("audit_exact")) << s.dump(1);
    EXPECT_GT(s["audit_exact"]["n"].get<int>(), 300);
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(ok(run_in(d / ("s" + std::to_string(i)), cli() + args + " --shard " + std::to_string(i) + "/3")))
            << log_of(d / ("s" + std::to_string(i)));
    ASSERT_TRUE(ok(run_in(d / "m", cli() + " merge" + parts_of(d, 3)))) << log_of(d / "m");
    expect_same_outputs(d / "single" / "res", d / "m" / "res");
    fs::remove_all(d);
}

TEST(Shards, DedupShardsMergedEqualTheSingleRun) {
    const fs::path d = scratch("shards-dedup");
    // perov_5's validation set twice (two files of one folder): every crystal
    // has a duplicate, most of them in another shard by stream position, and
    // the set has 7 symmetry duplicates of its own. The parts own what they
    // score by the duplicates' key, so each set of copies meets in one part.
    fs::create_directories(d / "in");
    fs::copy_file(perov(), d / "in" / "a.csv");
    fs::copy_file(perov(), d / "in" / "b.csv");
    std::string args = perov_args() + " --dedup";
    args.replace(args.find("--input " + perov()), 8 + perov().size(), "--input " + (d / "in").string());
    ASSERT_TRUE(ok(run_in(d / "single", cli() + args))) << log_of(d / "single");
    const auto s = nlohmann::json::parse(xs_test::slurp(d / "single" / "res" / "summary.json"));
    EXPECT_GT(s["counts"]["duplicate"].get<int>(), 3500);
    EXPECT_GT(s["counts"]["failed"].get<int>(), 0);
    EXPECT_GT(s["counts"]["filtered"].get<int>(), 0);
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(ok(run_in(d / ("s" + std::to_string(i)), cli() + args + " --shard " + std::to_string(i) + "/3")))
            << log_of(d / ("s" + std::to_string(i)));
    // Each part scored a third of the crystals, give or take the hash.
    for (int i = 0; i < 3; ++i) {
        const std::string log = log_of(d / ("s" + std::to_string(i)));
        const auto at = log.find(" scored + ");
        ASSERT_NE(at, std::string::npos) << log;
        const auto from = log.rfind("= ", at);
        ASSERT_NE(from, std::string::npos) << log;
        EXPECT_GT(std::stoi(log.substr(from + 2, at - from - 2)), s["counts"]["scored"].get<int>() / 4) << log;
    }
    ASSERT_TRUE(ok(run_in(d / "m", cli() + " merge" + parts_of(d, 3)))) << log_of(d / "m");
    expect_same_outputs(d / "single" / "res", d / "m" / "res");
    // A part resumed after it finished: the records it owns are skipped as
    // processed, the others are disowned again; the merge is unchanged.
    ASSERT_TRUE(ok(run_in(d / "s1", cli() + args + " --shard 1/3 --resume"))) << log_of(d / "s1");
    ASSERT_TRUE(ok(run_in(d / "m2", cli() + " merge" + parts_of(d, 3)))) << log_of(d / "m2");
    expect_same_outputs(d / "single" / "res", d / "m2" / "res");
    // A part of a run with another --symprec is another run.
    ASSERT_TRUE(ok(run_in(d / "o", cli() + args + " --symprec 0.01 --shard 1/3"))) << log_of(d / "o");
    EXPECT_EQ(run_in(d / "m3", cli() + " merge " + (d / "s0" / "res").string() + " " + (d / "o" / "res").string() + " " +
                                   (d / "s2" / "res").string()),
              1);
    EXPECT_NE(log_of(d / "m3").find("different runs"), std::string::npos) << log_of(d / "m3");
    if (mpi_available()) {
        ASSERT_TRUE(ok(run_in(d / "np2", mpirun(2) + cli() + args))) << log_of(d / "np2");
        expect_same_outputs(d / "single" / "res", d / "np2" / "res");
    }
    fs::remove_all(d);
}

TEST(Shards, MpiRankZeroMergesTheRanksAtEveryCheckpoint) {
    if (!mpi_available()) GTEST_SKIP() << "built without MPI (-DXTALSIEVE_MPI) or no mpirun";
    const fs::path d = scratch("shards-mpi-ckpt");
    // A checkpoint after every record: rank 0 merges all ranks' checkpoints
    // each time; the final outputs are still the single run's.
    const std::string args = perov_args() + " --max-records 300 --checkpoint-seconds 0";
    ASSERT_TRUE(ok(run_in(d / "single", cli() + args))) << log_of(d / "single");
    ASSERT_TRUE(ok(run_in(d / "np2", mpirun(2) + cli() + args))) << log_of(d / "np2");
    expect_same_outputs(d / "single" / "res", d / "np2" / "res");
    const std::string log = log_of(d / "np2");
    const auto at = log.find(" interim merges while the ranks ran");
    ASSERT_NE(at, std::string::npos) << log;
    const auto open = log.rfind('(', at);
    ASSERT_NE(open, std::string::npos) << log;
    EXPECT_GT(std::stoi(log.substr(open + 1, at - open - 1)), 0) << log;
    EXPECT_EQ(log.find("interim merge failed"), std::string::npos) << log;
    fs::remove_all(d);
}

TEST(Shards, MpiRanksEqualTheSingleRun) {
    if (!mpi_available()) GTEST_SKIP() << "built without MPI (-DXTALSIEVE_MPI) or no mpirun";
    const fs::path d = scratch("shards-mpi");
    ASSERT_TRUE(ok(run_in(d / "single", cli() + perov_args()))) << log_of(d / "single");
    ASSERT_EQ(run_in(d / "np1", mpirun(1) + cli() + perov_args()), 3) << log_of(d / "np1");
    expect_same_outputs(d / "single" / "res", d / "np1" / "res");
    ASSERT_EQ(run_in(d / "np3", mpirun(3) + cli() + perov_args()), 3) << log_of(d / "np3");
    expect_same_outputs(d / "single" / "res", d / "np3" / "res");
    EXPECT_TRUE(fs::exists(d / "np3" / "res" / "ranks" / "2-of-3" / "checkpoint.bin"));
    // Resume per rank: the merged outputs are written again, identical.
    for (const char* f : {"top.csv", "all.csv", "errors.csv", "summary.json", "report.html"}) fs::remove(d / "np3" / "res" / f);
    ASSERT_EQ(run_in(d / "np3", mpirun(3) + cli() + perov_args() + " --resume"), 3) << log_of(d / "np3");
    // (--resume is part of the recorded command line)
    for (const char* f : {"top.csv", "all.csv", "errors.csv"})
        EXPECT_TRUE(xs_test::slurp(d / "single" / "res" / f) == xs_test::slurp(d / "np3" / "res" / f)) << f;
    // A failing rank fails the job: --shard is refused under mpirun.
    const int rc = run_in(d / "bad", mpirun(2) + cli() + perov_args() + " --shard 0/2");
    EXPECT_FALSE(ok(rc)) << rc;
    fs::remove_all(d);
}
