// Non-default CGCNN sizes in PyTorch's zip format, against PyTorch
// (tools/make_random_cgcnn.py wrote the checkpoints and expected.csv).
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

using namespace xtalsieve;

TEST(GoldenRandomCgcnn, ZipCheckpointsWithOtherSizesMatchPyTorch) {
    const auto dir = xs_test::data_dir() / "random-cgcnn";
    load_options lo;
    lo.atom_init = xs_test::shared_dir() / "data" / "cgcnn" / "atom_init.json";
    std::vector<model_weights> ws;
    ws.push_back(load_weights(dir / "random-regression.pt", lo));
    ws.push_back(load_weights(dir / "random-classification.pt", lo));
    EXPECT_EQ(ws[0].hparam("atom_fea_len"), 32);
    EXPECT_EQ(ws[0].hparam("n_conv"), 2);
    EXPECT_EQ(ws[0].hparam("h_fea_len"), 16);
    EXPECT_EQ(ws[0].hparam("n_h"), 3);
    EXPECT_EQ(ws[1].hparam("classification"), 1);
    EXPECT_NEAR(ws[0].norm_mean, -1.25, 1e-6);
    predictor pred(std::move(ws));
    const auto ref = xs_test::read_table(dir / "expected.csv");
    auto in = open_input(xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression");
    std::size_t n = 0;
    pred.run(*in, [&](const prediction& p) {
        ASSERT_TRUE(p.error.empty()) << p.error;
        for (std::size_t k = 0; k < 2; ++k)
            EXPECT_NEAR(p.values[k], ref.num(p.id, pred.model_names()[k]), 1e-4) << p.id << " " << pred.model_names()[k];
        ++n;
    });
    EXPECT_EQ(n, 10u);
}
