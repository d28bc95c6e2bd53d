// Reading reference phases for the hull: CSV, pymatgen entry JSON, ASE databases.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/screen/hull.hpp"
#include "io/ase_db.hpp"
#include "xtalsieve/csv.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/input.hpp"

namespace fs = std::filesystem;

namespace xtalsieve {

namespace {

double parse_energy(const std::string& text, const std::string& where) {
    std::size_t pos = 0;
    double v = 0;
    try {
        v = std::stod(text, &pos);
    } catch (...) {
        pos = 0;
    }
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\r')) ++pos;
    if (text.empty() || pos != text.size() || !std::isfinite(v))
        throw error(where + ": energy '" + text + "' is not a finite number");
    return v;
}

composition parse_at(const std::string& formula, const std::string& where) {
    try {
        return parse_formula(formula);
    } catch (const error& e) {
        throw error(where + ": " + e.what());
    }
}

std::vector<reference_phase> read_csv(const std::string& path, const std::string& text, const std::string& key) {
    csv_reader r(text);
    std::vector<std::string> h, f;
    if (!r.next(h)) throw error(path + ": empty reference file");
    int fcol = -1, ecol = -1;
    const std::string want = key.empty() ? "energy_per_atom" : key;
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (fcol < 0 && (h[i] == "formula" || h[i] == "composition" || h[i] == "reduced_formula")) fcol = static_cast<int>(i);
        if (h[i] == want) ecol = static_cast<int>(i);
    }
    if (fcol < 0) throw error(path + ":1: no 'formula' column (formula,energy_per_atom rows expected)");
    if (ecol < 0) throw error(path + ":1: no energy column '" + want + "' (name it as FILE:COLUMN)");
    std::vector<reference_phase> out;
    while (r.next(f)) {
        const std::string where = path + ":" + std::to_string(r.line());
        if (f.size() == 1 && f[0].empty()) continue;  // blank line
        if (f.size() <= static_cast<std::size_t>(std::max(fcol, ecol)))
            throw error(where + ": " + std::to_string(f.size()) + " fields, expected " + std::to_string(h.size()));
        out.push_back({f[fcol], parse_at(f[fcol], where), parse_energy(f[ecol], where), where});
    }
    return out;
}

// pymatgen entry dictionaries: ComputedEntry, ComputedStructureEntry, PDEntry.
reference_phase from_entry(const nlohmann::json& e, const std::string& where, const std::string& key) {
    if (!e.is_object() || !e.contains("composition")) throw error(where + ": not a pymatgen entry (no 'composition')");
    composition c;
    std::string formula;
    const auto& cj = e["composition"];
    if (cj.is_string()) {
        formula = cj.get<std::string>();
        c = parse_at(formula, where);
    } else if (cj.is_object()) {
        std::map<int, double> m;
        for (auto& [sym, amt] : cj.items()) {
            if (!amt.is_number()) throw error(where + ": composition amount of '" + sym + "' is not a number");
            const composition one = parse_at(sym, where);
            if (one.size() != 1) throw error(where + ": composition key '" + sym + "' is not an element");
            m[one[0].first] += amt.get<double>() * one[0].second;
            std::ostringstream s;
            s << sym << amt.get<double>();
            formula += s.str();
        }
        for (auto& [z, a] : m)
            if (a > 0) c.emplace_back(z, a);
        if (c.empty()) throw error(where + ": empty composition");
    } else {
        throw error(where + ": 'composition' is neither an object nor a formula");
    }
    double atoms = 0;
    for (auto& [z, a] : c) atoms += a;
    double epa;
    if (!key.empty()) {
        if (!e.contains("data") || !e["data"].contains(key) || !e["data"][key].is_number())
            throw error(where + ": no number data." + key);
        epa = e["data"][key].get<double>();
    } else {
        if (!e.contains("energy") || !e["energy"].is_number()) throw error(where + ": 'energy' is not a number");
        double corr = 0;
        if (e.contains("energy_adjustments") && e["energy_adjustments"].is_array()) {
            for (const auto& a : e["energy_adjustments"])
                if (a.contains("value") && a["value"].is_number()) corr += a["value"].get<double>();
        } else if (e.contains("correction") && e["correction"].is_number()) {
            corr = e["correction"].get<double>();
        }
        epa = (e["energy"].get<double>() + corr) / atoms;
    }
    if (!std::isfinite(epa)) throw error(where + ": energy is not finite");
    if (e.contains("name") && e["name"].is_string()) formula = e["name"].get<std::string>();
    return {formula, std::move(c), epa, where};
}

std::vector<reference_phase> read_json(const std::string& path, const std::string& text, const std::string& key,
                                       bool lines) {
    std::vector<reference_phase> out;
    if (lines) {
        std::istringstream in(text);
        std::string line;
        for (std::size_t ln = 1; std::getline(in, line); ++ln) {
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            const std::string where = path + ":" + std::to_string(ln);
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(line);
            } catch (const std::exception& e) {
                throw error(where + ": " + e.what());
            }
            out.push_back(from_entry(j, where, key));
        }
        return out;
    }
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const std::exception& e) {
        throw error(path + ": " + e.what());
    }
    if (j.is_object() && j.contains("entries")) j = j["entries"];
    if (!j.is_array()) j = nlohmann::json::array({j});
    for (std::size_t i = 0; i < j.size(); ++i) out.push_back(from_entry(j[i], path + ": entry #" + std::to_string(i), key));
    return out;
}

std::vector<reference_phase> read_ase_db(const std::string& path, const std::string& key) {
    if (key.empty()) throw error(path + ": name the energy-per-atom key, e.g. --hull-ref " + path + ":e_form");
    const auto energies = io::ase_db_labels(path, key);
    auto rd = io::make_ase_db_reader(path, "");
    std::vector<reference_phase> out;
    record rec;
    while (rd->next(rec)) {
        const std::string where = path + ": row " + rec.id;
        if (!rec.error.empty() || !rec.parsed) throw error(where + ": " + (rec.error.empty() ? "no atoms" : rec.error));
        auto it = energies.find(rec.id);
        if (it == energies.end()) throw error(where + ": no number '" + key + "'");
        std::map<int, double> m;
        for (int z : rec.parsed->numbers) m[z] += 1;
        composition c(m.begin(), m.end());
        std::string formula;
        for (auto& [z, a] : c) formula += std::string(element_symbol(z)) + (a == 1 ? "" : std::to_string(static_cast<int>(a)));
        out.push_back({formula, std::move(c), it->second, where});
    }
    return out;
}

}  // namespace

reference_set load_reference_phases(const std::string& spec) {
    std::string path = spec, key;
    if (auto c = spec.rfind(':'); c != std::string::npos && !fs::exists(spec)) {
        path = spec.substr(0, c);
        key = spec.substr(c + 1);
    }
    if (!fs::exists(path)) throw error("--hull-ref: cannot open " + path);
    std::vector<reference_phase> phases;
    if (io::is_sqlite(path)) {
        phases = read_ase_db(path, key);
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw error("--hull-ref: cannot open " + path);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        const auto first = text.find_first_not_of(" \t\r\n");
        const std::string ext = fs::path(path).extension().string();
        if (ext == ".jsonl") phases = read_json(path, text, key, true);
        else if (ext == ".json" || (first != std::string::npos && (text[first] == '{' || text[first] == '[')))
            phases = read_json(path, text, key, false);
        else phases = read_csv(path, text, key);
    }
    if (phases.empty()) throw error(path + ": no reference phases");
    return make_reference_set(std::move(phases), path);
}

}  // namespace xtalsieve
