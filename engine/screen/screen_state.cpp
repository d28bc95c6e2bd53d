#include "engine/screen/screen_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "xtalsieve/error.hpp"

namespace xtalsieve {

namespace {

constexpr char magic[8] = {'X', 'S', 'S', 'C', 'R', 'N', '1', '\0'};

std::uint64_t fnv1a(const char* p, std::size_t n, std::uint64_t h = 0xcbf29ce484222325ull) {
    for (std::size_t i = 0; i < n; ++i) {
        h ^= static_cast<std::uint8_t>(p[i]);
        h *= 0x100000001b3ull;
    }
    return h;
}

void put64(std::string& s, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t get64(const std::string& s, std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(s[at + i])) << (8 * i);
    return v;
}

void fsync_path(const std::filesystem::path& p, int flags) {
    const int fd = ::open(p.c_str(), flags);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

namespace {

// Checkpoints written before the filter and element counts replaced bitmaps
// hold each as a hexadecimal string of CRoaring's portable format; resuming
// from one reads the bitmap's cardinality.
std::uint64_t cardinality_from_hex(const nlohmann::json& v) {
    if (!v.is_string()) throw error("corrupt bitmap");
    const std::string& h = v.get_ref<const std::string&>();
    if (h.size() % 2) throw error("corrupt bitmap");
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        throw error("corrupt bitmap");
    };
    std::string raw(h.size() / 2, '\0');
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<char>(nib(h[2 * i]) * 16 + nib(h[2 * i + 1]));
    roaring_bitmap_t* b = roaring_bitmap_portable_deserialize_safe(raw.data(), raw.size());
    if (!b) throw error("corrupt bitmap");
    const std::uint64_t n = roaring_bitmap_get_cardinality(b);
    roaring_bitmap_free(b);
    return n;
}

std::uint64_t count_from_json(const nlohmann::json& v) {
    return v.is_string() ? cardinality_from_hex(v) : v.get<std::uint64_t>();
}

}  // namespace

screen_state::screen_state() : processed(roaring_bitmap_create()) {}
screen_state::~screen_state() {
    roaring_bitmap_free(processed);
}

void screen_state::save(const std::filesystem::path& file) const {
    nlohmann::json j;
    j["fingerprint"] = fingerprint;
    j["counts"] = {inputs, scored, filtered, duplicate, failed, non_structure_blocks, warned};
    for (const auto& [k, n] : filtered_by) j["filtered_by"][k] = n;
    for (const auto& [z, n] : element_index) j["element_index"][std::to_string(z)] = n;
    auto& t = j["top"] = nlohmann::json::array();
    for (const auto& e : top)
        t.push_back({e.seq, e.id, e.source, e.index, e.score, e.values, e.stds, e.formula, e.natoms, e.warnings, e.descriptors});
    j["lab_pred"] = lab_pred;
    j["lab_true"] = lab_true;
    j["lab_score"] = lab_score;
    j["lab_label"] = lab_label;
    j["disc_pred"] = disc_pred;
    j["disc_true"] = disc_true;
    j["seen_keys"] = seen_keys;
    j["bytes"] = {all_csv_bytes, errors_csv_bytes};
    j["sample"] = sample;
    j["lab_seq"] = lab_seq;
    j["sample_seq"] = sample_seq;
    j["hull_systems"] = hull_systems;
    j["hull_ns"] = hull_ns;
    j["shard"] = {shard_index, shard_count};
    j["complete"] = complete;
    j["context"] = context;
    j["timings"] = timings;
    j["audit"] = {audit_seq, audit_approx, audit_exact};
    const std::string js = j.dump();
    // Runs of consecutive positions (a whole run's stream, a resumed range)
    // become run containers: a few bytes instead of 8 KiB per 65,536
    // positions, in memory as in the file. Only the representation changes.
    roaring_bitmap_run_optimize(processed);
    roaring_bitmap_shrink_to_fit(processed);
    std::string bm(roaring_bitmap_portable_size_in_bytes(processed), '\0');
    roaring_bitmap_portable_serialize(processed, bm.data());
    std::string out(magic, 8);
    put64(out, js.size());
    put64(out, bm.size());
    put64(out, fnv1a(bm.data(), bm.size(), fnv1a(js.data(), js.size())));
    out += js;
    out += bm;
    const std::filesystem::path tmp = file.string() + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f.write(out.data(), static_cast<std::streamsize>(out.size()));
        f.flush();
        if (!f) throw error(tmp.string() + ": cannot write checkpoint");
    }
    fsync_path(tmp, O_RDONLY);
    std::filesystem::rename(tmp, file);
    fsync_path(file.parent_path().empty() ? "." : file.parent_path(), O_RDONLY | O_DIRECTORY);
}

void screen_state::load(const std::filesystem::path& file) {
    std::ifstream f(file, std::ios::binary);
    if (!f) throw error(file.string() + ": no checkpoint to resume from");
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string s = ss.str();
    if (s.size() < 32 || std::memcmp(s.data(), magic, 8) != 0) throw error(file.string() + ": not a screen checkpoint");
    const auto jn = get64(s, 8), bn = get64(s, 16), sum = get64(s, 24);
    if (jn > s.size() || bn > s.size() || 32 + jn + bn != s.size()) throw error(file.string() + ": truncated checkpoint");
    if (fnv1a(s.data() + 32 + jn, bn, fnv1a(s.data() + 32, jn)) != sum)
        throw error(file.string() + ": checkpoint checksum mismatch (corrupt)");
    try {
        const auto j = nlohmann::json::parse(s.substr(32, jn));
        fingerprint = j.at("fingerprint");
        const auto c = j.at("counts");
        inputs = c[0], scored = c[1], filtered = c[2], duplicate = c[3], failed = c[4];
        non_structure_blocks = c.size() > 5 ? c[5].get<std::uint64_t>() : 0;
        warned = c.size() > 6 ? c[6].get<std::uint64_t>() : 0;
        filtered_by.clear();
        element_index.clear();
        if (j.contains("filtered_by"))
            for (const auto& [k, v] : j["filtered_by"].items()) filtered_by[k] = count_from_json(v);
        if (j.contains("element_index"))
            for (const auto& [k, v] : j["element_index"].items()) element_index[std::stoi(k)] = count_from_json(v);
        top.clear();
        for (const auto& e : j.at("top")) {
            top.push_back({e[0], e[1], e[2], e[3], e[4], e[5].get<std::vector<double>>(), e[6].get<std::vector<double>>(),
                           e.size() > 7 ? e[7].get<std::string>() : "", e.size() > 8 ? e[8].get<int>() : 0,
                           e.size() > 9 ? e[9].get<std::string>() : "", {}});
            // JSON has no NaN (it is saved as null): a descriptor without a value.
            if (e.size() > 10)
                for (const auto& d : e[10])
                    top.back().descriptors.push_back(d.is_null() ? std::nan("") : d.get<double>());
        }
        lab_pred = j.at("lab_pred").get<std::vector<double>>();
        lab_true = j.at("lab_true").get<std::vector<double>>();
        lab_score = j.at("lab_score").get<std::vector<double>>();
        lab_label = j.value("lab_label", std::vector<std::string>{});
        disc_pred = j.value("disc_pred", std::vector<double>{});
        disc_true = j.value("disc_true", std::vector<double>{});
        seen_keys = j.at("seen_keys").get<std::map<std::string, std::string>>();
        all_csv_bytes = j.at("bytes")[0];
        errors_csv_bytes = j.at("bytes")[1];
        sample = j.at("sample").get<std::vector<double>>();
        lab_seq = j.value("lab_seq", std::vector<std::uint64_t>{});
        sample_seq = j.value("sample_seq", std::vector<std::uint64_t>{});
        hull_systems = j.value("hull_systems", std::vector<std::pair<std::uint64_t, std::uint64_t>>{});
        hull_ns = j.value("hull_ns", std::uint64_t{0});
        if (j.contains("shard")) shard_index = j["shard"][0], shard_count = j["shard"][1];
        complete = j.value("complete", false);
        context = j.value("context", std::string{});
        timings = j.value("timings", std::string{});
        if (j.contains("audit")) {
            audit_seq = j["audit"][0].get<std::vector<std::uint64_t>>();
            audit_approx = j["audit"][1].get<std::vector<double>>();
            audit_exact = j["audit"][2].get<std::vector<double>>();
            if (audit_approx.size() != audit_seq.size() || audit_exact.size() != audit_seq.size())
                throw error("audit arrays of different lengths");
        }
    } catch (const std::exception& e) {
        throw error(file.string() + ": corrupt checkpoint: " + e.what());
    }
    roaring_bitmap_t* b = roaring_bitmap_portable_deserialize_safe(s.data() + 32 + jn, bn);
    if (!b) throw error(file.string() + ": corrupt processed-input bitmap");
    roaring_bitmap_free(processed);
    processed = b;
}

}  // namespace xtalsieve
