#include "engine/screen/discovery_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "xtalsieve/metrics.hpp"

namespace xtalsieve {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
double ratio(double a, double b) { return b == 0 ? nan : a / b; }

std::vector<std::size_t> ranked(std::span<const double> pred) {
    std::vector<std::size_t> order(pred.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        // NaN predictions rank last (Matbench Discovery fills them as unstable).
        const bool na = std::isnan(pred[a]), nb = std::isnan(pred[b]);
        if (na != nb) return nb;
        return pred[a] < pred[b];
    });
    return order;
}

}  // namespace

discovery_metrics compute_discovery_metrics(std::span<const double> pred, std::span<const double> truth,
                                            double threshold, const std::vector<std::size_t>& ks) {
    discovery_metrics m;
    m.n = pred.size();
    for (std::size_t i = 0; i < pred.size(); ++i) {
        const bool actual = truth[i] <= threshold;
        const bool model = !std::isnan(pred[i]) && pred[i] <= threshold;  // NaN: predicted unstable
        (actual ? (model ? m.tp : m.fn) : (model ? m.fp : m.tn)) += 1;
    }
    const double pos = static_cast<double>(m.tp + m.fn), neg = static_cast<double>(m.tn + m.fp);
    m.prevalence = ratio(pos, static_cast<double>(m.n));
    m.precision = ratio(static_cast<double>(m.tp), static_cast<double>(m.tp + m.fp));
    m.recall = ratio(static_cast<double>(m.tp), pos);
    m.tpr = m.recall;
    m.fpr = ratio(static_cast<double>(m.fp), neg);
    m.tnr = ratio(static_cast<double>(m.tn), neg);
    m.fnr = ratio(static_cast<double>(m.fn), pos);
    m.f1 = m.precision + m.recall == 0 ? nan : 2 * m.precision * m.recall / (m.precision + m.recall);
    m.daf = ratio(m.precision, m.prevalence);
    m.accuracy = ratio(static_cast<double>(m.tp + m.tn), static_cast<double>(m.n));
    // Regression metrics over the pairs where both are numbers.
    std::vector<double> p, t;
    for (std::size_t i = 0; i < pred.size(); ++i)
        if (!std::isnan(pred[i]) && !std::isnan(truth[i])) p.push_back(pred[i]), t.push_back(truth[i]);
    m.mae = p.empty() ? nan : mean_absolute_error(p, t);
    m.rmse = p.empty() ? nan : root_mean_squared_error(p, t);
    m.r2 = p.size() < 2 ? nan : r2_score(p, t);
    const auto order = ranked(pred);
    for (std::size_t k : ks) {
        if (k == 0 || k > m.n) continue;
        std::size_t hits = 0;
        for (std::size_t r = 0; r < k; ++r) hits += truth[order[r]] <= threshold;
        discovery_top_k tk;
        tk.k = k;
        tk.precision = static_cast<double>(hits) / static_cast<double>(k);
        tk.daf = ratio(tk.precision, m.prevalence);
        tk.recall = ratio(static_cast<double>(hits), pos);
        m.top.push_back(tk);
    }
    return m;
}

std::vector<std::vector<double>> discovery_curve(std::span<const double> pred, std::span<const double> truth,
                                                 double threshold, std::size_t points) {
    std::vector<std::vector<double>> out;
    const std::size_t n = pred.size();
    if (n == 0) return out;
    const auto order = ranked(pred);
    std::size_t pos = 0;
    for (double t : truth) pos += t <= threshold;
    const std::size_t step = std::max<std::size_t>(1, n / std::max<std::size_t>(points, 1));
    std::size_t hits = 0;
    for (std::size_t r = 0; r < n; ++r) {
        hits += truth[order[r]] <= threshold;
        if ((r + 1) % step == 0 || r + 1 == n)
            out.push_back({static_cast<double>(r + 1), static_cast<double>(hits) / static_cast<double>(r + 1),
                           pos ? static_cast<double>(hits) / static_cast<double>(pos) : nan});
    }
    return out;
}

}  // namespace xtalsieve
