// pymatgen JSON: a Structure dict, a ComputedStructureEntry, a list of them,
// JSON lines, or {"entries": [...]} (Alexandria).
#include <nlohmann/json.hpp>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/formats.hpp"
#include "io/json_reader.hpp"

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

namespace xtalsieve::io {

namespace {

std::string pymatgen_json_id(const nlohmann::json& j) {
    for (const char* k : {"material_id", "entry_id"})
        if (j.contains(k) && j[k].is_string()) return j[k].get<std::string>();
    if (j.contains("data") && j["data"].is_object())
        for (const char* k : {"material_id", "mat_id", "id"})
            if (j["data"].contains(k) && j["data"][k].is_string()) return j["data"][k].get<std::string>();
    if (j.contains("structure") && j["structure"].is_object() && j["structure"].contains("properties") &&
        j["structure"]["properties"].is_object() && j["structure"]["properties"].contains("material_id"))
        return j["structure"]["properties"]["material_id"].dump();
    return {};
}

std::string pymatgen_id_or(const nlohmann::json& j, const std::string& fallback) {
    const std::string id = pymatgen_json_id(j);
    return id.empty() ? fallback : id;
}

class json_reader final : public record_reader {
public:
    json_reader(std::string source, std::string stem, std::string text, bool lines)
        : source_(std::move(source)), stem_(std::move(stem)), text_(std::move(text)), lines_(lines) {
        if (lines_) return;
        try {
            doc_ = nlohmann::json::parse(text_);
        } catch (const std::exception& e) {
            doc_error_ = source_ + ": invalid JSON: " + e.what();
            return;
        }
        text_.clear();
        if (doc_.is_object() && doc_.contains("entries") && doc_["entries"].is_array()) items_ = &doc_["entries"];
        else if (doc_.is_array()) items_ = &doc_;
    }

    bool next(record& r) override {
        r = record{};
        r.source = source_;
        r.format = "pymatgen-json";
        if (lines_) {
            while (pos_ < text_.size()) {
                std::size_t e = text_.find('\n', pos_);
                if (e == std::string::npos) e = text_.size();
                std::string line = text_.substr(pos_, e - pos_);
                pos_ = e + 1;
                ++line_no_;
                if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
                r.index = k_++;
                r.line = line_no_;
                try {
                    r.id = pymatgen_id_or(nlohmann::json::parse(line), stem_ + ":" + std::to_string(r.index));
                } catch (const std::exception& ex) {
                    r.id = stem_ + ":" + std::to_string(r.index);
                    r.error = source_ + " line " + std::to_string(line_no_) + ": invalid JSON: " + ex.what();
                }
                r.text = std::move(line);
                return true;
            }
            return false;
        }
        if (!doc_error_.empty()) {
            if (k_++ > 0) return false;
            r.id = stem_;
            r.error = doc_error_;
            return true;
        }
        const nlohmann::json* item = nullptr;
        if (items_) {
            if (k_ >= items_->size()) return false;
            item = &(*items_)[k_];
        } else {
            if (k_ > 0) return false;
            item = &doc_;
        }
        r.index = k_++;
        r.id = pymatgen_id_or(*item, items_ ? stem_ + ":" + std::to_string(r.index) : stem_);
        r.text = item->dump();
        return true;
    }

private:
    std::string source_, stem_, text_;
    bool lines_;
    nlohmann::json doc_;
    const nlohmann::json* items_ = nullptr;
    std::string doc_error_;
    std::size_t pos_ = 0, k_ = 0, line_no_ = 0;
};

}  // namespace

std::unique_ptr<record_reader> make_json_reader(std::string source, std::string stem, std::string text, bool lines) {
    return std::make_unique<json_reader>(std::move(source), std::move(stem), std::move(text), lines);
}

}  // namespace xtalsieve::io
