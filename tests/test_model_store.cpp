#include <gtest/gtest.h>

#include <cstdlib>

#include "test_support.hpp"
#include "xtalsieve/model_store.hpp"

using namespace xtalsieve;

namespace {

struct env_guard {
    std::string name;
    std::string old;
    bool had;
    env_guard(const char* n, const std::string& v) : name(n) {
        const char* o = std::getenv(n);
        had = o != nullptr;
        if (had) old = o;
        setenv(n, v.c_str(), 1);
    }
    ~env_guard() {
        if (had) setenv(name.c_str(), old.c_str(), 1);
        else unsetenv(name.c_str());
    }
};

}  // namespace

TEST(ModelStore, ResolvesOfficialNamesThroughXtalsieveModels) {
    env_guard g("XTALSIEVE_MODELS", "/nonexistent:" + xs_test::pretrained_dir().string());
    for (const auto& n : official_models()) {
        auto p = resolve_model(n, {.allow_download = false});
        EXPECT_EQ(p.parent_path(), xs_test::pretrained_dir());
        EXPECT_EQ(p.filename().string(), n.substr(6) + ".pth.tar");
    }
    EXPECT_EQ(official_models().size(), 8u);
}

TEST(ModelStore, PathsAreReturnedAsGiven) {
    const auto p = xs_test::pretrained_dir() / "band-gap.pth.tar";
    EXPECT_EQ(resolve_model(p.string()), p);
}

TEST(ModelStore, MissingModelExplainsXtalsieveModels) {
    env_guard g("XTALSIEVE_MODELS", "/nonexistent");
    env_guard c("XDG_CACHE_HOME", "/nonexistent-cache");
    try {
        resolve_model("cgcnn/no-such-model", {.allow_download = false});
        FAIL() << "expected an error";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("XTALSIEVE_MODELS"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("/nonexistent"), std::string::npos) << e.what();
    }
}
