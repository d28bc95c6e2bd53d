#!/usr/bin/env python3
"""Independent check of a screen's summary.json metrics with scipy and
scikit-learn: recomputes every metric from DIR/all.csv and the label file.

    /usr/bin/python3 tests/check_screen_metrics.py DIR LABELS.csv COLUMN PROPERTY min|max
Exit status 0 when every metric agrees to 1e-9, 1 otherwise.
"""
import csv
import json
import sys

import numpy as np
from scipy.stats import kendalltau, spearmanr
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

out, labels_path, column, prop, direction = sys.argv[1:6]
csv.field_size_limit(sys.maxsize)
labels = {}
for row in csv.DictReader(open(labels_path)):
    key = row.get("material_id") or row.get("id")
    try:
        labels[key] = float(row[column])
    except (TypeError, ValueError):
        pass
pred, truth = [], []
for row in csv.DictReader(open(out + "/all.csv")):
    if row["id"] in labels:
        pred.append(float(row[prop]))
        truth.append(labels[row["id"]])
pred, truth = np.array(pred), np.array(truth)
s = json.load(open(out + "/summary.json"))["metrics"]
maximize = direction == "max"


def top(v, k):
    order = np.argsort(-v if maximize else v, kind="stable")
    return set(order[:k].tolist())


want = {"spearman": spearmanr(pred, truth).correlation, "kendall": kendalltau(pred, truth).correlation,
        "mae": mean_absolute_error(truth, pred), "rmse": float(np.sqrt(mean_squared_error(truth, pred))),
        "r2": r2_score(truth, pred)}
ok = s["n_labelled"] == len(pred)
print("n_labelled", s["n_labelled"], len(pred))
for k, v in want.items():
    good = abs(s[k] - v) <= 1e-9
    ok &= good
    print(k, s[k], v, "ok" if good else "MISMATCH")
for k, v in s["recall_at_k"].items():
    kk = min(int(k), len(pred))
    r = len(top(pred, kk) & top(truth, kk)) / kk
    good = abs(v - r) <= 1e-12
    ok &= good
    print("recall@" + k, v, r, "ok" if good else "MISMATCH")
sys.exit(0 if ok else 1)
