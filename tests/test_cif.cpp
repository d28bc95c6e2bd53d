#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <random>

#include "test_support.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/csv.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/input.hpp"

using namespace xtalsieve;

namespace {

// A fresh string each call: two calls may meet in one expression.
std::string cell(double a = 4, double c = 4, double gamma = 90) {
    return "data_t\n_cell_length_a " + std::to_string(a) + "\n_cell_length_b " + std::to_string(a) +
        "\n_cell_length_c " + std::to_string(c) + "\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma " +
        std::to_string(gamma) + "\n";
}

const char* sites_header =
    "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n";

std::string error_of(const std::string& text) {
    try {
        read_cif(text, "bad");
    } catch (const error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(Cif, UncertaintiesAreDropped) {
    structure s = read_cif(std::string("data_x\n_cell_length_a 5.4309(2)\n_cell_length_b 5.4309(2)\n"
                                       "_cell_length_c 5.4309(12)\n_cell_angle_alpha 90.0(1)\n_cell_angle_beta 90\n"
                                       "_cell_angle_gamma 90\n") +
                               sites_header + "Si1 Si 0.125(3) 0.125(3) 0.125(3)\n",
                           "x");
    EXPECT_DOUBLE_EQ(s.lattice[0][0], 5.4309);
    EXPECT_DOUBLE_EQ(s.frac[0][0], 0.125);
}

TEST(Cif, BothSymmetryTagsAndQuotedOperations) {
    for (const char* tag : {"_symmetry_equiv_pos_as_xyz", "_space_group_symop_operation_xyz"}) {
        const std::string text = std::string(cell(5.64)) + "loop_\n" + tag +
                                  "\n'x, y, z'\n'x, 1/2+y, 1/2+z'\n\"1/2+x, y, 1/2+z\"\n'1/2+x,1/2+y,z'\n" + sites_header +
                                  "Na1 Na 0 0 0\nCl1 Cl 0.5 0 0\n";
        structure s = read_cif(text, "nacl");
        EXPECT_EQ(s.size(), 8u) << tag;
    }
}

TEST(Cif, NoSymmetryMeansP1) {
    structure s = read_cif(std::string(cell()) + sites_header + "Na1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n", "p1");
    EXPECT_EQ(s.size(), 2u);
}

TEST(Cif, HexagonalThirdsAreSnappedBeforeSymmetry) {
    // P6_3mc-like ops on a site written with 5 digits: without snapping the
    // images of (1/3, 2/3) would not coincide and the cell would gain atoms.
    const std::string text = std::string(cell(3.25, 5.2, 120)) +
                             "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\n-y,x-y,z\n-x+y,-x,z\n-x,-y,z+1/2\ny,-x+y,z+1/2\n"
                             "x-y,x,z+1/2\n" +
                             sites_header + "Zn1 Zn 0.33333 0.66667 0.0\nO1 O 0.333330 0.666670 0.382\n";
    structure s = read_cif(text, "zno");
    EXPECT_EQ(s.size(), 4u);
    EXPECT_EQ(s.frac[0][0], 1.0 / 3.0);
    EXPECT_EQ(s.frac[0][1], 2.0 / 3.0);
}

TEST(Cif, DuplicatesAfterSymmetryAndNegativeCoordinates) {
    // An inversion centre maps (0,0,0) onto itself; -0.25 wraps to 0.75.
    const std::string text = std::string(cell()) + "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,-y,-z'\n" +
                             sites_header + "Na1 Na 0 0 0\nCl1 Cl -0.25 0.5 0.5\n";
    structure s = read_cif(text, "inv");
    ASSERT_EQ(s.size(), 3u);  // Na once, Cl at 0.75 and 0.25
    EXPECT_DOUBLE_EQ(s.frac[1][0], 0.75);
    EXPECT_DOUBLE_EQ(s.frac[2][0], 0.25);
}

// Large cells merge symmetry images through a hash of bins instead of a scan
// of all earlier sites; the result must be the scan's, site for site. The
// sites include exact images under the operations and copies shifted across
// the cell boundary by less than the 1e-4 tolerance.
TEST(Cif, LargeCellMergingMatchesThePairwiseScan) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<vec3> pos;
    std::vector<int> z;
    for (int i = 0; i < 400; ++i) {
        vec3 p{u(rng), u(rng), u(rng)};
        if (i % 17 == 5) p = {1 - pos[i - 3][0], 1 - pos[i - 3][1], 1 - pos[i - 3][2]};  // inversion image
        if (i % 23 == 7) p = {pos[i - 1][0] + 1 - 3e-5, pos[i - 1][1], pos[i - 1][2] - 1};  // across the boundary
        if (i % 31 == 3) p = {0.99997, u(rng), 2e-5};  // on the faces
        if (i % 29 == 10) p = {std::floor(u(rng) * 1024) / 1024 + 1e-5, u(rng), u(rng)};  // just above a bin edge
        if (i % 29 == 11) p = {pos[i - 1][0] - 5e-5, pos[i - 1][1], pos[i - 1][2]};     // its copy just below
        if (i % 37 == 20) p = {u(rng), u(rng), 0.99998};
        if (i % 37 == 21) p = {pos[i - 1][0], pos[i - 1][1], 3e-5};  // its copy across the cell boundary
        pos.push_back(p);
        z.push_back(i % 3 == 0 ? 11 : 17);
    }
    std::string text = std::string(cell(12, 12)) + "loop_\n_symmetry_equiv_pos_as_xyz\n'x,y,z'\n'-x,-y,-z'\n" +
                       sites_header;
    char line[160];
    for (std::size_t i = 0; i < pos.size(); ++i) {
        std::snprintf(line, sizeof line, "%s%zu %s %.9f %.9f %.9f\n", z[i] == 11 ? "Na" : "Cl", i, z[i] == 11 ? "Na" : "Cl",
                      pos[i][0], pos[i][1], pos[i][2]);
        text += line;
    }
    const structure s = read_cif(text, "big", disorder_policy::majority);

    // The pairwise scan, as pymatgen does it (coordinates as printed).
    auto same = [](const vec3& a, const vec3& b) {
        for (int k = 0; k < 3; ++k) {
            double d = a[k] - b[k];
            d -= std::nearbyint(d);
            if (!(std::abs(d) < 1e-4)) return false;
        }
        return true;
    };
    auto images = [](const vec3& p) { return std::array<vec3, 2>{p, vec3{-p[0], -p[1], -p[2]}}; };
    std::vector<vec3> site_pos;
    std::vector<std::vector<std::pair<int, double>>> site_species;
    for (std::size_t i = 0; i < pos.size(); ++i) {
        vec3 p;
        std::snprintf(line, sizeof line, "%.9f %.9f %.9f", pos[i][0], pos[i][1], pos[i][2]);
        std::sscanf(line, "%lf %lf %lf", &p[0], &p[1], &p[2]);
        std::size_t k = 0;
        for (; k < site_pos.size(); ++k)
            if (same(site_pos[k], images(p)[0]) || same(site_pos[k], images(p)[1])) break;
        if (k < site_pos.size()) site_species[k].push_back({z[i], 1.0});
        else {
            site_pos.push_back(p);
            site_species.push_back({{z[i], 1.0}});
        }
    }
    std::vector<int> site_z;
    for (const auto& sp : site_species) {
        double na = 0, cl = 0;  // majority; on a tie the species listed first
        for (auto [zz, o] : sp) (zz == 11 ? na : cl) += o;
        site_z.push_back(na > cl ? 11 : cl > na ? 17 : sp.front().first);
    }
    std::vector<vec3> want;
    std::vector<int> want_z;
    std::vector<bool> done(site_pos.size());
    for (std::size_t g = 0; g < site_pos.size(); ++g) {
        if (done[g]) continue;
        std::vector<vec3> coords;
        for (std::size_t h = g; h < site_pos.size(); ++h) {
            if (done[h] || site_z[h] != site_z[g]) continue;
            done[h] = true;
            for (vec3 q : images(site_pos[h])) {
                for (double& x : q) x -= std::floor(x);
                if (std::none_of(coords.begin(), coords.end(), [&](const vec3& e) { return same(e, q); })) coords.push_back(q);
            }
        }
        for (const vec3& q : coords) {
            want.push_back(q);
            want_z.push_back(site_z[g]);
        }
    }
    ASSERT_GT(want.size(), 500u);  // the test must exercise the hashed path
    ASSERT_EQ(s.size(), want.size());
    EXPECT_EQ(s.numbers, want_z);
    for (std::size_t i = 0; i < want.size(); ++i)
        for (int k = 0; k < 3; ++k) ASSERT_EQ(s.frac[i][k], want[i][k]) << "site " << i;
}

// Symmetry can turn a small file into a huge cell: 600 general positions of
// Fm-3m (192 operations) would be 115,200 atoms, over the limit every reader keeps.
TEST(Cif, SymmetryExpansionStopsAtTheAtomLimit) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(0.01, 0.24);
    std::string text = std::string(cell(40, 40)) + "_symmetry_Int_Tables_number 225\n" + sites_header;
    char line[128];
    for (int i = 0; i < 600; ++i) {
        std::snprintf(line, sizeof line, "Cu%d Cu %.6f %.6f %.6f\n", i, u(rng), u(rng) + 0.25, u(rng) * 0.5);
        text += line;
    }
    try {
        read_cif(text, "huge");
        ADD_FAILURE() << "accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("limit of 100000 atoms"), std::string::npos) << e.what();
    }
}

TEST(Cif, SpeciesFromTypeSymbolOrLabel) {
    EXPECT_EQ(element_from_label("Na1+"), 11);
    EXPECT_EQ(element_from_label("O2-"), 8);
    EXPECT_EQ(element_from_label("Fe3"), 26);
    EXPECT_EQ(element_from_label("CA1"), 20);
    EXPECT_EQ(element_from_label("C1"), 6);
    EXPECT_EQ(element_from_label("Ow1"), 8);
    EXPECT_EQ(element_from_label("Qq"), 0);
    const std::string text = std::string(cell()) +
                             "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n"
                             "Cs1 0 0 0\nCl1 0.5 0.5 0.5\n";
    structure s = read_cif(text, "cscl");
    EXPECT_EQ(s.numbers, (std::vector<int>{55, 17}));
}

TEST(Cif, ElectronegativityOrderPutsLeastElectronegativeFirst) {
    record r;
    r.id = "x";
    r.source = "x.cif";
    r.format = "cif";
    r.text = std::string(cell()) + sites_header + "O1 O 0.5 0.5 0\nTi1 Ti 0.5 0.5 0.5\nO2 O 0 0.5 0.5\nSr1 Sr 0 0 0\n";
    structure s = parse_record(r);
    EXPECT_EQ(s.numbers, (std::vector<int>{38, 22, 8, 8}));
    EXPECT_EQ(s.frac[2][0], 0.5);  // file order kept within oxygen
    EXPECT_EQ(s.frac[3][0], 0.0);
}

TEST(Cif, SharedSampleSiteCountsMatchPymatgen) {
    // Site counts of pymatgen 2022.11's Structure.from_file for the ten shared CIFs.
    const std::pair<const char*, std::size_t> want[] = {{"1000041", 8}, {"1000050", 2}, {"1101051", 4},
                                                         {"1507756", 5}, {"7206075", 12}, {"9000046", 8},
                                                         {"9009743", 2}, {"9011050", 8}, {"9011998", 8},
                                                         {"9012304", 8}};
    for (auto [id, n] : want) {
        const auto path = xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression" / (std::string(id) + ".cif");
        EXPECT_EQ(read_cif(xs_test::slurp(path), id).size(), n) << id;
    }
}

TEST(Cif, BadInputsGiveClearErrors) {
    EXPECT_NE(error_of("").find("empty"), std::string::npos);
    EXPECT_NE(error_of("just text\n").find("no data_"), std::string::npos);
    EXPECT_NE(error_of("data_x\n_cell_length_a 4\n").find("_cell_length_b"), std::string::npos);
    EXPECT_NE(error_of(std::string(cell()) + "_cell_volume 1\n").find("fractional"), std::string::npos);
    EXPECT_NE(error_of(std::string(cell()) + sites_header + "Qq1 Qq 0 0 0\n").find("unknown element"), std::string::npos);
    EXPECT_NE(error_of(std::string(cell()) + sites_header + "Na1 Na nan 0 0\n").find("non-finite"), std::string::npos);
    EXPECT_NE(error_of(std::string(cell()) + sites_header + "Na1 Na abc 0 0\n").find("bad coordinate"), std::string::npos);
    EXPECT_NE(error_of(std::string(cell()) + sites_header + "Na1 Na 0 0\n").find("not a multiple"), std::string::npos);
    EXPECT_NE(error_of(std::string(cell(4, 0)) + sites_header + "Na1 Na 0 0 0\n").find("positive"), std::string::npos);
    EXPECT_NE(error_of(std::string(cell()) + "_atom_site_label 'unterminated\n").find("unterminated"), std::string::npos);
    const std::string partial = std::string(cell()) +
                                "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                                "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\nFe1 Fe 0 0 0 0.5\n"
                                "Ni1 Ni 0 0 0 0.5\n";
    EXPECT_NE(error_of(partial).find("partial occupancy"), std::string::npos);
    for (const auto& msg : {error_of(""), error_of(partial)}) EXPECT_EQ(msg.rfind("bad:", 0), 0u) << msg;
}

TEST(Cif, MalformedSymmetryOperationsFallBackOrFailCleanly) {
    // Found by fuzz_cif: a lone '.' in an operation once escaped as std::invalid_argument.
    for (const char* op : {"'x,.,z'", "'x,y'", "'1/0+x,y,z'", "'x,y,z,w'", "'.5.5x,y,z'"}) {
        const std::string text = std::string(cell()) + "loop_\n_symmetry_equiv_pos_as_xyz\n" + op + "\n" + sites_header +
                                  "Na1 Na 0 0 0\n";
        try {
            read_cif(text, "op");
        } catch (const error&) {
        }
    }
    SUCCEED();
}

TEST(Cif, SpaceGroupBySymbolOrNumberWhenNoOperationsAreListed) {
    // Rock salt from one Na and one Cl site: Fm-3m gives 4 + 4 atoms.
    for (const std::string sg : {"_symmetry_space_group_name_H-M 'F m -3 m'", "_space_group_name_H-M_alt 'Fm-3m'",
                                 "_symmetry_space_group_name_Hall '-F 4 2 3'", "_space_group_IT_number 225"}) {
        const std::string text = std::string(cell(5.64)) + sg + "\n" + sites_header + "Na1 Na 0 0 0\nCl1 Cl 0.5 0 0\n";
        EXPECT_EQ(read_cif(text, "nacl").size(), 8u) << sg;
    }
    // An unknown symbol falls back to P1.
    EXPECT_EQ(read_cif(std::string(cell()) + "_symmetry_space_group_name_H-M 'Q 9'\n" + sites_header + "Na1 Na 0 0 0\n", "q").size(), 1u);
}

TEST(Cif, OnlyTheFirstDataBlockIsRead) {
    const std::string text = std::string(cell()) + sites_header + "Na1 Na 0 0 0\n" + "data_second\n" + cell() +
                             sites_header + "K1 K 0 0 0\nK2 K 0.5 0.5 0.5\n";
    structure s = read_cif(text, "two");
    EXPECT_EQ(s.numbers, (std::vector<int>{11}));
}

TEST(Csv, QuotedMultilineFieldsAndEscapes) {
    const std::string text = "a,b,c\n1,\"x\ny, \"\"z\"\"\",3\r\n4,,6\n";
    csv_reader r(text);
    std::vector<std::string> f;
    ASSERT_TRUE(r.next(f));
    ASSERT_TRUE(r.next(f));
    EXPECT_EQ(f, (std::vector<std::string>{"1", "x\ny, \"z\"", "3"}));
    EXPECT_EQ(r.line(), 2u);
    ASSERT_TRUE(r.next(f));
    EXPECT_EQ(f, (std::vector<std::string>{"4", "", "6"}));
    EXPECT_EQ(r.line(), 4u);
    EXPECT_FALSE(r.next(f));
    csv_reader bad("a\n\"never closed\n");
    ASSERT_TRUE(bad.next(f));
    EXPECT_THROW(bad.next(f), error);
}

TEST(Input, Perov5CsvHasEveryRecordInOrder) {
    auto in = open_input(xs_test::shared_dir() / "data" / "perov_5" / "val.csv");
    record r;
    std::size_t n = 0;
    std::string first, last;
    const auto ref = xs_test::read_table(xs_test::shared_dir() / "data" / "perov_5" / "reference-val.csv");
    while (in->next(r)) {
        if (n == 0) first = r.id;
        last = r.id;
        EXPECT_TRUE(r.error.empty());
        EXPECT_EQ(ref.rows.count(r.id), 1u) << r.id;
        ++n;
    }
    EXPECT_EQ(n, 3787u);
    EXPECT_EQ(first, "18517");
    EXPECT_EQ(last, "9424");
}

TEST(Input, FolderIsSortedAndErrorsNameTheSource) {
    auto in = open_input(xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression");
    record r;
    std::vector<std::string> ids;
    while (in->next(r)) ids.push_back(r.id);
    EXPECT_EQ(ids.size(), 10u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    record bad;
    bad.id = "x";
    bad.source = "somewhere.csv";
    bad.index = 16;
    bad.line = 233;
    bad.format = "cif";
    bad.text = "data_x\n";
    try {
        parse_record(bad);
        FAIL();
    } catch (const error& e) {
        const std::string w = e.what();
        EXPECT_NE(w.find("somewhere.csv record 17 (line 233), id x:"), std::string::npos) << w;
    }
}
