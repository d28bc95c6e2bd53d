#!/usr/bin/env python3
"""The batch API from Python: structures/s from flat arrays and from pymatgen
Structures (perov_5, 3787 structures, formation-energy model, 2 threads), and
the latency of one 5-atom structure; compare with build/bench/bench_batch_api.

    PYTHONPATH=build/python python3 bench/bench_python.py [../shared]
"""
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import xtalsieve as xs

shared = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / ".." / "shared")
model = shared / "data" / "cgcnn" / "pre-trained" / "formation-energy-per-atom.pth.tar"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"cpu: {cpu}")

records = [r for r in xs.read(shared / "data" / "perov_5" / "val.csv")]
n = len(records)
p = xs.Predictor([str(model)], threads=2)
a = xs.to_arrays(records)


def best_of(f, reps=5):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)  # median, as comparable to Google Benchmark's mean of several runs


t = best_of(lambda: p.predict_arrays(a["lattices"], a["positions"], a["numbers"], a["offsets"]))
print(f"python arrays:        {n / t:9.0f} structures/s  ({n} in {t * 1e3:.1f} ms)")
t = best_of(lambda: p.predict(records))
print(f"python records:       {n / t:9.0f} structures/s  (to_arrays included)")

from pymatgen.core import Lattice, Structure  # noqa: E402

structs = [Structure(Lattice(r.lattice), r.numbers.tolist(), r.frac_coords) for r in records]
t = best_of(lambda: p.predict(structs), reps=3)
print(f"python pymatgen:      {n / t:9.0f} structures/s  (conversion included)")

one = xs.Predictor([str(model)], threads=1)
r0 = records[:1]
a0 = xs.to_arrays(r0)
for _ in range(50):
    one.predict_arrays(a0["lattices"], a0["positions"], a0["numbers"], a0["offsets"])
us = []
for k in range(2000):
    t0 = time.perf_counter()
    one.predict_arrays(a0["lattices"], a0["positions"], a0["numbers"], a0["offsets"])
    us.append((time.perf_counter() - t0) * 1e6)
us.sort()
print(f"python latency, one 5-atom structure (arrays): p50 {us[len(us) // 2]:.0f} us, p99 {us[len(us) * 99 // 100]:.0f} us")
