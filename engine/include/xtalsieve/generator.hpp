// xtalsieve/generator.hpp — candidate structures made on the fly.
#pragma once
#include <memory>
#include <string>

#include "xtalsieve/input.hpp"

namespace xtalsieve {

// Physical rules a generator applies to its candidates.
struct generator_options {
    // Keep a perovskite only if some assignment of common oxidation states
    // (pymatgen's ICSD list; A, B positive, X negative) gives q_A + q_B + 3 q_X = 0.
    bool charge_balance = true;
    // Keep it only if Goldschmidt's tolerance factor lies in [min, max].
    double tolerance_min = 0.8, tolerance_max = 1.1;
};

// Opens a generator as a record stream (records are P1 CIF text, ids like
// "CaTiO3"). Supported: "perovskite[:A=..;B=..;X=..]" — every cubic ABX3
// perovskite (Pm-3m, 5 atoms: A at 0,0,0; B at the body centre; X at the face
// centres) over the element sets, with a = max(2 (r_B + r_X), sqrt(2) (r_A + r_X))
// from pymatgen's average ionic radii (Å). Omitted sets take defaults
// (A: 20 alkali, alkaline-earth and rare-earth metals; B: 30 transition and
// post-transition metals; X: O, F, S, Cl, N), 2995 candidates.
// Every candidate is emitted with descriptor "t", Goldschmidt's tolerance
// factor t = (r_A + r_X) / (sqrt(2) (r_B + r_X)) from Shannon ionic radii
// (see assess_perovskite in engine/screen/perovskite_rules.hpp for the
// oxidation states and the choice among several); candidates the rules rule
// out carry record::filtered = "charge balance", "tolerance factor", or
// "tolerance factor: no Shannon radii" (no assignment has radii, so t is
// NaN). Of the 2995 defaults, 1899 balance charge and 899 of those have
// 0.8 <= t <= 1.1.
// Throws xtalsieve::error for an unknown generator or element, or min > max.
std::unique_ptr<record_reader> open_generator(const std::string& spec, generator_options opt = {});

// Average ionic radius (Å) of element z, as tabulated by pymatgen; 0 if none.
double ionic_radius(int z);

}  // namespace xtalsieve
