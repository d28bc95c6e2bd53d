#!/usr/bin/env python3
"""Max abs / rel difference per column between two MatGL prediction CSVs, joined on id.

The first column of each file is the id (`id` or `material_id`); columns present in both
(other than id, n_atoms, error) are compared. Plain Python, no venv needed.
Usage: tools/matgl_compare.py A.csv B.csv [--tol 1e-5]   (exit 1 if any diff > tol)
"""

from __future__ import annotations

import argparse
import csv
import math
import sys


def load(path):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        key = r.fieldnames[0]
        return r.fieldnames, {row[key]: row for row in r}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--tol", type=float, default=None)
    args = ap.parse_args(argv)
    fa, ra = load(args.a)
    fb, rb = load(args.b)
    ids = [i for i in ra if i in rb]
    cols = [c for c in fa[1:] if c in fb and c not in ("n_atoms", "error")]
    print(f"{len(ids)} common ids ({len(ra)} in A, {len(rb)} in B)")
    worst = 0.0
    for c in cols:
        mabs, mrel, arg, nan = 0.0, 0.0, None, 0
        for i in ids:
            x, y = ra[i][c], rb[i][c]
            if x == "" or y == "":
                nan += x != y
                continue
            d = abs(float(x) - float(y))
            if math.isnan(d):
                nan += 1
                continue
            if d > mabs:
                mabs, arg = d, i
            mrel = max(mrel, d / max(abs(float(y)), 1e-12))
        worst = max(worst, mabs)
        print(f"{c:20s} max_abs {mabs:.3e} (id {arg})  max_rel {mrel:.3e}  missing-mismatch {nan}")
    return 1 if args.tol is not None and worst > args.tol else 0


if __name__ == "__main__":
    sys.exit(main())
