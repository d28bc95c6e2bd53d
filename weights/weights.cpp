#include "xtalsieve/weights.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/mapped_file.hpp"
#include "weights/matgl_layout.hpp"
#include "weights/native_format.hpp"
#include "weights/torch_checkpoint.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve {

std::int64_t tensor::numel() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}

const tensor& model_weights::at(const std::string& key) const {
    auto it = tensors.find(key);
    if (it == tensors.end()) throw error(name + ": checkpoint has no tensor '" + key + "'");
    return it->second;
}

double model_weights::hparam(const std::string& key) const {
    auto it = hparams.find(key);
    if (it == hparams.end()) throw error(name + ": checkpoint has no hyper-parameter '" + key + "'");
    return it->second;
}

void load_atom_init(const std::filesystem::path& json_path, model_weights& w) {
    io::mapped_file f(json_path);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(f.view());
    } catch (const std::exception& e) {
        throw error(json_path.string() + ": not valid JSON: " + e.what());
    }
    if (!j.is_object() || j.empty()) throw error(json_path.string() + ": expected an object {\"Z\": [features]}");
    std::size_t F = 0;
    w.atom_init = tensor{};
    w.atom_init_known.assign(max_atomic_number + 1, 0);
    for (const auto& [k, v] : j.items()) {
        int z = 0;
        try {
            z = std::stoi(k);
        } catch (...) {
        }
        if (z < 1 || z > max_atomic_number || !v.is_array())
            throw error(json_path.string() + ": bad entry '" + k + "'");
        if (F == 0) {
            F = v.size();
            w.atom_init.shape = {max_atomic_number + 1, static_cast<std::int64_t>(F)};
            w.atom_init.data.assign((max_atomic_number + 1) * F, 0.0f);
        }
        if (v.size() != F) throw error(json_path.string() + ": element " + k + " has " + std::to_string(v.size()) +
                                       " features, others " + std::to_string(F));
        for (std::size_t i = 0; i < F; ++i) w.atom_init.data[z * F + i] = v[i].get<float>();
        w.atom_init_known[z] = 1;
    }
}

model_weights load_weights(const std::filesystem::path& path, const load_options& opt) {
    if (matgl::is_matgl(path)) {
        model_weights w = matgl::load(path);
        if (!opt.fidelity.empty()) w.meta["fidelity"] = opt.fidelity;
        return w;
    }
    std::string head;
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw error(path.string() + ": cannot open checkpoint");
        head.resize(8);
        in.read(head.data(), 8);
        head.resize(static_cast<std::size_t>(in.gcount()));
    }
    if (head.empty()) throw error(path.string() + ": empty checkpoint file");
    if (native::is_native(head)) {
        model_weights w = native::load(path);
        if (w.arch == "megnet" || w.arch == "m3gnet") {
            matgl::set_known_elements(w);
            if (!opt.fidelity.empty()) w.meta["fidelity"] = opt.fidelity;
            return w;
        }
        if (!opt.atom_init.empty()) load_atom_init(opt.atom_init, w);
        if (w.atom_init.data.empty()) throw error(path.string() + ": no element table; pass --atom-init");
        return w;
    }
    model_weights w = torch_ckpt::load(path);
    std::filesystem::path ai = opt.atom_init;
    if (ai.empty()) {
        ai = path.parent_path() / "atom_init.json";
        if (!std::filesystem::exists(ai))
            throw error(path.string() + ": no atom_init.json beside the checkpoint; pass --atom-init FILE");
    }
    load_atom_init(ai, w);
    w.meta["atom_init"] = ai.string();
    return w;
}

void save_native(const model_weights& w, const std::filesystem::path& path) { native::save(w, path); }

}  // namespace xtalsieve
