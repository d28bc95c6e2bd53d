// The CIF reader against pymatgen 2022.11 on pymatgen's own CIF test corpus
// (../shared/data/cif-conformance, 86 files). The golden structures were
// written by tools/make_cif_conformance_golden.py with
// CifParser(path).get_structures(primitive=False), in pymatgen's site order.
//
// Compared in the reference site order (both sorted stably by
// electronegativity, as the CGCNN pipeline does before building graphs): the
// same number of sites, the same species in the same order, and the same
// fractional coordinates after wrapping into [0, 1). Documented differences:
//  - nosymm.cif lists no operations, only the H-M symbol: xtalsieve takes the
//    operations from spglib's tables, whose order differs from pymatgen's
//    generator expansion, so the same positions come in another order within
//    an element (checked: the same set of positions per element).
//  - srycoo.cif holds a quoted string that runs over several lines (not valid
//    CIF 1.1): xtalsieve refuses the file naming the line; pymatgen reads it as
//    a disordered structure, which no model can featurise either.
//  - disordered files are refused under the default --disorder error, as the
//    reference CGCNN code cannot featurise them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

using namespace xtalsieve;

namespace {

double wrap(double x) {
    const double w = x - std::floor(x);
    return w >= 1.0 ? 0.0 : w;
}

// Periodic distance between two wrapped fractional coordinates.
double pdist(double a, double b) {
    const double d = std::abs(a - b);
    return std::min(d, 1.0 - d);
}

}  // namespace

TEST(GoldenCifConformance, PymatgensOwnCorpusReadsAsPymatgenReadsIt) {
    const auto dir = xs_test::shared_dir() / "data" / "cif-conformance";
    std::ifstream in(xs_test::data_dir() / "cif-conformance.jsonl");
    std::size_t files = 0, structures = 0, identical = 0, documented = 0, refused_as_pymatgen = 0;
    double worst = 0;
    for (std::string line; std::getline(in, line);) {
        const auto g = nlohmann::json::parse(line);
        const std::string file = g["file"];
        ++files;
        auto reader = open_input(dir / file);
        std::vector<structure> got;
        std::vector<std::string> errors;
        record r;
        while (reader->next(r)) {
            if (r.non_structure) continue;
            try {
                got.push_back(parse_record(r));
            } catch (const error& e) {
                errors.push_back(e.what());
            }
        }
        if (g.contains("error")) {  // pymatgen refuses the file: so must we
            EXPECT_TRUE(got.empty()) << file;
            EXPECT_FALSE(errors.empty()) << file;
            ++refused_as_pymatgen;
            continue;
        }
        const auto& gs = g["structures"];
        bool ordered = true;
        for (const auto& s : gs) ordered = ordered && s["ordered"].get<bool>();
        if (!ordered) {
            EXPECT_TRUE(got.empty()) << file << ": a disordered structure must be refused by default";
            ASSERT_FALSE(errors.empty()) << file;
            if (file == "srycoo.cif") {
                EXPECT_NE(errors[0].find("unterminated quoted string at line 14"), std::string::npos) << errors[0];
                ++documented;
            } else {
                EXPECT_NE(errors[0].find("partial occupancy"), std::string::npos) << file << ": " << errors[0];
                ++refused_as_pymatgen;
            }
            continue;
        }
        EXPECT_TRUE(errors.empty()) << file << ": " << (errors.empty() ? "" : errors[0]);
        ASSERT_EQ(got.size(), gs.size()) << file;
        for (std::size_t k = 0; k < gs.size(); ++k) {
            ++structures;
            // pymatgen's structure, put in the reference order the same way.
            structure want;
            want.id = file;
            want.lattice = got[k].lattice;
            for (const auto& site : gs[k]["sites"]) {
                want.numbers.push_back(atomic_number(site[0].get<std::string>()));
                want.frac.push_back({site[1].get<double>(), site[2].get<double>(), site[3].get<double>()});
            }
            sort_by_electronegativity(want);
            ASSERT_EQ(got[k].size(), want.size()) << file;
            ASSERT_EQ(got[k].numbers, want.numbers) << file;
            if (file == "nosymm.cif") {
                // Same positions per element, in another order (see above).
                std::map<int, std::vector<std::array<double, 3>>> a, b;
                for (std::size_t i = 0; i < want.size(); ++i) {
                    a[want.numbers[i]].push_back({wrap(want.frac[i][0]), wrap(want.frac[i][1]), wrap(want.frac[i][2])});
                    b[got[k].numbers[i]].push_back(
                        {wrap(got[k].frac[i][0]), wrap(got[k].frac[i][1]), wrap(got[k].frac[i][2])});
                }
                for (auto& [z, v] : b) {
                    for (const auto& p : v) {
                        bool found = false;
                        for (const auto& q : a[z])
                            found = found || (pdist(p[0], q[0]) < 1e-9 && pdist(p[1], q[1]) < 1e-9 && pdist(p[2], q[2]) < 1e-9);
                        EXPECT_TRUE(found) << file << ": a position pymatgen does not have";
                    }
                }
                ++documented;
                continue;
            }
            double d = 0;
            for (std::size_t i = 0; i < want.size(); ++i)
                for (int c = 0; c < 3; ++c) d = std::max(d, pdist(wrap(got[k].frac[i][c]), wrap(want.frac[i][c])));
            worst = std::max(worst, d);
            EXPECT_LT(d, 1e-12) << file;
            if (d < 1e-12) ++identical;
        }
    }
    std::printf("[ conformance ] %zu files: %zu ordered structures, %zu identical (largest coordinate difference %.3g), "
                "%zu refused as pymatgen refuses or cannot featurise, %zu documented differences\n",
                files, structures, identical, worst, refused_as_pymatgen, documented);
    EXPECT_EQ(files, 86u);
    EXPECT_EQ(identical, 79u);
    EXPECT_EQ(documented, 2u);
}

