#include "io/ase_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "xtalsieve/error.hpp"

namespace xtalsieve::io {

namespace {

constexpr int max_atoms = 100000;

// One read-only query on a database file. Both handles are released by the
// destructor, and by the constructor when it fails (a failed open still
// allocates the connection).
class sqlite_query {
public:
    sqlite_query(const std::string& path, const std::string& sql) {
        std::string why;
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
            why = "cannot open SQLite database: " + std::string(sqlite3_errmsg(db_));
        else if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
            why = "not an ASE database (" + std::string(sqlite3_errmsg(db_)) + ")";
        if (!why.empty()) {
            close();
            throw error(path + ": " + why);
        }
    }
    ~sqlite_query() { close(); }
    sqlite_query(const sqlite_query&) = delete;
    sqlite_query& operator=(const sqlite_query&) = delete;

    sqlite3* db() const { return db_; }
    sqlite3_stmt* st() const { return st_; }

private:
    void close() {
        if (st_) sqlite3_finalize(st_);
        sqlite3_close(db_);
    }

    sqlite3* db_ = nullptr;
    sqlite3_stmt* st_ = nullptr;
};

class ase_db_reader final : public record_reader {
public:
    ase_db_reader(const std::filesystem::path& p, const std::string& select)
        : path_(p.string()),
          q_(path_, "SELECT id, unique_id, numbers, positions, cell, pbc, key_value_pairs FROM systems ORDER BY id") {
        if (const auto eq = select.find('='); eq != std::string::npos) {
            key_ = select.substr(0, eq);
            want_ = select.substr(eq + 1);
        } else if (!select.empty()) {
            throw error("--select expects key=value, got '" + select + "'");
        }
    }

    bool next(record& r) override {
        for (;;) {
            if (done_) return false;
            const int rc = sqlite3_step(q_.st());
            if (rc == SQLITE_DONE) return false;
            r = record{};
            r.source = path_;
            r.format = "parsed";
            r.index = index_++;
            if (rc != SQLITE_ROW) {
                // A failed step (a corrupt page) cannot be stepped past: the
                // rest of the table is this one bad record.
                done_ = true;
                r.id = "row " + std::to_string(r.index + 1);
                r.error = path_ + " row " + std::to_string(r.index + 1) + ": " + sqlite3_errmsg(q_.db()) +
                          " (the rest of the database is not read)";
                return true;
            }
            const auto* uid = sqlite3_column_text(q_.st(), 1);
            r.id = uid ? reinterpret_cast<const char*>(uid) : "row " + std::to_string(sqlite3_column_int64(q_.st(), 0));
            const char* kvp = reinterpret_cast<const char*>(sqlite3_column_text(q_.st(), 6));
            if (!key_.empty() && !matches(r.id, kvp)) continue;
            try {
                r.parsed = std::make_shared<const structure>(row_structure(r.id));
            } catch (const error& e) {
                r.error = path_ + " row " + std::to_string(r.index + 1) + ", id " + e.what();
            }
            return true;
        }
    }

private:
    bool matches(const std::string& uid, const char* kvp) const {
        if (key_ == "unique_id") return uid == want_;
        if (key_ == "id") return std::to_string(sqlite3_column_int64(q_.st(), 0)) == want_;
        if (!kvp) return false;
        try {
            const auto j = nlohmann::json::parse(kvp);
            if (!j.contains(key_)) return false;
            const auto& v = j[key_];
            return v.is_string() ? v.get<std::string>() == want_ : v.dump() == want_;
        } catch (...) {
            return false;
        }
    }

