#!/usr/bin/env python3
"""Upstream MatGL reference predictions (development only; needs the venv of tools/matgl_venv.sh).

Loads the four shared MatGL 2.0.4 models with matgl.load_model (DGL backend) and writes
one CSV row per structure:

    id,n_atoms,megnet-eform,megnet-gap-pbe,megnet-gap-gllbsc,megnet-gap-hse,megnet-gap-scan,
    m3gnet-eform,m3gnet-pes-energy,error

Floats are written with repr() of the float32 result (full precision). `error` is empty
unless upstream raised; then it holds "<column>: <ExceptionType>: <message>" for each
failing model (joined with " | ") and those columns are left empty.

How upstream predicts (what this script does):
  * MEGNet Eform / M3GNet Eform: TransformedTargetModel.predict_structure(structure)
    (graph: Structure2Graph(cutoff=model.cutoff); state = model default [0, 0]).
  * MEGNet band gap: predict_structure(structure, state_attr=torch.tensor([fidelity]))
    with fidelity 0 PBE, 1 GLLB-SC, 2 HSE, 3 SCAN.
  * M3GNet PES: Potential(g, lat, state_attr)[0] with g, lat, state from
    Structure2Graph(element_types, cutoff=potential.model.cutoff) -> total energy (eV),
    i.e. data_std * model(g) + data_mean + sum of element_refs.
    --pes-via-ase uses PESCalculator on AseAtomsAdaptor atoms instead (upstream's test path).

Inputs (exactly one):
  --cif-dir DIR        every *.cif (sorted), read with Structure.from_file, id = file stem
  --perov-csv FILE     perov_5 style CSV (material_id, cif); --limit N keeps the first N;
                       read with Structure.from_str(cif, fmt="cif")
  --json FILE          list of {"id", "lattice" 3x3, "species", "frac_coords"}

Run:  MATGL_BACKEND=DGL /work/venv-matgl/bin/python tools/matgl_reference.py --perov-csv ... --out x.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("MATGL_BACKEND", "DGL")
os.environ.setdefault("DGLBACKEND", "pytorch")
warnings.filterwarnings("ignore")

import torch  # noqa: E402
from pymatgen.core import Lattice, Structure  # noqa: E402

import matgl  # noqa: E402

MODEL_ROOT = Path("/work/shared/data/matgl")
MODEL_DIRS = {
    "megnet-eform": "MEGNet-MP-2018.6.1-Eform",
    "megnet-gap": "MEGNet-MP-2019.4.1-BandGap-mfi",
    "m3gnet-eform": "M3GNet-MP-2018.6.1-Eform",
    "m3gnet-pes": "M3GNet-MP-2021.2.8-PES",
}
FIDELITIES = (("pbe", 0), ("gllbsc", 1), ("hse", 2), ("scan", 3))
COLUMNS = [
    "megnet-eform",
    *(f"megnet-gap-{name}" for name, _ in FIDELITIES),
    "m3gnet-eform",
    "m3gnet-pes-energy",
]
HEADER = ["id", "n_atoms", *COLUMNS, "error"]


def load_models(root: Path = MODEL_ROOT) -> dict:
    assert matgl.config.BACKEND == "DGL", "run with MATGL_BACKEND=DGL"
    models = {key: matgl.load_model(root / d) for key, d in MODEL_DIRS.items()}
    for m in models.values():
        m.eval()
    return models


# ---------------------------------------------------------------- inputs
def read_cif_dir(folder: str):
    for p in sorted(Path(folder).glob("*.cif")):
        yield p.stem, Structure.from_file(p)


def read_perov_csv(path: str, limit: int | None = None):
    csv.field_size_limit(1 << 30)
    with open(path, newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if limit is not None and i >= limit:
                break
            yield row["material_id"], Structure.from_str(row["cif"], fmt="cif")


def structure_from_record(rec: dict) -> Structure:
    return Structure(Lattice(rec["lattice"]), rec["species"], rec["frac_coords"])


def read_json(path: str):
    with open(path) as f:
        for rec in json.load(f):
            yield str(rec["id"]), structure_from_record(rec)


# ---------------------------------------------------------------- predictions
def pes_graph(potential, structure):
    from matgl.ext._pymatgen_dgl import Structure2Graph

    conv = Structure2Graph(element_types=potential.model.element_types, cutoff=potential.model.cutoff)
    return conv.get_graph(structure)


def pes_energy(potential, structure) -> float:
    g, lat, state = pes_graph(potential, structure)
    return potential(g, lat, torch.tensor(state))[0].detach()


def pes_energy_ase(potential, structure) -> float:
    from pymatgen.io.ase import AseAtomsAdaptor

    from matgl.ext.ase import PESCalculator

    atoms = AseAtomsAdaptor().get_atoms(structure)
    atoms.calc = PESCalculator(potential=potential)
    return atoms.get_potential_energy()


def predict_all(models: dict, structure, pes_via_ase: bool = False) -> tuple[dict, list[str]]:
    """Returns ({column: float}, [error strings]) for one structure."""
    jobs = {
        "megnet-eform": lambda: models["megnet-eform"].predict_structure(structure),
        **{
            f"megnet-gap-{name}": (
                lambda fid=fid: models["megnet-gap"].predict_structure(structure, state_attr=torch.tensor([fid]))
            )
            for name, fid in FIDELITIES
        },
        "m3gnet-eform": lambda: models["m3gnet-eform"].predict_structure(structure),
        "m3gnet-pes-energy": (
            (lambda: pes_energy_ase(models["m3gnet-pes"], structure))
            if pes_via_ase
            else (lambda: pes_energy(models["m3gnet-pes"], structure))
        ),
    }
    values, errors = {}, []
    for col, fn in jobs.items():
        try:
            values[col] = float(fn())
        except Exception as ex:  # record upstream's failure instead of numbers
            msg = " ".join(str(ex).split())
            errors.append(f"{col}: {type(ex).__name__}: {msg}")
    return values, errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--cif-dir")
    src.add_argument("--perov-csv")
    src.add_argument("--json")
    ap.add_argument("--limit", type=int, default=None, help="first N rows of --perov-csv")
    ap.add_argument("--out", required=True, help="output CSV ('-' for stdout)")
    ap.add_argument("--models", default=str(MODEL_ROOT), help="folder holding the four model folders")
    ap.add_argument("--pes-via-ase", action="store_true", help="PES energy through PESCalculator (ASE atoms)")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    args = ap.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    models = load_models(Path(args.models))
    if args.cif_dir:
        items = read_cif_dir(args.cif_dir)
    elif args.perov_csv:
        items = read_perov_csv(args.perov_csv, args.limit)
    else:
        items = read_json(args.json)

    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    n = 0
    for sid, s in items:
        values, errors = predict_all(models, s, args.pes_via_ase)
        w.writerow([sid, len(s), *(repr(values[c]) if c in values else "" for c in COLUMNS), " | ".join(errors)])
        n += 1
        if n % 50 == 0:
            print(f"{n} structures", file=sys.stderr)
    if out is not sys.stdout:
        out.close()
    print(f"wrote {n} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
