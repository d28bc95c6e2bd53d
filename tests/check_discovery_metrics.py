#!/usr/bin/env python3
"""Independent check of a screen's discovery metrics (summary.json "discovery") with
scikit-learn, from DIR/all.csv (the predicted e_above_hull) and a golden file of
pymatgen's true e_above_hull (tests/data/hull/perov5_val.csv, column true_e_above_hull).

    /usr/bin/python3 tests/check_discovery_metrics.py DIR GOLDEN.csv THRESHOLD

The definitions are Matbench Discovery's (matbench_discovery/metrics/discovery.py,
stable_metrics): stable when e_above_hull <= THRESHOLD, for truth and prediction;
DAF = precision / prevalence, prevalence = fraction truly stable. Here they are
re-derived with sklearn.metrics, not with xtalsieve's code. Also checks every
hull energy in all.csv (column e_hull) against pymatgen's to 1e-6.
Exit status 0 when everything agrees (metrics to 1e-9), 1 otherwise.
"""
import csv
import json
import math
import sys

import numpy as np
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, mean_absolute_error,
                             mean_squared_error, precision_score, r2_score, recall_score)

out, golden_path, threshold = sys.argv[1], sys.argv[2], float(sys.argv[3])
csv.field_size_limit(sys.maxsize)
golden = {r["material_id"]: r for r in csv.DictReader(open(golden_path))}
pred, truth, worst = [], [], 0.0
for row in csv.DictReader(open(out + "/all.csv")):
    g = golden[row["id"]]
    p = float(row["e_above_hull"])
    # The hull energy at the composition (the candidate energies differ from the golden
    # file's by the model's own parity with PyTorch, <= 1e-4).
    worst = max(worst, abs(float(row["e_hull"]) - float(g["e_hull"])))
    pred.append(p)
    truth.append(float(g["true_e_above_hull"]))
pred, truth = np.array(pred), np.array(truth)
y_true, y_pred = truth <= threshold, pred <= threshold
tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[False, True]).ravel()
precision = precision_score(y_true, y_pred) if (tp + fp) else math.nan
recall = recall_score(y_true, y_pred)
prevalence = y_true.mean()
want = {
    "precision": precision,
    "recall": recall,
    "f1": f1_score(y_true, y_pred),
    "accuracy": accuracy_score(y_true, y_pred),
    "prevalence": prevalence,
    "daf": precision / prevalence,
    "tpr": recall,
    "fpr": fp / (fp + tn),
    "tnr": tn / (fp + tn),
    "fnr": fn / (fn + tp),
    "mae": mean_absolute_error(truth, pred),
    "rmse": math.sqrt(mean_squared_error(truth, pred)),
    "r2": r2_score(truth, pred),
}
s = json.load(open(out + "/summary.json"))["discovery"]
bad = 0
print(f"e_hull vs pymatgen: max |diff| {worst:.3g} eV/atom over {len(pred)}")
if worst > 1e-6:
    bad += 1
for key, value in [("TP", tp), ("FP", fp), ("TN", tn), ("FN", fn)]:
    if s["confusion_matrix"][key] != int(value):
        print("MISMATCH", key, s["confusion_matrix"][key], value)
        bad += 1
if s["n"] != len(pred):
    print("MISMATCH n", s["n"], len(pred))
    bad += 1
for key, value in want.items():
    got = s[key]
    same = (got is None and math.isnan(value)) or (got is not None and abs(got - value) <= 1e-9 * max(1, abs(value)))
    print(f"{key:10s} xtalsieve {got!s:>22s} sklearn {value:.15g}{'' if same else '  MISMATCH'}")
    bad += not same
order = np.argsort(pred, kind="stable")
for k, got in s["top_k"].items():
    k = int(k)
    hits = y_true[order[:k]].sum()
    ref = {"precision": hits / k, "daf": hits / k / prevalence, "recall": hits / y_true.sum()}
    for key, value in ref.items():
        same = abs(got[key] - value) <= 1e-9 * max(1, abs(value))
        print(f"top {k:5d} {key:9s} xtalsieve {got[key]:.15g} numpy {value:.15g}{'' if same else '  MISMATCH'}")
        bad += not same
sys.exit(1 if bad else 0)
