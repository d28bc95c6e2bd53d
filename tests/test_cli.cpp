// The `xtalsieve` executable, end to end.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

using xs_test::cli;
using xs_test::scratch;
std::string models_env() { return "XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " "; }

using xs_test::write_file;

}  // namespace

TEST(Cli, PredictFolderWithBadFilesReportsEachAndContinues) {
    const fs::path dir = scratch("bad");
    const fs::path in = dir / "in";
    fs::create_directories(in);
    const fs::path sample = xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression";
    fs::copy_file(sample / "1000041.cif", in / "good1.cif");
    fs::copy_file(sample / "9011998.cif", in / "good2.cif");
    const std::string good = xs_test::slurp(sample / "1000041.cif");
    write_file(in / "truncated.cif", good.substr(0, good.size() / 3));
    write_file(in / "empty.cif", "");
    write_file(in / "unknown_element.cif",
          "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
          "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
          "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nQq1 Qq 0 0 0\n");
    write_file(in / "zero_volume.cif",
          "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 0\n_cell_angle_alpha 90\n"
          "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
          "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na 0 0 0\n");
    write_file(in / "nan_coordinate.cif",
          "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
          "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
          "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na nan 0 0\nCl1 Cl 0.5 0.5 0.5\n");

    const fs::path out = dir / "out.csv";
    const int rc = xs_test::run(models_env() + cli() + " predict --model cgcnn/band-gap --input " + in.string() +
                                " --output " + out.string() + " 2>" + (dir / "stderr.txt").string());
    EXPECT_EQ(rc, 3);
    const auto t = xs_test::read_table(out);
    ASSERT_EQ(t.header, (std::vector<std::string>{"id", "formula", "natoms", "band-gap", "warnings"}));
    // One row per input, in sorted file order; failures have empty values.
    EXPECT_EQ(t.keys, (std::vector<std::string>{"empty", "good1", "good2", "nan_coordinate", "truncated",
                                                 "unknown_element", "zero_volume"}));
    EXPECT_NEAR(t.num("good1", "band-gap"), 4.774055, 1e-4);
    EXPECT_NEAR(t.num("good2", "band-gap"), 0.9553938, 1e-4);
    EXPECT_EQ(t.rows.at("empty").at("band-gap"), "");
    EXPECT_EQ(t.rows.at("good1").at("formula"), "NaCl");  // 1000041: pymatgen's reduced formula
    EXPECT_EQ(t.rows.at("good1").at("natoms"), "8");
    EXPECT_EQ(t.rows.at("empty").at("formula"), "");

    const auto errors = xs_test::read_table(out.string() + ".errors.csv");
    EXPECT_EQ(errors.header, (std::vector<std::string>{"id", "source", "reason"}));
    EXPECT_EQ(errors.keys, (std::vector<std::string>{"empty", "nan_coordinate", "truncated", "unknown_element",
                                                      "zero_volume"}));
    for (const auto& k : errors.keys) {
        EXPECT_NE(errors.rows.at(k).at("source").find(k + ".cif"), std::string::npos);
        EXPECT_FALSE(errors.rows.at(k).at("reason").empty());
    }
    const std::string err = xs_test::slurp(dir / "stderr.txt");
    EXPECT_NE(err.find("2 predicted, 0 skipped, 5 failed"), std::string::npos) << err;
    fs::remove_all(dir);
}

TEST(Cli, UsageErrorsExitTwo) {
    EXPECT_EQ(xs_test::run(cli() + " predict --input x 2>/dev/null"), 2);
    EXPECT_EQ(xs_test::run(cli() + " predict --model m --input x --bogus 1 2>/dev/null"), 2);
    EXPECT_EQ(xs_test::run(cli() + " frobnicate 2>/dev/null"), 2);
}

