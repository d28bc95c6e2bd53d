// The batch API (xtalsieve/batch.hpp, xs_predict_batch): flat arrays give the
// CLI pipeline's numbers bit for bit, bad rows fail alone, concurrent calls
// agree, and the streaming screen keeps exactly the top K of a full sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <thread>

#include "test_support.hpp"
#include "xtalsieve/batch.hpp"
#include "xtalsieve/metrics.hpp"
#include "xtalsieve/xtalsieve.h"

namespace {

// Options are plain structs: set the fields that matter.
inline xtalsieve::batch_options threads(int n) {
    xtalsieve::batch_options o;
    o.threads = n;
    return o;
}


namespace xs = xtalsieve;

std::filesystem::path samples() { return xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression"; }

std::vector<std::string> two_models() {
    return {(xs_test::pretrained_dir() / "band-gap.pth.tar").string(),
            (xs_test::pretrained_dir() / "formation-energy-per-atom.pth.tar").string()};
}

// The sample CIFs as read (file order, as a generator would hold them).
std::vector<xs::structure> sample_structures() {
    std::vector<xs::structure> out;
    auto in = xs::open_input(samples());
    xs::record r;
    while (in->next(r))
        if (!r.non_structure) out.push_back(xs::parse_record(r, xs::site_order::file));
    return out;
}

struct flat {
    std::vector<std::size_t> offsets{0};
    std::vector<double> lattices, positions;
    std::vector<int> numbers;
    std::vector<std::string> ids;
    xs::structure_batch view() const {
        xs::structure_batch b;
        b.offsets = offsets;
        b.lattices = lattices;
        b.positions = positions;
        b.numbers = numbers;
        b.ids = ids;
        return b;
    }
};

flat flatten(const std::vector<xs::structure>& ss, bool cartesian = false) {
    flat f;
    for (const auto& s : ss) {
        for (const auto& row : s.lattice) f.lattices.insert(f.lattices.end(), row.begin(), row.end());
        for (std::size_t i = 0; i < s.size(); ++i) {
            const xs::vec3 p = cartesian ? xs::cartesian(s, i) : s.frac[i];
            f.positions.insert(f.positions.end(), p.begin(), p.end());
        }
        f.numbers.insert(f.numbers.end(), s.numbers.begin(), s.numbers.end());
        f.offsets.push_back(f.numbers.size());
        f.ids.push_back(s.id);
    }
    return f;
}

// The CLI's path: predictor::run over the folder.
std::map<std::string, std::vector<double>> pipeline_predictions(const xs::batch_predictor& p) {
    std::map<std::string, std::vector<double>> out;
    auto in = xs::open_input(samples());
    p.run(*in, [&](const xs::prediction& r) {
        if (r.error.empty() && !r.non_structure) out[r.id] = r.values;
    });
    return out;
}

}  // namespace

TEST(BatchApi, ArraysGiveThePipelinesNumbersBitForBit) {
    const xs::batch_predictor p(two_models(), threads(2));
    ASSERT_EQ(p.n_columns(), 2u);
    const auto ss = sample_structures();
    ASSERT_EQ(ss.size(), 10u);
    const auto ref = pipeline_predictions(p);
    const flat f = flatten(ss);
    std::vector<double> out(ss.size() * 2);
    std::vector<xs::batch_row_info> info;
    EXPECT_EQ(p.predict(f.view(), out, &info), 0u);
    for (std::size_t i = 0; i < ss.size(); ++i) {
        EXPECT_EQ(info[i].id, ss[i].id);
        EXPECT_EQ(info[i].n_atoms, static_cast<int>(ss[i].size()));
        EXPECT_EQ(out[2 * i], ref.at(ss[i].id)[0]) << ss[i].id;
        EXPECT_EQ(out[2 * i + 1], ref.at(ss[i].id)[1]) << ss[i].id;
    }
    // Owned structures, and the golden value of the C API test (shared reference).
    std::vector<double> out2(ss.size() * 2);
    EXPECT_EQ(p.predict(std::span<const xs::structure>(ss), out2), 0u);
    EXPECT_EQ(out, out2);
    EXPECT_NEAR(ref.at("1000041")[0], 4.774055, 1e-4);

    // Cartesian positions (converted with the inverse lattice): the same numbers to rounding.
    const flat c = flatten(ss, true);
    auto cv = c.view();
    cv.cartesian = true;
    std::vector<double> out3(ss.size() * 2);
    EXPECT_EQ(p.predict(cv, out3), 0u);
    for (std::size_t k = 0; k < out.size(); ++k) EXPECT_NEAR(out3[k], out[k], 1e-9);
}

TEST(BatchApi, BadRowsFailAloneAndMalformedBatchesThrow) {
    const xs::batch_predictor p(two_models(), threads(2));
    auto ss = sample_structures();
    ss.resize(3);
    ss[1].numbers[0] = 0;  // no element 0
    const flat f = flatten(ss);
    std::vector<double> out(6);
    std::vector<xs::batch_row_info> info;
    EXPECT_EQ(p.predict(f.view(), out, &info), 1u);
    EXPECT_TRUE(std::isnan(out[2]) && std::isnan(out[3]));
    EXPECT_TRUE(std::isfinite(out[0]) && std::isfinite(out[4]));
    EXPECT_NE(info[1].error.find("element"), std::string::npos) << info[1].error;
    EXPECT_TRUE(info[0].error.empty());

    flat g = flatten(ss);
    g.offsets[2] = 1;  // decreasing
    EXPECT_THROW(p.predict(g.view(), out), xs::error);
    flat h = flatten(ss);
    h.positions.pop_back();
    try {
        p.predict(h.view(), out);
        ADD_FAILURE() << "no throw";
    } catch (const xs::error& e) {
        EXPECT_NE(std::string(e.what()).find("positions"), std::string::npos) << e.what();
    }
    std::vector<double> short_out(5);
    EXPECT_THROW(p.predict(f.view(), short_out), xs::error);
}

TEST(BatchApi, ConcurrentCallsOnOnePredictorAgree) {
    const xs::batch_predictor p(two_models(), threads(2));
    const auto ss = sample_structures();
    const flat f = flatten(ss);
    std::vector<double> ref(ss.size() * 2);
    p.predict(f.view(), ref);
    std::vector<std::vector<double>> outs(4, std::vector<double>(ref.size()));
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&, t] {
            for (int rep = 0; rep < 5; ++rep) p.predict(f.view(), outs[t]);
        });
    for (auto& t : ts) t.join();
    for (const auto& o : outs) EXPECT_EQ(o, ref);
}

