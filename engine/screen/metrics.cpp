#include "xtalsieve/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "xtalsieve/error.hpp"

namespace xtalsieve {

namespace {

void check(std::span<const double> a, std::span<const double> b) {
    if (a.size() != b.size()) throw error("metrics: prediction and label arrays differ in length");
}

std::vector<std::size_t> top_indices(std::span<const double> v, std::size_t k, bool maximize) {
    std::vector<std::size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return maximize ? v[a] > v[b] : v[a] < v[b];
    });
    idx.resize(k);
    std::sort(idx.begin(), idx.end());
    return idx;
}

// Average (fractional) ranks, 1-based, ties share their mean rank.
std::vector<double> average_ranks(std::span<const double> v) {
    std::vector<std::size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < idx.size();) {
        std::size_t j = i;
        while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
        const double avg = 0.5 * static_cast<double>(i + j) + 1.0;
        for (std::size_t k = i; k <= j; ++k) r[idx[k]] = avg;
        i = j + 1;
    }
    return r;
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
    const double n = static_cast<double>(a.size());
    const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
    const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
}

// Number of tied pairs within runs of equal values of a sorted sequence.
template <class Eq>
double tied_pairs(std::size_t n, Eq equal) {
    double t = 0;
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i + 1;
        while (j < n && equal(i, j)) ++j;
        const double m = static_cast<double>(j - i);
        t += m * (m - 1) / 2;
        i = j;
    }
    return t;
}

// Merge sort counting inversions (swaps) of y.
double count_swaps(std::vector<double>& y, std::vector<double>& buf, std::size_t lo, std::size_t hi) {
    if (hi - lo < 2) return 0;
    const std::size_t mid = (lo + hi) / 2;
    double s = count_swaps(y, buf, lo, mid) + count_swaps(y, buf, mid, hi);
    std::size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (y[j] < y[i]) {
            s += static_cast<double>(mid - i);
            buf[k++] = y[j++];
        } else {
            buf[k++] = y[i++];
        }
    }
    while (i < mid) buf[k++] = y[i++];
    while (j < hi) buf[k++] = y[j++];
    std::copy(buf.begin() + static_cast<std::ptrdiff_t>(lo), buf.begin() + static_cast<std::ptrdiff_t>(hi),
              y.begin() + static_cast<std::ptrdiff_t>(lo));
    return s;
}

}  // namespace

double recall_at_k(std::span<const double> pred, std::span<const double> truth, std::size_t k, bool maximize) {
    check(pred, truth);
    k = std::min(k, pred.size());
    if (k == 0) return NAN;
    const auto a = top_indices(pred, k, maximize), b = top_indices(truth, k, maximize);
    std::vector<std::size_t> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    return static_cast<double>(both.size()) / static_cast<double>(k);
}

double spearman(std::span<const double> pred, std::span<const double> truth) {
    check(pred, truth);
    if (pred.size() < 2) return NAN;
    return pearson(average_ranks(pred), average_ranks(truth));
}

double kendall_tau_b(std::span<const double> x, std::span<const double> y) {
    check(x, y);
    const std::size_t n = x.size();
    if (n < 2) return NAN;
    // Knight's algorithm: sort by (x, y), count ties, then count discordant
    // pairs as the inversions of y.
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return x[a] != x[b] ? x[a] < x[b] : y[a] < y[b];
    });
    std::vector<double> xs(n), ys(n);
    for (std::size_t i = 0; i < n; ++i) xs[i] = x[idx[i]], ys[i] = y[idx[i]];
    const double n0 = static_cast<double>(n) * static_cast<double>(n - 1) / 2;
    const double tx = tied_pairs(n, [&](std::size_t i, std::size_t j) { return xs[i] == xs[j]; });
    const double txy = tied_pairs(n, [&](std::size_t i, std::size_t j) { return xs[i] == xs[j] && ys[i] == ys[j]; });
    std::vector<double> buf(n);
    const double swaps = count_swaps(ys, buf, 0, n);
    const double ty = tied_pairs(n, [&](std::size_t i, std::size_t j) { return ys[i] == ys[j]; });
    const double concordant_minus_discordant = n0 - tx - ty + txy - 2 * swaps;
    const double denom = std::sqrt((n0 - tx) * (n0 - ty));
    return denom > 0 ? concordant_minus_discordant / denom : NAN;
}

double mean_absolute_error(std::span<const double> p, std::span<const double> t) {
    check(p, t);
    double s = 0;
    for (std::size_t i = 0; i < p.size(); ++i) s += std::abs(p[i] - t[i]);
    return p.empty() ? NAN : s / static_cast<double>(p.size());
}

double root_mean_squared_error(std::span<const double> p, std::span<const double> t) {
    check(p, t);
    double s = 0;
    for (std::size_t i = 0; i < p.size(); ++i) s += (p[i] - t[i]) * (p[i] - t[i]);
    return p.empty() ? NAN : std::sqrt(s / static_cast<double>(p.size()));
}

double r2_score(std::span<const double> p, std::span<const double> t) {
    check(p, t);
    if (p.size() < 2) return NAN;
    const double mean = std::accumulate(t.begin(), t.end(), 0.0) / static_cast<double>(t.size());
    double ss_res = 0, ss_tot = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        ss_res += (t[i] - p[i]) * (t[i] - p[i]);
        ss_tot += (t[i] - mean) * (t[i] - mean);
    }
    return ss_tot > 0 ? 1 - ss_res / ss_tot : NAN;
}

double roc_auc(std::span<const double> score, std::span<const double> label) {
    check(score, label);
    // Mann-Whitney U with average ranks for tied scores.
    const auto r = average_ranks(score);
    double n_pos = 0, rank_sum = 0;
    for (std::size_t i = 0; i < score.size(); ++i)
        if (label[i] > 0.5) {
            n_pos += 1;
            rank_sum += r[i];
        }
    const double n_neg = static_cast<double>(score.size()) - n_pos;
    if (n_pos == 0 || n_neg == 0) return NAN;
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg);
}

}  // namespace xtalsieve
