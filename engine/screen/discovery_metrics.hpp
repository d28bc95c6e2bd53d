// engine/screen/discovery_metrics.hpp — stability classification metrics of a
// screen, with the definitions of Matbench Discovery (matbench_discovery/metrics/
// discovery.py, stable_metrics): a candidate is stable when its energy above the
// hull is <= the threshold (default 0 eV/atom), for the truth and the prediction
// alike.
//   precision = TP / (TP + FP)        recall = TP / (TP + FN)
//   prevalence = (TP + FN) / n        DAF = precision / prevalence
//   F1 = 2 precision recall / (precision + recall) (NaN when both are 0)
//   accuracy = (TP + TN) / n          TPR, FPR, TNR, FNR as usual
//   MAE, RMSE, R² of the predicted against the true e_above_hull
// Top-k: the k candidates with the lowest predicted e_above_hull (ties: input
// order); precision@k = stable among them / k, DAF@k = precision@k / prevalence
// of the whole labelled set, recall@k = stable among them / all stable.
// Undefined ratios (a zero denominator) are NaN.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

namespace xtalsieve {

struct discovery_top_k {
    std::size_t k = 0;
    double precision = 0, daf = 0, recall = 0;
};

struct discovery_metrics {
    std::size_t n = 0, tp = 0, fp = 0, tn = 0, fn = 0;
    double precision = 0, recall = 0, f1 = 0, accuracy = 0, prevalence = 0, daf = 0;
    double tpr = 0, fpr = 0, tnr = 0, fnr = 0;
    double mae = 0, rmse = 0, r2 = 0;
    std::vector<discovery_top_k> top;
};

discovery_metrics compute_discovery_metrics(std::span<const double> pred, std::span<const double> truth,
                                            double threshold, const std::vector<std::size_t>& ks);

// Along the list ranked by predicted e_above_hull (ascending): (rank, cumulative
// precision, cumulative recall) at about `points` ranks, as Matbench Discovery's
// cumulative metrics plot.
std::vector<std::vector<double>> discovery_curve(std::span<const double> pred, std::span<const double> truth,
                                                 double threshold, std::size_t points = 200);

}  // namespace xtalsieve
