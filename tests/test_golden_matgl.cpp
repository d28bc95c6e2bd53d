// Parity with upstream MatGL 2.0.4 (DGL backend) for MEGNet and M3GNet:
// the shared reference predictions for the first 500 perov_5 structures,
// golden files made by tools/matgl_reference.py (CGCNN sample CIFs, hand-made
// edge cases), and upstream's published values. Upstream itself reproduces
// its own reference only to float32 rounding (tests/data/matgl/README.md), so
// the bound is the 1e-4 eV/atom (eV for band gaps), on every path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/cpu/isa.hpp"
#include "engine/models/m3gnet/basis.hpp"
#include "test_support.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/model_store.hpp"
#include "xtalsieve/predictor.hpp"

using namespace xtalsieve;

namespace {

std::filesystem::path matgl_dir() { return xs_test::shared_dir() / "data" / "matgl"; }

const char* const all_models[] = {"MEGNet-MP-2018.6.1-Eform", "MEGNet-MP-2019.4.1-BandGap-mfi",
                                  "M3GNet-MP-2018.6.1-Eform", "M3GNet-MP-2021.2.8-PES"};

std::vector<model_weights> matgl_models() {
    std::vector<model_weights> ws;
    for (const char* n : all_models) ws.push_back(load_weights(matgl_dir() / n));
    return ws;
}

// The reference's columns: every output but the PES energy per atom.
const char* const columns[] = {"megnet-eform",    "megnet-gap-pbe",  "megnet-gap-gllbsc", "megnet-gap-hse",
                               "megnet-gap-scan", "m3gnet-eform",    "m3gnet-pes-energy"};

// |difference| per atom for the potential's total energy, else as is.
double deviation(const std::string& col, double got, double want, int n_atoms) {
    const double d = std::abs(got - want);
    return col == "m3gnet-pes-energy" ? d / n_atoms : d;
}

structure from_json(const nlohmann::json& j) {
    structure s;
    s.id = j.at("id").get<std::string>();
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) s.lattice[i][k] = j.at("lattice")[i][k].get<double>();
    for (const auto& sp : j.at("species")) s.numbers.push_back(atomic_number(sp.get<std::string>()));
    for (const auto& f : j.at("frac_coords")) s.frac.push_back({f[0].get<double>(), f[1].get<double>(), f[2].get<double>()});
    return s;
}

// The first n records of another reader.
class first_n final : public record_reader {
public:
    first_n(std::unique_ptr<record_reader> in, std::size_t n) : in_(std::move(in)), left_(n) {}
    bool next(record& r) override { return left_ > 0 && (--left_, in_->next(r)); }

private:
    std::unique_ptr<record_reader> in_;
    std::size_t left_;
};

