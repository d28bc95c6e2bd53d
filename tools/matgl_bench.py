#!/usr/bin/env python3
"""Upstream MatGL CPU speed (development only; venv of tools/matgl_venv.sh).

For each model and torch thread count, batch size 1 (one structure per call, as upstream's
predict_structure), over the first N structures of perov_5 val.csv:
  end-to-end  CIF text -> Structure.from_str -> graph -> prediction (predict_structure; for the
              PES Structure2Graph + Potential call)
  model-only  graphs prebuilt (Structure2Graph, pbc_offshift/pos set as predict_structure does);
              times the model call + de-normalisation only (M3GNet's line graph is built inside
              its forward upstream, so it is included)
Autograd is left on as in upstream's predict_structure. Models: megnet-eform, megnet-gap (PBE
fidelity), m3gnet-eform, m3gnet-pes (upstream default Potential: energy + forces + stress) and
m3gnet-pes-energy (calc_forces = calc_stresses = False).

Usage: MATGL_BACKEND=DGL /work/venv-matgl/bin/python tools/matgl_bench.py [--limit 500] [--threads 1 2]
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import platform
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("MATGL_BACKEND", "DGL")
os.environ.setdefault("DGLBACKEND", "pytorch")
warnings.filterwarnings("ignore")

import torch  # noqa: E402
from pymatgen.core import Structure  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from matgl_reference import load_models  # noqa: E402


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def read_cifs(path: str, limit: int):
    csv.field_size_limit(1 << 30)
    with open(path, newline="") as f:
        return [row["cif"] for _, row in zip(range(limit), csv.DictReader(f))]


def graph_for(model_inner, s):
    from matgl.ext._pymatgen_dgl import Structure2Graph

    g, lat, state = Structure2Graph(element_types=model_inner.element_types, cutoff=model_inner.cutoff).get_graph(s)
    g.edata["pbc_offshift"] = torch.matmul(g.edata["pbc_offset"], lat[0])
    g.ndata["pos"] = g.ndata["frac_coords"] @ lat[0]
    return g, lat, torch.tensor(state)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--perov-csv", default="/work/shared/data/perov_5/val.csv")
    ap.add_argument("--limit", type=int, default=500)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--models", nargs="+", default=["megnet-eform", "megnet-gap", "m3gnet-eform", "m3gnet-pes", "m3gnet-pes-energy"])
    ap.add_argument("--out", default=None, help="also write the table as CSV")
    args = ap.parse_args(argv)

    cifs = read_cifs(args.perov_csv, args.limit)
    structures = [Structure.from_str(c, fmt="cif") for c in cifs]
    n_atoms = sum(len(s) for s in structures)
    m = load_models()
    pes_e = copy.deepcopy(m["m3gnet-pes"])
    pes_e.calc_forces = False
    pes_e.calc_stresses = False
    pbe = torch.tensor([0])

    def e2e(key):
        if key == "megnet-eform":
            return lambda c: m[key].predict_structure(Structure.from_str(c, fmt="cif"))
        if key == "megnet-gap":
            return lambda c: m[key].predict_structure(Structure.from_str(c, fmt="cif"), state_attr=pbe)
        if key == "m3gnet-eform":
            return lambda c: m[key].predict_structure(Structure.from_str(c, fmt="cif"))
        pot = m["m3gnet-pes"] if key == "m3gnet-pes" else pes_e

        def run(c):
            g, lat, st = graph_for(pot.model, Structure.from_str(c, fmt="cif"))
            return pot(g, lat, st)[0]

        return run

    def model_only(key):
        if key.startswith("m3gnet-pes"):
            pot = m["m3gnet-pes"] if key == "m3gnet-pes" else pes_e
            graphs = [graph_for(pot.model, s) for s in structures]
            return graphs, lambda x: pot(x[0], x[1], x[2])[0]
        wrapper = m[key]
        inner = wrapper.model
        graphs = [graph_for(inner, s) for s in structures]
        if type(inner).__name__ == "MEGNet":
            from matgl.graph._compute_dgl import compute_pair_vector_and_distance

            for g, _, _ in graphs:
                g.edata["edge_attr"] = inner.bond_expansion(compute_pair_vector_and_distance(g)[1])
            st = pbe if key == "megnet-gap" else None
            return graphs, lambda x: wrapper.transformer.inverse_transform(
                inner(g=x[0], state_attr=x[2] if st is None else st)
            )
        return graphs, lambda x: wrapper.transformer.inverse_transform(inner(g=x[0], state_attr=x[2]))

    rows = []
    print(f"CPU: {cpu_name()}  ({os.cpu_count()} logical CPUs); torch {torch.__version__}; "
          f"{len(structures)} perov_5 val structures, {n_atoms} atoms; batch size 1")
    print(f"{'model':18s} {'thr':>3s} {'mode':11s} {'seconds':>8s} {'struct/s':>9s} {'atoms/s':>9s}")
    for key in args.models:
        for t in args.threads:
            torch.set_num_threads(t)
            for mode in ("end-to-end", "model-only"):
                if mode == "end-to-end":
                    fn, items = e2e(key), cifs
                else:
                    items, fn = model_only(key)
                for x in items[:3]:  # warm-up
                    fn(x)
                t0 = time.perf_counter()
                for x in items:
                    fn(x)
                dt = time.perf_counter() - t0
                row = [key, t, mode, round(dt, 3), round(len(items) / dt, 2), round(n_atoms / dt, 1)]
                rows.append(row)
                print(f"{row[0]:18s} {row[1]:3d} {row[2]:11s} {row[3]:8.2f} {row[4]:9.2f} {row[5]:9.1f}", flush=True)
    if args.out:
        with open(args.out, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["model", "threads", "mode", "seconds", "structures_per_s", "atoms_per_s"])
            w.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
