// xtalsieve/formats.hpp — structure text formats besides CIF.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "xtalsieve/structure.hpp"

namespace xtalsieve {

// One pymatgen Structure dict or ComputedStructureEntry as JSON text
// (species from "species"[0]."element", fractional "abc"). Sites in order.
structure read_pymatgen_json(std::string_view text, const std::string& id);

// VASP POSCAR / CONTCAR: VASP 5 (symbols line) or VASP 4 (species from
// `species`, else from the comment line), negative scale = target volume (Å^3),
// selective dynamics, Direct or Cartesian coordinates. Sites in file order.
// Throws xtalsieve::error with `id` and the reason.
structure read_poscar(std::string_view text, const std::string& id, const std::vector<std::string>& species = {});

// One frame of extended XYZ (ASE / libAtoms header: Lattice="...",
// Properties=species:S:1:pos:R:3:..., pbc="T T T"; quoted and {bracketed}
// values). A frame without Lattice is an error. Sites in file order.
structure read_extxyz_frame(std::string_view frame, const std::string& id);

// The value of an id / material_id / unique_id key in a frame's header; "" if none.
std::string extxyz_frame_id(std::string_view frame);

// Multi-frame files are split into frames by open_input (one record each).

}  // namespace xtalsieve
