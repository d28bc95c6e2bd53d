// Other input formats, compressed and archived (fixtures: tests/make_reader_fixtures.py
// writes the shared sample CIFs' structures with pymatgen and ASE).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <filesystem>
#include <map>

#include "io/byte_stream.hpp"
#include "io/record_streams.hpp"
#include "test_support.hpp"
#include "xtalsieve/formats.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/predictor.hpp"

using namespace xtalsieve;

namespace {

std::string fs_name(const std::string& source) {
    return std::filesystem::path(source).filename().string();
}

// The same structures appear in several formats of the fixture folder, so
// later copies are renamed id#2, id#3 (ids stay unique within a run).
std::string base_id(std::string id) {
    if (id.rfind("POSCAR_", 0) == 0) id = id.substr(7);
    return id.substr(0, id.find('#'));
}

}  // namespace

TEST(GoldenReaders, EveryFormatPredictsAsTheCifPath) {
    const auto ref = xs_test::read_table(xs_test::shared_dir() / "data" / "cgcnn" / "reference" / "sample-regression.csv");
    std::vector<model_weights> w;
    w.push_back(load_weights(xs_test::pretrained_dir() / "band-gap.pth.tar"));
    predictor pred(std::move(w));
    auto in = open_input(xs_test::data_dir() / "readers" / "good");
    std::map<std::string, int> per_source;
    std::size_t n = 0;
    pred.run(*in, [&](const prediction& p) {
        ++n;
        ASSERT_TRUE(p.error.empty()) << p.source << ": " << p.error;
        const std::string id = base_id(p.id);
        ASSERT_EQ(ref.rows.count(id), 1u) << p.id << " from " << p.source;
        if (p.id.find('#') != std::string::npos) {
            ASSERT_EQ(p.warnings.size(), 1u) << p.id;
            EXPECT_NE(p.warnings[0].find("renamed " + p.id), std::string::npos) << p.warnings[0];
        }
        EXPECT_NEAR(p.values[0], ref.num(id, "band-gap"), 1e-4) << p.id << " from " << p.source;
        const std::string src = p.source;
        ++per_source[src.find(".db") != std::string::npos     ? "db"
                     : src.find(".json") != std::string::npos   ? "json"
                     : src.find(".zip!") != std::string::npos   ? "zip"
                     : src.find(".tar.gz!") != std::string::npos ? "tar"
                     : src.find(".xyz.gz") != std::string::npos ? "xyz.gz"
                                                                 : "poscar"];
    });
    EXPECT_EQ(n, 52u);
    EXPECT_EQ(per_source["json"], 10);
    EXPECT_EQ(per_source["db"], 10);
    EXPECT_EQ(per_source["zip"], 10);
    EXPECT_EQ(per_source["tar"], 10);
    EXPECT_EQ(per_source["xyz.gz"], 10);
    EXPECT_EQ(per_source["poscar"], 2);
}

TEST(Readers, MalformedFilesAreEachOneReportedRecord) {
    auto in = open_input(xs_test::data_dir() / "readers" / "bad");
    record r;
    std::vector<std::string> errors;
    std::size_t n = 0;
    while (in->next(r)) {
        ++n;
        try {
            parse_record(r);
            ADD_FAILURE() << r.source << " parsed";
        } catch (const error& e) {
            errors.push_back(e.what());
            EXPECT_NE(std::string(e.what()).find(fs_name(r.source)), std::string::npos) << e.what();
        }
    }
    EXPECT_EQ(n, 15u);  // records in = records out: one per file, one per database row
    EXPECT_EQ(errors.size(), 15u);
}

TEST(Readers, PoscarVariants) {
    const std::string vasp5 =
        "NaCl\n1.0\n5.64 0 0\n0 5.64 0\n0 0 5.64\nNa Cl\n1 1\nSelective dynamics\nDirect\n0 0 0 T T T\n0.5 0.5 0.5 F F F\n";
    structure s = read_poscar(vasp5, "a");
    EXPECT_EQ(s.numbers, (std::vector<int>{11, 17}));
    EXPECT_DOUBLE_EQ(s.frac[1][0], 0.5);
    // VASP 4: species from the comment line; Cartesian; negative scale = volume.
    const std::string vasp4 = "Na Cl\n-179.406144\n1 0 0\n0 1 0\n0 0 1\n1 1\nCartesian\n0 0 0\n0.5 0.5 0.5\n";
    structure t = read_poscar(vasp4, "b");
    EXPECT_NEAR(t.lattice[0][0], 5.64, 1e-9);
    EXPECT_NEAR(t.frac[1][2], 0.5 / 5.64 * 5.64 / 5.64 * 5.64, 1e-9);
    EXPECT_EQ(t.numbers, (std::vector<int>{11, 17}));
    EXPECT_THROW(read_poscar("x\n1\n1 0 0\n0 1 0\n0 0 1\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n", "c"), error);  // no names
    structure u = read_poscar("x\n1\n1 0 0\n0 1 0\n0 0 1\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n", "c", {"K", "Br"});
    EXPECT_EQ(u.numbers, (std::vector<int>{19, 35}));
}

