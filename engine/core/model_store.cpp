#include "xtalsieve/model_store.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "xtalsieve/error.hpp"

namespace fs = std::filesystem;

namespace xtalsieve {

namespace {

// The CGCNN repository at the commit whose pre-trained files these hashes describe.
constexpr const char* official_base =
    "https://raw.githubusercontent.com/txie-93/cgcnn/a03d5388a1e4a53493115f5eb9069a3428c7cdb5/";

struct official_file {
    const char* stem;
    const char* sha256;
};

constexpr official_file official[] = {
    {"band-gap", "d269775b9be0995c046abed3dd6556c281a3eff7b2e1d73cf81b99e2a1d4aa6c"},
    {"bulk-moduli", "0a3f66b9a0ee6acef11bb852717424a6c3560073239c17bdbea568cc43816dd3"},
    {"efermi", "5ed4ba15b5bd3e04ce6b0eca75f15bb6465557aada4097f11291ea1e7cd48afb"},
    {"final-energy-per-atom", "1afe9260a0b7bd01d2a0a752fbac12be5badea6a56e57aeea5877ae8f9a32c57"},
    {"formation-energy-per-atom", "e2f8bb910744f2c2f21d968285b6fd4316d795d0f3e7465ed0e3b4f3c92651a1"},
    {"poisson-ratio", "8d152338550b49ff6c3790cccdb892ee8bafe513bc49ab21955cdf7807e89513"},
    {"semi-metal-classification", "3791d48885afafb28c0797e22637b63ea591cf7fb27497ce537911261b92edc8"},
    {"shear-moduli", "34173bc59a0a8f9f74021155b304b74d9e709b1ff241d3f02e83031c9deb216c"},
};
constexpr const char* atom_init_sha256 =
    "cb90bd2257dbf8cfc4e6b2b6d4348d4616e8e9680f1339b1461137032e0f1894";

std::vector<fs::path> model_dirs() {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("XTALSIEVE_MODELS")) {
        std::stringstream ss(env);
        std::string d;
        while (std::getline(ss, d, ':'))
            if (!d.empty()) dirs.emplace_back(d);
    }
    return dirs;
}

fs::path cache_dir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "xtalsieve" / "cgcnn";
    if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "xtalsieve" / "cgcnn";
    return fs::temp_directory_path() / "xtalsieve-cache" / "cgcnn";
}

}  // namespace

std::string file_sha256(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw error(p.string() + ": cannot open");
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    std::array<char, 1 << 16> buf;
    while (in) {
        in.read(buf.data(), buf.size());
        EVP_DigestUpdate(ctx, buf.data(), static_cast<std::size_t>(in.gcount()));
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    std::string hex;
    char tmp[3];
    for (unsigned i = 0; i < len; ++i) {
        std::snprintf(tmp, sizeof tmp, "%02x", md[i]);
        hex += tmp;
    }
    return hex;
}

namespace {

std::size_t write_cb(char* ptr, std::size_t size, std::size_t n, void* user) {
    return std::fwrite(ptr, size, n, static_cast<FILE*>(user)) * size;
}

// Downloads url to dest through a temporary file, verified by SHA-256.
void download(const std::string& url, const fs::path& dest, const std::string& sha256) {
    fs::create_directories(dest.parent_path());
    const fs::path tmp = dest.string() + ".part";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw error(tmp.string() + ": cannot write");
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &write_cb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    std::fclose(f);
    if (rc != CURLE_OK) {
        fs::remove(tmp);
        throw error("download of " + url + " failed: " + curl_easy_strerror(rc));
    }
    const std::string got = file_sha256(tmp);
    if (got != sha256) {
        fs::remove(tmp);
        throw error("download of " + url + " has SHA-256 " + got + ", expected " + sha256);
    }
    fs::rename(tmp, dest);
}

// <stem>.xtsw or <stem>.pth.tar (CGCNN), or <stem>/model.json (MatGL's
// pretrained_models layout), in dir or its cgcnn/ or matgl/ subfolder.
fs::path find_in(const fs::path& dir, const std::string& stem) {
    for (const fs::path& d : {dir, dir / "cgcnn", dir / "matgl"}) {
        for (const char* ext : {".xtsw", ".pth.tar"}) {
            const fs::path p = d / (stem + ext);
            if (fs::is_regular_file(p)) return p;
        }
        if (const fs::path p = d / stem / "model.json"; fs::is_regular_file(p)) return p;
    }
    return {};
}

}  // namespace

std::vector<std::string> official_models() {
    std::vector<std::string> v;
    for (const auto& o : official) v.push_back(std::string("cgcnn/") + o.stem);
    return v;
}

fs::path resolve_model(const std::string& arg, const resolve_options& opt) {
    if (fs::is_regular_file(arg)) return arg;
    if (fs::is_directory(arg) && fs::is_regular_file(fs::path(arg) / "model.json")) return fs::path(arg) / "model.json";
    std::string stem = arg;
    if (stem.rfind("cgcnn/", 0) == 0) stem = stem.substr(6);
    else if (stem.rfind("matgl/", 0) == 0) stem = stem.substr(6);
    if (stem.empty() || stem.find('/') != std::string::npos)
        throw error("model '" + arg + "': no such file, and not a model name like cgcnn/band-gap or "
                    "matgl/MEGNet-MP-2018.6.1-Eform");

    std::string looked;
    for (const fs::path& d : model_dirs()) {
        if (fs::path p = find_in(d, stem); !p.empty()) return p;
        looked += " " + d.string();
    }
    const fs::path cache = cache_dir();
    if (fs::path p = find_in(cache, stem); !p.empty()) return p;
    looked += " " + cache.string();

    const official_file* off = nullptr;
    for (const auto& o : official)
        if (stem == o.stem) off = &o;
    if (off && opt.allow_download) {
        const fs::path dest = cache / (stem + ".pth.tar");
        try {
            download(std::string(official_base) + "pre-trained/" + stem + ".pth.tar", dest, off->sha256);
            if (!fs::exists(cache / "atom_init.json"))
                download(std::string(official_base) + "data/sample-regression/atom_init.json",
                         cache / "atom_init.json", atom_init_sha256);
            return dest;
        } catch (const error& e) {
            throw error("model '" + arg + "' not found (looked in:" + looked + ") and " + e.what() +
                        ". Offline? Put the checkpoints in a folder and set XTALSIEVE_MODELS=/that/folder "
                        "(colon-separated list), or pass the .pth.tar path.");
        }
    }
    throw error("model '" + arg + "' not found (looked in:" + looked +
                "). Set XTALSIEVE_MODELS to a colon-separated list of folders holding <name>.pth.tar, "
                "<name>.xtsw or <name>/model.json (MatGL), or pass a checkpoint path.");
}

}  // namespace xtalsieve
