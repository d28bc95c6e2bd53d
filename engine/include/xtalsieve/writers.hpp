// xtalsieve/writers.hpp — structures as text, exactly as read.
//
// Every number is written in full precision (17 significant digits, so it
// reads back bit for bit), sites in the structure's order. JSON lines read
// back exactly; extended XYZ holds Cartesian positions (fractional ones come
// back within 1e-14); a CIF read back snaps coordinates within 1e-4 relative
// of 1/3 and 2/3 onto them, as pymatgen does, so a structure that holds such
// a coordinate unsnapped (a symmetry image like 0.66667) moves by up to 1e-5:
// use .jsonl for an exact copy.
#pragma once
#include <filesystem>
#include <string>

#include "xtalsieve/structure.hpp"

namespace xtalsieve {

enum class structure_format { extxyz, jsonl, cif };

// From a file name: .extxyz / .xyz, .jsonl, .cif. Throws xtalsieve::error otherwise.
structure_format structure_format_of(const std::filesystem::path& file);

// One extended XYZ frame: Lattice (rows a, b, c, Å), Cartesian positions (Å),
// the id in the comment line (id=...), pbc="T T T".
std::string to_extxyz(const structure& s);

// One line (no newline) of a pymatgen Structure dict (as Structure.as_dict()
// writes it: lattice matrix, sites with species, abc, xyz, label), the id in
// "properties": {"id": ...}.
std::string to_pymatgen_json(const structure& s);

// A P1 CIF data block named by the id: cell lengths (Å) and angles (degrees)
// from the lattice, fractional coordinates, one site per row.
std::string to_cif(const structure& s);

// The text of s in format f (a frame, a line or a block, newline-terminated).
std::string to_text(const structure& s, structure_format f);

}  // namespace xtalsieve
