#!/usr/bin/env python3
"""Writes tests/data/formulas.csv: compositions and the reduced formula that
pymatgen 2022.11 (Debian's python3-pymatgen) gives them, for test_composition.

    /usr/bin/python3 tools/make_formula_golden.py > tests/data/formulas.csv
"""
import random
import warnings

warnings.filterwarnings("ignore")
from pymatgen.core import Composition, Element

random.seed(11)
cases = [
    {"Na": 4, "Cl": 4}, {"Ca": 1, "Ti": 1, "O": 3}, {"Ca": 1, "N": 2, "O": 6}, {"Li": 2, "O": 2},
    {"O": 4}, {"Ba": 2, "S": 2, "O": 8}, {"Li": 4, "Fe": 4, "P": 4, "O": 16}, {"H": 2}, {"Cs": 1},
    {"Sr": 1, "Sc": 1, "F": 3}, {"Ar": 2, "Xe": 1}, {"K": 2, "Og": 1}, {"C": 6, "H": 12, "O": 6},
    {"Fe": 2, "O": 3}, {"Al": 2, "Mg": 1, "O": 4}, {"Y": 3, "Al": 5, "O": 12}, {"Na": 2, "C": 2, "O": 6},
]
symbols = [Element.from_Z(z).symbol for z in range(1, 104)]
for _ in range(300):
    k = random.randint(1, 5)
    els = random.sample(symbols, k)
    cases.append({e: random.randint(1, 12) for e in els})
print("composition,formula")
for c in cases:
    comp = ";".join(f"{Element(e).Z}:{n}" for e, n in c.items())
    print(f"{comp},{Composition(c).reduced_formula}")
