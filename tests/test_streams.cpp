// The streaming layer under every reader: records are cut from a byte stream
// one at a time, whatever the sizes of the reads, and a record over the byte
// limit is refused without stopping the stream.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "io/byte_stream.hpp"
#include "io/record_streams.hpp"
#include "test_support.hpp"
#include "xtalsieve/input.hpp"

using namespace xtalsieve;

namespace {

// Hands out its bytes a few at a time (1..7), so that every record and line
// boundary falls somewhere inside a read.
class dribble final : public io::byte_stream {
public:
    explicit dribble(std::string s) : s_(std::move(s)) {}
    std::size_t read(char* buf, std::size_t n) override {
        n = std::min({n, s_.size() - pos_, std::size_t(1 + (step_++ % 7))});
        std::memcpy(buf, s_.data() + pos_, n);
        pos_ += n;
        return n;
    }

private:
    std::string s_;
    std::size_t pos_ = 0, step_ = 0;
};

// Fails after `ok` bytes, as a corrupt compressed stream does.
class breaks final : public io::byte_stream {
public:
    breaks(std::string s, std::size_t ok) : s_(std::move(s)), ok_(ok) {}
    std::size_t read(char* buf, std::size_t n) override {
        if (pos_ >= ok_) throw error("mem.xyz: cannot decompress: broken block");
        n = std::min(n, ok_ - pos_);
        std::memcpy(buf, s_.data() + pos_, n);
        pos_ += n;
        return n;
    }

private:
    std::string s_;
    std::size_t ok_, pos_ = 0;
};

std::vector<record> read_all(const std::string& format, const std::string& text, input_options opt = {},
                             bool by_dribble = true) {
    io::stream_source src{by_dribble ? std::unique_ptr<io::byte_stream>(std::make_unique<dribble>(text))
                                     : io::memory_stream(text),
                          "mem." + format, "mem"};
    auto r = io::make_stream_reader(format, std::move(src), opt);
    std::vector<record> out;
    record rec;
    while (r->next(rec)) out.push_back(rec);
    return out;
}

std::string xyz_frame(int n, const std::string& extra = "") {
    std::string t = std::to_string(n) + "\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3" + extra + "\n";
    for (int i = 0; i < n; ++i) t += "Cu " + std::to_string(i % 4) + " 0 0\n";
    return t;
}

}  // namespace

TEST(Streams, LinesAreTheSameWhateverTheReadSizes) {
    std::string text;
    for (int i = 0; i < 500; ++i) text += std::string(static_cast<std::size_t>(i % 13), 'a' + i % 26) + "\r\n";
    text += "last line without newline";
    io::line_stream ls(std::make_unique<dribble>(text), 1 << 20);
    std::string_view l;
    std::size_t n = 0;
    std::string joined;
    while (ls.next(l)) {
        ++n;
        joined.append(l);
        joined.push_back('\n');
        EXPECT_EQ(ls.number(), n);
    }
    EXPECT_EQ(n, 501u);
    EXPECT_EQ(joined, text + "\n");
}

TEST(Streams, AnOverlongLineIsCutAndTheNextIsWhole) {
    const std::string text = "short\n" + std::string(5000, 'x') + "\nafter\n";
    io::line_stream ls(std::make_unique<dribble>(text), 100);
    std::string_view l;
    ASSERT_TRUE(ls.next(l));
    EXPECT_EQ(l, "short");
    EXPECT_FALSE(ls.cut());
    ASSERT_TRUE(ls.next(l));
    EXPECT_TRUE(ls.cut());
    EXPECT_EQ(l, std::string(100, 'x'));
    ASSERT_TRUE(ls.next(l));
    EXPECT_FALSE(ls.cut());
    EXPECT_EQ(l, "after");
    EXPECT_EQ(ls.number(), 3u);
    EXPECT_FALSE(ls.next(l));
}

