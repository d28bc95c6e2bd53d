// xtalsieve/elements.hpp — the periodic table as the reference pipeline sees it.
#pragma once
#include <string_view>

namespace xtalsieve {

inline constexpr int max_atomic_number = 118;

// Atomic number for an element symbol ("Fe", case-sensitive as in CIF: "FE" and
// "fe" are also accepted); 0 when the symbol is not an element.
int atomic_number(std::string_view symbol);

// Element symbol (IUPAC) for 1 <= z <= max_atomic_number; "" otherwise.
std::string_view element_symbol(int z);

// Pauling electronegativity as pymatgen 2022.11 tabulates it; NaN where pymatgen
// has none (noble gases ...).
double pauling_electronegativity(int z);

// The element of a CIF site.
//
// Rules (the CIF reader uses _atom_site_type_symbol when the file has it,
// else _atom_site_label, as pymatgen does):
//  - element_from_type_symbol: the symbol's letters must be an element symbol
//    (case-insensitive: "FE", "fe"), followed only by an oxidation state or a
//    count ("Fe2+", "O2-", "Fe3"); pymatgen's water labels (Ow, Hw, Wat) are
//    oxygen and hydrogen. Anything else is 0 (unknown): "Ox", "Xx" and "D"
//    are refused rather than read as O, X or H. Here xtalsieve is stricter
//    than pymatgen 2022.11, which reads "Ox" as O with a warning and "D" as a
//    dummy species that no model can featurise.
//  - element_from_label: labels carry site suffixes ("Ca1", "O2a", "OW1"), so
//    pymatgen's rule applies: the first two letters title-cased if they are an
//    element, else the first letter, else a leading [A-Z][a-z]*. With all 118
//    elements in the table no real symbol is cut short ("Og1" is oganesson).
// Both return 0 when no element is found.
int element_from_type_symbol(std::string_view symbol);
int element_from_label(std::string_view label);

}  // namespace xtalsieve
