// Ranking metrics against scipy / scikit-learn (tests/make_metric_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "xtalsieve/metrics.hpp"

using namespace xtalsieve;

TEST(Metrics, MatchScipyAndSklearn) {
    const auto dir = xs_test::data_dir() / "metrics";
    const auto expected = nlohmann::json::parse(xs_test::slurp(dir / "expected.json"));
    for (const auto& [name, e] : expected.items()) {
        std::vector<double> p, y, labels;
        const std::string text = xs_test::slurp(dir / (name + ".csv"));
        csv_reader r(text);
        std::vector<std::string> f;
        r.next(f);
        while (r.next(f)) {
            p.push_back(std::stod(f[0]));
            y.push_back(std::stod(f[1]));
        }
        std::stringstream ls(xs_test::slurp(dir / (name + "-labels.csv")));
        for (double v; ls >> v;) labels.push_back(v);
        ASSERT_EQ(labels.size(), p.size());
        EXPECT_NEAR(spearman(p, y), e["spearman"].get<double>(), 1e-9) << name;
        EXPECT_NEAR(kendall_tau_b(p, y), e["kendall"].get<double>(), 1e-9) << name;
        EXPECT_NEAR(mean_absolute_error(p, y), e["mae"].get<double>(), 1e-9) << name;
        EXPECT_NEAR(root_mean_squared_error(p, y), e["rmse"].get<double>(), 1e-9) << name;
        EXPECT_NEAR(r2_score(p, y), e["r2"].get<double>(), 1e-9) << name;
        EXPECT_NEAR(roc_auc(p, labels), e["roc_auc"].get<double>(), 1e-9) << name;
        for (const auto& [k, rr] : e["recall"].items()) {
            EXPECT_NEAR(recall_at_k(p, y, std::stoul(k), true), rr["max"].get<double>(), 1e-12) << name << " " << k;
            EXPECT_NEAR(recall_at_k(p, y, std::stoul(k), false), rr["min"].get<double>(), 1e-12) << name << " " << k;
        }
    }
}

TEST(Metrics, EdgeCases) {
    const std::vector<double> one = {1.0};
    EXPECT_TRUE(std::isnan(spearman(one, one)));
    EXPECT_TRUE(std::isnan(recall_at_k({}, {}, 10, true)));
    const std::vector<double> a = {1, 2, 3}, b = {3, 2, 1};
    EXPECT_DOUBLE_EQ(kendall_tau_b(a, b), -1.0);
    EXPECT_DOUBLE_EQ(recall_at_k(a, a, 100, true), 1.0);
    const std::vector<double> same = {1, 1, 1};
    EXPECT_TRUE(std::isnan(roc_auc(a, same)));
    EXPECT_THROW(mean_absolute_error(a, one), error);
}