TEST(Streams, XyzFramesTooLargeRecordsAndHugeCounts) {
    input_options opt;
    opt.max_record_bytes = 2000;
    const std::string text = xyz_frame(2, " id=a") + "\n" + xyz_frame(300) + "\n" + "999999999999\nLattice=\"1 0 0 0 1 0 0 0 1\"\nCu 0 0 0\n";
    // The huge count swallows the rest of the file: that is its one record.
    auto recs = read_all("extxyz", text + xyz_frame(1), opt);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[0].id, "a");
    EXPECT_TRUE(recs[0].error.empty());
    EXPECT_EQ(parse_record(recs[0]).size(), 2u);
    EXPECT_EQ(recs[1].id, "mem:1");
    EXPECT_EQ(recs[1].line, 6u);
    EXPECT_NE(recs[1].error.find("larger than the limit"), std::string::npos) << recs[1].error;
    EXPECT_NE(recs[2].error.find("more than the limit of 100000"), std::string::npos) << recs[2].error;

    // After a too-large frame the stream goes on.
    recs = read_all("extxyz", xyz_frame(300) + xyz_frame(3, " id=b"), opt);
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_FALSE(recs[0].error.empty());
    EXPECT_EQ(recs[1].id, "b");
    EXPECT_EQ(parse_record(recs[1]).size(), 3u);

    // A count that is not a number: one error record for the rest of the file.
    recs = read_all("extxyz", xyz_frame(1) + "many\nLattice=\"1 0 0 0 1 0 0 0 1\"\nCu 0 0 0\n" + xyz_frame(1));
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_NE(recs[1].error.find("line 4"), std::string::npos) << recs[1].error;
    EXPECT_NE(recs[1].error.find("'many'"), std::string::npos) << recs[1].error;
}

TEST(Streams, CifBlocksIncludingHeadersInsideTextFields) {
    const std::string block = "_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
                              "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
                              "_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\nCl1 0.5 0.5 0.5\n";
    const std::string text = "# preamble\ndata_one\n_publ_section_title\n;\ndata_not_a_block\n;\n" + block +
                             "DATA_Two\n" + block + "data_three\n" + block;
    const auto recs = read_all("cif", text);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[0].id, "mem:one");
    EXPECT_EQ(recs[1].id, "mem:Two");
    EXPECT_EQ(recs[2].id, "mem:three");
    EXPECT_EQ(recs[0].line, 2u);
    EXPECT_EQ(recs[1].line, 20u);
    for (const auto& r : recs) EXPECT_EQ(parse_record(r).size(), 2u) << r.id;
    // One block: the file is the record, named by the file.
    const auto one = read_all("cif", "data_x\n" + block);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].id, "mem");
    // A block over the limit is refused; the next is read.
    input_options opt;
    opt.max_record_bytes = 400;
    const auto big = read_all("cif", "data_a\n" + block + std::string(300, '#') + "\ndata_b\n" + block, opt);
    ASSERT_EQ(big.size(), 2u);
    EXPECT_NE(big[0].error.find("larger than the limit"), std::string::npos) << big[0].error;
    EXPECT_EQ(parse_record(big[1]).size(), 2u);
}

