// `xtalsieve structures`: what the engine read, written in full precision,
// reads back to the same structures and the same predictions.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/writers.hpp"

namespace fs = std::filesystem;
using namespace xtalsieve;

namespace {

std::vector<structure> read_all(const fs::path& p, site_order order) {
    auto in = open_input(p);
    std::vector<structure> out;
    record r;
    while (in->next(r)) out.push_back(parse_record(r, order));
    return out;
}

}  // namespace

TEST(GoldenStructuresOut, EveryFormatReadsBackToTheSameStructuresAndPredictions) {
    const fs::path d = xs_test::scratch("structures-out");
    const fs::path sample = xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression";
    const auto want = read_all(sample, site_order::file);
    ASSERT_EQ(want.size(), 10u);
    const std::string env = "XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " ";
    ASSERT_EQ(xs_test::run(env + xs_test::cli() + " predict --model cgcnn/band-gap --input " + sample.string() +
                           " --output " + (d / "cif.csv").string() + " 2>/dev/null"),
              0);
    const auto ref = xs_test::read_table(d / "cif.csv");
    for (const char* ext : {"extxyz", "jsonl", "cif"}) {
        const fs::path out = d / (std::string("all.") + ext);
        ASSERT_EQ(xs_test::run(xs_test::cli() + " structures --input " + sample.string() + " --output " + out.string() +
                               " 2>/dev/null"),
                  0)
            << ext;
        const auto got = read_all(out, site_order::file);
        ASSERT_EQ(got.size(), want.size()) << ext;
        for (std::size_t k = 0; k < got.size(); ++k) {
            ASSERT_EQ(got[k].numbers, want[k].numbers) << ext << " " << want[k].id;  // species in the same order
            for (std::size_t i = 0; i < got[k].size(); ++i)
                for (int c = 0; c < 3; ++c)
                {
                    // jsonl: exactly; extxyz stores Cartesian positions (an ulp
                    // or so); reading a CIF snaps values within 1e-4 relative of
                    // 1/3 and 2/3 onto them (pymatgen's rule), which moves
                    // symmetry images such as 0.66667 of 9000046 by 3e-6.
                    const double tol = std::string(ext) == "jsonl" ? 0.0 : std::string(ext) == "extxyz" ? 1e-14 : 1e-5;
                    EXPECT_NEAR(got[k].frac[i][c], want[k].frac[i][c], tol) << ext << " " << want[k].id;
                }
        }
        // The same predictions, and the same ids (jsonl keeps them in properties.id).
        ASSERT_EQ(xs_test::run(env + xs_test::cli() + " predict --model cgcnn/band-gap --input " + out.string() +
                               " --output " + (d / (std::string(ext) + ".csv")).string() + " 2>/dev/null"),
                  0);
        const auto p = xs_test::read_table(d / (std::string(ext) + ".csv"));
        ASSERT_EQ(p.keys.size(), 10u);
        for (std::size_t k = 0; k < p.keys.size(); ++k) {
            const std::string id = ref.keys[k];
            if (std::string(ext) == "jsonl" || std::string(ext) == "extxyz") {
                EXPECT_EQ(p.keys[k], id);
            }
            EXPECT_NEAR(p.num(p.keys[k], "band-gap"), ref.num(id, "band-gap"), std::string(ext) == "cif" ? 1e-4 : 1e-6)
                << ext << " " << id;
        }
    }
    // Unknown output formats are a usage-level error; a bad input is reported per record.
    EXPECT_NE(xs_test::run(xs_test::cli() + " structures --input " + sample.string() + " --output " +
                           (d / "x.pdb").string() + " 2>/dev/null"),
              0);
    fs::remove_all(d);
}
