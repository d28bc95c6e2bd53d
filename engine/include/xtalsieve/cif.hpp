// xtalsieve/cif.hpp — CIF reader with pymatgen 2022.11 semantics.
#pragma once
#include <string>
#include <string_view>

#include "xtalsieve/structure.hpp"

namespace xtalsieve {

// Parses the first data block of a CIF document: cell from parameters (Å,
// degrees), uncertainties dropped, 1/3 and 2/3 snapped, symmetry operations
// from _symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz (P1 when
// neither), images wrapped to [0,1) and de-duplicated at 1e-4, species from the
// type symbol or label. Sites are returned in file order (not yet sorted).
// Throws xtalsieve::error with `id` and the reason (partial occupancy,
// missing tags, bad numbers ...).
structure read_cif(std::string_view text, const std::string& id);

}  // namespace xtalsieve
