// xtalsieve/symmetry.hpp — space groups and symmetry-aware identity (spglib).
#pragma once
#include <string>

#include "xtalsieve/structure.hpp"

namespace xtalsieve {

// International space-group number (1 ... 230) at tolerance symprec (Å);
// 0 when spglib finds none.
int spacegroup_number(const structure& s, double symprec = 1e-3);

// A key equal for structures whose spglib-standardized cells match:
// space group, composition of the standardized conventional cell, and its lattice lengths
// (rounded to 0.01 Å) and angles (0.1 degree). Translated, permuted and
// supercell copies of a structure share the key. Structures of the same
// composition, space group and cell but different internal coordinates also
// share it: the key is a fingerprint at that stated tolerance.
std::string symmetry_key(const structure& s, double symprec = 1e-3);

}  // namespace xtalsieve
