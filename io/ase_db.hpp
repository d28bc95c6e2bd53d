// ASE SQLite databases, read-only through sqlite3 (private to io/).
#pragma once
#include <filesystem>
#include <memory>

#include "xtalsieve/input.hpp"

namespace xtalsieve::io {

// Rows of the `systems` table in id order as parsed records (id = unique_id).
// `select` "key=value" keeps rows whose column or key-value pair matches.
std::unique_ptr<record_reader> make_ase_db_reader(const std::filesystem::path& p, const std::string& select);

bool is_sqlite(const std::filesystem::path& p);

}  // namespace xtalsieve::io
