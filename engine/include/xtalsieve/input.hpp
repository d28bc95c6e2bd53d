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
    std::string format;      // "cif", "poscar", "extxyz", "pymatgen-json", or "parsed"
    std::string text;        // the record's text (for "cif": a CIF document)
    std::string error;       // non-empty: the record could not be read; reason
    std::vector<std::string> species;  // POSCAR without a symbols line: the species, in order
    std::shared_ptr<const structure> parsed;  // format "parsed": read from a database, no text
    std::string disorder = "error";            // CIF partial occupancy: error | skip | majority
    // A CIF data block without atom sites (data_global, publication or
    // powder-profile blocks of a multi-block file): not a candidate and not a
    // failure; counted apart (summary.json: non_structure_blocks).
    bool non_structure = false;
    // Notes from reading that do not stop the record (a renamed duplicate id ...).
    std::vector<std::string> warnings;
    // Non-empty: the source itself rules the candidate out (a generator's
    // physical rule, e.g. "charge balance"); it is parsed, so its formula and
    // elements are known, but not predicted, and the screen counts it as
    // filtered with this reason.
    std::string filtered;
    // Numbers the source knows about the candidate (a generator's tolerance
    // factor), one per record_reader::descriptor_names(), in that order; the
    // screen writes them as extra result columns.
    std::vector<double> descriptors;
};

// A stream of records. Not thread-safe: one reader per stream.
class record_reader {
public:
    virtual ~record_reader() = default;
    // Fills r with the next record; false at the end.
    virtual bool next(record& r) = 0;
    // Names of the per-record descriptors this stream fills (result columns).
    virtual std::vector<std::string> descriptor_names() const { return {}; }
};

struct input_options {
    std::string format;                 // cif | poscar | extxyz | json | jsonl | db | csv; empty: from name and content
    std::vector<std::string> species;   // VASP 4 POSCAR files: the species, in order
    std::string select;                 // ASE databases: "key=value" keeps matching rows only
    std::string disorder = "error";     // CIF partial occupancy: error | skip | majority
    // A record (a CIF data block, an XYZ frame, a JSON item, a CSV row, a
    // POSCAR file) larger than this is refused with an error record; readers
    // stream, so memory is bounded by this, not by the size of a file.
    std::size_t max_record_bytes = std::size_t(256) << 20;
};

// Opens an input: a CIF file (id = file stem), a CDVAE CSV with an embedded
// `cif` column (id = material_id), a POSCAR/CONTCAR/*.vasp file, an extended
// XYZ file (one record per frame, id = <stem>:<frame> unless the frame names
// one), pymatgen JSON / JSON lines, an ASE SQLite database (*.db; id =
// unique_id), any of these compressed (.gz .bz2 .xz .zst) or inside a .tar / .zip
// (members by name), or a folder of them walked recursively in sorted order
// (files of no known format are skipped). Without --format the format comes
// from the name, else from the content (SQLite magic; `data_` for CIF; an atom
// count and a `Lattice=` line for extended XYZ). Files, compressed files and
// archive members are read as streams, one record at a time. Throws xtalsieve::error when the
// path cannot be opened at all; bad records come back with `error` set.
std::unique_ptr<record_reader> open_input(const std::filesystem::path& path,
                                          const input_options& opt = {});

// Parses a record into a validated structure. Throws xtalsieve::error with
// source, record and reason.
structure parse_record(const record& r, site_order order = site_order::reference);

}  // namespace xtalsieve
