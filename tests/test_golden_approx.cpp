// The approximate (tabulated bond filter) mode against exact mode on perov_5:
// its mean and maximum deviation, Spearman's rho against the exact values and
// the recall of the exact top-100 (issue 12's accuracy cost of the mode).
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/metrics.hpp"
#include "xtalsieve/predictor.hpp"

using namespace xtalsieve;

TEST(GoldenApprox, TableModeDeviationSpearmanAndTop100Recall) {
    std::vector<double> exact, approx;
    for (precision mode : {precision::exact, precision::table}) {
        std::vector<model_weights> w;
        w.push_back(load_weights(xs_test::pretrained_dir() / "formation-energy-per-atom.pth.tar"));
        predict_options o;
        o.model.mode = mode;
        predictor p(std::move(w), o);
        auto in = open_input(xs_test::shared_dir() / "data" / "perov_5" / "val.csv");
        auto& out = mode == precision::exact ? exact : approx;
        p.run(*in, [&](const prediction& r) { out.push_back(r.values.at(0)); });
    }
    ASSERT_EQ(exact.size(), 3787u);
    double worst = 0, sum = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
        worst = std::max(worst, std::abs(exact[i] - approx[i]));
        sum += std::abs(exact[i] - approx[i]);
    }
    const double mae = sum / static_cast<double>(exact.size());
    const double rho = spearman(approx, exact);
    const double recall = recall_at_k(approx, exact, 100, false);
    std::printf("[ approx ] table mode on perov_5 (formation energy): MAE vs exact = %.3g, max |d| = %.3g eV/atom, "
                "Spearman = %.7f, top-100 recall = %.3f\n",
                mae, worst, rho, recall);
    EXPECT_GT(mae, 0.0);  // the mode is approximate: identical output would mean it did not run
    EXPECT_LT(mae, 1e-4);
    EXPECT_LT(worst, 1e-3);
    EXPECT_GT(rho, 0.9999);
    EXPECT_GE(recall, 0.97);
}
