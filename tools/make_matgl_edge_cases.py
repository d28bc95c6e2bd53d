#!/usr/bin/env python3
"""Writes tests/data/matgl/edge-cases.json: hand-made structures for the MatGL goldens.

Each record: {"id", "lattice" (3x3, rows are the lattice vectors, Å), "species", "frac_coords"}.
Numbers are exact (hand-written) or written with repr() precision (the seeded supercell).
Upstream predictions for them: tools/matgl_reference.py --json ... (edge-cases.csv).
Needs numpy only.

Cutoffs of the four models (why the cases look the way they do): MEGNet Eform graph 4.0 Å,
MEGNet band gap 5.0 Å, M3GNet Eform 5.0 Å (three-body 5.0 Å), M3GNet PES 5.0 Å (three-body 4.0 Å).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def cubic(a):
    return [[a, 0.0, 0.0], [0.0, a, 0.0], [0.0, 0.0, a]]


def rec(id_, lattice, species, frac):
    return {
        "id": id_,
        "lattice": [[float(x) for x in row] for row in lattice],
        "species": list(species),
        "frac_coords": [[float(x) for x in row] for row in frac],
    }


def cases():
    out = []
    # Published check (upstream's example notebook).
    out.append(rec("CsCl", cubic(4.1437), ["Cs", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]]))
    # Upstream's PES test structure: Mo-Mo and S-S exactly at 4.0 Å = PES three-body cutoff.
    out.append(rec("MoS-cubic-4.0", cubic(4.0), ["Mo", "S"], [[0, 0, 0], [0.5, 0.5, 0.5]]))
    # One atom in the cell: every bond is to a periodic image of itself.
    a = 3.615
    out.append(rec("Cu-fcc-primitive", [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]], ["Cu"], [[0, 0, 0]]))
    # Bonds exactly at the 5.0 Å graph cutoff (and at 4.0 Å for MEGNet Eform's cutoff / PES three-body).
    out.append(rec("Cu-sc-5.0-at-cutoff", cubic(5.0), ["Cu"], [[0, 0, 0]]))
    out.append(rec("Cu-sc-4.0-at-cutoff", cubic(4.0), ["Cu"], [[0, 0, 0]]))
    # Strongly skewed triclinic cell (alpha 97.9°, beta 114.0°, gamma 35.8°), 3 species, shortest bond 2.44 Å.
    out.append(
        rec(
            "triclinic-skewed",
            [[4.2, 0.0, 0.0], [3.6, 2.6, 0.0], [-2.1, 1.7, 4.4]],
            ["Li", "Fe", "O"],
            [[0.0, 0.0, 0.0], [0.07, 0.3, 0.63], [0.56, 0.19, 0.34]],
        )
    )
    # Isolated atom: Na-Cl dimer (2.4 Å) and a K atom ~17 Å away (cell 20 Å): K has no bond at all.
    out.append(
        rec(
            "dimer-plus-isolated-atom",
            cubic(20.0),
            ["Na", "Cl", "K"],
            [[0.2, 0.2, 0.2], [0.32, 0.2, 0.2], [0.75, 0.75, 0.75]],
        )
    )
    # One atom alone in a 12 Å cell: the graph has no edge at all.
    out.append(rec("single-atom-no-bonds", cubic(12.0), ["Cu"], [[0.0, 0.0, 0.0]]))
    # Three-body quirk: Na-Cl dimer at 2.4 Å, and K 4.5 Å from Cl (6.9 Å from Na) on the same line:
    # K has bonds within 5 Å but none within 4 Å, so none of its bonds enters the PES line graph,
    # and it has no bond at all in the MEGNet Eform graph (cutoff 4.0 Å).
    out.append(
        rec(
            "bond-in-5-none-in-4",
            cubic(20.0),
            ["Na", "Cl", "K"],
            [[0.2, 0.2, 0.2], [0.32, 0.2, 0.2], [0.545, 0.2, 0.2]],
        )
    )
    # ~200 atoms: rock-salt NaCl (a = 5.64 Å) 3x3x3 conventional supercell = 216 atoms, every
    # Cartesian coordinate displaced by N(0, 0.05 Å) (numpy default_rng(20240601)), frac coords in repr.
    a = 5.64
    base_na = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]]
    base_cl = [[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5], [0.5, 0.5, 0.5]]
    n = 3
    species, frac = [], []
    for i in range(n):
        for j in range(n):
            for k in range(n):
                for el, base in (("Na", base_na), ("Cl", base_cl)):
                    for b in base:
                        species.append(el)
                        frac.append([(b[0] + i) / n, (b[1] + j) / n, (b[2] + k) / n])
    rng = np.random.default_rng(20240601)
    L = n * a
    frac = np.array(frac) + rng.normal(0.0, 0.05, size=(len(frac), 3)) / L
    out.append(rec("NaCl-3x3x3-rattled-216", cubic(L), species, frac.tolist()))
    return out


def main(argv=None) -> int:
    path = Path(argv[0] if argv else "tests/data/matgl/edge-cases.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    recs = cases()
    with open(path, "w") as f:
        # one record per line block, floats via json (repr precision)
        json.dump(recs, f, indent=1)
        f.write("\n")
    print(f"wrote {len(recs)} structures to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
