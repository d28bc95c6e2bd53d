#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"
#include "xtalsieve/weights.hpp"

using namespace xtalsieve;
namespace fs = std::filesystem;

namespace {

fs::path tmpdir() {
    fs::path d = fs::temp_directory_path() / ("xs-native-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}

void patch(const fs::path& p, std::size_t at, char c) {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(c);
}

}  // namespace

TEST(NativeFormat, RoundTripIsBitIdentical) {
    const fs::path d = tmpdir();
    const model_weights a = load_weights(xs_test::pretrained_dir() / "semi-metal-classification.pth.tar");
    save_native(a, d / "m.xtsw");
    const model_weights b = load_weights(d / "m.xtsw");
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.arch, b.arch);
    EXPECT_EQ(a.hparams, b.hparams);
    EXPECT_EQ(a.norm_mean, b.norm_mean);
    EXPECT_EQ(a.norm_std, b.norm_std);
    ASSERT_EQ(a.tensors.size(), b.tensors.size());
    for (const auto& [k, t] : a.tensors) {
        EXPECT_EQ(t.shape, b.at(k).shape) << k;
        EXPECT_EQ(0, std::memcmp(t.data.data(), b.at(k).data.data(), t.data.size() * 4)) << k;
    }
    EXPECT_EQ(a.atom_init.data, b.atom_init.data);
    EXPECT_EQ(a.atom_init_known, b.atom_init_known);
    // 64-byte alignment of the data block, as documented.
    EXPECT_EQ(fs::file_size(d / "m.xtsw") % 64, 0u);
    fs::remove_all(d);
}

TEST(NativeFormat, CorruptionVersionAndTruncationAreErrors) {
    const fs::path d = tmpdir();
    const model_weights a = load_weights(xs_test::pretrained_dir() / "band-gap.pth.tar");
    save_native(a, d / "m.xtsw");
    const auto size = fs::file_size(d / "m.xtsw");

    fs::copy_file(d / "m.xtsw", d / "c.xtsw");
    patch(d / "c.xtsw", size - 100, 0x5a);
    try {
        load_weights(d / "c.xtsw");
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
    }
    fs::copy_file(d / "m.xtsw", d / "v.xtsw");
    patch(d / "v.xtsw", 8, 9);
    try {
        load_weights(d / "v.xtsw");
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("version"), std::string::npos) << e.what();
    }
    fs::copy_file(d / "m.xtsw", d / "t.xtsw");
    fs::resize_file(d / "t.xtsw", size / 2);
    EXPECT_THROW(load_weights(d / "t.xtsw"), error);
    fs::remove_all(d);
}
