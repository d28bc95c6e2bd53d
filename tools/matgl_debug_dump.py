#!/usr/bin/env python3
"""Dumps upstream MatGL intermediate tensors as JSON, for debugging the C++ port (development only).

For each structure and model writes <out>/<structure>-<model>.json with:
  graph        src, dst, pbc_offset (images), pbc_offshift, pos, frac_coords, lattice, node_type,
               bond_vec, bond_dist -- in upstream's edge order (after the model's forward)
  line_graph   (M3GNet) pruned_edge_ids (full-graph ids of the bonds within the three-body
               cutoff, in order), lg_src/lg_dst (triplet pairs: ids into the *pruned* bond list),
               n_triple_ij, lg bond_dist/bond_vec, cos_theta, triple_bond_lengths
  modules      every submodule call in execution order: {"module", "class", "output"}
               (bond_expansion, embedding, encoders, blocks[i] (edge,node,state), set2set,
               output_proj, three_body_interactions[i], graph_layers[i], readout, final_layer...)
  result       raw model output before de-normalisation, transformer mean/std, final value;
               for the PES: raw, data_std, data_mean, element_refs offset, energy, forces, stress
Also writes <out>/<model>-keys.txt (state_dict key, shape, dtype).
Tensors: {"shape", "dtype", "data"} with data as nested lists (float32 values exactly).

Usage: MATGL_BACKEND=DGL /work/venv-matgl/bin/python tools/matgl_debug_dump.py [--out /work/matgl-debug]
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

import dgl  # noqa: E402
import torch  # noqa: E402
from pymatgen.core import Lattice, Structure  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from matgl_reference import FIDELITIES, MODEL_DIRS, load_models, pes_graph  # noqa: E402


def t2j(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", ""), "data": x.tolist()}
    if isinstance(x, (list, tuple)):
        items = [t2j(v) for v in x]
        return [v for v in items if v is not None] if any(v is not None for v in items) else None
    if isinstance(x, dict):
        return {k: t2j(v) for k, v in x.items()}
    if isinstance(x, (int, float, str, bool)) or x is None:
        return x
    return None  # DGL graphs etc.


class Recorder:
    def __init__(self, model: torch.nn.Module):
        self.calls, self.graphs, self.line_graphs, self.handles = [], [], [], []
        for name, mod in model.named_modules():
            if name == "":
                continue
            self.handles.append(mod.register_forward_hook(self._hook(name)))
            self.handles.append(mod.register_forward_pre_hook(self._pre(name), with_kwargs=True))

    def _hook(self, name):
        def hook(mod, args, output):
            self.calls.append({"module": name, "class": type(mod).__name__, "output": t2j(output)})

        return hook

    def _pre(self, name):
        def pre(mod, args, kwargs):
            for a in list(args) + list(kwargs.values()):
                if isinstance(a, dgl.DGLGraph):
                    # first graph argument of a call: atom graph; line graph seen by 3-body layers
                    if "n_triple_ij" in a.ndata:
                        if not self.line_graphs:
                            self.line_graphs.append(a)
                    elif not self.graphs:
                        self.graphs.append(a)

        return pre

    def close(self):
        for h in self.handles:
            h.remove()


def graph_json(g: dgl.DGLGraph) -> dict:
    src, dst = g.edges()
    d = {"num_nodes": g.num_nodes(), "num_edges": g.num_edges(), "src": t2j(src), "dst": t2j(dst)}
    for k, v in g.ndata.items():
        d["ndata." + k] = t2j(v)
    for k, v in g.edata.items():
        if k != "lattice":
            d["edata." + k] = t2j(v)
    return d


def line_graph_json(g: dgl.DGLGraph, lg: dgl.DGLGraph, cutoff: float) -> dict:
    keep = torch.logical_not(g.edata["bond_dist"] > cutoff)
    pruned = keep.nonzero().squeeze(-1)
    src, dst = lg.edges()
    d = {
        "threebody_cutoff": cutoff,
        "pruned_edge_ids": t2j(pruned),
        "pruned_ids_equal_arange": bool(torch.equal(pruned, torch.arange(len(pruned)))),
        "lg_src": t2j(src),
        "lg_dst": t2j(dst),
    }
    for k, v in lg.ndata.items():
        d["ndata." + k] = t2j(v)
    for k, v in lg.edata.items():
        d["edata." + k] = t2j(v)
    return d


def dump_transformed(model, structure, state=None) -> dict:
    rec = Recorder(model)
    try:
        kw = {} if state is None else {"state_attr": state} if type(model.model).__name__ == "MEGNet" else {}
        if state is not None and not kw:
            kw = {"state_feats": state}
        value = model.predict_structure(structure, **kw)
    finally:
        rec.close()
    inner = model.model
    raw = next(c["output"] for c in reversed(rec.calls) if c["module"] == "model")
    out = {
        "model_class": type(inner).__name__,
        "cutoff": inner.cutoff,
        "state_attr": t2j(state) if state is not None else "default [0, 0] (from Structure2Graph)",
        "graph": graph_json(rec.graphs[0]),
    }
    if rec.line_graphs:
        out["line_graph"] = line_graph_json(rec.graphs[0], rec.line_graphs[0], inner.threebody_cutoff)
    out["modules"] = rec.calls
    out["result"] = {
        "raw_model_output": raw,
        "transformer": {k: float(v) for k, v in vars(model.transformer).items() if k in ("mean", "std")},
        "value": t2j(value),
    }
    return out


def dump_pes(potential, structure) -> dict:
    g, lat, state = pes_graph(potential, structure)
    rec = Recorder(potential)
    try:
        energy, forces, stress, _hess = potential(g, lat, torch.tensor(state))[:4]
    finally:
        rec.close()
    inner = potential.model
    calls = rec.calls
    raw = next(c["output"] for c in reversed(calls) if c["module"] == "model")
    refs = next((c["output"] for c in reversed(calls) if c["module"] == "element_refs"), None)
    return {
        "model_class": "Potential(" + type(inner).__name__ + ")",
        "cutoff": inner.cutoff,
        "state_attr": t2j(torch.tensor(state)),
        "lattice_input": t2j(lat),
        "graph": graph_json(rec.graphs[0] if rec.graphs else g),
        "line_graph": line_graph_json(g, rec.line_graphs[0], inner.threebody_cutoff),
        "modules": calls,
        "result": {
            "raw_model_output": raw,
            "data_std": float(potential.data_std),
            "data_mean": float(potential.data_mean),
            "element_refs_offset": refs,
            "element_refs_table": t2j(potential.element_refs.property_offset),
            "energy_formula": "energy = data_std * raw + data_mean + sum_i element_refs[type_i]",
            "energy": t2j(energy),
            "forces": t2j(forces),
            "stress_GPa": t2j(stress),
        },
    }


def keys_txt(model) -> str:
    return "".join(f"{k}\t{list(v.shape)}\t{str(v.dtype).replace('torch.', '')}\n" for k, v in model.state_dict().items())


def first_perov(path: str):
    csv.field_size_limit(1 << 30)
    with open(path, newline="") as f:
        row = next(csv.DictReader(f))
    return "perov5-val-" + row["material_id"], Structure.from_str(row["cif"], fmt="cif")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/work/matgl-debug")
    ap.add_argument("--perov-csv", default="/work/shared/data/perov_5/val.csv")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    models = load_models()
    for key, m in models.items():
        (out / f"{MODEL_DIRS[key]}-keys.txt").write_text(keys_txt(m))
    structures = [
        ("CsCl", Structure(Lattice.cubic(4.1437), ["Cs", "Cl"], [[0, 0, 0], [0.5, 0.5, 0.5]])),
        first_perov(args.perov_csv),
    ]
    for sid, s in structures:
        jobs = {"megnet-eform": lambda s=s: dump_transformed(models["megnet-eform"], s)}
        for name, fid in FIDELITIES:
            jobs[f"megnet-gap-{name}"] = lambda s=s, fid=fid: dump_transformed(
                models["megnet-gap"], s, torch.tensor([fid])
            )
        jobs["m3gnet-eform"] = lambda s=s: dump_transformed(models["m3gnet-eform"], s)
        jobs["m3gnet-pes"] = lambda s=s: dump_pes(models["m3gnet-pes"], s)
        for key, fn in jobs.items():
            d = {"structure": {"id": sid, **s.as_dict(verbosity=0)}, "model": key, **fn()}
            p = out / f"{sid}-{key}.json"
            p.write_text(json.dumps(d))
            print(f"{p}  ({p.stat().st_size // 1024} KiB) value={d['result'].get('value', d['result'].get('energy'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
