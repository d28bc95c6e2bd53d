// The screen's checkpoint state (engine/screen/screen_state.hpp): what it keeps
// per candidate, and reading checkpoints of earlier versions.
#include <gtest/gtest.h>
#include <roaring/roaring.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/screen/screen_state.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

std::string roaring_hex(std::initializer_list<std::uint32_t> values) {
    roaring_bitmap_t* b = roaring_bitmap_create();
    for (auto v : values) roaring_bitmap_add(b, v);
    std::string raw(roaring_bitmap_portable_size_in_bytes(b), '\0');
    roaring_bitmap_portable_serialize(b, raw.data());
    roaring_bitmap_free(b);
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) out += {digits[c >> 4], digits[c & 15]};
    return out;
}

void put64(std::string& s, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint64_t fnv1a(const std::string& p, std::uint64_t h = 0xcbf29ce484222325ull) {
    for (unsigned char c : p) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

}  // namespace

// Filter and element counts survive a checkpoint, and a stream's contiguous
// processed positions cost a few bytes, not one bit each.
TEST(ScreenState, CountsRoundTripAndProcessedPositionsStaySmall) {
    const fs::path d = xs_test::scratch("state");
    xtalsieve::screen_state a;
    a.fingerprint = "fp";
    const std::uint32_t n = 1000000;
    for (std::uint32_t seq = 0; seq < n; ++seq) roaring_bitmap_add(a.processed, seq);
    a.inputs = n;
    a.filtered_by["charge balance"] = 700000;
    a.filtered_by["where e <"] = 12;
    a.element_index[8] = 999999;
    a.element_index[22] = 1;
    a.save(d / "checkpoint.bin");
    // As one bit per position the bitmap alone would be 125 kB.
    EXPECT_LT(fs::file_size(d / "checkpoint.bin"), 4096u);
    xtalsieve::screen_state b;
    b.load(d / "checkpoint.bin");
    EXPECT_EQ(b.filtered_by, a.filtered_by);
    EXPECT_EQ(b.element_index, a.element_index);
    EXPECT_EQ(roaring_bitmap_get_cardinality(b.processed), n);
    EXPECT_TRUE(roaring_bitmap_contains(b.processed, n - 1));
    EXPECT_FALSE(roaring_bitmap_contains(b.processed, n));
    fs::remove_all(d);
}

// A checkpoint written while filters and elements were kept as bitmaps of
// stream positions (hexadecimal CRoaring strings) resumes with their counts.
TEST(ScreenState, BitmapCheckpointsOfEarlierVersionsResumeAsCounts) {
    const fs::path d = xs_test::scratch("state-old");
    nlohmann::json j;
    j["fingerprint"] = "fp";
    j["counts"] = {5, 2, 3, 0, 0, 0, 0};
    j["filtered_by"]["charge balance"] = roaring_hex({1, 3});
    j["filtered_by"]["tolerance factor"] = roaring_hex({4});
    j["element_index"]["8"] = roaring_hex({0, 1, 2, 3, 4});
    j["element_index"]["22"] = roaring_hex({0, 70000});
    j["top"] = nlohmann::json::array();
    for (const char* k : {"lab_pred", "lab_true", "lab_score", "sample"}) j[k] = nlohmann::json::array();
    j["seen_keys"] = nlohmann::json::object();
    j["bytes"] = {0, 0};
    const std::string js = j.dump();
    roaring_bitmap_t* p = roaring_bitmap_create();
    roaring_bitmap_add_range(p, 0, 5);
    std::string bm(roaring_bitmap_portable_size_in_bytes(p), '\0');
    roaring_bitmap_portable_serialize(p, bm.data());
    roaring_bitmap_free(p);
    // A checkpoint file: magic, sizes, checksum, JSON, bitmap (screen_state.hpp).
    const auto write_checkpoint = [&](const fs::path& f, const std::string& json) {
        std::string out("XSSCRN1", 8);
        put64(out, json.size());
        put64(out, bm.size());
        put64(out, fnv1a(bm, fnv1a(json)));
        xs_test::write_file(f, out + json + bm);
    };
    write_checkpoint(d / "checkpoint.bin", js);

    xtalsieve::screen_state s;
    s.load(d / "checkpoint.bin");
    EXPECT_EQ(s.inputs, 5u);
    EXPECT_EQ(s.filtered_by.at("charge balance"), 2u);
    EXPECT_EQ(s.filtered_by.at("tolerance factor"), 1u);
    EXPECT_EQ(s.element_index.at(8), 5u);
    EXPECT_EQ(s.element_index.at(22), 2u);
    EXPECT_EQ(roaring_bitmap_get_cardinality(s.processed), 5u);
    // A corrupt bitmap string is still refused.
    j["element_index"]["8"] = "zz";
    write_checkpoint(d / "bad.bin", j.dump());
    xtalsieve::screen_state t;
    EXPECT_THROW(t.load(d / "bad.bin"), xtalsieve::error);
    fs::remove_all(d);
}