TEST(CApiBatch, PredictBatchMatchesSingleCallsAndReportsErrors) {
    EXPECT_EQ(xs_abi_version(), XS_ABI_VERSION);
    EXPECT_STREQ(xs_version(), "0.1.0");
    const auto names = two_models();
    const char* models[] = {names[0].c_str(), names[1].c_str()};
    xs_predictor* p = xs_predictor_new_threads(models, 2, nullptr, 2);
    ASSERT_NE(p, nullptr) << xs_last_error();
    ASSERT_EQ(xs_predictor_n_outputs(p), 2u);
    EXPECT_STREQ(xs_predictor_output_name(p, 0), "band-gap");
    EXPECT_EQ(xs_predictor_output_name(p, 2), nullptr);

    const auto ss = sample_structures();
    const flat f = flatten(ss);
    std::vector<double> out(ss.size() * 2);
    ASSERT_EQ(xs_predict_batch(p, ss.size(), f.offsets.data(), f.lattices.data(), f.positions.data(),
                               f.numbers.data(), out.data()),
              XS_OK)
        << xs_last_error();
    for (std::size_t i = 0; i < ss.size(); ++i) {
        const std::string cif = xs_test::slurp(samples() / (ss[i].id + ".cif"));
        double one[2];
        ASSERT_EQ(xs_predict_cif(p, cif.data(), cif.size(), one), 0) << xs_last_error();
        EXPECT_NEAR(out[2 * i], one[0], 1e-12) << ss[i].id;
        EXPECT_NEAR(out[2 * i + 1], one[1], 1e-12) << ss[i].id;
    }

    flat bad = f;
    bad.numbers[bad.offsets[4]] = 200;
    std::size_t failed = 9;
    EXPECT_EQ(xs_predict_batch_ex(p, ss.size(), bad.offsets.data(), bad.lattices.data(), bad.positions.data(),
                                  bad.numbers.data(), 0u, out.data(), &failed),
              XS_PARTIAL);
    EXPECT_EQ(failed, 1u);
    EXPECT_TRUE(std::isnan(out[8]));
    EXPECT_NE(std::string(xs_last_error()).find("batch structure 4, id 4: "), std::string::npos) << xs_last_error();

    EXPECT_EQ(xs_predict_batch(p, 1, nullptr, f.lattices.data(), f.positions.data(), f.numbers.data(), out.data()),
              XS_INVALID_ARGUMENT);
    const std::size_t bad_offsets[2] = {1, 0};
    EXPECT_EQ(xs_predict_batch(p, 1, bad_offsets, f.lattices.data(), f.positions.data(), f.numbers.data(),
                               out.data()),
              XS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(xs_last_error()).find("offsets"), std::string::npos) << xs_last_error();
    // An empty batch is fine.
    const std::size_t zero[1] = {0};
    EXPECT_EQ(xs_predict_batch(p, 0, zero, nullptr, nullptr, nullptr, out.data()), XS_OK);
    xs_predictor_free(p);
}

