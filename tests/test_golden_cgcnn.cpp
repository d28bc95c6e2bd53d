// Parity with the original CGCNN implementation on the shared reference data.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/cpu/isa.hpp"
#include "test_support.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

using namespace xtalsieve;

namespace {

struct parity {
    std::size_t compared = 0, within = 0, failed_inputs = 0;
    double max_abs = 0;
    std::vector<std::string> outliers;
};

parity compare(const std::filesystem::path& input, const std::filesystem::path& reference, cpu::isa path) {
    std::vector<model_weights> ws;
    for (const auto& n : xs_test::official_names())
        ws.push_back(load_weights(xs_test::pretrained_dir() / (n + ".pth.tar")));
    predict_options opt;
    opt.model.isa = cpu::isa_name(path);
    predictor pred(std::move(ws), opt);
    const xs_test::table ref = xs_test::read_table(reference);
    auto reader = open_input(input);
    parity r;
    std::size_t rows = 0;
    pred.run(*reader, [&](const prediction& p) {
        ++rows;
        if (!p.error.empty()) {
            ++r.failed_inputs;
            r.outliers.push_back(p.id + ": " + p.error);
            return;
        }
        for (std::size_t k = 0; k < pred.model_names().size(); ++k) {
            const std::string& name = pred.model_names()[k];
            const double want = ref.num(p.id, name);
            const double d = std::abs(p.values[k] - want);
            ++r.compared;
            r.max_abs = std::max(r.max_abs, d);
            if (d <= 1e-4) ++r.within;
            else r.outliers.push_back(p.id + " " + name + ": got " + std::to_string(p.values[k]) +
                                      ", reference " + std::to_string(want));
        }
    });
    EXPECT_EQ(rows, ref.keys.size());
    return r;
}

// Parity on every instruction-set path this CPU can run.
class GoldenCgcnn : public ::testing::TestWithParam<cpu::isa> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(GoldenIsa, GoldenCgcnn, ::testing::ValuesIn(cpu::supported_isas()),
                         [](const auto& info) { return std::string(cpu::isa_name(info.param)); });

TEST_P(GoldenCgcnn, SampleRegressionAllEightModels) {
    const auto base = xs_test::shared_dir() / "data" / "cgcnn";
    parity r = compare(base / "sample-regression", base / "reference" / "sample-regression.csv", GetParam());
    for (const auto& o : r.outliers) ADD_FAILURE() << o;
    EXPECT_EQ(r.compared, 80u);
    EXPECT_EQ(r.within, 80u);
    std::printf("[ parity ] sample-regression: %zu/%zu within 1e-4, max |d| = %.3g\n", r.within, r.compared,
                r.max_abs);
}

TEST_P(GoldenCgcnn, Perov5ValidationSet) {
    const auto base = xs_test::shared_dir() / "data" / "perov_5";
    parity r = compare(base / "val.csv", base / "reference-val.csv", GetParam());
    std::printf("[ parity ] %s perov_5: %zu/%zu within 1e-4 (%.4f %%), max |d| = %.3g, failed inputs %zu\n",
                cpu::isa_name(GetParam()), r.within, r.compared, 100.0 * r.within / std::max<std::size_t>(1, r.compared), r.max_abs,
                r.failed_inputs);
    for (const auto& o : r.outliers) std::printf("[ outlier ] %s\n", o.c_str());
    EXPECT_EQ(r.failed_inputs, 0u);
    EXPECT_EQ(r.compared, 3787u * 8u);
    EXPECT_GE(static_cast<double>(r.within), 0.999 * static_cast<double>(r.compared));
}
