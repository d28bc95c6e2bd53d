#!/usr/bin/env python3
"""Prints tests/data/perovskite_rules_golden.csv: for each of the generator's
2995 default cubic ABX3 candidates, whether some assignment of oxidation
states balances charge and the Goldschmidt tolerance factor t the generator
must report, computed here straight from pymatgen 2022.11
(Species.get_shannon_radius), independently of engine/screen/perovskite_ions_table.inc.

    /usr/bin/python3 tools/make_perovskite_golden.py > tests/data/perovskite_rules_golden.csv

The rules (as documented in engine/include/xtalsieve/generator.hpp):
- states: Element.icsd_oxidation_states, else common_oxidation_states;
  A and B take positive states, X negative ones;
- balanced: q_A + q_B + 3 q_X == 0 for some assignment;
- t = (r_A + r_X) / (sqrt(2) (r_B + r_X)), Shannon ionic radii, A in XII, B and
  X in VI, nearest listed coordination where one is missing (ties: higher),
  high spin where spin matters; of the balanced assignments with radii (all
  sign-consistent ones when none balances) the one with |t - 1| smallest,
  first in ascending (q_A, q_B, q_X) order on ties; empty when none has radii.
"""
import math
import re
import warnings

warnings.filterwarnings("ignore")
from pymatgen.core.periodic_table import Element, Species

A = "Li Na K Rb Cs Mg Ca Sr Ba Pb La Ce Pr Nd Sm Gd Y Bi Ag Tl".split()
B = "Ti V Cr Mn Fe Co Ni Cu Zn Zr Nb Mo Ru Rh Pd Hf Ta W Re Os Ir Pt Al Ga In Sn Sb Ge Sc Mg".split()
X = "O F S Cl N".split()
NUM = {"XIV": 14, "XII": 12, "XI": 11, "X": 10, "IX": 9, "VIII": 8, "VII": 7, "VI": 6, "V": 5, "IV": 4, "III": 3, "II": 2, "I": 1}


def radius(sym, q, want):
    sp = Species(sym, q)
    table = Element(sym).data.get("Shannon radii", {}).get(str(q), {})
    if not table:
        return None
    base = lambda c: re.match(r"[IVX]+", c).group(0)
    cn = min(table, key=lambda c: (abs(NUM[base(c)] - want), -NUM[base(c)], c != base(c)))
    spin = "" if "" in table[cn] else "High Spin" if "High Spin" in table[cn] else sorted(table[cn])[0]
    return sp.get_shannon_radius(cn=cn, spin=spin, radius_type="ionic")


def states(sym):
    e = Element(sym)
    return e.icsd_oxidation_states or e.common_oxidation_states


def main():
    print("id,charge_balanced,t")
    for a in A:
        for b in B:
            for x in X:
                if len({a, b, x}) < 3:
                    continue
                combos = [(qa, qb, qx) for qa in sorted(states(a)) if qa > 0 for qb in sorted(states(b)) if qb > 0
                          for qx in sorted(states(x)) if qx < 0]
                balanced = [c for c in combos if c[0] + c[1] + 3 * c[2] == 0]
                best = None
                for qa, qb, qx in balanced or combos:
                    ra, rb, rx = radius(a, qa, 12), radius(b, qb, 6), radius(x, qx, 6)
                    if None in (ra, rb, rx):
                        continue
                    t = (ra + rx) / (math.sqrt(2) * (rb + rx))
                    if best is None or abs(t - 1) < abs(best - 1):
                        best = t
                print("%s%s%s3,%d,%s" % (a, b, x, bool(balanced), "" if best is None else "%.10f" % best))


if __name__ == "__main__":
    main()
