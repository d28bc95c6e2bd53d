#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_support.hpp"
#include "weights/pickle.hpp"
#include "xtalsieve/weights.hpp"

using namespace xtalsieve;
namespace fs = std::filesystem;

TEST(Checkpoint, AllOfficialCheckpointsLoad) {
    for (const auto& n : xs_test::official_names()) {
        const model_weights w = load_weights(xs_test::pretrained_dir() / (n + ".pth.tar"));
        EXPECT_EQ(w.name, n);
        EXPECT_EQ(w.hparam("atom_fea_len"), 64);
        EXPECT_EQ(w.hparam("n_conv"), 4);
        EXPECT_EQ(w.hparam("h_fea_len"), 32);
        EXPECT_EQ(w.hparam("n_h"), 1);
        EXPECT_EQ(w.hparam("classification"), n == "semi-metal-classification" ? 1 : 0) << n;
        EXPECT_EQ(w.at("embedding.weight").shape, (std::vector<std::int64_t>{64, 92}));
        EXPECT_EQ(w.at("convs.3.fc_full.weight").shape, (std::vector<std::int64_t>{128, 169}));
        EXPECT_EQ(w.at("fc_out.weight").shape, (std::vector<std::int64_t>{n == "semi-metal-classification" ? 2 : 1, 32}));
        EXPECT_EQ(w.tensors.count("convs.0.bn1.num_batches_tracked"), 0u);
        EXPECT_EQ(w.atom_init.shape[1], 92);
    }
}

TEST(Checkpoint, ValuesMatchTorchLoad) {
    // Values printed once by torch.load of band-gap.pth.tar (Debian's PyTorch 1.13).
    const model_weights w = load_weights(xs_test::pretrained_dir() / "band-gap.pth.tar");
    EXPECT_NEAR(w.norm_mean, 2.353832203000784, 1e-12);
    EXPECT_NEAR(w.norm_std, 1.4802391239920374, 1e-12);
    EXPECT_EQ(w.at("embedding.bias").data.size(), 64u);
}

TEST(Checkpoint, MissingAtomInitIsExplained) {
    const fs::path dir = fs::temp_directory_path() / ("xs-ckpt-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::copy_file(xs_test::pretrained_dir() / "band-gap.pth.tar", dir / "band-gap.pth.tar",
                  fs::copy_options::overwrite_existing);
    try {
        load_weights(dir / "band-gap.pth.tar");
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("--atom-init"), std::string::npos);
    }
    load_options lo;
    lo.atom_init = xs_test::pretrained_dir() / "atom_init.json";
    EXPECT_NO_THROW(load_weights(dir / "band-gap.pth.tar", lo));
    fs::remove_all(dir);
}

TEST(Checkpoint, TruncatedAndWrongMagicAreErrors) {
    const fs::path dir = fs::temp_directory_path() / ("xs-trunc-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::copy_file(xs_test::pretrained_dir() / "atom_init.json", dir / "atom_init.json");
    const std::string full = xs_test::slurp(xs_test::pretrained_dir() / "band-gap.pth.tar");
    for (std::size_t cut : {std::size_t(1), std::size_t(100), full.size() / 2, full.size() - 4}) {
        std::ofstream(dir / "t.pth.tar", std::ios::binary) << full.substr(0, cut);
        EXPECT_THROW(load_weights(dir / "t.pth.tar"), error) << cut;
    }
    std::ofstream(dir / "m.pth.tar", std::ios::binary) << "\x80\x02\x8a\x0a" + std::string(10, 'x') + ".";
    try {
        load_weights(dir / "m.pth.tar");
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("magic"), std::string::npos) << e.what();
    }
    std::ofstream(dir / "z.pth.tar", std::ios::binary) << "hello, not a checkpoint";
    EXPECT_THROW(load_weights(dir / "z.pth.tar"), error);
    fs::remove_all(dir);
}

TEST(Unpickler, RefusesGlobalsOutsideTheAllowList) {
    // Python: pickle.dumps of an object whose __reduce__ returns (os.system, ("echo pwned",)).
    for (const std::string mod : {"posix", "os", "builtins", "subprocess"}) {
        const std::string fn = mod == "builtins" ? "eval" : (mod == "subprocess" ? "call" : "system");
        std::string p = "\x80\x02" "c" + mod + "\n" + fn + "\n" "X\x0a\x00\x00\x00" "echo pwned" "\x85" "R.";
        std::size_t pos = 0;
        try {
            pickle::load(p, pos, "evil.pth");
            FAIL() << mod;
        } catch (const error& e) {
            const std::string w = e.what();
            EXPECT_NE(w.find("'" + mod + "." + fn + "'"), std::string::npos) << w;
            EXPECT_NE(w.find("evil.pth"), std::string::npos) << w;
        }
    }
    // STACK_GLOBAL (protocol 4) is checked the same way.
    std::string p4 = "\x80\x04\x8c\x02os\x8c\x06system\x93.";
    std::size_t pos = 0;
    EXPECT_THROW(pickle::load(p4, pos, "evil4"), error);
}

TEST(Unpickler, RejectsMalformedStreams) {
    std::size_t pos = 0;
    EXPECT_THROW(pickle::load(std::string("\x80\x02}q\x00(X\x03\x00\x00\x00ab"), pos, "t"), error);  // truncated
    pos = 0;
    EXPECT_THROW(pickle::load(std::string("\x80\x02\xff."), pos, "t"), error);  // bad opcode
    pos = 0;
    EXPECT_THROW(pickle::load(std::string("\x80\x02s."), pos, "t"), error);  // stack underflow
    pos = 0;
    EXPECT_THROW(pickle::load(std::string("\x80\x02h\x05."), pos, "t"), error);  // memo not set
    pos = 0;
    EXPECT_THROW(pickle::load(std::string(""), pos, "t"), error);
}

TEST(Unpickler, ReadsContainersAndNumbers) {
    // pickle.dumps({'a': [1, 2.5, True], 'b': (None, 'x')}, protocol=2)
    const std::string hex =
        "80027d71002858010000006171015d7102284b014740040000000000008865580100000062710"
        "34e5801000000787104867105752e";
    std::string p;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) p += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    std::size_t pos = 0;
    auto v = pickle::load(p, pos, "t");
    ASSERT_EQ(v->k, pickle::value::kind::dict);
    const auto* a = v->get("a");
    ASSERT_TRUE(a);
    ASSERT_EQ(a->items.size(), 3u);
    EXPECT_EQ(a->items[0]->i, 1);
    EXPECT_EQ(a->items[1]->f, 2.5);
    EXPECT_EQ(a->items[2]->k, pickle::value::kind::boolean);
    EXPECT_EQ(v->get("b")->items[1]->s, "x");
    EXPECT_EQ(pos, p.size());
}

TEST(Unpickler, SelfReferencingContainersLoadWithoutLeaksOrLoops) {
    // d = {}; d['self'] = d; d['x'] = [d] (found as a leak by fuzz_checkpoint).
    const std::string hex = "80027d710028580400000073656c667101680058010000007871025d7103680061752e";
    std::string p;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) p += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    std::size_t pos = 0;
    auto d = pickle::load(p, pos, "cycle");
    ASSERT_EQ(d->k, pickle::value::kind::dict);
    EXPECT_EQ(d->get("self"), d.get());
    EXPECT_EQ(d->get("x")->items.at(0), d.get());
}