    structure row_structure(const std::string& id) const {
        const int nb = sqlite3_column_bytes(q_.st(), 2), pb = sqlite3_column_bytes(q_.st(), 3), cb = sqlite3_column_bytes(q_.st(), 4);
        const void* nd = sqlite3_column_blob(q_.st(), 2);
        const void* pd = sqlite3_column_blob(q_.st(), 3);
        const void* cd = sqlite3_column_blob(q_.st(), 4);
        if (nb <= 0 || nb % 4) throw error(id + ": numbers blob of " + std::to_string(nb) + " bytes (expected int32 values)");
        const int n = nb / 4;
        if (n > max_atoms) throw error(id + ": " + std::to_string(n) + " atoms is more than the limit of 100000");
        if (pb != n * 24) throw error(id + ": positions blob of " + std::to_string(pb) + " bytes, expected " + std::to_string(n * 24));
        if (cb != 72) throw error(id + ": cell blob of " + std::to_string(cb) + " bytes, expected 72");
        if ((sqlite3_column_int(q_.st(), 5) & 7) != 7) throw error(id + ": not periodic in every direction (pbc)");
        structure s;
        s.id = id;
        double cell[9];
        std::memcpy(cell, cd, 72);  // little-endian float64, as ASE writes it
        for (int k = 0; k < 9; ++k) s.lattice[k / 3][k % 3] = cell[k];
        if (!(std::abs(cell_volume(s)) > 1e-9)) throw error(id + ": zero-volume cell");
        const auto inv = inverse_lattice(s.lattice);
        std::vector<std::int32_t> z(n);
        std::vector<double> pos(static_cast<std::size_t>(n) * 3);
        std::memcpy(z.data(), nd, static_cast<std::size_t>(nb));
        std::memcpy(pos.data(), pd, static_cast<std::size_t>(pb));
        for (int i = 0; i < n; ++i) {
            const double* c = &pos[static_cast<std::size_t>(i) * 3];
            vec3 f;
            for (int j = 0; j < 3; ++j) f[j] = c[0] * inv[0][j] + c[1] * inv[1][j] + c[2] * inv[2][j];
            s.frac.push_back(f);
            s.numbers.push_back(z[i]);
        }
        return s;
    }

    std::string path_;
    sqlite_query q_;
    std::string key_, want_;
    std::size_t index_ = 0;
    bool done_ = false;
};

}  // namespace

bool is_sqlite(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    char head[16] = {};
    in.read(head, 16);
    return in.gcount() == 16 && std::memcmp(head, "SQLite format 3\0", 16) == 0;
}

std::unordered_map<std::string, double> ase_db_labels(const std::filesystem::path& p, const std::string& key) {
    static const char* columns[] = {"energy", "free_energy", "fmax", "smax", "volume", "mass", "charge", "magmom", "natoms"};
    const bool is_column = std::find(std::begin(columns), std::end(columns), key) != std::end(columns);
    const std::string where = p.string();
    // The column name comes from a fixed list, never from the user's text.
    const sqlite_query q(where, std::string("SELECT unique_id, ") + (is_column ? key : "key_value_pairs") + " FROM systems");
    sqlite3_stmt* st = q.st();
    std::unordered_map<std::string, double> out;
    bool seen = false;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const auto* uid = sqlite3_column_text(st, 0);
        if (!uid) continue;
        double v = NAN;
        if (is_column) {
            if (sqlite3_column_type(st, 1) == SQLITE_NULL) continue;
            seen = true;
            v = sqlite3_column_double(st, 1);
        } else {
            const auto* kvp = sqlite3_column_text(st, 1);
            if (!kvp) continue;
            try {
                const auto j = nlohmann::json::parse(reinterpret_cast<const char*>(kvp));
                if (!j.is_object() || !j.contains(key)) continue;
                seen = true;
                if (j[key].is_number()) v = j[key].get<double>();
            } catch (const std::exception&) {
                continue;
            }
        }
        if (std::isfinite(v)) out[reinterpret_cast<const char*>(uid)] = v;
    }
    if (rc != SQLITE_DONE) throw error(where + ": " + sqlite3_errmsg(q.db()) + " while reading labels");
    if (!seen) throw error(where + ": no row has a value for '" + key + "' (a systems column or key-value pair)");
    return out;
}

std::unique_ptr<record_reader> make_ase_db_reader(const std::filesystem::path& p, const std::string& select) {
    return std::make_unique<ase_db_reader>(p, select);
}

}  // namespace xtalsieve::io
