#!/usr/bin/env python3
"""Writes tests/data/readers/: the ten shared sample CIF structures written by
pymatgen and ASE in other formats, compressed and archived, plus a corpus of
malformed files. tests/test_readers.cpp reads them back.

    /usr/bin/python3 tests/make_reader_fixtures.py ../shared
"""
import glob
import gzip
import io
import os
import sys
import tarfile
import warnings
import zipfile

warnings.filterwarnings("ignore")
from ase.io import write as ase_write  # noqa: E402
from pymatgen.core import Structure  # noqa: E402
from pymatgen.io.ase import AseAtomsAdaptor  # noqa: E402
from pymatgen.io.vasp import Poscar  # noqa: E402

shared = sys.argv[1]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "readers")
good = os.path.join(out, "good")
bad = os.path.join(out, "bad")
for d in (good, bad):
    os.makedirs(d, exist_ok=True)

files = sorted(glob.glob(os.path.join(shared, "data/cgcnn/sample-regression/*.cif")))
structs = [(os.path.basename(f)[:-4], Structure.from_file(f)) for f in files]

# POSCAR files (pymatgen), one per structure, in a tar.gz; two also plain.
tar_buf = io.BytesIO()
with tarfile.open(fileobj=tar_buf, mode="w:gz") as tar:
    for name, s in structs:
        text = Poscar(s).get_string(significant_figures=16).encode()
        info = tarfile.TarInfo(name="poscars/%s.vasp" % name)
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text))
open(os.path.join(good, "poscars.tar.gz"), "wb").write(tar_buf.getvalue())
for name, s in structs[:2]:
    open(os.path.join(good, "POSCAR_" + name), "w").write(Poscar(s).get_string(significant_figures=16))

# Extended XYZ (ASE), all ten frames in one file, gzip-compressed, with ids in the header.
atoms = []
for name, s in structs:
    a = AseAtomsAdaptor.get_atoms(s)
    a.info["id"] = name
    atoms.append(a)
xyz = io.StringIO()
ase_write(xyz, atoms, format="extxyz")
open(os.path.join(good, "frames.xyz.gz"), "wb").write(gzip.compress(xyz.getvalue().encode()))

# The CIFs themselves (pymatgen's writer) in a zip.
with zipfile.ZipFile(os.path.join(good, "cifs.zip"), "w") as z:
    for name, s in structs:
        z.writestr("cifs/%s.cif" % name, s.to(fmt="cif"))

# pymatgen JSON: JSON lines of {"material_id", "structure"}, and an Alexandria-style
# {"entries": [ComputedStructureEntry...]} compressed with bzip2.
import bz2  # noqa: E402
import json  # noqa: E402

from pymatgen.entries.computed_entries import ComputedStructureEntry  # noqa: E402

with open(os.path.join(good, "structures.jsonl"), "w") as f:
    for name, s in structs[:5]:
        f.write(json.dumps({"material_id": name, "structure": s.as_dict()}) + "\n")
entries = [ComputedStructureEntry(s, -1.0, entry_id=name).as_dict() for name, s in structs[5:]]
open(os.path.join(good, "alexandria.json.bz2"), "wb").write(bz2.compress(json.dumps({"entries": entries}).encode()))

# ASE SQLite database; unique_id set to the structure's name so that tests can
# compare with the reference (ASE draws random ones).
import sqlite3  # noqa: E402

from ase.db import connect  # noqa: E402

db_path = os.path.join(good, "structures.db")
if os.path.exists(db_path):
    os.remove(db_path)
# The original code's band-gap prediction as a key-value pair: `screen --labels
# structures.db:gap_ref` must then report an MAE of zero (to 1e-4).
import csv  # noqa: E402

with open(os.path.join(shared, "data/cgcnn/reference/sample-regression.csv")) as f:
    gap_ref = {row["id"]: float(row["band-gap"]) for row in csv.DictReader(f)}
with connect(db_path) as db:
    for name, s in structs:
        db.write(AseAtomsAdaptor.get_atoms(s), name="cod-" + name, split="val" if name < "5" else "test",
                 gap_ref=gap_ref[name])
con = sqlite3.connect(db_path)
for (rid, kvp) in con.execute("SELECT id, key_value_pairs FROM systems").fetchall():
    con.execute("UPDATE systems SET unique_id = ? WHERE id = ?", (json.loads(kvp)["name"][4:], rid))
con.commit()
con.close()

# Malformed corpus: each file is one bad record.
poscar = Poscar(structs[0][1]).get_string(significant_figures=16)
lines = poscar.splitlines()
bads = {
    "truncated.vasp": "\n".join(lines[:9]) + "\n",
    "wrong_counts.vasp": "\n".join(lines[:6] + [" ".join(["99"] * len(lines[6].split()))] + lines[7:]) + "\n",
    "bad_number.vasp": "\n".join(lines[:2] + ["1.0 abc 0.0"] + lines[3:]) + "\n",
    "nan.vasp": "\n".join(lines[:8] + ["nan 0.0 0.0"] + lines[9:]) + "\n",
    "huge_count.vasp": "\n".join(lines[:6] + ["999999999"] + lines[7:]) + "\n",
    "no_lattice.xyz": "2\nProperties=species:S:1:pos:R:3\nNa 0 0 0\nCl 1 1 1\n",
    "short_frame.xyz": "5\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3\nNa 0 0 0\n",
    "inf.xyz": "1\nLattice=\"4 0 0 0 4 0 0 0 4\" Properties=species:S:1:pos:R:3\nNa inf 0 0\n",
    "bad_count.xyz": "many\nLattice=\"4 0 0 0 4 0 0 0 4\"\nNa 0 0 0\n",
}
for n, t in bads.items():
    open(os.path.join(bad, n), "w").write(t)
open(os.path.join(bad, "garbage.cif.gz"), "wb").write(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4)
open(os.path.join(bad, "binary.cif"), "wb").write(bytes(range(256)) * 8)
open(os.path.join(bad, "not_json.json"), "w").write('{"lattice": [1, 2')
partial = structs[0][1].as_dict()
partial["sites"][0]["species"][0]["occu"] = 0.5
open(os.path.join(bad, "disordered.jsonl"), "w").write(json.dumps(partial) + "\n")
bad_db = os.path.join(bad, "wrong_blobs.db")
if os.path.exists(bad_db):
    os.remove(bad_db)
with connect(bad_db) as db:
    db.write(AseAtomsAdaptor.get_atoms(structs[0][1]), name="short_positions")
    db.write(AseAtomsAdaptor.get_atoms(structs[1][1]), name="short_cell")
con = sqlite3.connect(bad_db)
con.execute("UPDATE systems SET positions = substr(positions, 1, 20) WHERE id = 1")
con.execute("UPDATE systems SET cell = substr(cell, 1, 40) WHERE id = 2")
con.commit()
con.close()
