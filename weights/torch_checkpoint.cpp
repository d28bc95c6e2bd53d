#include "weights/torch_checkpoint.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cmath>
#include <cstring>
#include <map>
#include <unordered_set>

#include "io/mapped_file.hpp"
#include "weights/pickle.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::torch_ckpt {

namespace {

using pickle::value;
using kind = value::kind;

std::size_t dtype_size(const std::string& dt) {
    if (dt == "float" || dt == "int") return 4;
    if (dt == "double" || dt == "long") return 8;
    if (dt == "half" || dt == "bfloat16" || dt == "short") return 2;
    return 1;
}

// Storage key -> raw bytes.
using storages = std::map<std::string, std::string_view>;

float element(const std::string& dt, const char* p) {
    if (dt == "float") {
        float x;
        std::memcpy(&x, p, 4);
        return x;
    }
    if (dt == "double") {
        double x;
        std::memcpy(&x, p, 8);
        return static_cast<float>(x);
    }
    if (dt == "long") {
        std::int64_t x;
        std::memcpy(&x, p, 8);
        return static_cast<float>(x);
    }
    if (dt == "int") {
        std::int32_t x;
        std::memcpy(&x, p, 4);
        return static_cast<float>(x);
    }
    throw error("tensor of dtype " + dt + " is not supported");
}

tensor materialize(const value& t, const storages& st, const std::string& who, const std::string& name) {
    auto it = st.find(t.storage->s);
    if (it == st.end()) throw error(who + ": tensor '" + name + "' refers to missing storage " + t.storage->s);
    const std::string& dt = t.storage->dtype;
    const std::size_t es = dtype_size(dt);
    const std::int64_t n_storage = static_cast<std::int64_t>(it->second.size() / es);
    tensor out;
    out.shape = t.sizes;
    std::int64_t n = 1, last = t.offset;
    for (std::size_t d = 0; d < t.sizes.size(); ++d) {
        if (t.sizes[d] < 0 || t.strides[d] < 0) throw error(who + ": tensor '" + name + "' has a negative size");
        n *= t.sizes[d];
        if (t.sizes[d] > 0) last += (t.sizes[d] - 1) * t.strides[d];
        if (n > (1ll << 31)) throw error(who + ": tensor '" + name + "' is too large");
    }
    if (n > 0 && (t.offset < 0 || last >= n_storage))
        throw error(who + ": tensor '" + name + "' reaches beyond its storage");
    out.data.resize(static_cast<std::size_t>(n));
    std::vector<std::int64_t> idx(t.sizes.size(), 0);
    for (std::int64_t k = 0; k < n; ++k) {
        std::int64_t e = t.offset;
        for (std::size_t d = 0; d < idx.size(); ++d) e += idx[d] * t.strides[d];
        out.data[k] = element(dt, it->second.data() + e * es);
        for (std::size_t d = idx.size(); d-- > 0;) {
            if (++idx[d] < t.sizes[d]) break;
            idx[d] = 0;
        }
    }
    return out;
}

double number(const value* v, const std::string& who, const char* what, const storages& st) {
    if (!v) throw error(who + ": checkpoint has no " + what);
    if (v->k == kind::real) return v->f;
    if (v->k == kind::integer || v->k == kind::boolean) return static_cast<double>(v->i);
    if (v->k == kind::tensor) {
        tensor t = materialize(*v, st, who, what);
        if (t.data.size() != 1) throw error(who + ": " + what + " is not a scalar");
        return t.data[0];
    }
    throw error(who + ": " + what + " is not a number");
}

model_weights extract(const value& ckpt, const storages& st, const std::filesystem::path& path, bool cgcnn) {
    const std::string who = path.string();
    if (ckpt.k != kind::dict) throw error(who + ": checkpoint is not a dict");
    const value* sd = ckpt.get("state_dict");
    if (!sd) {
        // A bare state_dict saved with torch.save(model.state_dict()).
        sd = &ckpt;
    }
    if (sd->k != kind::dict) throw error(who + ": state_dict is not a dict");
    model_weights w;
    std::string name = path.filename().string();
    for (const char* ext : {".pth.tar", ".pth", ".pt", ".tar"})
        if (name.size() > std::strlen(ext) && name.ends_with(ext)) {
            name.resize(name.size() - std::strlen(ext));
            break;
        }
    w.name = name;
    w.arch = "cgcnn";
    w.meta["source"] = who;
    for (const auto& [k, v] : sd->entries) {
        if (!k || k->k != kind::string) throw error(who + ": state_dict key is not a string");
        std::string key = k->s;
        if (key.ends_with("num_batches_tracked")) continue;
        if (key.rfind("module.", 0) == 0) key = key.substr(7);
        if (v->k != kind::tensor) throw error(who + ": state_dict entry '" + key + "' is not a tensor");
        w.tensors[key] = materialize(*v, st, who, key);
    }
    if (!cgcnn) return w;
    if (const value* norm = ckpt.get("normalizer"); norm && norm->k == kind::dict) {
        w.norm_mean = number(norm->get("mean"), who, "normalizer mean", st);
        w.norm_std = number(norm->get("std"), who, "normalizer std", st);
    }
    // args: a dict (vars(args)) or an argparse.Namespace.
    if (const value* args = ckpt.get("args")) {
        for (const auto& [k, v] : args->entries) {
            if (!k || k->k != kind::string) continue;
            if (v->k == kind::integer || v->k == kind::boolean) w.hparams[k->s] = static_cast<double>(v->i);
            else if (v->k == kind::real) w.hparams[k->s] = v->f;
            else if (v->k == kind::string) w.meta["args." + k->s] = v->s;
        }
    }
    // Sizes the args may lack are read off the tensors.
    auto shape_of = [&](const std::string& key) -> const std::vector<std::int64_t>* {
        auto it = w.tensors.find(key);
        return it == w.tensors.end() ? nullptr : &it->second.shape;
    };
    if (!w.hparams.count("atom_fea_len"))
        if (auto s = shape_of("embedding.weight"); s && s->size() == 2) w.hparams["atom_fea_len"] = double((*s)[0]);
    if (!w.hparams.count("h_fea_len"))
        if (auto s = shape_of("conv_to_fc.weight"); s && s->size() == 2) w.hparams["h_fea_len"] = double((*s)[0]);
    if (!w.hparams.count("n_conv")) {
        int n = 0;
        while (shape_of("convs." + std::to_string(n) + ".fc_full.weight")) ++n;
        w.hparams["n_conv"] = n;
    }
    if (!w.hparams.count("n_h")) {
        int n = 0;
        while (shape_of("fcs." + std::to_string(n) + ".weight")) ++n;
        w.hparams["n_h"] = n + 1;
    }
    const auto* out = shape_of("fc_out.weight");
    const bool cls = (w.meta.count("args.task") && w.meta["args.task"] == "classification") ||
                     (out && out->size() == 2 && (*out)[0] == 2);
    w.hparams["classification"] = cls ? 1 : 0;
    return w;
}

model_weights load_legacy(std::string_view d, const std::filesystem::path& path, bool cgcnn) {
    const std::string who = path.string();
    std::size_t pos = 0;
    auto magic = pickle::load(d, pos, who);
    // 0x1950a86a20f9469cfc6c, little-endian.
    static const std::string legacy_magic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
    if (magic->k != kind::integer || magic->s != legacy_magic)
        throw error(who + ": not a PyTorch checkpoint (wrong magic number)");
    auto proto = pickle::load(d, pos, who);
    if (proto->k != kind::integer || proto->i != 1001)
        throw error(who + ": unsupported legacy protocol version");
    pickle::load(d, pos, who);  // sys info
    auto ckpt = pickle::load(d, pos, who);
    auto keys = pickle::load(d, pos, who);
    if (keys->k != kind::list) throw error(who + ": storage key list missing");
    // Storage element types come from the persistent ids seen in the checkpoint.
    std::map<std::string, std::string> dtypes;
    std::vector<const value*> todo = {ckpt.get()};
    std::unordered_set<const value*> seen;  // pickles may hold cycles
    while (!todo.empty()) {
        const value* v = todo.back();
        todo.pop_back();
        if (!seen.insert(v).second) continue;
        if (v->k == kind::tensor) dtypes[v->storage->s] = v->storage->dtype;
        for (auto* x : v->items) todo.push_back(x);
        for (auto& [k, x] : v->entries) todo.push_back(x);
    }
    storages st;
    for (const auto& k : keys->items) {
        if (k->k != kind::string) throw error(who + ": bad storage key");
        if (d.size() - pos < 8) throw error(who + ": truncated checkpoint (storage " + k->s + ")");
        std::int64_t n;
        std::memcpy(&n, d.data() + pos, 8);
        pos += 8;
        auto it = dtypes.find(k->s);
        const std::size_t es = dtype_size(it == dtypes.end() ? "float" : it->second);
        if (n < 0 || static_cast<std::uint64_t>(n) > (d.size() - pos) / es)
            throw error(who + ": truncated checkpoint (storage " + k->s + ")");
        st[k->s] = d.substr(pos, static_cast<std::size_t>(n) * es);
        pos += static_cast<std::size_t>(n) * es;
    }
    return extract(*ckpt, st, path, cgcnn);
}

model_weights load_zip(std::string_view d, const std::filesystem::path& path, bool cgcnn) {
    const std::string who = path.string();
    std::map<std::string, std::string> files;
    archive* a = archive_read_new();
    archive_read_support_format_zip(a);
    if (archive_read_open_memory(a, d.data(), d.size()) != ARCHIVE_OK) {
        const std::string why = archive_error_string(a) ? archive_error_string(a) : "unreadable";
        archive_read_free(a);
        throw error(who + ": cannot read zip checkpoint: " + why);
    }
    archive_entry* e;
    int rc;
    while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        std::string name = archive_entry_pathname(e);
        std::string data;
        char buf[1 << 16];
        la_ssize_t n;
        while ((n = archive_read_data(a, buf, sizeof buf)) > 0) data.append(buf, static_cast<std::size_t>(n));
        if (n < 0) {
            const std::string why = archive_error_string(a) ? archive_error_string(a) : "read error";
            archive_read_free(a);
            throw error(who + ": corrupt zip checkpoint: " + why);
        }
        files[name] = std::move(data);
    }
    const bool clean = rc == ARCHIVE_EOF;
    const std::string why = archive_error_string(a) ? archive_error_string(a) : "";
    archive_read_free(a);
    if (!clean) throw error(who + ": corrupt zip checkpoint: " + why);
    std::string prefix;
    for (const auto& [n, _] : files)
        if (n.ends_with("/data.pkl") || n == "data.pkl") prefix = n.substr(0, n.size() - 8);
    auto pk = files.find(prefix + "data.pkl");
    if (pk == files.end()) throw error(who + ": zip checkpoint without data.pkl");
    std::size_t pos = 0;
    auto ckpt = pickle::load(pk->second, pos, who);
    storages st;
    for (const auto& [n, data] : files)
        if (n.rfind(prefix + "data/", 0) == 0) st[n.substr(prefix.size() + 5)] = data;
    return extract(*ckpt, st, path, cgcnn);
}

}  // namespace

bool is_zip(std::string_view head) { return head.size() >= 4 && head.substr(0, 4) == std::string_view("PK\x03\x04", 4); }
bool is_legacy(std::string_view head) { return !head.empty() && static_cast<unsigned char>(head[0]) == 0x80; }

model_weights load(const std::filesystem::path& path, bool cgcnn) {
    io::mapped_file f(path);
    const std::string_view d = f.view();
    if (is_zip(d)) return load_zip(d, path, cgcnn);
    if (is_legacy(d)) return load_legacy(d, path, cgcnn);
    throw error(path.string() + ": not a PyTorch checkpoint (unknown file signature)");
}

}  // namespace xtalsieve::torch_ckpt
