// xtalsieve/input.hpp — candidate sources: files, folders and tables of structures.
#pragma once
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "xtalsieve/structure.hpp"

namespace xtalsieve {

// One candidate as read from its source, before parsing.
struct record {
    std::string id;          // candidate id
    std::string source;      // file it came from
    std::size_t index = 0;   // record number within the source (0-based)
    std::size_t line = 0;    // first line of the record in the source (1-based; 0 unknown)
    std::string format;      // "cif", ...
    std::string text;        // the record's text (for "cif": a CIF document)
    std::string error;       // non-empty: the record could not be read; reason
};

// A stream of records. Not thread-safe: one reader per stream.
class record_reader {
public:
    virtual ~record_reader() = default;
    // Fills r with the next record; false at the end.
    virtual bool next(record& r) = 0;
};

struct input_options {
    std::string format;  // empty: detect from name and content
};

// Opens a CIF file, a folder of CIF files (sorted, id = file stem) or a CDVAE
// CSV with an embedded `cif` column (id = material_id). Throws xtalsieve::error
// when the path cannot be opened at all.
std::unique_ptr<record_reader> open_input(const std::filesystem::path& path,
                                          const input_options& opt = {});

// Parses a record into a structure (sites sorted by electronegativity and
// validated). Throws xtalsieve::error with source, record and reason.
structure parse_record(const record& r);

}  // namespace xtalsieve
