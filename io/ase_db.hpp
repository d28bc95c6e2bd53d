// ASE SQLite databases, read-only through sqlite3 (private to io/).
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>

#include "xtalsieve/input.hpp"

namespace xtalsieve::io {

// Rows of the `systems` table in id order as parsed records (id = unique_id).
// `select` "key=value" keeps rows whose column or key-value pair matches.
std::unique_ptr<record_reader> make_ase_db_reader(const std::filesystem::path& p, const std::string& select);

bool is_sqlite(const std::filesystem::path& p);

// Labels from an ASE database: unique_id -> a number, from a column of the
// `systems` table (energy, free_energy, fmax, smax, volume, mass, charge,
// magmom, natoms) or else from the key-value pairs. Rows without a finite
// number are left out. Throws xtalsieve::error when the key is in no row.
std::unordered_map<std::string, double> ase_db_labels(const std::filesystem::path& p, const std::string& key);

}  // namespace xtalsieve::io
