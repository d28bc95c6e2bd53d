// xtalsieve/metrics.hpp — how good a ranking is, against known labels.
//
// All functions take parallel arrays of predictions and true values for the
// labelled candidates (in input order) and are deterministic.
#pragma once
#include <cstddef>
#include <span>

namespace xtalsieve {

// Fraction of the true top-k (by `maximize` or minimize) found in the
// predicted top-k. Ties are broken by input order (earlier first) on both sides.
// k is clamped to the number of candidates; 0 candidates give NaN.
double recall_at_k(std::span<const double> pred, std::span<const double> truth, std::size_t k, bool maximize);

// Spearman's rho with average ranks for ties (as scipy.stats.spearmanr).
double spearman(std::span<const double> pred, std::span<const double> truth);

// Kendall's tau-b, O(n log n) (as scipy.stats.kendalltau, variant 'b').
double kendall_tau_b(std::span<const double> pred, std::span<const double> truth);

double mean_absolute_error(std::span<const double> pred, std::span<const double> truth);
double root_mean_squared_error(std::span<const double> pred, std::span<const double> truth);
// Coefficient of determination (as sklearn.metrics.r2_score).
double r2_score(std::span<const double> pred, std::span<const double> truth);

// Area under the ROC curve of scores against binary labels (label > 0.5 is
// positive), ties in scores handled as sklearn.metrics.roc_auc_score. NaN when
// only one class is present.
double roc_auc(std::span<const double> score, std::span<const double> label);

}  // namespace xtalsieve
