#include "weights/matgl_layout.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "weights/torch_checkpoint.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::matgl {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// MatGL's DEFAULT_ELEMENTS (used when model.json says element_types: null):
// pymatgen's elements up to Pu, without Po, At, Rn, Fr and Ra.
std::vector<std::string> default_elements() {
    std::vector<std::string> v;
    for (int z = 1; z <= 94; ++z) {
        if (z >= 84 && z <= 88) continue;
        v.emplace_back(element_symbol(z));
    }
    return v;
}

fs::path json_path(const fs::path& p) { return fs::is_directory(p) ? p / "model.json" : p; }

// "Normalizer: Mean=-1.65459073, Std: 1.07266128" -> mean, std.
bool parse_normalizer(const std::string& s, double& mean, double& std_) {
    const auto m = s.find("Mean="), d = s.find("Std:");
    if (s.rfind("Normalizer:", 0) != 0 || m == std::string::npos || d == std::string::npos) return false;
    try {
        mean = std::stod(s.substr(m + 5));
        std_ = std::stod(s.substr(d + 4));
    } catch (const std::exception&) {
        return false;
    }
    return std::isfinite(mean) && std::isfinite(std_) && std_ != 0;
}

float scalar(const model_weights& w, const std::string& key, const std::string& who) {
    auto it = w.tensors.find(key);
    if (it == w.tensors.end() || it->second.data.size() != 1) throw error(who + ": state.pt has no scalar '" + key + "'");
    return it->second.data[0];
}

}  // namespace

bool is_matgl(const fs::path& p) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) return fs::is_regular_file(p / "model.json", ec);
    return p.filename() == "model.json";
}

void set_known_elements(model_weights& w) {
    w.atom_init_known.assign(max_atomic_number + 1, 0);
    std::istringstream in(w.meta["element_types"]);
    std::string sym;
    while (in >> sym) {
        const int z = atomic_number(sym);
        if (z <= 0 || z > max_atomic_number) throw error(w.name + ": unknown element '" + sym + "' in the element list");
        w.atom_init_known[z] = 1;
    }
}

model_weights load(const fs::path& p) {
    const fs::path jp = json_path(p);
    const std::string who = jp.string();
    std::ifstream in(jp);
    if (!in) throw error(who + ": cannot open");
    std::stringstream text;
    text << in.rdbuf();
    json j;
    try {
        j = json::parse(text.str());
    } catch (const json::exception& e) {
        throw error(who + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw error(who + ": not a MatGL model.json (not an object)");
    const std::string wrapper = j.value("@class", "");
    const int wrapper_version = j.contains("@model_version") && j["@model_version"].is_number_integer()
                                    ? j["@model_version"].get<int>() : -1;
    if (!j.contains("kwargs") || !j["kwargs"].is_object() || !j["kwargs"].contains("model") ||
        !j["kwargs"]["model"].is_object())
        throw error(who + ": not a MatGL model.json (no kwargs.model)");
    const json& kw = j["kwargs"];
    const json& inner = kw["model"];
    const std::string cls = inner.value("@class", "");
    const int version = inner.contains("@model_version") && inner["@model_version"].is_number_integer()
                            ? inner["@model_version"].get<int>() : -1;

    model_weights w;
    w.name = jp.parent_path().filename().string();
    if (w.name.empty()) w.name = "matgl-model";
    w.meta["source"] = who;
    w.meta["config"] = text.str();
    w.meta["wrapper"] = wrapper;
    if (cls == "MEGNet" && version == 1) w.arch = "megnet";
    else if (cls == "M3GNet" && version == 2) w.arch = "m3gnet";
    else
        throw error(who + ": unsupported MatGL model class '" + cls + "' version " + std::to_string(version) +
                    " (this build reads MEGNet v1 and M3GNet v2)");
    if (!((wrapper == "TransformedTargetModel" && wrapper_version == 1) || (wrapper == "Potential" && wrapper_version == 3)))
        throw error(who + ": unsupported MatGL wrapper '" + wrapper + "' version " + std::to_string(wrapper_version) +
                    " (this build reads TransformedTargetModel v1 and Potential v3)");

    if (!inner.contains("init_args") || !inner["init_args"].is_object()) throw error(who + ": no init_args");
    std::vector<std::string> elements;
    for (const auto& [k, v] : inner["init_args"].items()) {
        if (v.is_boolean()) w.hparams[k] = v.get<bool>() ? 1 : 0;
        else if (v.is_number()) w.hparams[k] = v.get<double>();
        else if (v.is_string()) w.meta["args." + k] = v.get<std::string>();
        else if (v.is_array() && k == "element_types") {
            for (const auto& e : v) {
                if (!e.is_string()) throw error(who + ": element_types holds a non-string");
                elements.push_back(e.get<std::string>());
            }
        } else if (v.is_array()) {
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (!v[i].is_number()) throw error(who + ": init_args." + k + " holds a non-number");
                w.hparams[k + "." + std::to_string(i)] = v[i].get<double>();
            }
            w.hparams[k + ".size"] = static_cast<double>(v.size());
        }
    }
    if (elements.empty()) elements = default_elements();
    std::string list;
    for (const auto& e : elements) list += (list.empty() ? "" : " ") + e;
    w.meta["element_types"] = list;
    set_known_elements(w);

    const fs::path sd = jp.parent_path() / "state.pt";
    if (!fs::is_regular_file(sd)) throw error(who + ": no state.pt beside it");
    model_weights t = torch_ckpt::load(sd, false);
    for (auto& [k, v] : t.tensors) w.tensors[k.rfind("model.", 0) == 0 ? k.substr(6) : k] = std::move(v);

    if (wrapper == "TransformedTargetModel") {
        const std::string tt = kw.value("target_transformer", "");
        if (!parse_normalizer(tt, w.norm_mean, w.norm_std))
            throw error(who + ": cannot read target_transformer '" + tt + "' (expected 'Normalizer: Mean=..., Std: ...')");
        w.meta["task"] = "intensive";
    } else {
        // Potential: energy = std * model + mean + sum of element references.
        w.norm_mean = scalar(w, "data_mean", who);
        w.norm_std = scalar(w, "data_std", who);
        w.meta["task"] = "potential";
    }
    return w;
}

}  // namespace xtalsieve::matgl
