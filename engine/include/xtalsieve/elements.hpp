// xtalsieve/elements.hpp — the periodic table as the reference pipeline sees it.
#pragma once
#include <string_view>

namespace xtalsieve {

inline constexpr int max_atomic_number = 103;

// Atomic number for an element symbol ("Fe", case-sensitive as in CIF: "FE" and
// "fe" are also accepted); 0 when the symbol is not an element.
int atomic_number(std::string_view symbol);

// Element symbol for 1 <= z <= max_atomic_number; "" otherwise.
std::string_view element_symbol(int z);

// Pauling electronegativity as pymatgen 2022.11 tabulates it; NaN where pymatgen
// has none (noble gases ...).
double pauling_electronegativity(int z);

// Extracts the element from a CIF type symbol or label: "Na1+" -> "Na",
// "O2-" -> "O", "Fe3" -> "Fe", "OW1" -> "O". Returns 0 when none is found.
int element_from_label(std::string_view label);

}  // namespace xtalsieve