TEST(Streams, JsonDocumentsAreSplitItemByItem) {
    const std::string s =
        R"({"@class": "Structure", "lattice": {"matrix": [[4,0,0],[0,4,0],[0,0,4]]}, "sites": [{"species": [{"element": "Na", "occu": 1}], "abc": [0,0,0]}, {"species": [{"element": "Cl", "occu": 1}], "abc": [0.5,0.5,0.5]}]})";
    const std::string entry = R"({"entry_id": "E)";
    auto wrap = [&](int i) { return entry + std::to_string(i) + R"(", "structure": )" + s + ", \"note\": \"]}\\\"[{\"}"; };
    const std::string doc = "\xEF\xBB\xBF{\"config\": {\"a\": [1, 2]},\n \"entries\": [" + wrap(0) + ",\n" + wrap(1) +
                            ", " + wrap(2) + "], \"tail\": {\"x\": \"y\"}}\n";
    auto recs = read_all("json", doc);
    ASSERT_EQ(recs.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(recs[i].id, "E" + std::to_string(i));
        ASSERT_TRUE(recs[i].error.empty()) << recs[i].error;
        EXPECT_EQ(parse_record(recs[i]).size(), 2u);
    }
    EXPECT_EQ(recs[1].line, 3u);

    // A list with a broken item in the middle: that item fails, the others are read.
    recs = read_all("json", "[" + s + ", {\"lattice\": oops}, " + s + "]");
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_TRUE(recs[0].error.empty());
    try {  // items are checked when parsed, in parallel, not by the splitter
        parse_record(recs[1]);
        ADD_FAILURE() << "parsed";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("mem.json record 2 (line 1), id mem:1: invalid JSON"), std::string::npos)
            << e.what();
    }
    EXPECT_EQ(recs[2].id, "mem:2");
    EXPECT_TRUE(recs[2].error.empty());

    // One structure: one record named by the file.
    recs = read_all("json", s);
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].id, "mem");
    EXPECT_EQ(parse_record(recs[0]).size(), 2u);

    // Truncated, and text after the document: each one more error record.
    recs = read_all("json", "[" + s + ", " + s.substr(0, 50));
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_NE(recs[1].error.find("truncated"), std::string::npos) << recs[1].error;
    recs = read_all("json", "[" + s + "] garbage");
    ASSERT_EQ(recs.size(), 2u);
    EXPECT_NE(recs[1].error.find("after the JSON document"), std::string::npos) << recs[1].error;

    // An item over the limit is refused and the next one read.
    input_options opt;
    opt.max_record_bytes = s.size() + 10;
    recs = read_all("json", "[" + s + ", {\"pad\": \"" + std::string(2 * s.size(), 'p') + "\"}, " + s + "]", opt);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_NE(recs[1].error.find("larger than the limit"), std::string::npos) << recs[1].error;
    EXPECT_TRUE(recs[2].error.empty()) << recs[2].error;
}

TEST(Streams, CsvRecordsSpanLinesInsideQuotes) {
    const std::string cif = "data_x\n_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n"
                            "_cell_angle_beta 90\n_cell_angle_gamma 90\nloop_\n_atom_site_label\n_atom_site_fract_x\n"
                            "_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\nCl1 0.5 0.5 0.5\n";
    const std::string text = ",material_id,cif,note\n0,m-0,\"" + cif + "\",\"say \"\"hi\"\",\nthere\"\n\n1,m-1,\"" + cif +
                             "\",plain\n2,m-2,\"" + cif + "\"\n";
    const auto recs = read_all("csv", text);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[0].id, "m-0");
    EXPECT_EQ(recs[1].id, "m-1");
    EXPECT_EQ(recs[1].line, 19u);
    EXPECT_EQ(parse_record(recs[1]).size(), 2u);
    EXPECT_NE(recs[2].error.find("3 fields, header has 4"), std::string::npos) << recs[2].error;
}

TEST(Streams, AReadErrorEndsTheStreamWithOneErrorRecord) {
    const std::string text = xyz_frame(2) + xyz_frame(2) + xyz_frame(2);
    io::stream_source src{std::make_unique<breaks>(text, text.size() - 5), "mem.xyz", "mem"};
    auto r = io::make_stream_reader("extxyz", std::move(src), {});
    record rec;
    std::vector<record> recs;
    while (r->next(rec)) recs.push_back(rec);
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_TRUE(recs[0].error.empty());
    EXPECT_TRUE(recs[1].error.empty());
    EXPECT_NE(recs[2].error.find("cannot decompress: broken block"), std::string::npos) << recs[2].error;
    EXPECT_NE(recs[2].error.find("after 2 records"), std::string::npos) << recs[2].error;
}
