#!/usr/bin/env python3
"""Writes tests/data/sample-formulas.csv: id, reduced formula and number of
sites of each CGCNN sample CIF as pymatgen 2022.11 reads it (CifParser,
conventional cell), for the formula and natoms columns of the outputs.

    /usr/bin/python3 tools/make_sample_formulas.py ../shared/data/cgcnn/sample-regression > tests/data/sample-formulas.csv
"""
import pathlib
import sys
import warnings

warnings.filterwarnings("ignore")
from pymatgen.io.cif import CifParser

print("id,formula,natoms")
for p in sorted(pathlib.Path(sys.argv[1]).glob("*.cif")):
    s = CifParser(str(p)).get_structures(primitive=False)[0]
    print(f"{p.stem},{s.composition.reduced_formula},{len(s)}")
