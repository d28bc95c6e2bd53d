// A structure has one answer: its predictions are bit-identical whether it is
// predicted alone or inside batches of any size and composition, on 1 or 2
// threads, on every instruction-set path this CPU supports (issue: batch
// invariance). Different paths agree to 1e-6 relative.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <random>

#include "engine/cpu/isa.hpp"
#include "test_support.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

using namespace xtalsieve;

namespace {

// Random periodic structures of 1 to 200 atoms: skewed cells of about 14 Å^3
// per atom, sites at least 1.6 Å apart, elements from a mixed palette.
std::vector<structure> random_structures(int n, unsigned seed) {
    static const int palette[] = {1, 3, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 20, 22, 26, 29, 30, 38, 42, 50, 56, 57, 79, 82};
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<structure> out;
    for (int k = 0; k < n; ++k) {
        // Sizes spread over the range, the small ones most often (as in real data).
        const int cls = k % 10;
        const int atoms = cls < 2 ? 1 + static_cast<int>(rng() % 4)
                          : cls < 6 ? 5 + static_cast<int>(rng() % 20)
                          : cls < 9 ? 25 + static_cast<int>(rng() % 75)
                                    : 100 + static_cast<int>(rng() % 101);
        structure s;
        s.id = "r" + std::to_string(k);
        const double side = std::cbrt(14.0 * atoms);
        const double a = side * (0.85 + 0.3 * u(rng)), b = side * (0.85 + 0.3 * u(rng));
        const double c = side * side * side / (a * b);
        const double gam = (80 + 30 * u(rng)) * M_PI / 180, bet = (80 + 30 * u(rng)) * M_PI / 180;
        s.lattice = {vec3{a, 0, 0}, vec3{b * std::cos(gam), b * std::sin(gam), 0},
                     vec3{c * std::cos(bet), 0, c * std::sin(bet)}};
        for (int tries = 0; static_cast<int>(s.size()) < atoms && tries < 20000; ++tries) {
            const vec3 f{u(rng), u(rng), u(rng)};
            bool ok = true;
            for (std::size_t i = 0; i < s.size() && ok; ++i) {
                double d2 = 0;
                vec3 df{};
                for (int x = 0; x < 3; ++x) df[x] = f[x] - s.frac[i][x] - std::round(f[x] - s.frac[i][x]);
                for (int x = 0; x < 3; ++x) {
                    double cx = 0;
                    for (int y = 0; y < 3; ++y) cx += df[y] * s.lattice[y][x];
                    d2 += cx * cx;
                }
                ok = d2 > 1.6 * 1.6;
            }
            if (!ok) continue;
            s.frac.push_back(f);
            s.numbers.push_back(palette[rng() % std::size(palette)]);
        }
        sort_by_electronegativity(s);
        out.push_back(std::move(s));
    }
    return out;
}

class vector_reader final : public record_reader {
public:
    explicit vector_reader(const std::vector<structure>& v) : v_(v) {}
    bool next(record& r) override {
        if (i_ == v_.size()) return false;
        r = record{};
        r.id = v_[i_].id;
        r.index = i_;
        r.format = "parsed";
        r.parsed = std::make_shared<const structure>(v_[i_++]);
        return true;
    }

private:
    const std::vector<structure>& v_;
    std::size_t i_ = 0;
};

std::vector<model_weights> models() {
    std::vector<model_weights> ws;
    for (const char* n : {"formation-energy-per-atom", "band-gap", "semi-metal-classification"})
        ws.push_back(load_weights(xs_test::pretrained_dir() / (std::string(n) + ".pth.tar")));
    return ws;
}

using answers = std::map<std::string, std::vector<double>>;

// MEGNet and M3GNet (edge-list graphs, three-body lists, Set2Set readouts).
std::vector<model_weights> matgl_models() {
    std::vector<model_weights> ws;
    for (const char* n : {"MEGNet-MP-2018.6.1-Eform", "MEGNet-MP-2019.4.1-BandGap-mfi", "M3GNet-MP-2018.6.1-Eform",
                          "M3GNet-MP-2021.2.8-PES"})
        ws.push_back(load_weights(xs_test::shared_dir() / "data" / "matgl" / n));
    return ws;
}

answers run_batched(const std::vector<structure>& v, predict_options opt,
                    std::vector<model_weights> (*make)() = &models) {
    predictor p(make(), opt);
    vector_reader in(v);
    answers out;
    p.run(in, [&](const prediction& r) {
        EXPECT_TRUE(r.error.empty()) << r.error;
        out[r.id] = r.values;
    });
    return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

class GoldenBatchInvariance : public ::testing::TestWithParam<cpu::isa> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(GoldenIsa, GoldenBatchInvariance, ::testing::ValuesIn(cpu::supported_isas()),
                         [](const auto& info) { return std::string(cpu::isa_name(info.param)); });

namespace {

// Every structure predicted alone (a batch of one, on the calling thread),
// then `trials` times in shuffled input with random chunk lengths (1 ..
// max_chunk) and atom budgets (1 .. max_atoms), on 1 and 2 threads: every
// answer must have the same bits.
void expect_batch_invariant(const std::vector<structure>& structs, cpu::isa path,
                            std::vector<model_weights> (*make)(), unsigned seed, int trials, unsigned max_chunk,
                            unsigned max_atoms) {
    predict_options base;
    base.model.isa = cpu::isa_name(path);
    base.threads = 1;
    answers alone;
    {
        predictor p(make(), base);
        for (const auto& s : structs) alone[s.id] = p.predict(s);
    }
    std::mt19937 rng(seed);
    for (int trial = 0; trial < trials; ++trial) {
        predict_options o = base;
        o.threads = 1 + trial % 2;
        o.chunk_records = 1 + rng() % max_chunk;
        o.batch_atoms = 1 + rng() % max_atoms;
        auto order = structs;
        std::shuffle(order.begin(), order.end(), rng);
        const answers got = run_batched(order, o, make);
        ASSERT_EQ(got.size(), structs.size());
        int differ = 0;
        for (const auto& [id, v] : alone)
            if (!same_bits(v, got.at(id)) && differ++ < 5)
                ADD_FAILURE() << id << " differs in batch (chunk " << o.chunk_records << ", batch_atoms " << o.batch_atoms
                              << ", threads " << o.threads << "): " << v[0] << " vs " << got.at(id)[0];
        EXPECT_EQ(differ, 0);
    }
}

}  // namespace

TEST_P(GoldenBatchInvariance, OneByOneEqualsEveryBatchingAndThreadCount) {
    const auto structs = random_structures(300, 2026);
    std::size_t total_atoms = 0;
    for (const auto& s : structs) total_atoms += s.size();
    ASSERT_GT(total_atoms, 4000u);
    expect_batch_invariant(structs, GetParam(), &models, 17, 4, 97, 3000);
}

// The same property for the MatGL families, on structures of up to 60 atoms
// (M3GNet holds ~2,000 triplets per atom; the portable path is slow).
TEST_P(GoldenBatchInvariance, MatglOneByOneEqualsEveryBatchingAndThreadCount) {
    std::vector<structure> structs;
    for (auto& s : random_structures(120, 4242))
        if (s.size() <= 60 && structs.size() < 40) structs.push_back(std::move(s));
    ASSERT_EQ(structs.size(), 40u);
    expect_batch_invariant(structs, GetParam(), &matgl_models, 5, 2, 17, 400);
}

// Paths agree closely but not bitwise (FMA vs none, rounding of the vector math).
TEST(GoldenIsaPaths, AgreeWithinOnePartPerMillion) {
    const auto paths = cpu::supported_isas();
    if (paths.size() < 2) GTEST_SKIP() << "one instruction-set path on this CPU";
    const auto structs = random_structures(60, 99);
    std::vector<answers> res;
    for (cpu::isa i : paths) {
        predict_options o;
        o.model.isa = cpu::isa_name(i);
        predictor p(models(), o);
        answers a;
        for (const auto& s : structs) a[s.id] = p.predict(s);
        res.push_back(std::move(a));
    }
    for (std::size_t k = 1; k < res.size(); ++k) {
        double worst = 0;
        for (const auto& [id, v] : res[0])
            for (std::size_t m = 0; m < v.size(); ++m) {
                const double rel = std::abs(res[k].at(id)[m] - v[m]) / std::max(1.0, std::abs(v[m]));
                worst = std::max(worst, rel);
                EXPECT_LT(rel, 1e-6) << id << " " << cpu::isa_name(paths[0]) << " vs " << cpu::isa_name(paths[k]);
            }
        std::cout << cpu::isa_name(paths[0]) << " vs " << cpu::isa_name(paths[k]) << ": largest difference "
                  << worst << " relative (to max(1, |y|))\n";
    }
}

TEST(IsaSelection, UnknownOrUnsupportedPathIsAClearError) {
    EXPECT_THROW(cpu::resolve_isa("sse9"), error);
    try {
        cpu::resolve_isa("neon");
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("avx512, avx2 or portable"), std::string::npos) << e.what();
    }
    const auto paths = cpu::supported_isas();
    EXPECT_EQ(paths.back(), cpu::isa::portable);
    if (paths.front() != cpu::isa::avx512) {
        EXPECT_THROW(cpu::resolve_isa("avx512"), error);
    }
    for (cpu::isa i : paths) EXPECT_EQ(cpu::resolve_isa(cpu::isa_name(i)), i);
}
