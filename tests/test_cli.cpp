// The `xtalsieve` executable, end to end.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

using xs_test::cli;
using xs_test::scratch;
std::string models_env() { return "XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " "; }

void write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

TEST(Cli, PredictFolderWithBadFilesReportsEachAndContinues) {
    const fs::path dir = scratch("bad");
    const fs::path in = dir / "in";
    fs::create_directories(in);
    const fs::path sample = xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression";
    fs::copy_file(sample / "1000041.cif", in / "good1.cif");
    fs::copy_file(sample / "9011998.cif", in / "good2.cif");
    const std::string good = xs_test::slurp(sample / "1000041.cif");
    write(in / "truncated.cif", good.substr(0, good.size() / 3));
    write(in / "empty.cif", "");
    write(in / "unknown_element.cif",
          "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
          "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
          "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nQq1 Qq 0 0 0\n");
    write(in / "zero_volume.cif",
          "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 0\n_cell_angle_alpha 90\n"
          "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
          "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na 0 0 0\n");
    write(in / "nan_coordinate.cif",
          "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
          "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
          "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na nan 0 0\nCl1 Cl 0.5 0.5 0.5\n");

    const fs::path out = dir / "out.csv";
    const int rc = xs_test::run(models_env() + cli() + " predict --model cgcnn/band-gap --input " + in.string() +
                                " --output " + out.string() + " 2>" + (dir / "stderr.txt").string());
    EXPECT_EQ(rc, 3);
    const auto t = xs_test::read_table(out);
    ASSERT_EQ(t.header, (std::vector<std::string>{"id", "band-gap"}));
    // One row per input, in sorted file order; failures have empty values.
    EXPECT_EQ(t.keys, (std::vector<std::string>{"empty", "good1", "good2", "nan_coordinate", "truncated",
                                                 "unknown_element", "zero_volume"}));
    EXPECT_NEAR(t.num("good1", "band-gap"), 4.774055, 1e-4);
    EXPECT_NEAR(t.num("good2", "band-gap"), 0.9553938, 1e-4);
    EXPECT_EQ(t.rows.at("empty").at("band-gap"), "");

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
    EXPECT_EQ(rc, 1);
    EXPECT_NE(xs_test::slurp(dir / "err.txt").find("not built with CUDA"), std::string::npos);
    EXPECT_EQ(xs_test::run(cli() + " predict --model m --input x --device tpu 2>/dev/null"), 2);
    fs::remove_all(dir);
}

TEST(Cli, DisorderPolicies) {
    const fs::path dir = scratch("disorder");
    write(dir / "alloy.cif",
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
    write(dir / "frames.xyz", with(" id=a") + with(" id=big note=" + std::string(1536 * 1024, 'x')) + with(" id=c"));
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
