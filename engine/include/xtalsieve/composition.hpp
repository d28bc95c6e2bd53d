// xtalsieve/composition.hpp — chemical formulas of structures.
#pragma once
#include <string>
#include <vector>

namespace xtalsieve {

// The reduced formula of a structure's sites (atomic numbers in site order), as
// pymatgen 2022.11's Composition.reduced_formula writes it: elements by
// Pauling electronegativity then symbol, amounts divided by their greatest
// common divisor, ones omitted, a trailing polyanion grouped when the last two
// elements differ by less than 1.65 in electronegativity and repeat
// ("Ca(NO3)2"), and the peroxides and diatomic elements written as pymatgen
// does ("Li2O2", "O2"). Ordered structures only (integer amounts). The site
// order matters only for noble gases (no electronegativity), placed as
// pymatgen places them given the elements' order of first appearance.
std::string reduced_formula(const std::vector<int>& numbers);

}  // namespace xtalsieve
