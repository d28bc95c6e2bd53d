// pymatgen JSON: a Structure dict, a ComputedStructureEntry, a list of them,
// JSON lines, or {"entries": [...]} (Alexandria).
#include <nlohmann/json.hpp>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/formats.hpp"

namespace xtalsieve {

namespace {

const nlohmann::json& structure_of(const nlohmann::json& j) {
    if (j.contains("lattice") && j.contains("sites")) return j;
    if (j.contains("structure") && j["structure"].is_object()) return j["structure"];
    throw error("not a pymatgen Structure or ComputedStructureEntry");
}

}  // namespace

structure read_pymatgen_json(std::string_view text, const std::string& id) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const std::exception& e) {
        throw error(id + ": invalid JSON: " + e.what());
    }
    try {
        const auto& sj = structure_of(j);
        structure s;
        s.id = id;
        const auto& m = sj.at("lattice").at("matrix");
        for (int i = 0; i < 3; ++i)
            for (int k = 0; k < 3; ++k) s.lattice[i][k] = m.at(i).at(k).get<double>();
        for (const auto& site : sj.at("sites")) {
            const auto& sp = site.at("species");
            if (sp.size() != 1 || sp[0].value("occu", 1.0) != 1.0)
                throw error("partial occupancy (disordered structure) is not supported");
            const std::string el = sp[0].at("element").get<std::string>();
            const int z = atomic_number(el);
            if (!z) throw error("unknown element '" + el + "'");
            const auto& abc = site.at("abc");
            s.frac.push_back({abc.at(0).get<double>(), abc.at(1).get<double>(), abc.at(2).get<double>()});
            s.numbers.push_back(z);
            if (s.size() > 100000) throw error("more than 100000 sites");
        }
        return s;
    } catch (const error& e) {
        throw error(id + ": " + e.what());
    } catch (const std::exception& e) {
        throw error(id + ": malformed pymatgen structure: " + e.what());
    }
}

}  // namespace xtalsieve
