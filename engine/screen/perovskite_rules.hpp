// perovskite_rules.hpp — which ABX3 compositions can be ionic perovskites:
// charge balance over common oxidation states and Goldschmidt's tolerance factor.
#pragma once

namespace xtalsieve {

struct perovskite_ions {
    bool charge_balanced = false;  // some q_A + q_B + 3 q_X == 0 (A, B > 0, X < 0)
    // Goldschmidt's t = (r_A + r_X) / (sqrt(2) (r_B + r_X)) for the chosen
    // assignment; NaN when no candidate assignment has Shannon radii.
    double t = 0;
    int q_a = 0, q_b = 0, q_x = 0;  // the chosen assignment (0 when none)
};

// The oxidation states come from pymatgen's ICSD list (common states where it
// is empty), the radii from Shannon (1976): A at XII, B and X at VI, see
// engine/screen/perovskite_ions_table.inc. Candidate assignments are the
// charge-balanced ones, or every sign-consistent one when none balances (so
// t is still reported with the rule switched off); of those with radii the
// one with |t - 1| smallest is chosen, the first in ascending (q_A, q_B, q_X)
// on ties, so the choice is deterministic and favours the most perovskite-like
// reading of the composition.
perovskite_ions assess_perovskite(int z_a, int z_b, int z_x);

}  // namespace xtalsieve
