#include "engine/models/matgl/common.hpp"

#include <cmath>
#include <cstring>
#include <sstream>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::matgl {

std::array<int, 119> node_types(const model_weights& w) {
    std::array<int, 119> t;
    t.fill(-1);
    auto it = w.meta.find("element_types");
    if (it == w.meta.end()) throw error(w.name + ": no element list");
    std::istringstream in(it->second);
    std::string sym;
    int i = 0;
    while (in >> sym) {
        const int z = atomic_number(sym);
        if (z <= 0 || z > max_atomic_number) throw error(w.name + ": unknown element '" + sym + "' in the element list");
        t[z] = i++;
    }
    return t;
}

int node_type(const std::array<int, 119>& types, int z, const std::string& model) {
    const int t = z >= 0 && z < static_cast<int>(types.size()) ? types[static_cast<std::size_t>(z)] : -1;
    if (t < 0) throw error(model + ": element Z=" + std::to_string(z) + " is not in the model's element list");
    return t;
}

void embed_nodes(const std::array<int, 119>& types, const std::vector<float>& table, int dim,
                 const std::vector<int>& numbers, const std::string& model, float* out, std::int32_t* type_out) {
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        const int t = node_type(types, numbers[i], model);
        if (type_out) type_out[i] = t;
        std::memcpy(out + i * static_cast<std::size_t>(dim), &table[static_cast<std::size_t>(t) * dim], sizeof(float) * dim);
    }
}

int int_hparam(const model_weights& w, const std::string& key, int lo, int hi) {
    const double v = w.hparam(key);
    if (!(v >= lo && v <= hi) || v != std::floor(v))
        throw error(w.name + ": hyper-parameter " + key + " = " + std::to_string(v) + " is not an integer in [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<int>(v);
}

double real_hparam(const model_weights& w, const std::string& key, double lo, double hi) {
    const double v = w.hparam(key);
    if (!(v >= lo && v <= hi))
        throw error(w.name + ": hyper-parameter " + key + " = " + std::to_string(v) + " is outside [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
}

std::string short_name(const model_weights& w) {
    if (w.name == "MEGNet-MP-2018.6.1-Eform") return "megnet-eform";
    if (w.name == "MEGNet-MP-2019.4.1-BandGap-mfi") return "megnet-gap";
    if (w.name == "M3GNet-MP-2018.6.1-Eform") return "m3gnet-eform";
    if (w.name == "M3GNet-MP-2021.2.8-PES") return "m3gnet-pes";
    return w.name;
}

const std::vector<std::string> fidelity_names = {"pbe", "gllbsc", "hse", "scan"};

std::vector<int> selected_fidelities(const model_weights& w, int n_states) {
    std::vector<int> out;
    auto it = w.meta.find("fidelity");
    if (it == w.meta.end() || it->second.empty()) {
        for (int i = 0; i < n_states; ++i) out.push_back(i);
        return out;
    }
    std::istringstream in(it->second);
    std::string f;
    while (std::getline(in, f, ',')) {
        int found = -1;
        for (int i = 0; i < n_states && i < static_cast<int>(fidelity_names.size()); ++i)
            if (f == fidelity_names[i]) found = i;
        if (found < 0)
            throw error(w.name + ": unknown fidelity '" + f + "' (this model has: pbe, gllbsc, hse, scan)");
        out.push_back(found);
    }
    return out;
}

}  // namespace xtalsieve::matgl