TEST(StreamScreen, KeepsTheTopKOfAFullSortAndItsMetrics) {
    const xs::batch_predictor p(two_models(), threads(2));
    const auto ss = sample_structures();
    // Labels from id_prop.csv.
    std::map<std::string, double> label;
    {
        std::ifstream in(samples() / "id_prop.csv");
        std::string line;
        while (std::getline(in, line)) {
            const auto c = line.find(',');
            label[line.substr(0, c)] = std::stod(line.substr(c + 1));
        }
    }
    std::vector<double> all(ss.size() * 2);
    p.predict(std::span<const xs::structure>(ss), all);

    xs::stream_screen_options o;
    o.objective = "formation-energy-per-atom";
    o.where = {{"band-gap", ">=", 0.5, 0}};
    o.top = 4;
    o.chunk = 3;  // several flushes
    xs::stream_screen sc(p, o);
    for (const auto& s : ss) sc.push(s, label.at(s.id));

    // The expected top 4 by a full sort of the candidates passing the constraint.
    std::vector<std::pair<double, std::size_t>> kept;
    std::vector<double> pred, truth;
    for (std::size_t i = 0; i < ss.size(); ++i)
        if (all[2 * i] >= 0.5) {
            kept.push_back({all[2 * i + 1], i});
            pred.push_back(all[2 * i + 1]);
            truth.push_back(label.at(ss[i].id));
        }
    std::sort(kept.begin(), kept.end());
    ASSERT_GE(kept.size(), 5u);
    const auto top = sc.top();
    ASSERT_EQ(top.size(), 4u);
    for (std::size_t k = 0; k < 4; ++k) {
        EXPECT_EQ(top[k].id, ss[kept[k].second].id);
        EXPECT_EQ(top[k].seq, kept[k].second);
        EXPECT_EQ(top[k].score, kept[k].first);
        EXPECT_EQ(top[k].values[0], all[2 * kept[k].second]);
        ASSERT_TRUE(top[k].label.has_value());
    }
    const auto c = sc.counts();
    EXPECT_EQ(c.inputs, ss.size());
    EXPECT_EQ(c.scored, kept.size());
    EXPECT_EQ(c.filtered, ss.size() - kept.size());
    EXPECT_EQ(c.failed, 0u);
    const auto m = sc.metrics();
    EXPECT_EQ(m.labelled, kept.size());
    EXPECT_EQ(m.spearman, xs::spearman(pred, truth));
    EXPECT_EQ(m.mae, xs::mean_absolute_error(pred, truth));
    EXPECT_EQ(m.recall_at_k, xs::recall_at_k(pred, truth, 4, false));

    xs::stream_screen_options bad;
    bad.objective = "no-such-property";
    EXPECT_THROW(xs::stream_screen(p, bad), xs::error);
}