TEST(Cli, ConvertThenPredictGivesIdenticalOutput) {
    const fs::path dir = scratch("convert");
    const fs::path native = dir / "shear-moduli.xtsw";
    const std::string input = (xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression").string();
    ASSERT_EQ(xs_test::run(models_env() + cli() + " convert --model cgcnn/shear-moduli --output " +
                           native.string() + " 2>/dev/null"),
              0);
    ASSERT_EQ(xs_test::run(models_env() + cli() + " predict --model cgcnn/shear-moduli --input " + input +
                           " --output " + (dir / "a.csv").string() + " 2>/dev/null"),
              0);
    ASSERT_EQ(xs_test::run(cli() + " predict --model " + native.string() + " --input " + input + " --output " +
                           (dir / "b.csv").string() + " 2>/dev/null"),
              0);
    EXPECT_EQ(xs_test::slurp(dir / "a.csv"), xs_test::slurp(dir / "b.csv"));
    fs::remove_all(dir);
}

TEST(Cli, OutputIsIdenticalForOneAndTwoThreads) {
    const fs::path dir = scratch("threads");
    const std::string input = (xs_test::shared_dir() / "data" / "perov_5" / "val.csv").string();
    for (int t : {1, 2})
        ASSERT_EQ(xs_test::run(models_env() + cli() + " predict --model cgcnn/formation-energy-per-atom --input " +
                               input + " --threads " + std::to_string(t) + " --output " +
                               (dir / (std::to_string(t) + ".csv")).string() + " 2>/dev/null"),
                  0);
    EXPECT_EQ(xs_test::slurp(dir / "1.csv"), xs_test::slurp(dir / "2.csv"));
    fs::remove_all(dir);
}

TEST(Cli, CudaDeviceWithoutCudaBuildIsAClearError) {
    const fs::path dir = scratch("cuda");
    const int rc = xs_test::run(models_env() + cli() + " predict --model cgcnn/band-gap --device cuda:0 --input " +
                                (xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression").string() + " 2>" +
                                (dir / "err.txt").string() + " >/dev/null");
#ifdef XTALSIEVE_HAVE_CUDA
    // The CUDA build: with a GPU the run succeeds (its numbers are CudaCgcnn's
    // business), without one it fails saying the device is missing.
    EXPECT_TRUE(rc == 0 || rc == 1) << rc;
    if (rc == 1) EXPECT_NE(xs_test::slurp(dir / "err.txt").find("--device cuda"), std::string::npos);
#else
    EXPECT_EQ(rc, 1);
    EXPECT_NE(xs_test::slurp(dir / "err.txt").find("not built with CUDA"), std::string::npos);
#endif
    EXPECT_EQ(xs_test::run(cli() + " predict --model m --input x --device tpu 2>/dev/null"), 2);
    fs::remove_all(dir);
}

TEST(Cli, DisorderPolicies) {
    const fs::path dir = scratch("disorder");
    write_file(dir / "alloy.cif",
          "data_x\n_cell_length_a 3.6\n_cell_length_b 3.6\n_cell_length_c 3.6\n_cell_angle_alpha 90\n"
          "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
          "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n"
          "Cu1 Cu 0 0 0 0.75\nAu1 Au 0 0 0 0.25\nCu2 Cu 0.5 0.5 0 1\n");
    const std::string base = models_env() + cli() + " predict --model cgcnn/band-gap --input " + (dir / "alloy.cif").string();
    EXPECT_EQ(xs_test::run(base + " >/dev/null 2>" + (dir / "e1").string()), 3);
    EXPECT_NE(xs_test::slurp(dir / "e1").find("partial occupancy"), std::string::npos);
    EXPECT_EQ(xs_test::run(base + " --disorder skip >/dev/null 2>" + (dir / "e2").string()), 0);
    EXPECT_NE(xs_test::slurp(dir / "e2").find("0 predicted, 1 skipped, 0 failed"), std::string::npos);
    EXPECT_EQ(xs_test::run(base + " --disorder majority --output " + (dir / "m.csv").string() + " 2>/dev/null"), 0);
    const auto t = xs_test::read_table(dir / "m.csv");
    EXPECT_FALSE(t.rows.at("alloy").at("band-gap").empty());
    EXPECT_EQ(xs_test::run(base + " --disorder maybe 2>/dev/null"), 1);
    fs::remove_all(dir);
}

// A record over --max-record-mb is one failed row; the frames around it are predicted.
TEST(Cli, RecordLimitOnTheCommandLine) {
    const fs::path dir = scratch("record-limit");
    const std::string frame = "2\nLattice=\"5.64 0 0 0 5.64 0 0 0 5.64\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"%s\n"
                              "Na 0 0 0\nCl 2.82 2.82 2.82\n";
    auto with = [&](const std::string& extra) {
        std::string f = frame;
        f.replace(f.find("%s"), 2, extra);
        return f;
    };
    write_file(dir / "frames.xyz", with(" id=a") + with(" id=big note=" + std::string(1536 * 1024, 'x')) + with(" id=c"));
    const std::string base = models_env() + cli() + " predict --model cgcnn/band-gap --input " + (dir / "frames.xyz").string() +
                             " --output " + (dir / "out.csv").string();
    EXPECT_EQ(xs_test::run(base + " --max-record-mb 1 2>/dev/null"), 3);
    const auto t = xs_test::read_table(dir / "out.csv");
    EXPECT_EQ(t.keys, (std::vector<std::string>{"a", "frames:1", "c"}));
    EXPECT_FALSE(t.rows.at("a").at("band-gap").empty());
    EXPECT_TRUE(t.rows.at("frames:1").at("band-gap").empty());
    EXPECT_NE(xs_test::slurp(dir / "out.csv.errors.csv").find("larger than the limit of 1 MiB"), std::string::npos);
    EXPECT_EQ(xs_test::run(base + " 2>/dev/null"), 0);  // the default limit (256 MiB) takes it
    EXPECT_EQ(xs_test::run(base + " --max-record-mb 0 2>/dev/null"), 2);
    fs::remove_all(dir);
}

namespace {

// Runs the command, returning its exit status and what it wrote to stdout and stderr.
struct outcome {
    int rc;
    std::string out, err;
};
outcome capture(const std::string& args) {
    const fs::path dir = scratch("capture");
    outcome o;
    o.rc = xs_test::run(cli() + " " + args + " >" + (dir / "out").string() + " 2>" + (dir / "err").string());
    o.out = xs_test::slurp(dir / "out");
    o.err = xs_test::slurp(dir / "err");
    fs::remove_all(dir);
    return o;
}

// Every option of each command; --help must list them all.
const std::map<std::string, std::vector<std::string>>& command_options() {
    static const std::map<std::string, std::vector<std::string>> m = {
        {"predict", {"--model", "--atom-init", "--input", "--output", "--threads", "--batch-atoms", "--approx", "--device",
                     "--isa", "--format", "--species", "--select", "--disorder", "--max-record-mb",
                     "--max-images-per-atom"}},
        {"screen", {"--model", "--ensemble", "--input", "--generate", "--top", "--objective", "--where", "--risk",
                    "--elements", "--max-atoms", "--spacegroups", "--symprec", "--labels", "--out", "--threads",
                    "--atom-init", "--max-records", "--checkpoint-seconds", "--approx", "--audit-exact", "--repeat-to",
                    "--dedup", "--all", "--resume", "--log-json", "--no-progress", "--isa", "--format", "--species",
                    "--select", "--disorder", "--max-record-mb", "--no-charge-balance", "--tolerance",
                    "--max-images-per-atom"}},
        {"convert", {"--model", "--output", "--atom-init"}},
        {"bench", {"--model", "--input", "--repeat-to", "--threads", "--batch-atoms", "--output", "--atom-init",
                   "--approx", "--device", "--isa"}},
        {"models", {}},
        {"structures", {"--input", "--output", "--order", "--format", "--species", "--select", "--disorder",
                        "--max-record-mb"}},
    };
    return m;
}

// The options README.md's usage examples give each command: the `xtalsieve
// COMMAND ...` lines and their backslash continuations.
std::map<std::string, std::set<std::string>> readme_options() {
    std::istringstream in(xs_test::slurp(xs_test::data_dir() / ".." / ".." / "README.md"));
    std::map<std::string, std::set<std::string>> m;
    const std::regex command(R"(^\s*xtalsieve ([a-z]+)\b)"), option(R"(--[a-z][a-z0-9-]*)");
    std::string current;
    for (std::string line; std::getline(in, line);) {
        std::smatch c;
        if (std::regex_search(line, c, command)) current = c[1];
        if (current.empty()) continue;
        for (std::sregex_iterator i(line.begin(), line.end(), option), end; i != end; ++i) m[current].insert(i->str());
        if (line.empty() || line.back() != '\\') current.clear();
    }
    return m;
}

}  // namespace

TEST(Cli, HelpListsEveryOptionOfEveryCommand) {
    for (const auto& [command, options] : command_options()) {
        const auto o = capture(command + " --help");
        EXPECT_EQ(o.rc, 0) << command;
        for (const auto& opt : options) EXPECT_NE(o.out.find(opt), std::string::npos) << command << " --help lacks " << opt;
        EXPECT_NE(o.out.find("Exit status"), std::string::npos) << command;
    }
    // The groups, and defaults with their units.
    const auto screen = capture("screen --help").out;
    for (const char* group : {"input:", "models:", "screening:", "output:", "performance:"})
        EXPECT_NE(screen.find(group), std::string::npos) << group;
    EXPECT_NE(screen.find("100"), std::string::npos);  // --top's default
    EXPECT_NE(capture("predict --help").out.find("256"), std::string::npos);  // --max-record-mb's default
    EXPECT_NE(capture("predict --help").out.find("MiB"), std::string::npos);

    const auto top = capture("--help");
    EXPECT_EQ(top.rc, 0);
    for (const auto& [command, options] : command_options()) EXPECT_NE(top.out.find(command), std::string::npos);
    EXPECT_NE(top.out.find("2 usage error"), std::string::npos);
    EXPECT_EQ(capture("help screen").out, screen);
}

TEST(Cli, HelpCoversTheOptionsTheReadmeUses) {
    const auto readme = readme_options();
    for (const char* command : {"predict", "screen", "convert"}) ASSERT_TRUE(readme.count(command)) << command;
    for (const auto& [command, options] : readme) {
        const auto o = capture(command + " --help");
        ASSERT_EQ(o.rc, 0) << command;
        for (const auto& opt : options) EXPECT_NE(o.out.find(opt + " "), std::string::npos) << command << " " << opt;
    }
}

TEST(Cli, UnknownOptionSuggestsTheNearestOne) {
    auto o = capture("screen --model m --generate perovskite --out /nonexistent --tpo 5");
    EXPECT_EQ(o.rc, 2);
    EXPECT_NE(o.err.find("unknown option --tpo; did you mean --top?"), std::string::npos) << o.err;
    // Reported before the missing --out, and in the --name=value form too.
    o = capture("screen --model m --generate perovskite --objectve='x min'");
    EXPECT_EQ(o.rc, 2);
    EXPECT_NE(o.err.find("did you mean --objective?"), std::string::npos) << o.err;
    o = capture("predict --model m --input x --treads 2");
    EXPECT_EQ(o.rc, 2);
    EXPECT_NE(o.err.find("did you mean --threads?"), std::string::npos) << o.err;
    o = capture("predict --model m --input x --zzzzzzzz");
    EXPECT_EQ(o.rc, 2);
    EXPECT_NE(o.err.find("unknown option --zzzzzzzz"), std::string::npos) << o.err;
    EXPECT_EQ(o.err.find("did you mean"), std::string::npos) << o.err;
    o = capture("scren");
    EXPECT_EQ(o.rc, 2);
    EXPECT_NE(o.err.find("did you mean screen?"), std::string::npos) << o.err;
    EXPECT_EQ(capture("predict --model m --input x stray").rc, 2);
    EXPECT_EQ(capture("predict --model m --input x --isa sse2").rc, 2);
    EXPECT_EQ(capture("predict --model m --input x --threads many").rc, 2);
    EXPECT_EQ(capture("predict --model m --input x --threads 0x2").rc, 2);  // decimal only, as before CLI11
    EXPECT_EQ(capture("").rc, 2);
}

TEST(Cli, VersionNamesTheBackends) {
    for (const char* args : {"--version", "version"}) {
        const auto o = capture(args);
        EXPECT_EQ(o.rc, 0) << args;
        EXPECT_NE(o.out.find("xtalsieve 0.1.0"), std::string::npos) << o.out;
        EXPECT_NE(o.out.find("git "), std::string::npos) << o.out;
        EXPECT_NE(o.out.find("backends: cpu (built: avx512, avx2, portable; this CPU runs: "), std::string::npos) << o.out;
        EXPECT_NE(o.out.find("portable)"), std::string::npos) << o.out;  // every x86-64 CPU runs it
#ifdef XTALSIEVE_HAVE_CUDA
        EXPECT_NE(o.out.find("cuda: built (CGCNN only); "), std::string::npos) << o.out;
#else
        EXPECT_NE(o.out.find("cuda: not built (-DXTALSIEVE_CUDA=ON)"), std::string::npos) << o.out;
#endif
    }
}

// Repeated options keep every value, in the --name=value form too; --isa
// reaches the engine (portable runs on every CPU and gives the same values).
TEST(Cli, RepeatedOptionsAndIsa) {
    const fs::path dir = scratch("repeated");
    const std::string input = (xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression" / "1000041.cif").string();
    ASSERT_EQ(xs_test::run(models_env() + cli() + " predict --model=cgcnn/band-gap --model cgcnn/efermi --input " + input +
                           " --isa portable --output=" + (dir / "p.csv").string() + " 2>/dev/null"),
              0);
    ASSERT_EQ(xs_test::run(models_env() + cli() + " predict --model cgcnn/band-gap --model=cgcnn/efermi --input=" + input +
                           " --output " + (dir / "a.csv").string() + " 2>/dev/null"),
              0);
    const auto t = xs_test::read_table(dir / "p.csv");
    EXPECT_EQ(t.header, (std::vector<std::string>{"id", "formula", "natoms", "band-gap", "efermi", "warnings"}));
    EXPECT_NEAR(t.num("1000041", "band-gap"), xs_test::read_table(dir / "a.csv").num("1000041", "band-gap"), 1e-4);
    fs::remove_all(dir);
}
