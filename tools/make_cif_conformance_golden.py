#!/usr/bin/env python3
"""Writes tests/data/cif-conformance.jsonl: for every CIF of pymatgen's own test
corpus (../shared/data/cif-conformance), the structures pymatgen 2022.11
(Debian's python3-pymatgen, the version the CGCNN reference data were made
with) reads with CifParser(path).get_structures(primitive=False), in its site
order: species (element symbols; "disordered" for partial occupancy) and
fractional coordinates wrapped into [0, 1); or the error pymatgen raises.

    /usr/bin/python3 tools/make_cif_conformance_golden.py ../shared/data/cif-conformance > tests/data/cif-conformance.jsonl
"""
import json
import pathlib
import sys
import warnings

warnings.filterwarnings("ignore")
from pymatgen.io.cif import CifParser

for p in sorted(pathlib.Path(sys.argv[1]).glob("*.cif")):
    row = {"file": p.name}
    try:
        structures = CifParser(str(p)).get_structures(primitive=False)
        out = []
        for s in structures:
            ordered = s.is_ordered
            sites = []
            for site in s:
                f = [float(x % 1.0) for x in site.frac_coords]
                sp = site.specie.symbol if ordered else ",".join(
                    f"{e.symbol}:{o:.6g}" for e, o in site.species.items())
                sites.append([sp] + f)
            out.append({"ordered": ordered, "lattice_abc": list(s.lattice.abc), "sites": sites})
        row["structures"] = out
    except Exception as e:  # pymatgen refuses the file
        row["error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(row))
