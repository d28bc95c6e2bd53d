// The C API: no exception crosses it; failures come back as codes and messages.
#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"
#include "xtalsieve/xtalsieve.h"

TEST(CApi, PredictFromCifTextAndArrays) {
    const std::string ckpt = (xs_test::pretrained_dir() / "band-gap.pth.tar").string();
    const char* models[] = {ckpt.c_str()};
    xs_predictor* p = xs_predictor_new(models, 1, nullptr);
    ASSERT_NE(p, nullptr) << xs_last_error();
    EXPECT_EQ(xs_predictor_n_models(p), 1u);
    const std::string cif = xs_test::slurp(xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression" / "1000041.cif");
    double out = 0;
    ASSERT_EQ(xs_predict_cif(p, cif.data(), cif.size(), &out), 0) << xs_last_error();
    EXPECT_NEAR(out, 4.774055, 1e-4);  // ../shared reference for 1000041

    // Rock salt from arrays (sites in any order: sorted inside).
    const double lattice[9] = {5.64, 0, 0, 0, 5.64, 0, 0, 0, 5.64};
    const double frac[24] = {0, 0, 0, 0, .5, .5, .5, 0, .5, .5, .5, 0, .5, 0, 0, 0, .5, 0, 0, 0, .5, .5, .5, .5};
    const int numbers[8] = {11, 11, 11, 11, 17, 17, 17, 17};
    ASSERT_EQ(xs_predict_arrays(p, lattice, frac, numbers, 8, &out), 0) << xs_last_error();
    EXPECT_TRUE(out > 0 && out < 10);

    EXPECT_EQ(xs_predict_cif(p, "data_x\n", 7, &out), -1);
    EXPECT_NE(std::string(xs_last_error()).find("missing"), std::string::npos) << xs_last_error();
    const int bad_z[1] = {0};
    EXPECT_EQ(xs_predict_arrays(p, lattice, frac, bad_z, 1, &out), -1);
    EXPECT_EQ(xs_predict_cif(nullptr, "x", 1, &out), -1);
    xs_predictor_free(p);

    const char* missing[] = {"/nonexistent/model.pth.tar"};
    EXPECT_EQ(xs_predictor_new(missing, 1, nullptr), nullptr);
    EXPECT_NE(std::string(xs_last_error()).find("model"), std::string::npos) << xs_last_error();
}
