#!/usr/bin/env python3
"""A reference CGCNN pipeline in PyTorch + pymatgen, written from the published
semantics (../shared/spec/cgcnn-reference.md). Used to make golden files for
checkpoints the shared reference data does not cover, and as the speed
baseline of the benchmarks. Never used at run time.

    /usr/bin/python3 tools/cgcnn_reference.py --checkpoint M.pth.tar [--checkpoint ...] \
        --atom-init atom_init.json --input DIR_OR_CDVAE_CSV [--output out.csv] [--limit N]
"""
import argparse
import csv
import glob
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
from pymatgen.core import Structure  # noqa: E402


class ConvLayer(nn.Module):
    def __init__(self, a, nbr_len):
        super().__init__()
        self.a = a
        self.fc_full = nn.Linear(2 * a + nbr_len, 2 * a)
        self.bn1 = nn.BatchNorm1d(2 * a)
        self.bn2 = nn.BatchNorm1d(a)

    def forward(self, v, nbr, idx):
        n, m = idx.shape
        z = torch.cat([v.unsqueeze(1).expand(n, m, self.a), v[idx, :], nbr], dim=2)
        z = self.bn1(self.fc_full(z).view(-1, 2 * self.a)).view(n, m, 2 * self.a)
        gate, core = z.chunk(2, dim=2)
        s = torch.sum(torch.sigmoid(gate) * nn.functional.softplus(core), dim=1)
        return nn.functional.softplus(v + self.bn2(s))


class CGCNN(nn.Module):
    def __init__(self, orig_len, nbr_len, a=64, n_conv=3, h=128, n_h=1, classification=False):
        super().__init__()
        self.classification = classification
        self.embedding = nn.Linear(orig_len, a)
        self.convs = nn.ModuleList([ConvLayer(a, nbr_len) for _ in range(n_conv)])
        self.conv_to_fc = nn.Linear(a, h)
        if n_h > 1:
            self.fcs = nn.ModuleList([nn.Linear(h, h) for _ in range(n_h - 1)])
        self.fc_out = nn.Linear(h, 2 if classification else 1)

    def forward(self, x, nbr, idx, crystal_idx):
        v = self.embedding(x)
        for c in self.convs:
            v = c(v, nbr, idx)
        pooled = torch.stack([v[i].mean(dim=0) for i in crystal_idx])
        hh = nn.functional.softplus(self.conv_to_fc(nn.functional.softplus(pooled)))
        for fc in getattr(self, "fcs", []):
            hh = nn.functional.softplus(fc(hh))
        out = self.fc_out(hh)
        return nn.functional.log_softmax(out, dim=1) if self.classification else out


def graph(s, atom_init, radius=8.0, max_nbr=12):
    x = np.vstack([atom_init[str(site.specie.number)] for site in s])
    nbrs = [sorted(n, key=lambda t: t[1]) for n in s.get_all_neighbors(radius, include_index=True)]
    idx, dist = [], []
    for n in nbrs:
        k = min(len(n), max_nbr)
        idx.append([t[2] for t in n[:k]] + [0] * (max_nbr - k))
        dist.append([t[1] for t in n[:k]] + [radius + 1.0] * (max_nbr - k))
    dist = np.array(dist)
    centres = np.arange(0, radius + 0.2, 0.2)
    gauss = np.exp(-((dist[..., None] - centres) ** 2) / 0.2**2)
    return torch.Tensor(x), torch.Tensor(gauss), torch.LongTensor(idx)


def load_model(path):
    ck = torch.load(path, map_location="cpu")
    args = ck["args"] if isinstance(ck["args"], dict) else vars(ck["args"])
    sd = ck["state_dict"]
    cls = args.get("task") == "classification"
    m = CGCNN(sd["embedding.weight"].shape[1], 41, args["atom_fea_len"], args["n_conv"], args["h_fea_len"],
              args["n_h"], cls)
    m.load_state_dict(sd)
    m.eval()
    norm = ck["normalizer"]
    return m, cls, float(norm["mean"]), float(norm["std"])


def inputs(path):
    if os.path.isdir(path):
        for f in sorted(glob.glob(os.path.join(path, "*.cif"))):
            yield os.path.splitext(os.path.basename(f))[0], lambda f=f: Structure.from_file(f)
    else:
        csv.field_size_limit(sys.maxsize)
        for row in csv.DictReader(open(path)):
            yield row["material_id"], lambda c=row["cif"]: Structure.from_str(c, fmt="cif")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", action="append", required=True)
    ap.add_argument("--atom-init", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--avx512-numpy", action="store_true",
                    help="build lattices with the trig bits of numpy's AVX-512 path (see avx512_numpy_trig.py)")
    a = ap.parse_args()
    if a.avx512_numpy:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import avx512_numpy_trig  # noqa: F401
    torch.set_num_threads(os.cpu_count())
    atom_init = json.load(open(a.atom_init))
    models = [load_model(p) for p in a.checkpoint]
    t0 = time.time()
    ids, graphs, natoms = [], [], 0
    for k, (i, make) in enumerate(inputs(a.input)):
        if a.limit and k >= a.limit:
            break
        s = make()
        ids.append(i)
        graphs.append(graph(s, atom_init))
        natoms += len(s)
    t1 = time.time()
    preds = [[] for _ in models]
    with torch.no_grad():
        for b in range(0, len(graphs), a.batch):
            chunk = graphs[b:b + a.batch]
            xs, gs, idxs, cidx, base = [], [], [], [], 0
            for x, g, idx in chunk:
                xs.append(x); gs.append(g); idxs.append(idx + base)
                cidx.append(torch.arange(base, base + len(x))); base += len(x)
            x, g, idx = torch.cat(xs), torch.cat(gs), torch.cat(idxs)
            for k, (m, cls, mean, std) in enumerate(models):
                out = m(x, g, idx, cidx)
                if cls:
                    preds[k] += torch.exp(out[:, 1]).tolist()
                else:
                    preds[k] += (out[:, 0] * std + mean).tolist()
    t2 = time.time()
    names = [os.path.basename(p).replace(".pth.tar", "") for p in a.checkpoint]
    if a.output:
        with open(a.output, "w") as f:
            f.write("id," + ",".join(names) + "\n")
            for r, i in enumerate(ids):
                f.write(i + "," + ",".join("%.9g" % preds[k][r] for k in range(len(models))) + "\n")
    print(json.dumps({"structures": len(ids), "atoms": natoms, "parse_graph_s": round(t1 - t0, 3),
                      "forward_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3),
                      "atoms_per_s": round(natoms / (t2 - t0), 1),
                      "structures_per_s": round(len(ids) / (t2 - t0), 1), "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
