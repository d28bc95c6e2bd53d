#include "xtalsieve/input.hpp"

#include <algorithm>
#include <string>

#include "io/mapped_file.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/csv.hpp"
#include "xtalsieve/error.hpp"

namespace fs = std::filesystem;

namespace xtalsieve {

namespace {

std::string stem_of(const fs::path& p) {
    std::string name = p.filename().string();
    const auto dot = name.rfind('.');
    return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

bool has_ext(const fs::path& p, const char* ext) {
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
    return e == ext;
}

// CIF files given one by one (a file, or a folder's files in sorted order).
class cif_files_reader final : public record_reader {
public:
    explicit cif_files_reader(std::vector<fs::path> files) : files_(std::move(files)) {}

    bool next(record& r) override {
        if (k_ >= files_.size()) return false;
        const fs::path& p = files_[k_];
        r = record{};
        r.id = stem_of(p);
        r.source = p.string();
        r.index = 0;
        r.line = 1;
        r.format = "cif";
        try {
            io::mapped_file f(p);
            r.text.assign(f.view());
        } catch (const error& e) {
            r.error = e.what();
        }
        ++k_;
        return true;
    }

private:
    std::vector<fs::path> files_;
    std::size_t k_ = 0;
};

// CDVAE-style CSV: an (unnamed) index column, material_id, cif, labels ...
class cdvae_csv_reader final : public record_reader {
public:
    explicit cdvae_csv_reader(const fs::path& p) : path_(p), file_(p), csv_(file_.view()) {
        std::vector<std::string> header;
        if (!csv_.next(header)) throw error(p.string() + ": empty CSV file");
        for (std::size_t i = 0; i < header.size(); ++i) {
            if (header[i] == "cif") cif_col_ = static_cast<int>(i);
            if (header[i] == "material_id" || (id_col_ < 0 && header[i] == "id")) id_col_ = static_cast<int>(i);
        }
        if (cif_col_ < 0) throw error(p.string() + ": CSV has no 'cif' column");
        n_cols_ = header.size();
    }

    bool next(record& r) override {
        std::vector<std::string>& f = fields_;
        bool got;
        try {
            got = csv_.next(f);
        } catch (const error& e) {
            r = record{};
            r.source = path_.string();
            r.index = index_++;
            r.line = csv_.line();
            r.id = "record " + std::to_string(r.index + 1);
            r.format = "cif";
            r.error = path_.string() + " line " + std::to_string(r.line) + ": " + e.what();
            done_ = true;
            return true;
        }
        if (done_ || !got) return false;
        r = record{};
        r.source = path_.string();
        r.index = index_++;
        r.line = csv_.line();
        r.format = "cif";
        r.id = id_col_ >= 0 && static_cast<std::size_t>(id_col_) < f.size() && !f[id_col_].empty()
                   ? f[id_col_]
                   : "record " + std::to_string(r.index + 1);
        if (f.size() != n_cols_)
            r.error = path_.string() + " record " + std::to_string(r.index + 1) + " (line " + std::to_string(r.line) +
                      "), id " + r.id + ": " + std::to_string(f.size()) + " fields, header has " +
                      std::to_string(n_cols_);
        else if (f[cif_col_].empty())
            r.error = path_.string() + " record " + std::to_string(r.index + 1) + " (line " + std::to_string(r.line) +
                      "), id " + r.id + ": empty cif field";
        else
            r.text = std::move(f[cif_col_]);
        return true;
    }

private:
    fs::path path_;
    io::mapped_file file_;
    csv_reader csv_;
    std::vector<std::string> fields_;
    int cif_col_ = -1, id_col_ = -1;
    std::size_t n_cols_ = 0, index_ = 0;
    bool done_ = false;
};

}  // namespace

std::unique_ptr<record_reader> open_input(const fs::path& path, const input_options& opt) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(path))
            if (e.is_regular_file() && has_ext(e.path(), ".cif")) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        return std::make_unique<cif_files_reader>(std::move(files));
    }
    if (!fs::exists(path, ec)) throw error(path.string() + ": no such file or folder");
    const std::string fmt = opt.format;
    if (fmt == "csv" || (fmt.empty() && has_ext(path, ".csv"))) return std::make_unique<cdvae_csv_reader>(path);
    if (fmt == "cif" || (fmt.empty() && has_ext(path, ".cif")))
        return std::make_unique<cif_files_reader>(std::vector<fs::path>{path});
    throw error(path.string() + ": unknown input format (expected a .cif file, a folder of .cif files or a .csv)");
}

structure parse_record(const record& r) {
    if (!r.error.empty()) throw error(r.error);
    std::string where = r.source;
    if (r.format != "cif") throw error(where + ": unsupported record format '" + r.format + "'");
    try {
        structure s = read_cif(r.text, r.id);
        sort_by_electronegativity(s);
        validate(s);
        return s;
    } catch (const error& e) {
        std::string ctx = where;
        if (r.index > 0 || r.line > 1) ctx += " record " + std::to_string(r.index + 1) + " (line " + std::to_string(r.line) + ")";
        throw error(ctx + ", id " + e.what());
    }
}

}  // namespace xtalsieve
