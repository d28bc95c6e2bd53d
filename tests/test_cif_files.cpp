// Real-world CIF files: IUCr-style combined files (publication block, several
// structures, powder-profile block), repeated block names across files,
// modulated structures in superspace notation, and every element symbol.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

namespace fs = std::filesystem;
using namespace xtalsieve;

namespace {

using xs_test::write_file;

// The body of a sample CIF (everything after its data_ line).
std::string body_of(const std::string& stem) {
    const std::string t = xs_test::slurp(xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression" / (stem + ".cif"));
    const auto d = t.find("\ndata_");
    return t.substr(t.find('\n', d + 1) + 1);
}

const std::string publication_block =
    "data_global\n_journal_name_full 'Acta Crystallographica Section E'\n_publ_section_title\n;\n"
    "A title that mentions data_I and loop_ inside a text field\n;\nloop_\n_publ_author_name\n'Doe, J.'\n'Roe, R.'\n";
const std::string profile_block =
    "data_profile\n_pd_block_id 'profile'\nloop_\n_pd_proc_2theta_corrected\n_pd_proc_intensity_net\n"
    "10.00 123.4\n10.02 125.1\n10.04 130.9\n";

struct result {
    std::map<std::string, std::vector<double>> values;
    std::map<std::string, std::vector<std::string>> warnings;
    std::map<std::string, std::string> errors;
    int non_structure = 0;
};

result predict_path(const fs::path& p) {
    std::vector<model_weights> w;
    w.push_back(load_weights(xs_test::pretrained_dir() / "formation-energy-per-atom.pth.tar"));
    w.push_back(load_weights(xs_test::pretrained_dir() / "band-gap.pth.tar"));
    predictor pred(std::move(w));
    auto in = open_input(p);
    result r;
    pred.run(*in, [&](const prediction& x) {
        if (x.non_structure) {
            ++r.non_structure;
            return;
        }
        if (!x.error.empty()) r.errors[x.id] = x.error;
        else r.values[x.id] = x.values;
        r.warnings[x.id] = x.warnings;
    });
    return r;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST(GoldenCifFiles, CombinedFileNamesStructuresAndSkipsOtherBlocks) {
    const fs::path d = xs_test::scratch("combined");
    const std::string I = body_of("1000041"), II = body_of("9011998");
    write_file(d / "combined" / "paper.cif", publication_block + "data_I\n" + I + "data_II\n" + II + profile_block);
    write_file(d / "alone" / "I.cif", "data_I\n" + I);
    write_file(d / "alone" / "II.cif", "data_II\n" + II);
    const result c = predict_path(d / "combined" / "paper.cif");
    const result a = predict_path(d / "alone");
    EXPECT_TRUE(c.errors.empty()) << c.errors.begin()->second;
    ASSERT_EQ(c.values.size(), 2u);
    EXPECT_EQ(c.non_structure, 2);  // data_global and data_profile
    ASSERT_TRUE(c.values.count("paper:I") && c.values.count("paper:II"));
    // The structure blocks predict exactly as the single-block files cut from them.
    EXPECT_TRUE(same_bits(c.values.at("paper:I"), a.values.at("I")));
    EXPECT_TRUE(same_bits(c.values.at("paper:II"), a.values.at("II")));
    // And as the reference's numbers for those structures.
    const auto ref = xs_test::read_table(xs_test::shared_dir() / "data" / "cgcnn" / "reference" / "sample-regression.csv");
    EXPECT_NEAR(c.values.at("paper:I")[1], ref.num("1000041", "band-gap"), 1e-4);
    EXPECT_NEAR(c.values.at("paper:II")[1], ref.num("9011998", "band-gap"), 1e-4);

    // One structure block among others: the file's stem is the id.
    write_file(d / "one" / "single.cif", publication_block + "data_I\n" + I + profile_block);
    const result one = predict_path(d / "one" / "single.cif");
    ASSERT_EQ(one.values.size(), 1u);
    EXPECT_TRUE(same_bits(one.values.at("single"), a.values.at("I")));
    EXPECT_EQ(one.non_structure, 2);

    // A file without any structure block is one failure with a reason, not nothing.
    write_file(d / "none" / "publ.cif", publication_block);
    const result none = predict_path(d / "none" / "publ.cif");
    ASSERT_EQ(none.errors.size(), 1u);
    EXPECT_NE(none.errors.at("publ").find("not a structure block"), std::string::npos) << none.errors.at("publ");
    EXPECT_EQ(none.non_structure, 0);
    fs::remove_all(d);
}

TEST(GoldenCifFiles, RepeatedIdsAcrossFilesAreMadeUniqueWithAWarning) {
    const fs::path d = xs_test::scratch("repeat");
    // Two IUCr files named alike in two folders, each with one structure data_I.
    write_file(d / "paper1" / "supplement.cif", publication_block + "data_I\n" + body_of("1000041"));
    write_file(d / "paper2" / "supplement.cif", publication_block + "data_I\n" + body_of("9011998"));
    write_file(d / "paper3" / "supplement.cif", "data_I\n" + body_of("1000050"));
    const result r = predict_path(d);
    ASSERT_EQ(r.values.size(), 3u);
    EXPECT_TRUE(r.values.count("supplement") && r.values.count("supplement#2") && r.values.count("supplement#3"));
    EXPECT_TRUE(r.warnings.at("supplement").empty());
    ASSERT_EQ(r.warnings.at("supplement#2").size(), 1u);
    EXPECT_NE(r.warnings.at("supplement#3")[0].find("renamed supplement#3"), std::string::npos);
    const auto ref = xs_test::read_table(xs_test::shared_dir() / "data" / "cgcnn" / "reference" / "sample-regression.csv");
    EXPECT_NEAR(r.values.at("supplement#2")[1], ref.num("9011998", "band-gap"), 1e-4);
    fs::remove_all(d);
}

TEST(GoldenCifFiles, ScreenCountsNonStructureBlocksApart) {
    const fs::path d = xs_test::scratch("screen-blocks");
    write_file(d / "in" / "paper.cif",
          publication_block + "data_I\n" + body_of("1000041") + "data_II\n" + body_of("9011998") + profile_block);
    ASSERT_EQ(xs_test::run("XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " " + xs_test::cli() +
                           " screen --model cgcnn/band-gap --input " + (d / "in").string() + " --no-progress --out " +
                           (d / "out").string() + " >/dev/null 2>&1"),
              0);
    const auto s = nlohmann::json::parse(xs_test::slurp(d / "out" / "summary.json"));
    EXPECT_EQ(s["counts"]["inputs"], 2);
    EXPECT_EQ(s["counts"]["scored"], 2);
    EXPECT_EQ(s["counts"]["failed"], 0);
    EXPECT_EQ(s["counts"]["non_structure_blocks"], 2);
    EXPECT_TRUE(s["accounting_ok"].get<bool>());
    fs::remove_all(d);
}

namespace {

// NaCl written as an incommensurately modulated structure: superspace
// operations of (3+1)-D, atom sites at their average positions.
std::string modulated(const std::string& ops) {
    return "data_modulated\n_cell_length_a 5.64\n_cell_length_b 5.64\n_cell_length_c 5.64\n_cell_angle_alpha 90\n"
           "_cell_angle_beta 90\n_cell_angle_gamma 90\n_cell_wave_vector_x 0.31\n"
           "loop_\n_space_group_symop_ssg_id\n_space_group_symop_ssg_operation_algebraic\n" + ops +
           "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
           "_atom_site_fract_z\nNa1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n";
}

}  // namespace

TEST(CifFiles, SuperspaceOperationsGiveTheAverageStructureWithAWarning) {
    // The four operations of Fm-3m's translations, with x4 along for the ride.
    const std::string ops = "1 x1,x2,x3,x4\n2 x1,1/2+x2,1/2+x3,x4\n3 1/2+x1,x2,1/2+x3,1/2+x4\n4 1/2+x1,1/2+x2,x3,x4\n";
    record r;
    r.id = "mod";
    r.format = "cif";
    r.text = modulated(ops);
    const structure s = parse_record(r);
    EXPECT_EQ(s.size(), 8u);  // 4 Na + 4 Cl: the conventional rock-salt cell
    ASSERT_EQ(s.warnings.size(), 1u);
    EXPECT_NE(s.warnings[0].find("average"), std::string::npos);
    // The same cell written with ordinary operations reads the same sites.
    record plain = r;
    plain.text = modulated("");
    plain.text.replace(plain.text.find("loop_\n_space_group_symop_ssg_id"), std::string::npos, "");
    plain.text += "loop_\n_symmetry_equiv_pos_as_xyz\nx,y,z\nx,1/2+y,1/2+z\n1/2+x,y,1/2+z\n1/2+x,1/2+y,z\n"
                  "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                  "_atom_site_fract_z\nNa1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n";
    const structure p = parse_record(plain);
    EXPECT_EQ(p.frac, s.frac);
    EXPECT_EQ(p.numbers, s.numbers);
    EXPECT_TRUE(p.warnings.empty());

    // x4 inside x, y or z: no average 3-D structure; refused naming the block.
    r.text = modulated("1 x1,x2,x3,x4\n2 x1+x4,x2,x3,x4\n");
    try {
        parse_record(r);
        FAIL() << "accepted an operation that mixes x4 into x";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("mod"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("internal coordinate"), std::string::npos) << e.what();
    }
}

TEST(Elements, AllOneHundredEighteenSymbolsRoundTrip) {
    ASSERT_EQ(max_atomic_number, 118);
    for (int z = 1; z <= 118; ++z) {
        const std::string sym(element_symbol(z));
        ASSERT_FALSE(sym.empty()) << z;
        EXPECT_EQ(atomic_number(sym), z) << sym;
        EXPECT_EQ(element_from_type_symbol(sym), z) << sym;
        EXPECT_EQ(element_from_type_symbol(sym + "2+"), z) << sym;
        EXPECT_EQ(element_from_label(sym + "1"), z) << sym;
    }
    EXPECT_EQ(element_from_type_symbol("Og"), 118);
    EXPECT_EQ(element_from_type_symbol("Ts"), 117);
    EXPECT_EQ(element_from_label("Og1"), 118);  // not O
    EXPECT_EQ(element_symbol(118), "Og");
    EXPECT_EQ(element_symbol(119), "");
    // Not elements: refused, never read as a prefix.
    EXPECT_EQ(element_from_type_symbol("Xx"), 0);
    EXPECT_EQ(element_from_type_symbol("Ox"), 0);
    EXPECT_EQ(element_from_type_symbol("D"), 0);  // deuterium: an error (pymatgen 2022.11: a dummy species)
    EXPECT_EQ(element_from_type_symbol("Fe2+x"), 0);
    EXPECT_EQ(element_from_label("Xx1"), 0);
    // Type symbols with oxidation states, water labels, and upper case.
    EXPECT_EQ(element_from_type_symbol("Fe3+"), 26);
    EXPECT_EQ(element_from_type_symbol("O2-"), 8);
    EXPECT_EQ(element_from_type_symbol("FE"), 26);
    EXPECT_EQ(element_from_type_symbol("Ow"), 8);
}

TEST(GoldenCifFiles, AnElementWithoutEmbeddingIsAPerRecordErrorNamingElementAndModel) {
    const fs::path d = xs_test::scratch("elements");
    const std::string cell = "_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
                             "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n"
                             "_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n";
    write_file(d / "in" / "a_og.cif", "data_x\n" + cell + "Og1 Og 0 0 0\nCl1 Cl 0.5 0.5 0.5\n");
    write_file(d / "in" / "b_md.cif", "data_x\n" + cell + "Md1 Md 0 0 0\nCl1 Cl 0.5 0.5 0.5\n");
    write_file(d / "in" / "c_xx.cif", "data_x\n" + cell + "Xx1 Xx 0 0 0\nCl1 Cl 0.5 0.5 0.5\n");
    write_file(d / "in" / "d_nacl.cif", "data_x\n" + cell + "Na1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n");
    const result r = predict_path(d / "in");
    ASSERT_EQ(r.errors.size(), 3u);
    EXPECT_EQ(r.values.size(), 1u);
    EXPECT_NE(r.errors.at("a_og").find("element Og (Z=118)"), std::string::npos) << r.errors.at("a_og");
    EXPECT_NE(r.errors.at("a_og").find("formation-energy-per-atom"), std::string::npos) << r.errors.at("a_og");
    EXPECT_NE(r.errors.at("b_md").find("element Md (Z=101)"), std::string::npos) << r.errors.at("b_md");
    EXPECT_NE(r.errors.at("c_xx").find("unknown element type symbol 'Xx'"), std::string::npos) << r.errors.at("c_xx");
    fs::remove_all(d);
}

TEST(GoldenCifFiles, ResultsNameTheFormulaAndSizeOfEachCandidate) {
    const fs::path d = xs_test::scratch("formula");
    const auto sample = xs_test::shared_dir() / "data" / "cgcnn" / "sample-regression";
    ASSERT_EQ(xs_test::run("XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " " + xs_test::cli() +
                           " screen --model cgcnn/band-gap --input " + sample.string() + " --labels " +
                           (xs_test::shared_dir() / "data" / "cgcnn" / "reference" / "sample-regression.csv").string() +
                           ":band-gap --all --top 5 --no-progress --out " + (d / "out").string() + " >/dev/null 2>&1"),
              0);
    const auto want = xs_test::read_table(xs_test::data_dir() / "sample-formulas.csv");  // pymatgen's
    const auto all = xs_test::read_table(d / "out" / "all.csv");
    ASSERT_EQ(all.keys.size(), 10u);
    for (const auto& id : all.keys) {
        EXPECT_EQ(all.rows.at(id).at("formula"), want.rows.at(id).at("formula")) << id;
        EXPECT_EQ(all.rows.at(id).at("natoms"), want.rows.at(id).at("natoms")) << id;
        EXPECT_EQ(all.rows.at(id).at("warnings"), "") << id;
    }
    const auto top = xs_test::read_table(d / "out" / "top.csv");
    ASSERT_EQ(top.header[2], "formula");
    ASSERT_EQ(top.header[3], "natoms");
    for (const auto& [rank, row] : top.rows) EXPECT_EQ(row.at("formula"), want.rows.at(row.at("id")).at("formula"));
    const std::string html = xs_test::slurp(d / "out" / "report.html");
    EXPECT_NE(html.find("<th>formula</th>"), std::string::npos);
    EXPECT_NE(html.find("<title>1507756 (BaTiO3)</title>"), std::string::npos);  // parity-plot tooltip
    fs::remove_all(d);
}

namespace {

std::string cubic_cif(double a, const std::string& sites) {
    return "data_x\n_cell_length_a " + std::to_string(a) + "\n_cell_length_b " + std::to_string(a) +
           "\n_cell_length_c " + std::to_string(a) +
           "\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n"
           "_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n" + sites;
}

}  // namespace

TEST(GoldenCifFiles, SuspiciousStructuresAreFlaggedNotRefused) {
    const fs::path d = xs_test::scratch("suspicious");
    write_file(d / "in" / "a_isolated.cif", cubic_cif(20.0, "Na1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n"));
    write_file(d / "in" / "b_overlap.cif", cubic_cif(5.64, "Na1 Na 0 0 0\nCl1 Cl 0.05 0 0\n"));
    write_file(d / "in" / "c_dense.cif", cubic_cif(1.0, "Na1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n"));
    write_file(d / "in" / "d_nacl.cif", cubic_cif(5.64, "Na1 Na 0 0 0\nNa2 Na 0 0.5 0.5\nNa3 Na 0.5 0 0.5\nNa4 Na 0.5 0.5 0\n"
                                               "Cl1 Cl 0.5 0 0\nCl2 Cl 0 0.5 0\nCl3 Cl 0 0 0.5\nCl4 Cl 0.5 0.5 0.5\n"));
    const result r = predict_path(d / "in");
    ASSERT_TRUE(r.errors.empty()) << r.errors.begin()->second;
    ASSERT_EQ(r.values.size(), 4u);
    auto has = [&](const std::string& id, const std::string& what) {
        for (const auto& w : r.warnings.at(id))
            if (w.find(what) != std::string::npos) return true;
        return false;
    };
    EXPECT_TRUE(has("a_isolated", "no neighbour within 8 A"));
    EXPECT_TRUE(has("a_isolated", "volume per atom 4e+03 A^3 outside 1-200"));
    EXPECT_TRUE(has("b_overlap", "closer than 0.5 A"));
    EXPECT_TRUE(has("c_dense", "volume per atom 0.5 A^3 outside 1-200"));
    EXPECT_TRUE(r.warnings.at("d_nacl").empty());
    for (const auto& [id, v] : r.values) EXPECT_TRUE(std::isfinite(v[0])) << id;
    fs::remove_all(d);
}

// One pathological cell must not exhaust memory in a long stream: the
// neighbour search refuses cells whose density would need millions of images.
TEST(GoldenCifFiles, PathologicallyDenseCellsFailFastUnderAMemoryCap) {
    const fs::path d = xs_test::scratch("dense");
    for (int k = 0; k < 20; ++k) {
        const std::string n = std::to_string(100 + k);
        write_file(d / "in" / ("tiny" + n + ".cif"), cubic_cif(0.1, "Na1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n"));
        write_file(d / "in" / ("salt" + n + ".cif"), cubic_cif(5.64 + 0.01 * k, "Na1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n"));
    }
    // 1.5 GB of address space: enough for the program, not for one 0.1 Å cell
    // searched in full (280 MB each, several in flight).
    const int rc = xs_test::run("ulimit -v 1500000; XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " " +
                                xs_test::cli() + " predict --model cgcnn/band-gap --threads 2 --input " +
                                (d / "in").string() + " --output " + (d / "out.csv").string() + " 2>" +
                                (d / "log.txt").string());
    EXPECT_EQ(rc, 3) << xs_test::slurp(d / "log.txt");  // some inputs failed, the run finished
    const auto out = xs_test::read_table(d / "out.csv");
    ASSERT_EQ(out.keys.size(), 40u);
    int predicted = 0;
    for (const auto& id : out.keys) {
        const bool tiny = id.rfind("tiny", 0) == 0;
        EXPECT_EQ(out.rows.at(id).at("band-gap").empty(), tiny) << id;
        predicted += !tiny;
    }
    EXPECT_EQ(predicted, 20);
    const auto errs = xs_test::slurp(d / "out.csv.errors.csv");
    EXPECT_NE(errs.find("too dense for the neighbour search"), std::string::npos) << errs;
    // The bound is an option: set low, it refuses ordinary salt too.
    EXPECT_EQ(xs_test::run("XTALSIEVE_MODELS=" + xs_test::pretrained_dir().string() + " " + xs_test::cli() +
                           " predict --model cgcnn/band-gap --max-images-per-atom 10 --input " +
                           (d / "in" / "salt100.cif").string() + " --output " + (d / "low.csv").string() + " 2>" +
                           (d / "log.txt").string()),
              3);
    EXPECT_NE(xs_test::slurp(d / "log.txt").find("(limit 10;"), std::string::npos) << xs_test::slurp(d / "log.txt");
    fs::remove_all(d);
}
