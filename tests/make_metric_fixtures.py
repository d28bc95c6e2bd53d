#!/usr/bin/env python3
"""Writes tests/data/metrics/: prediction/label pairs and their metrics as
computed independently by scipy and scikit-learn (Debian's python3-scipy,
python3-sklearn). tests/test_metrics.cpp compares xtalsieve's metrics to them.

    /usr/bin/python3 tests/make_metric_fixtures.py
"""
import json
import os

import numpy as np
from scipy.stats import kendalltau, spearmanr
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score, roc_auc_score

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "metrics")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(42)


def recall(pred, truth, k, maximize):
    # Stable order: ties broken by input position, as xtalsieve documents.
    key = (lambda v: np.argsort(-v, kind="stable")) if maximize else (lambda v: np.argsort(v, kind="stable"))
    k = min(k, len(pred))
    return len(set(key(pred)[:k]) & set(key(truth)[:k])) / k


cases = {}
truth = rng.normal(size=1000)
cases["continuous"] = (truth + rng.normal(scale=0.5, size=1000), truth)
t = np.round(rng.normal(size=500), 1)  # many ties in both
cases["ties"] = (np.round(t + rng.normal(scale=0.3, size=500), 1), t)
cases["small"] = (np.array([0.1, 0.4, 0.35, 0.8, 0.8]), np.array([0.0, 0.0, 1.0, 1.0, 1.0]))

expected = {}
for name, (p, y) in cases.items():
    np.savetxt(os.path.join(out, name + ".csv"), np.column_stack([p, y]), delimiter=",", fmt="%.17g",
               header="pred,truth", comments="")
    e = {"spearman": spearmanr(p, y).correlation, "kendall": kendalltau(p, y).correlation,
         "mae": mean_absolute_error(y, p), "rmse": float(np.sqrt(mean_squared_error(y, p))),
         "r2": r2_score(y, p), "recall": {}}
    for k in (1, 3, 10, 100):
        e["recall"][str(k)] = {"max": recall(p, y, k, True), "min": recall(p, y, k, False)}
    labels = (y > np.mean(y)).astype(float)
    np.savetxt(os.path.join(out, name + "-labels.csv"), labels, fmt="%.0f")
    e["roc_auc"] = roc_auc_score(labels, p)
    expected[name] = e
json.dump(expected, open(os.path.join(out, "expected.json"), "w"), indent=1)