class GoldenMatgl : public ::testing::TestWithParam<cpu::isa> {
protected:
    predict_options options() const {
        predict_options o;
        o.model.isa = cpu::isa_name(GetParam());
        return o;
    }
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(GoldenIsa, GoldenMatgl, ::testing::ValuesIn(cpu::supported_isas()),
                         [](const auto& info) { return std::string(cpu::isa_name(info.param)); });

TEST_P(GoldenMatgl, Perov5First500MatchUpstream) {
    predictor pred(matgl_models(), options());
    const auto& names = pred.model_names();
    const xs_test::table ref = xs_test::read_table(matgl_dir() / "reference-perov5-val-first500.csv");
    ASSERT_EQ(ref.keys.size(), 500u);
    first_n in(open_input(xs_test::shared_dir() / "data" / "perov_5" / "val.csv"), 500);
    std::map<std::string, double> worst;
    std::size_t compared = 0;
    pred.run(in, [&](const prediction& p) {
        ASSERT_TRUE(p.error.empty()) << p.error;
        ASSERT_TRUE(ref.rows.count(p.id)) << p.id;
        ++compared;
        for (const char* col : columns) {
            const auto k = std::find(names.begin(), names.end(), col) - names.begin();
            ASSERT_LT(static_cast<std::size_t>(k), names.size()) << col;
            const double d = deviation(col, p.values[k], ref.num(p.id, col), p.n_atoms);
            worst[col] = std::max(worst[col], d);
        }
    });
    EXPECT_EQ(compared, 500u);
    for (const char* col : columns) {
        EXPECT_LE(worst[col], 1e-4) << col;
        std::printf("  %-18s max |diff| %.2e%s\n", col, worst[col], std::strcmp(col, "m3gnet-pes-energy") ? "" : " eV/atom");
    }
}

TEST_P(GoldenMatgl, SampleCifsMatchUpstream) {
    predictor pred(matgl_models(), options());
    const auto& names = pred.model_names();
    const xs_test::table ref = xs_test::read_table(xs_test::data_dir() / "matgl" / "sample-regression.csv");
    auto in = open_input(xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression");
    std::size_t compared = 0;
    pred.run(*in, [&](const prediction& p) {
        if (!ref.rows.count(p.id)) return;  // id_prop.csv, atom_init.json ...
        ASSERT_TRUE(p.error.empty()) << p.error;
        ++compared;
        for (const char* col : columns) {
            const auto k = std::find(names.begin(), names.end(), col) - names.begin();
            EXPECT_LE(deviation(col, p.values[k], ref.num(p.id, col), p.n_atoms), 1e-4) << p.id << " " << col;
        }
    });
    EXPECT_EQ(compared, ref.keys.size());
}

// 1-atom and 216-atom cells, a skewed cell, an atom without bonds, a bond
// inside 5 Å but none inside 4 Å, bonds exactly at the cutoff. Where upstream
// returns NaN (MEGNet on a graph without bonds), xtalsieve refuses the
// structure with a reason instead; the M3GNet models are then checked alone.
TEST_P(GoldenMatgl, EdgeCasesMatchUpstream) {
    const auto cases = nlohmann::json::parse(xs_test::slurp(xs_test::data_dir() / "matgl" / "edge-cases.json"));
    const xs_test::table ref = xs_test::read_table(xs_test::data_dir() / "matgl" / "edge-cases.csv");
    predictor all(matgl_models(), options());
    std::vector<model_weights> m3;
    m3.push_back(load_weights(matgl_dir() / all_models[2]));
    m3.push_back(load_weights(matgl_dir() / all_models[3]));
    predictor m3only(std::move(m3), options());
    ASSERT_EQ(cases.size(), ref.keys.size());
    int refused = 0;
    for (const auto& c : cases) {
        const structure s = from_json(c);
        const auto& row = ref.rows.at(s.id);
        bool megnet_nan = false;
        for (const char* col : {"megnet-eform", "megnet-gap-pbe"}) megnet_nan |= row.at(col) == "nan";
        if (megnet_nan) {
            try {
                all.predict(s);
                ADD_FAILURE() << s.id << ": expected an error (no bond within a MEGNet cutoff)";
            } catch (const error& e) {
                EXPECT_NE(std::string(e.what()).find("no bond within"), std::string::npos) << e.what();
                EXPECT_NE(std::string(e.what()).find("MEGNet-MP-"), std::string::npos) << e.what();
                ++refused;
            }
            const auto v = m3only.predict(s);
            EXPECT_LE(std::abs(v[0] - ref.num(s.id, "m3gnet-eform")), 1e-4) << s.id;
            EXPECT_LE(std::abs(v[1] - ref.num(s.id, "m3gnet-pes-energy")) / s.size(), 1e-4) << s.id;
            continue;
        }
        const auto v = all.predict(s);
        const auto& names = all.model_names();
        for (const char* col : columns) {
            const auto k = std::find(names.begin(), names.end(), col) - names.begin();
            EXPECT_LE(deviation(col, v[k], ref.num(s.id, col), static_cast<int>(s.size())), 1e-4) << s.id << " " << col;
        }
    }
    EXPECT_EQ(refused, 2);  // Cu-sc-5.0-at-cutoff (MEGNet Eform's 4 Å), single-atom-no-bonds
}

// Upstream's published numbers (MatGL's example notebook and its PES test).
TEST(Matgl, PublishedValues) {
    predictor pred(matgl_models());
    structure cscl;
    cscl.id = "CsCl";
    cscl.lattice = {vec3{4.1437, 0, 0}, vec3{0, 4.1437, 0}, vec3{0, 0, 4.1437}};
    cscl.frac = {{0, 0, 0}, {0.5, 0.5, 0.5}};
    cscl.numbers = {55, 17};
    const auto v = pred.predict(cscl);
    const auto& n = pred.model_names();
    auto at = [&](const char* col) { return v[std::find(n.begin(), n.end(), col) - n.begin()]; };
    EXPECT_NEAR(at("megnet-eform"), -2.272, 5e-4);
    EXPECT_NEAR(at("megnet-gap-pbe"), 4.825, 5e-4);
    EXPECT_NEAR(at("megnet-gap-gllbsc"), 8.323, 5e-4);
    EXPECT_NEAR(at("megnet-gap-hse"), 6.317, 5e-4);
    EXPECT_NEAR(at("megnet-gap-scan"), 5.965, 5e-4);
    EXPECT_NEAR(at("m3gnet-eform"), -2.220, 5e-4);
    structure mos = cscl;
    mos.id = "MoS";
    mos.lattice = {vec3{4, 0, 0}, vec3{0, 4, 0}, vec3{0, 0, 4}};
    mos.numbers = {42, 16};
    const auto w = pred.predict(mos);
    EXPECT_NEAR(w[std::find(n.begin(), n.end(), "m3gnet-pes-energy") - n.begin()], -10.824362, 1e-4);
    EXPECT_NEAR(w[std::find(n.begin(), n.end(), "m3gnet-pes-energy-per-atom") - n.begin()], -10.824362 / 2, 1e-4);
}

TEST(Matgl, NamesUnitsAndResolution) {
    setenv("XTALSIEVE_MODELS", matgl_dir().c_str(), 1);
    const auto p = resolve_model("matgl/MEGNet-MP-2019.4.1-BandGap-mfi");
    EXPECT_EQ(p.filename(), "model.json");
    unsetenv("XTALSIEVE_MODELS");
    model_weights w = load_weights(p);
    EXPECT_EQ(w.arch, "megnet");
    auto m = make_model(w);
    EXPECT_EQ(m->outputs(), (std::vector<std::string>{"megnet-gap-pbe", "megnet-gap-gllbsc", "megnet-gap-hse", "megnet-gap-scan"}));
    EXPECT_EQ(m->units(), std::vector<std::string>(4, "eV"));
    w.meta["fidelity"] = "hse";
    EXPECT_EQ(make_model(w)->outputs(), std::vector<std::string>{"megnet-gap-hse"});
    w.meta["fidelity"] = "b3lyp";
    EXPECT_THROW(make_model(w), error);
    auto pes = make_model(load_weights(matgl_dir() / "M3GNet-MP-2021.2.8-PES"));
    EXPECT_EQ(pes->outputs(), (std::vector<std::string>{"m3gnet-pes-energy", "m3gnet-pes-energy-per-atom"}));
    EXPECT_EQ(pes->units(), (std::vector<std::string>{"eV", "eV/atom"}));
}

TEST(Matgl, BadModelJsonNamesTheFileAndReason) {
    const auto dir = xs_test::scratch("matgl-bad");
    std::filesystem::create_directories(dir / "m");
    std::filesystem::copy_file(matgl_dir() / all_models[0] / "state.pt", dir / "m" / "state.pt",
                               std::filesystem::copy_options::overwrite_existing);
    std::string json = xs_test::slurp(matgl_dir() / all_models[0] / "model.json");
    auto expect_error = [&](const std::string& text, const std::string& needle) {
        xs_test::write_file(dir / "m" / "model.json", text);
        try {
            load_weights(dir / "m");
            ADD_FAILURE() << "no error for " << needle;
        } catch (const error& e) {
            EXPECT_NE(std::string(e.what()).find("model.json"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    std::string unknown = json;
    unknown.replace(unknown.find("\"MEGNet\""), 8, "\"SchNet\"");
    expect_error(unknown, "unsupported MatGL model class 'SchNet'");
    std::string version = json;
    const auto inner = version.find("\"@model_version\": 1", version.find("\"MEGNet\""));
    ASSERT_NE(inner, std::string::npos);
    version.replace(inner, 19, "\"@model_version\": 7");
    expect_error(version, "version 7");
    expect_error("{\"@class\": ", "not valid JSON");
    std::string norm = json;
    norm.replace(norm.find("Normalizer:"), 11, "Scaler:");
    expect_error(norm, "target_transformer");
}

TEST(Matgl, ElementOutsideTheModelIsAPerRecordError) {
    predictor pred(matgl_models());
    structure s;
    s.id = "PoO";
    s.lattice = {vec3{4, 0, 0}, vec3{0, 4, 0}, vec3{0, 0, 4}};
    s.frac = {{0, 0, 0}, {0.5, 0.5, 0.5}};
    s.numbers = {84, 8};  // Po: not in MatGL's 89 elements
    try {
        pred.predict(s);
        ADD_FAILURE() << "Po accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("Po"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("MEGNet-MP-2018.6.1-Eform"), std::string::npos) << e.what();
    }
}

// The radial basis and cutoff against values computed with PyTorch float32
// from MatGL's formulas.
TEST(Matgl, M3gnetBasisMatchesTorch) {
    const m3gnet::radial_basis rbf(5.0f);
    float out[9];
    rbf(1.0f, out);
    const float r1[9] = {0.37174806f, 0.60150099f, 0.60150099f, 0.16074155f, 0.39620429f,
                         0.60254514f, 0.06149076f, 0.20274344f, 0.40354314f};
    for (int k = 0; k < 9; ++k) EXPECT_NEAR(out[k], r1[k], 2e-7f) << k;
    rbf(4.9f, out);
    const float r49[9] = {0.00810453f, -0.01617707f, 0.02418580f, 0.01158545f, -0.01986587f,
                          0.02792971f, 0.01485116f, -0.02335855f, 0.03150283f};
    for (int k = 0; k < 9; ++k) EXPECT_NEAR(out[k], r49[k], 2e-7f) << k;
    float clamped[9];
    rbf(5.2f, clamped);
    rbf(5.0f, out);
    for (int k = 0; k < 9; ++k) EXPECT_EQ(clamped[k], out[k]);
    EXPECT_NEAR(m3gnet::polynomial_cutoff(1.0f, 4.0f), 0.89648438f, 1e-7f);
    EXPECT_NEAR(m3gnet::polynomial_cutoff(2.5f, 4.0f), 0.27520752f, 1e-7f);
    EXPECT_EQ(m3gnet::polynomial_cutoff(4.9f, 4.0f), 0.0f);
}