TEST(Readers, ExtxyzHeaderGrammar) {
    const std::string two_frames =
        "2\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 pbc=\"T T T\" id=first\n"
        "Na 0 0 0 0.1 0.2 0.3\nCl 2 2 2 0 0 0\n"
        "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 config_type={bulk crystal}\nCu 0 0 0\n";
    auto in = io::make_stream_reader("extxyz", {io::memory_stream(two_frames), "two.xyz", "two"}, {});
    std::vector<record> frames;
    for (record r; in->next(r);) frames.push_back(r);
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(frames[1].line, 5u);
    EXPECT_EQ(extxyz_frame_id(frames[0].text), "first");
    EXPECT_EQ(extxyz_frame_id(frames[1].text), "");
    structure a = read_extxyz_frame(frames[0].text, "f0");
    EXPECT_DOUBLE_EQ(a.frac[1][0], 0.5);
    structure b = read_extxyz_frame(frames[1].text, "f1");
    EXPECT_EQ(b.numbers, (std::vector<int>{29}));
    EXPECT_THROW(read_extxyz_frame("1\npbc=\"T T F\" Lattice=\"3 0 0 0 3 0 0 0 3\"\nCu 0 0 0\n", "x"), error);
}

TEST(Readers, AseDatabaseSelect) {
    input_options o;
    o.select = "split=val";
    auto in = open_input(xs_test::data_dir() / "readers" / "good" / "structures.db", o);
    record r;
    std::vector<std::string> ids;
    while (in->next(r)) {
        ids.push_back(r.id);
        EXPECT_EQ(parse_record(r).size(), parse_record(r).numbers.size());
    }
    // Rows whose name sorts before "5": 1000041, 1000050, 1101051, 1507756.
    EXPECT_EQ(ids, (std::vector<std::string>{"1000041", "1000050", "1101051", "1507756"}));
    o.select = "nonsense";
    EXPECT_THROW(open_input(xs_test::data_dir() / "readers" / "good" / "structures.db", o), error);
}

TEST(Readers, EveryStructureBlockOfACifIsACandidateNamedByFileAndBlock) {
    auto in = open_input(xs_test::data_dir() / "readers" / "multi" / "two_blocks.cif");
    record r;
    std::vector<std::string> ids;
    std::vector<std::size_t> lines;
    while (in->next(r)) {
        ids.push_back(r.id);
        lines.push_back(r.line);
        EXPECT_EQ(parse_record(r).size(), 2u);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"two_blocks:first", "two_blocks:second"}));
    EXPECT_EQ(lines, (std::vector<std::size_t>{1, 16}));
}

// Found by fuzz_sqlite: a corrupt page made every later step fail again, so
// the reader reported errors forever. A failed step now ends the table.
TEST(Readers, ACorruptDatabasePageEndsTheTableWithOneError) {
    auto in = open_input(xs_test::data_dir() / "readers" / "corrupt" / "malformed_page.db");
    record r;
    std::vector<record> recs;
    while (in->next(r) && recs.size() < 1000) recs.push_back(r);
    ASSERT_FALSE(recs.empty());
    ASSERT_LT(recs.size(), 1000u);
    EXPECT_NE(recs.back().error.find("malformed"), std::string::npos) << recs.back().error;
    for (std::size_t i = 0; i + 1 < recs.size(); ++i) EXPECT_TRUE(recs[i].error.empty()) << recs[i].error;
}

TEST(Readers, FormatFromNameContentOrOption) {
    const auto p = std::filesystem::temp_directory_path() / ("xtalsieve-frames-" + std::to_string(::getpid()) + ".txt");
    {
        std::ofstream out(p);
        out << "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3\nCu 0 0 0\n"
               "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3\nAu 0 0 0\n";
    }
    // .txt: no format from the name, but the first lines are an extended XYZ frame.
    auto count_atoms = [](const std::filesystem::path& f, const input_options& o) {
        auto in = open_input(f, o);
        record r;
        std::size_t n = 0;
        while (in->next(r)) n += parse_record(r).size();
        return n;
    };
    EXPECT_EQ(count_atoms(p, {}), 2u);
    // A POSCAR is not guessed from its content: --format (or its alias) names it.
    const auto q = std::filesystem::temp_directory_path() / ("xtalsieve-poscar-" + std::to_string(::getpid()) + ".txt");
    std::ofstream(q) << "NaCl\n1.0\n5.64 0 0\n0 5.64 0\n0 0 5.64\nNa Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n";
    EXPECT_THROW(open_input(q), error);
    input_options o;
    o.format = "vasp";
    EXPECT_EQ(count_atoms(q, o), 2u);
    // A CIF behind comments, in a file without an extension.
    const auto c = std::filesystem::temp_directory_path() / ("xtalsieve-cif-" + std::to_string(::getpid()));
    std::ofstream(c) << "# from a database dump\n\ndata_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n"
                        "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n"
                        "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\nCl1 0.5 0.5 0.5\n";
    EXPECT_EQ(count_atoms(c, {}), 2u);
    std::filesystem::remove(q);
    std::filesystem::remove(c);
    o.format = "nope";
    try {
        open_input(p, o);
        ADD_FAILURE() << "accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("--format expects"), std::string::npos) << e.what();
    }
    std::filesystem::remove(p);
}