// CGCNN on the corpus: the eight official models through xtalsieve's CIF path
// against the reference pipeline (tools/cgcnn_reference.py --avx512-numpy,
// PyTorch 1.13 on pymatgen's Structure.from_file, i.e. each file's first
// structure). The reference itself depends on the machine at exact ties:
// numpy's AVX2 and AVX-512 cos/sin differ in the last bit, which changes
// pymatgen's lattice matrix at 1e-16 and so which equidistant neighbour is a
// site's 12th. Run on an AVX2 machine without --avx512-numpy, the reference
// gives 1.650 eV for the cubic BaTiO3 (surface_tests__icsd_batio3) where the
// AVX-512 convention of the shared reference data, which xtalsieve follows
// (engine/core/lattice_numpy_trig.inc), gives 1.979 eV.
TEST(GoldenCifConformance, CgcnnPredictionsOnTheCorpusMatchTheReference) {
    const auto dir = xs_test::shared_dir() / "data" / "cif-conformance";
    const auto ref = xs_test::read_table(xs_test::data_dir() / "cif-conformance-cgcnn.csv");
    std::vector<model_weights> ws;
    for (const auto& n : xs_test::official_names()) ws.push_back(load_weights(xs_test::pretrained_dir() / (n + ".pth.tar")));
    predictor pred(std::move(ws));
    std::size_t compared = 0, within = 0, structures = 0;
    double worst = 0;
    for (const auto& id : ref.keys) {
        auto reader = open_input(dir / (id + ".cif"));
        record r;
        while (reader->next(r) && r.non_structure) {
        }
        const structure s = parse_record(r);
        const auto v = pred.predict(s);
        ++structures;
        for (std::size_t k = 0; k < v.size(); ++k) {
            const double want = ref.num(id, pred.model_names()[k]);
            const double d = std::abs(v[k] - want);
            worst = std::max(worst, d);
            ++compared;
            if (d <= 1e-4) ++within;
            else ADD_FAILURE() << id << " " << pred.model_names()[k] << ": " << v[k] << " vs reference " << want;
        }
    }
    std::printf("[ conformance ] CGCNN on the corpus: %zu structures, %zu/%zu predictions within 1e-4, max |d| = %.3g\n",
                structures, within, compared, worst);
    EXPECT_EQ(structures, 79u);
    EXPECT_EQ(within, compared);
}
