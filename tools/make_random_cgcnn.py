#!/usr/bin/env python3
"""Writes tests/data/random-cgcnn/: two CGCNN checkpoints with random weights
and non-default sizes, saved by PyTorch's zip serialization (torch >= 1.6),
and their predictions on the shared sample CIFs from tools/cgcnn_reference.py.
They are named .pt (PyTorch's own extension; the loader takes any of .pth.tar,
.pth, .pt) so that they are never mistaken for the official checkpoints,
which stay in ../shared and are never committed.

    /usr/bin/python3 tools/make_random_cgcnn.py ../shared
"""
import argparse
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from cgcnn_reference import CGCNN  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.join(here, "..", "tests", "data", "random-cgcnn")


def randomize(model, gen):
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * (0.3 if "weight" in name else 0.1))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=gen) * 0.2)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=gen) + 0.5)


def save(path, a, n_conv, h, n_h, cls, mean, std, seed):
    gen = torch.Generator().manual_seed(seed)
    m = CGCNN(92, 41, a, n_conv, h, n_h, cls)
    randomize(m, gen)
    args = {"task": "classification" if cls else "regression", "atom_fea_len": a, "n_conv": n_conv,
            "h_fea_len": h, "n_h": n_h}
    torch.save({"epoch": 1, "state_dict": m.state_dict(), "best_mae_error": 0.1,
                "optimizer": {"state": {}, "param_groups": [{"lr": 0.01}]},
                "normalizer": {"mean": torch.tensor(mean), "std": torch.tensor(std)},
                "args": argparse.Namespace(**args)}, path)


def main():
    shared = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    reg = os.path.join(out_dir, "random-regression.pt")
    cls = os.path.join(out_dir, "random-classification.pt")
    save(reg, 32, 2, 16, 3, False, -1.25, 0.75, 1)
    save(cls, 16, 3, 8, 2, True, 0.0, 1.0, 2)
    subprocess.check_call([sys.executable, os.path.join(here, "cgcnn_reference.py"), "--checkpoint", reg,
                           "--checkpoint", cls, "--atom-init", os.path.join(shared, "data/cgcnn/atom_init.json"),
                           "--input", os.path.join(shared, "data/cgcnn/sample-regression"),
                           "--output", os.path.join(out_dir, "expected.csv")])


if __name__ == "__main__":
    main()
