// xtalsieve/generator.hpp — candidate structures made on the fly.
#pragma once
#include <memory>
#include <string>

#include "xtalsieve/input.hpp"

namespace xtalsieve {

// Opens a generator as a record stream (records are P1 CIF text, ids like
// "CaTiO3"). Supported: "perovskite[:A=..;B=..;X=..]" — every cubic ABX3
// perovskite (Pm-3m, 5 atoms: A at 0,0,0; B at the body centre; X at the face
// centres) over the element sets, with a = max(2 (r_B + r_X), sqrt(2) (r_A + r_X))
// from pymatgen's average ionic radii (Å). Omitted sets take defaults
// (A: 20 alkali, alkaline-earth and rare-earth metals; B: 30 transition and
// post-transition metals; X: O, F, S, Cl, N), 2995 candidates.
// Throws xtalsieve::error for an unknown generator or element.
std::unique_ptr<record_reader> open_generator(const std::string& spec);

// Average ionic radius (Å) of element z, as tabulated by pymatgen; 0 if none.
double ionic_radius(int z);

}  // namespace xtalsieve
