#include "xtalsieve/input.hpp"

#include <algorithm>
#include <fstream>
#include <string>

#include "io/ase_db.hpp"
#include "io/json_reader.hpp"
#include "io/mapped_file.hpp"
#include <archive.h>
#include <archive_entry.h>

#include "xtalsieve/cif.hpp"
#include "xtalsieve/formats.hpp"
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

// CDVAE-style CSV: an (unnamed) index column, material_id, cif, labels ...
class cdvae_csv_reader final : public record_reader {
public:
    // From a mapped file (streams a table of any size) or from owned bytes
    // (a decompressed or archived member).
    explicit cdvae_csv_reader(const fs::path& p) : path_(p), file_(std::make_unique<io::mapped_file>(p)), csv_(file_->view()) { init(); }
    cdvae_csv_reader(const fs::path& p, std::string bytes)
        : path_(p), owned_(std::move(bytes)), csv_(owned_) { init(); }

    void init() {
        const fs::path& p = path_;
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
    std::unique_ptr<io::mapped_file> file_;
    std::string owned_;
    csv_reader csv_;
    std::vector<std::string> fields_;
    int cif_col_ = -1, id_col_ = -1;
    std::size_t n_cols_ = 0, index_ = 0;
    bool done_ = false;
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Compression suffixes handled by libarchive's filters.
bool strip_compression(std::string& name) {
    for (const char* ext : {".gz", ".bz2", ".xz", ".zst"}) {
        const std::string e(ext);
        if (lower(name).size() > e.size() && lower(name).ends_with(e)) {
            name.resize(name.size() - e.size());
            return true;
        }
    }
    return false;
}

bool is_archive_name(const std::string& n) {
    const std::string l = lower(n);
    for (const char* e : {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst", ".zip"})
        if (l.ends_with(e)) return true;
    return false;
}

// Format from a (decompressed) file name; forced wins; "" when unknown.
std::string format_of(const std::string& name, const std::string& forced) {
    if (!forced.empty()) return forced;
    const std::string file = lower(fs::path(name).filename().string());
    if (file.ends_with(".cif")) return "cif";
    if (file.ends_with(".csv")) return "csv";
    if (file.ends_with(".xyz") || file.ends_with(".extxyz")) return "extxyz";
    if (file.ends_with(".json")) return "json";
    if (file.ends_with(".jsonl")) return "jsonl";
    if (file.ends_with(".db")) return "db";
    if (file.ends_with(".vasp") || file.ends_with(".poscar") || file.rfind("poscar", 0) == 0 ||
        file.rfind("contcar", 0) == 0)
        return "poscar";
    return {};
}

std::string stem_without(const std::string& name) {
    std::string n = fs::path(name).filename().string();
    strip_compression(n);
    const auto dot = n.rfind('.');
    return dot == std::string::npos || dot == 0 ? n : n.substr(0, dot);
}

// Records of one text in memory: one CIF / POSCAR, or the frames of an XYZ file.
class text_reader final : public record_reader {
public:
    text_reader(std::string source, std::string id, std::string format, std::string text, std::vector<std::string> species)
        : source_(std::move(source)), id_(std::move(id)), format_(std::move(format)), text_(std::move(text)),
          species_(std::move(species)) {
        if (format_ == "extxyz") frames_ = split_xyz_frames(text_, lines_);
        if (format_ == "cif") split_cif_blocks();
    }

    bool next(record& r) override {
        r = record{};
        r.source = source_;
        r.format = format_;
        r.species = species_;
        if (format_ == "cif" && frames_.size() > 1) {  // several data blocks: one candidate each
            if (k_ >= frames_.size()) return false;
            r.id = names_[k_];
            r.index = k_;
            r.line = lines_[k_];
            r.text.assign(frames_[k_]);
            ++k_;
            return true;
        }
        if (format_ != "extxyz") {
            if (done_) return false;
            done_ = true;
            r.id = id_;
            r.line = 1;
            r.text = std::move(text_);
            return true;
        }
        if (k_ >= frames_.size()) return false;
        const std::string named = extxyz_frame_id(frames_[k_]);
        r.id = named.empty() ? id_ + ":" + std::to_string(k_) : named;
        r.index = k_;
        r.line = lines_[k_];
        r.text.assign(frames_[k_]);
        ++k_;
        return true;
    }

private:
    // Block boundaries: lines starting with data_ outside ;text fields;.
    void split_cif_blocks() {
        std::size_t pos = 0, line = 1, start = std::string::npos, start_line = 0;
        bool in_text = false;
        std::string name;
        auto close = [&](std::size_t end) {
            if (start == std::string::npos) return;
            frames_.push_back(std::string_view(text_).substr(start, end - start));
            lines_.push_back(start_line);
            names_.push_back(name);
        };
        while (pos < text_.size()) {
            std::size_t e = text_.find('\n', pos);
            if (e == std::string::npos) e = text_.size();
            const std::string_view l = std::string_view(text_).substr(pos, e - pos);
            if (!l.empty() && l[0] == ';') in_text = !in_text;
            const std::size_t b = l.find_first_not_of(" \t");
            if (!in_text && b != std::string_view::npos && l.size() - b > 5 && lower(std::string(l.substr(b, 5))) == "data_") {
                close(pos);
                start = pos;
                start_line = line;
                std::string_view n = l.substr(b + 5);
                n = n.substr(0, n.find_first_of(" \t\r"));
                name = std::string(n);
            }
            pos = e + 1;
            ++line;
        }
        close(text_.size());
        if (frames_.size() < 2) {  // one block: the file is the record, id = file stem
            frames_.clear();
            lines_.clear();
            names_.clear();
        }
    }

    std::string source_, id_, format_, text_;
    std::vector<std::string> names_;
    std::vector<std::string> species_;
    std::vector<std::string_view> frames_;
    std::vector<std::size_t> lines_;
    std::size_t k_ = 0;
    bool done_ = false;
};

constexpr std::size_t max_member_bytes = std::size_t(1) << 30;  // a member larger than this is refused

// Reads a compressed single file or an archive member by member through libarchive.
class archive_reader final : public record_reader {
public:
    archive_reader(const fs::path& p, bool raw, input_options opt) : path_(p), opt_(std::move(opt)), raw_(raw) {
        a_ = archive_read_new();
        archive_read_support_filter_all(a_);
        if (raw) archive_read_support_format_raw(a_);
        else archive_read_support_format_all(a_);
        if (archive_read_open_filename(a_, p.c_str(), 1 << 16) != ARCHIVE_OK) {
            const std::string why = archive_error_string(a_) ? archive_error_string(a_) : "unreadable";
            archive_read_free(a_);
            a_ = nullptr;
            throw error(p.string() + ": cannot open: " + why);
        }
    }
    ~archive_reader() override {
        if (a_) archive_read_free(a_);
    }

    bool next(record& r) override {
        for (;;) {
            if (inner_ && inner_->next(r)) return true;
            inner_.reset();
            if (done_) return false;
            archive_entry* e = nullptr;
            const int rc = archive_read_next_header(a_, &e);
            if (rc == ARCHIVE_EOF) {
                done_ = true;
                return false;
            }
            std::string name = raw_ ? path_.filename().string() : std::string(archive_entry_pathname(e));
            const std::string where = raw_ ? path_.string() : path_.string() + "!" + name;
            if (rc < ARCHIVE_WARN) {
                done_ = true;
                fail(r, where, archive_error_string(a_) ? archive_error_string(a_) : "corrupt archive");
                return true;
            }
            if (!raw_ && archive_entry_filetype(e) != AE_IFREG) continue;
            if (raw_) strip_compression(name);
            std::string inner_name = name;
            strip_compression(inner_name);
            const std::string fmt = format_of(inner_name, opt_.format);
            if (fmt.empty()) {
                if (raw_) {
                    fail(r, where, "unknown format of the decompressed file");
                    return true;
                }
                continue;  // not a structure file: skipped, like a folder's other files
            }
            std::string bytes;
            char buf[1 << 16];
            la_ssize_t n;
            bool too_big = false;
            while ((n = archive_read_data(a_, buf, sizeof buf)) > 0) {
                if (bytes.size() + static_cast<std::size_t>(n) > max_member_bytes) {
                    too_big = true;
                    break;
                }
                bytes.append(buf, static_cast<std::size_t>(n));
            }
            if (too_big) {
                fail(r, where, "larger than the 1 GiB limit for a compressed or archived member");
                return true;
            }
            if (n < 0) {
                done_ = true;
                fail(r, where, std::string("cannot decompress: ") + (archive_error_string(a_) ? archive_error_string(a_) : "read error"));
                return true;
            }
            if (fmt == "csv") inner_ = std::make_unique<cdvae_csv_reader>(where, std::move(bytes));
            else if (fmt == "json" || fmt == "jsonl")
                inner_ = io::make_json_reader(where, stem_without(inner_name), std::move(bytes), fmt == "jsonl");
            else inner_ = std::make_unique<text_reader>(where, stem_without(inner_name), fmt, std::move(bytes), opt_.species);
        }
    }

private:
    void fail(record& r, const std::string& where, const std::string& why) {
        r = record{};
        r.source = where;
        r.id = stem_without(where.substr(where.find('!') == std::string::npos ? 0 : where.find('!') + 1));
        r.format = "cif";
        r.error = where + ": " + why;
    }

    fs::path path_;
    input_options opt_;
    bool raw_;
    archive* a_ = nullptr;
    std::unique_ptr<record_reader> inner_;
    bool done_ = false;
};

// One file of any supported kind.
std::unique_ptr<record_reader> open_file(const fs::path& p, const input_options& opt) {
    const std::string name = p.filename().string();
    if (is_archive_name(name)) return std::make_unique<archive_reader>(p, false, opt);
    std::string inner = name;
    if (strip_compression(inner)) return std::make_unique<archive_reader>(p, true, opt);
    const std::string fmt = format_of(name, opt.format);
    if (fmt == "db" || (fmt.empty() && io::is_sqlite(p))) return io::make_ase_db_reader(p, opt.select);
    if (fmt == "csv") return std::make_unique<cdvae_csv_reader>(p);
    if (fmt.empty()) return nullptr;
    std::string text;
    std::string err;
    try {
        io::mapped_file f(p);
        text.assign(f.view());
    } catch (const error& e) {
        err = e.what();
    }
    if (!err.empty()) {
        struct failed final : record_reader {
            record rec;
            bool done = false;
            bool next(record& r) override {
                if (done) return false;
                done = true;
                r = rec;
                return true;
            }
        };
        auto f = std::make_unique<failed>();
        f->rec.id = stem_without(name);
        f->rec.source = p.string();
        f->rec.format = fmt;
        f->rec.error = err;
        return f;
    }
    if (fmt == "json" || fmt == "jsonl") return io::make_json_reader(p.string(), stem_without(name), std::move(text), fmt == "jsonl");
    return std::make_unique<text_reader>(p.string(), stem_without(name), fmt, std::move(text), opt.species);
}

// In a folder, a CSV without a `cif` column is a label table or other data,
// not candidates: it is skipped rather than reported.
bool has_cif_column(const fs::path& p) {
    std::ifstream in(p);
    std::string header;
    std::getline(in, header);
    std::vector<std::string> f;
    csv_reader r(header);
    return r.next(f) && std::find(f.begin(), f.end(), "cif") != f.end();
}

// In a folder, JSON that names no lattice, structure or entries (a settings
// file, atom_init.json ...) is not candidates either.
bool looks_like_structures(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::string head(1 << 16, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    for (const char* k : {"\"lattice\"", "\"structure\"", "\"entries\""})
        if (head.find(k) != std::string::npos) return true;
    return false;
}

// A folder: every file below it, recursively, in sorted path order.
class folder_reader final : public record_reader {
public:
    folder_reader(const fs::path& dir, input_options opt) : opt_(std::move(opt)) {
        for (const auto& e : fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied))
            if (e.is_regular_file()) files_.push_back(e.path());
        std::sort(files_.begin(), files_.end());
    }

    bool next(record& r) override {
        for (;;) {
            if (inner_ && inner_->next(r)) return true;
            inner_.reset();
            if (k_ >= files_.size()) return false;
            const fs::path p = files_[k_++];
            if (opt_.format.empty()) {
                const std::string fmt = format_of(p.filename().string(), "");
                if (fmt == "csv" && !has_cif_column(p)) continue;
                if ((fmt == "json" || fmt == "jsonl") && !looks_like_structures(p)) continue;
            }
            try {
                inner_ = open_file(p, opt_);
            } catch (const error& e) {
                r = record{};
                r.id = stem_without(p.filename().string());
                r.source = p.string();
                r.format = "cif";
                r.error = e.what();
                return true;
            }
        }
    }

private:
    input_options opt_;
    std::vector<fs::path> files_;
    std::size_t k_ = 0;
    std::unique_ptr<record_reader> inner_;
};

}  // namespace

// Stamps the per-run options on every record, whatever reader made it.
class options_reader final : public record_reader {
public:
    options_reader(std::unique_ptr<record_reader> in, input_options opt) : in_(std::move(in)), opt_(std::move(opt)) {}
    bool next(record& r) override {
        if (!in_->next(r)) return false;
        r.disorder = opt_.disorder;
        if (r.species.empty()) r.species = opt_.species;
        return true;
    }

private:
    std::unique_ptr<record_reader> in_;
    input_options opt_;
};

std::unique_ptr<record_reader> open_input_unstamped(const fs::path& path, const input_options& opt) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return std::make_unique<folder_reader>(path, opt);
    if (!fs::exists(path, ec)) throw error(path.string() + ": no such file or folder");
    auto r = open_file(path, opt);
    if (!r)
        throw error(path.string() +
                    ": unknown input format (expected .cif, .csv, POSCAR/CONTCAR/.vasp, .xyz/.extxyz, compressed, "
                    ".tar/.zip, or a folder; or pass --format)");
    return r;
}

std::unique_ptr<record_reader> open_input(const fs::path& path, const input_options& opt) {
    if (opt.disorder != "error" && opt.disorder != "skip" && opt.disorder != "majority")
        throw error("--disorder expects error, skip or majority, got '" + opt.disorder + "'");
    return std::make_unique<options_reader>(open_input_unstamped(path, opt), opt);
}

structure parse_record(const record& r) {
    if (!r.error.empty()) throw error(r.error);
    std::string where = r.source;
    try {
        structure s;
        if (r.format == "cif")
            s = read_cif(r.text, r.id,
                         r.disorder == "skip"       ? disorder_policy::skip
                         : r.disorder == "majority" ? disorder_policy::majority
                                                    : disorder_policy::error);
        else if (r.format == "poscar") s = read_poscar(r.text, r.id, r.species);
        else if (r.format == "extxyz") s = read_extxyz_frame(r.text, r.id);
        else if (r.format == "pymatgen-json") s = read_pymatgen_json(r.text, r.id);
        else if (r.format == "parsed" && r.parsed) s = *r.parsed;
        else throw error(r.id + ": unsupported record format '" + r.format + "'");
        sort_by_electronegativity(s);
        validate(s);
        return s;
    } catch (const error& e) {
        std::string ctx = where;
        if (r.index > 0 || r.line > 1) ctx += " record " + std::to_string(r.index + 1) + " (line " + std::to_string(r.line) + ")";
        if (dynamic_cast<const disorder_skipped*>(&e)) throw disorder_skipped(ctx + ", id " + e.what());
        throw error(ctx + ", id " + e.what());
    }
}

}  // namespace xtalsieve
