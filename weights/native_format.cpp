#include "weights/native_format.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/mapped_file.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::native {

namespace {

void put_u32(std::string& s, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_u64(std::string& s, std::size_t at, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t get_u(std::string_view s, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(s[at + i])) << (8 * i);
    return v;
}
std::size_t align_up(std::size_t x) { return (x + alignment - 1) / alignment * alignment; }

}  // namespace

std::uint64_t fnv1a64(std::string_view bytes) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (char c : bytes) {
        h ^= static_cast<std::uint8_t>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}

bool is_native(std::string_view head) { return head.size() >= 8 && std::memcmp(head.data(), magic, 8) == 0; }

void save(const model_weights& w, const std::filesystem::path& path) {
    std::map<std::string, const tensor*> all;
    for (const auto& [k, t] : w.tensors) all[k] = &t;
    tensor known;
    known.shape = {static_cast<std::int64_t>(w.atom_init_known.size())};
    for (auto b : w.atom_init_known) known.data.push_back(b ? 1.0f : 0.0f);
    if (!w.atom_init.data.empty()) {
        all["__atom_init__"] = &w.atom_init;
        all["__atom_init_known__"] = &known;
    }
    nlohmann::json h;
    h["arch"] = w.arch;
    h["name"] = w.name;
    h["hparams"] = w.hparams;
    h["meta"] = w.meta;
    h["norm_mean"] = w.norm_mean;
    h["norm_std"] = w.norm_std;
    h["tensors"] = nlohmann::json::array();
    std::size_t off = 0;
    for (const auto& [k, t] : all) {
        h["tensors"].push_back({{"name", k}, {"shape", t->shape}, {"offset", off}, {"numel", t->data.size()}});
        off = align_up(off + t->data.size() * sizeof(float));
    }
    const std::string header = h.dump();
    const std::size_t data_start = align_up(fixed_header + header.size());
    std::string file(data_start + off, '\0');
    std::memcpy(file.data(), magic, 8);
    put_u32(file, 8, version);
    put_u32(file, 12, 0);
    put_u64(file, 16, header.size());
    put_u64(file, 24, file.size() - fixed_header);
    std::memcpy(file.data() + fixed_header, header.data(), header.size());
    std::size_t pos = data_start;
    for (const auto& [k, t] : all) {
        std::memcpy(file.data() + pos, t->data.data(), t->data.size() * sizeof(float));
        pos = data_start + align_up(pos - data_start + t->data.size() * sizeof(float));
    }
    put_u64(file, 32, fnv1a64(std::string_view(file).substr(fixed_header)));

    // Atomic: a reader sees the old file or the complete new one.
    const std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw error(tmp.string() + ": cannot write");
        out.write(file.data(), static_cast<std::streamsize>(file.size()));
        out.flush();
        if (!out) throw error(tmp.string() + ": write failed");
    }
    if (int fd = ::open(tmp.c_str(), O_RDONLY); fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
    std::filesystem::rename(tmp, path);
}

model_weights load(const std::filesystem::path& path) {
    io::mapped_file f(path);
    const std::string_view s = f.view();
    const std::string who = path.string();
    if (s.size() < fixed_header || !is_native(s)) throw error(who + ": not an xtalsieve weight file (bad magic)");
    const auto ver = get_u(s, 8, 4);
    if (ver != version)
        throw error(who + ": weight format version " + std::to_string(ver) + " is not supported (this build reads " +
                    std::to_string(version) + ")");
    const auto hsize = get_u(s, 16, 8), psize = get_u(s, 24, 8), sum = get_u(s, 32, 8);
    if (psize != s.size() - fixed_header || hsize > psize) throw error(who + ": truncated or corrupt (size mismatch)");
    if (fnv1a64(s.substr(fixed_header)) != sum) throw error(who + ": checksum mismatch (file corrupt)");
    nlohmann::json h;
    try {
        h = nlohmann::json::parse(s.substr(fixed_header, hsize));
    } catch (const std::exception& e) {
        throw error(who + ": corrupt header: " + e.what());
    }
    const std::size_t data_start = align_up(fixed_header + hsize);
    model_weights w;
    try {
        w.arch = h.at("arch").get<std::string>();
        w.name = h.at("name").get<std::string>();
        w.hparams = h.at("hparams").get<std::map<std::string, double>>();
        w.meta = h.at("meta").get<std::map<std::string, std::string>>();
        w.norm_mean = h.at("norm_mean").get<double>();
        w.norm_std = h.at("norm_std").get<double>();
        for (const auto& t : h.at("tensors")) {
            tensor x;
            x.shape = t.at("shape").get<std::vector<std::int64_t>>();
            const auto off = t.at("offset").get<std::size_t>();
            const auto n = t.at("numel").get<std::size_t>();
            if (x.numel() != static_cast<std::int64_t>(n) || data_start + off + n * sizeof(float) > s.size())
                throw error("tensor out of bounds");
            x.data.resize(n);
            std::memcpy(x.data.data(), s.data() + data_start + off, n * sizeof(float));
            const std::string name = t.at("name").get<std::string>();
            if (name == "__atom_init__") w.atom_init = std::move(x);
            else if (name == "__atom_init_known__")
                for (float v : x.data) w.atom_init_known.push_back(v != 0.0f);
            else w.tensors[name] = std::move(x);
        }
    } catch (const std::exception& e) {
        throw error(who + ": corrupt header: " + e.what());
    }
    w.meta["source"] = who;
    return w;
}

}  // namespace xtalsieve::native
