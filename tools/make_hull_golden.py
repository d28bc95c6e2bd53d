#!/usr/bin/python3
"""Golden energies above the hull from pymatgen's PhaseDiagram (Debian python3-pymatgen 2022.11).

    /usr/bin/python3 tools/make_hull_golden.py [SHARED_DIR] [OUT_DIR]

Writes OUT_DIR (default tests/data/hull/):
  perov5_val.csv        material_id, formula, energy (CGCNN formation-energy-per-atom
                        prediction, ../shared/data/perov_5/reference-val.csv), e_above_hull
                        and e_hull against the DFT heat_ref of every val.csv row as reference
                        phases, true_e_above_hull (heat_ref itself against the same hull)
  synthetic5_phases.csv / synthetic5_candidates.csv   a random 5-element system
  degenerate_phases.csv / degenerate_candidates.csv   a candidate on a facet, on an edge,
                        at a coplanar point, unary systems, elements absent from the reference

Conventions, as xtalsieve's hull: energies are per atom; every element of a candidate's
chemical system is a phase at 0 eV/atom (pymatgen needs the elements; a lower elemental
reference phase wins as pymatgen's el_refs do); the phase diagram of a candidate is built
from the reference phases whose elements are a subset of the candidate's;
e_above_hull = PhaseDiagram.get_e_above_hull(entry, allow_negative=True).
"""
import csv
import os
import random
import sys

from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core import Composition, Element

shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared")
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "hull")
os.makedirs(out, exist_ok=True)
csv.field_size_limit(sys.maxsize)


class Hulls:
    """Phase diagrams per chemical system over a list of (formula, energy per atom)."""

    def __init__(self, phases):
        self.phases = [(Composition(f), e) for f, e in phases]
        self.cache = {}

    def pd(self, comp):
        system = frozenset(str(el) for el in comp.elements)
        if system not in self.cache:
            entries = [PDEntry(Composition(el), 0.0) for el in sorted(system)]
            for c, e in self.phases:
                if {str(el) for el in c.elements} <= system:
                    entries.append(PDEntry(c, e * c.num_atoms))
            self.cache[system] = PhaseDiagram(entries)
        return self.cache[system]

    def above(self, formula, energy):
        comp = Composition(formula)
        pd = self.pd(comp)
        entry = PDEntry(comp, energy * comp.num_atoms)
        decomp, e_above = pd.get_decomp_and_e_above_hull(entry, allow_negative=True)
        parts = "; ".join(
            f"{e.composition.reduced_formula} {amt:.6g}" for e, amt in sorted(decomp.items(), key=lambda kv: kv[0].composition.reduced_formula)
        )
        return e_above, energy - e_above, parts


def write(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print("wrote", path, len(rows), "rows")


# perov_5 validation set: DFT heat_ref as the reference, CGCNN predictions as candidates.
val = list(csv.DictReader(open(os.path.join(shared, "data", "perov_5", "val.csv"))))
pred = {r["material_id"]: r for r in csv.DictReader(open(os.path.join(shared, "data", "perov_5", "reference-val.csv")))}
hulls = Hulls([(r["formula"], float(r["heat_ref"])) for r in val])
rows = []
for r in val:
    e = float(pred[r["material_id"]]["formation-energy-per-atom"])
    above, e_hull, parts = hulls.above(r["formula"], e)
    true_above, _, _ = hulls.above(r["formula"], float(r["heat_ref"]))
    rows.append([r["material_id"], r["formula"], repr(e), repr(above), repr(e_hull), repr(true_above), parts])
write(os.path.join(out, "perov5_val.csv"),
      ["material_id", "formula", "energy", "e_above_hull", "e_hull", "true_e_above_hull", "decomposition"], rows)

# A random 5-element system: phases over every subsystem, an elemental phase below 0,
# duplicated formulas (the lowest counts), candidates over subsystems too.
rng = random.Random(20240514)
els = ["Li", "Mn", "Fe", "P", "O"]
phases = []
for _ in range(300):
    k = rng.choice([2, 2, 3, 3, 3, 4, 4, 5])
    sub = rng.sample(els, k)
    comp = Composition({el: rng.randint(1, 6) for el in sub})
    phases.append((comp.formula.replace(" ", ""), round(rng.uniform(-2.5, 0.3), 6)))
phases += [("Fe", -0.02), ("Fe", 0.05), ("O2", 0.1), (phases[0][0], phases[0][1] - 0.3), (phases[1][0], phases[1][1] + 0.3)]
write(os.path.join(out, "synthetic5_phases.csv"), ["formula", "energy_per_atom"], [[f, repr(e)] for f, e in phases])
hulls = Hulls(phases)
rows = []
for i in range(600):
    k = rng.choice([1, 2, 3, 4, 5, 5, 5])
    sub = rng.sample(els, k)
    f = Composition({el: rng.randint(1, 8) for el in sub}).formula.replace(" ", "")
    e = round(rng.uniform(-2.5, 0.5), 6)
    above, e_hull, parts = hulls.above(f, e)
    rows.append([f"s{i}", f, repr(e), repr(above), repr(e_hull), parts])
write(os.path.join(out, "synthetic5_candidates.csv"), ["id", "formula", "energy", "e_above_hull", "e_hull", "decomposition"], rows)

# Degenerate cases. Ternary Ca-Ti-O: the face CaTi-CaO-TiO of the hull is flat at -1 with
# CaTiO coplanar inside it (Qhull triangulates the face; any triangle gives the same energy).
phases = [("CaTi", -1.0), ("CaO", -1.0), ("TiO", -1.0), ("CaTiO", -1.0), ("TiO2", -0.8),
          ("Fe", -0.1), ("Fe", 0.05), ("NaCl", -2.0)]
write(os.path.join(out, "degenerate_phases.csv"), ["formula", "energy_per_atom"], [[f, repr(e)] for f, e in phases])
hulls = Hulls(phases)
cases = [
    ("on_facet", "CaTiO", -1.0),                 # coplanar point at its own energy
    ("on_facet_interior", "Ca8Ti7O5", -1.0),     # inside the flat face, exactly on it
    ("on_facet_below", "Ca8Ti7O5", -1.25),
    ("on_edge", "Ca2Ti1O1", -1.0),               # on the CaTi-CaO edge of the face
    ("at_vertex", "TiO2", -0.8),
    ("at_vertex_above", "TiO2", -0.5),
    ("on_oxide_edge", "Ti2O3", -0.88),           # 0.4 TiO + 0.6 TiO2: on the hull
    ("unary_lowest_ref", "Fe", 0.2),             # Fe reference at -0.1 (and 0.05)
    ("unary_absent", "Cu", 0.1),                 # no Cu phase: Cu at 0
    ("unary_absent_negative", "Cu", -0.1),
    ("absent_element", "NaFeO2", -1.0),          # no Na-Fe-O ternary or O binaries with Na/Fe
    ("absent_element2", "CaTiO3Cu", -1.0),        # Cu absent
    ("absent_all", "KBr", -0.5),                 # no K or Br phase at all
    ("salt", "NaCl", -1.9),
]
rows = []
for name, f, e in cases:
    above, e_hull, parts = hulls.above(f, e)
    rows.append([name, f, repr(e), repr(above), repr(e_hull), parts])
write(os.path.join(out, "degenerate_candidates.csv"), ["id", "formula", "energy", "e_above_hull", "e_hull", "decomposition"], rows)
