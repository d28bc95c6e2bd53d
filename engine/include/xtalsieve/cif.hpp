// xtalsieve/cif.hpp — CIF reader with pymatgen 2022.11 semantics.
#pragma once
#include <string>
#include <string_view>

#include "xtalsieve/error.hpp"
#include "xtalsieve/structure.hpp"

namespace xtalsieve {

// Parses the first data block of a CIF document: cell from parameters (Å,
// degrees), uncertainties dropped, 1/3 and 2/3 snapped, symmetry operations
// from _symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz (P1 when
// neither), images wrapped to [0,1) and de-duplicated at 1e-4, species from the
// type symbol or label. Sites are returned in file order (not yet sorted).
// Throws xtalsieve::error with `id` and the reason (partial occupancy,
// missing tags, bad numbers ...).
// What to do with partially occupied or mixed sites.
enum class disorder_policy {
    error,     // the record fails with a clear reason (the reference cannot predict it)
    skip,      // throws disorder_skipped: the record is filtered, not failed
    majority,  // each site takes its majority species at full occupancy
};

// Thrown for a disordered structure under disorder_policy::skip.
struct disorder_skipped : error {
    using error::error;
};

structure read_cif(std::string_view text, const std::string& id, disorder_policy disorder = disorder_policy::error);

}  // namespace xtalsieve
