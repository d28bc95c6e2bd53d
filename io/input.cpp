#include "xtalsieve/input.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <fstream>
#include <string>

#include "io/ase_db.hpp"
#include "io/record_streams.hpp"
#include <archive.h>
#include <archive_entry.h>

#include "xtalsieve/cif.hpp"
#include "xtalsieve/formats.hpp"
#include "xtalsieve/csv.hpp"
#include "xtalsieve/error.hpp"

namespace fs = std::filesystem;

namespace xtalsieve {

namespace {

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

// Format from the first bytes when the name gives none: a CIF starts with
// data_ (after comments), an extended XYZ with an atom count and a comment
// line holding Lattice=. Other formats are not guessed.
std::string sniff_format(std::string_view head) {
    if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
    std::size_t pos = 0;
    auto next_line = [&]() {
        const std::size_t e = std::min(head.find('\n', pos), head.size());
        std::string_view l = head.substr(pos, e - pos);
        pos = e + 1;
        const std::size_t b = l.find_first_not_of(" \t\r");
        return b == std::string_view::npos ? std::string_view() : l.substr(b);
    };
    std::string_view first;
    while (pos < head.size()) {
        first = next_line();
        if (!first.empty() && first[0] != '#') break;
        first = {};
    }
    if (std::string name; io::cif_data_header(first, name)) return "cif";
    const std::size_t digits = first.find_first_not_of("0123456789");
    if (digits > 0 && !first.empty() && (digits == std::string_view::npos || first.find_first_not_of(" \t\r", digits) == std::string_view::npos) &&
        pos < head.size() && next_line().find("Lattice=") != std::string_view::npos)
        return "extxyz";
    return {};
}

constexpr std::size_t sniff_bytes = 4096;

std::string stem_without(const std::string& name) {
    std::string n = fs::path(name).filename().string();
    strip_compression(n);
    const auto dot = n.rfind('.');
    return dot == std::string::npos || dot == 0 ? n : n.substr(0, dot);
}

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
            // A corrupt header may come without an entry or a name.
            const char* member = e && !raw_ ? archive_entry_pathname(e) : nullptr;
            std::string name = raw_ ? path_.filename().string() : member ? std::string(member) : "(unnamed member)";
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
            std::string fmt = format_of(inner_name, opt_.format);
            auto bytes = io::archive_entry_stream(a_, where);
            if (fmt.empty()) {  // no format from the name: from the first bytes
                std::string head;
                try {
                    head = io::read_head(*bytes, sniff_bytes);
                } catch (const error& ex) {
                    done_ = true;
                    fail(r, where, std::string(ex.what()).substr(where.size() + 2));
                    return true;
                }
                fmt = sniff_format(head);
                if (fmt.empty()) {
                    if (raw_) {
                        fail(r, where, "unknown format of the decompressed file (name it .cif, .xyz, ... or pass --format)");
                        return true;
                    }
                    continue;  // not a structure file: skipped, like a folder's other files
                }
                bytes = io::replay_stream(std::move(head), std::move(bytes));
            }
            try {
                inner_ = io::make_stream_reader(fmt, {std::move(bytes), where, stem_without(inner_name)}, opt_);
            } catch (const error& e) {  // a CSV member without a header or `cif` column
                fail(r, where, std::string(e.what()).substr(std::string(e.what()).rfind(where, 0) == 0 ? where.size() + 2 : 0));
                return true;
            }
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
    if (fmt.empty()) {  // no format from the name: from the first bytes
        std::unique_ptr<io::byte_stream> bytes;
        std::string head;
        try {
            bytes = io::open_file_stream(p);
            head = io::read_head(*bytes, sniff_bytes);
        } catch (const error&) {
            return nullptr;  // unreadable and unnamed: not taken for a structure file
        }
        const std::string sniffed = sniff_format(head);
        if (sniffed.empty()) return nullptr;
        return io::make_stream_reader(sniffed, {io::replay_stream(std::move(head), std::move(bytes)), p.string(), stem_without(name)}, opt);
    }
    return io::make_stream_reader(fmt, {io::open_file_stream(p), p.string(), stem_without(name)}, opt);
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

// The ids handed out so far, as 64-bit hashes in an open-addressing table
// (8 bytes per slot, at most half full: about 16 bytes per candidate, so ten
// million candidates cost 160 MB at most; no id strings are kept). Two ids
// whose FNV-1a hashes collide would be taken for a repeat: for 10^7 ids that
// happens with probability about 3e-6.
class id_registry {
public:
    // True when h was new (and is now recorded).
    bool insert(std::uint64_t h) {
        if (h == 0) h = 1;  // 0 marks an empty slot
        if (2 * (used_ + 1) > slots_.size()) grow();
        if (!place(slots_, h)) return false;
        ++used_;
        return true;
    }
    static std::uint64_t hash(std::string_view s) {
        std::uint64_t h = 1469598103934665603ull;
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
        return h ^ (h >> 29);
    }

private:
    static bool place(std::vector<std::uint64_t>& t, std::uint64_t h) {
        const std::size_t mask = t.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            if (t[i] == h) return false;
            if (t[i] == 0) {
                t[i] = h;
                return true;
            }
        }
    }
    void grow() {
        std::vector<std::uint64_t> n(std::max<std::size_t>(1024, slots_.size() * 2), 0);
        for (std::uint64_t h : slots_)
            if (h) place(n, h);
        slots_.swap(n);
    }
    std::vector<std::uint64_t> slots_;
    std::size_t used_ = 0;
};

// Stamps the per-run options on every record, whatever reader made it, and
// keeps ids unique within the run: a repeated id (two files both named
// POSCAR, IUCr files whose only block is data_I ...) becomes id#2, id#3, ...
// in stream order, with a warning on the record.
class options_reader final : public record_reader {
public:
    options_reader(std::unique_ptr<record_reader> in, input_options opt) : in_(std::move(in)), opt_(std::move(opt)) {}
    bool next(record& r) override {
        if (!in_->next(r)) return false;
        r.disorder = opt_.disorder;
        if (r.species.empty()) r.species = opt_.species;
        if (!r.non_structure && !ids_.insert(id_registry::hash(r.id))) {
            const std::string base = r.id;
            int& k = repeats_[base];
            if (k == 0) k = 1;
            do r.id = base + "#" + std::to_string(++k);
            while (!ids_.insert(id_registry::hash(r.id)));
            r.warnings.push_back("id '" + base + "' repeats an earlier candidate's id: renamed " + r.id);
        }
        return true;
    }

private:
    std::unique_ptr<record_reader> in_;
    input_options opt_;
    id_registry ids_;
    std::unordered_map<std::string, int> repeats_;  // only ids that repeated
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

std::unique_ptr<record_reader> open_input(const fs::path& path, const input_options& options) {
    input_options opt = options;
    if (opt.format == "xyz") opt.format = "extxyz";
    if (opt.format == "vasp") opt.format = "poscar";
    if (opt.format == "sqlite" || opt.format == "ase") opt.format = "db";
    if (!opt.format.empty() && opt.format != "cif" && opt.format != "poscar" && opt.format != "extxyz" &&
        opt.format != "json" && opt.format != "jsonl" && opt.format != "db" && opt.format != "csv")
        throw error("--format expects cif, poscar, extxyz, json, jsonl, db or csv, got '" + opt.format + "'");
    if (opt.disorder != "error" && opt.disorder != "skip" && opt.disorder != "majority")
        throw error("--disorder expects error, skip or majority, got '" + opt.disorder + "'");
    return std::make_unique<options_reader>(open_input_unstamped(path, opt), opt);
}

structure parse_record(const record& r, site_order order) {
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
        if (order == site_order::reference) sort_by_electronegativity(s);
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
