#include "engine/screen/report_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace xtalsieve {

namespace {

std::string esc(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '&': o += "&amp;"; break;
            case '"': o += "&quot;"; break;
            default: o += c;
        }
    }
    return o;
}

std::string num(double x) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4g", x);
    return b;
}

// A plot frame 420 x 300 with margins; maps data to pixels.
struct frame {
    double x0, x1, y0, y1;
    bool logx = false;
    static constexpr double W = 420, H = 300, L = 55, R = 15, T = 30, B = 45;
    double px(double x) const {
        const double a = logx ? std::log10(x0) : x0, b = logx ? std::log10(x1) : x1;
        const double v = logx ? std::log10(x) : x;
        return L + (v - a) / (b - a) * (W - L - R);
    }
    double py(double y) const { return H - B - (y - y0) / (y1 - y0) * (H - T - B); }
    std::string open(const std::string& title, const std::string& xl, const std::string& yl, const char* cls) const {
        std::string s = "<svg class=\"" + std::string(cls) + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"420\" height=\"300\">";
        s += "<rect width=\"420\" height=\"300\" fill=\"#fff\" stroke=\"#ccc\"/>";
        s += "<text x=\"210\" y=\"18\" text-anchor=\"middle\" font-size=\"13\">" + esc(title) + "</text>";
        s += "<line x1=\"" + num(L) + "\" y1=\"" + num(H - B) + "\" x2=\"" + num(W - R) + "\" y2=\"" + num(H - B) + "\" stroke=\"#333\"/>";
        s += "<line x1=\"" + num(L) + "\" y1=\"" + num(T) + "\" x2=\"" + num(L) + "\" y2=\"" + num(H - B) + "\" stroke=\"#333\"/>";
        s += "<text x=\"" + num(L) + "\" y=\"" + num(H - B + 14) + "\" font-size=\"10\">" + num(x0) + "</text>";
        s += "<text x=\"" + num(W - R) + "\" y=\"" + num(H - B + 14) + "\" font-size=\"10\" text-anchor=\"end\">" + num(x1) + "</text>";
        s += "<text x=\"" + num(L - 4) + "\" y=\"" + num(H - B) + "\" font-size=\"10\" text-anchor=\"end\">" + num(y0) + "</text>";
        s += "<text x=\"" + num(L - 4) + "\" y=\"" + num(T + 8) + "\" font-size=\"10\" text-anchor=\"end\">" + num(y1) + "</text>";
        s += "<text x=\"210\" y=\"292\" text-anchor=\"middle\" font-size=\"11\">" + esc(xl) + "</text>";
        s += "<text x=\"12\" y=\"150\" font-size=\"11\" transform=\"rotate(-90 12 150)\" text-anchor=\"middle\">" + esc(yl) + "</text>";
        return s;
    }
};

void range_of(const std::vector<double>& v, double& lo, double& hi) {
    lo = INFINITY;
    hi = -INFINITY;
    for (double x : v)
        if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    if (!(lo < hi)) {
        lo = std::isfinite(lo) ? lo - 1 : 0;
        hi = std::isfinite(hi) ? hi + 1 : 1;
    }
}

std::string parity_plot(const report_data& d) {
    if (d.parity_pred.empty()) return "<p class=\"none\">No labels given: no parity plot.</p>";
    double lo, hi, lo2, hi2;
    range_of(d.parity_pred, lo, hi);
    range_of(d.parity_true, lo2, hi2);
    lo = std::min(lo, lo2);
    hi = std::max(hi, hi2);
    frame f{lo, hi, lo, hi};
    std::string s = f.open("Predicted vs true: " + d.objective, "true", "predicted", "parity");
    s += "<line x1=\"" + num(f.px(lo)) + "\" y1=\"" + num(f.py(lo)) + "\" x2=\"" + num(f.px(hi)) + "\" y2=\"" +
         num(f.py(hi)) + "\" stroke=\"#999\" stroke-dasharray=\"4\"/>";
    for (std::size_t i = 0; i < d.parity_pred.size(); ++i)
        s += "<circle cx=\"" + num(f.px(d.parity_true[i])) + "\" cy=\"" + num(f.py(d.parity_pred[i])) +
             "\" r=\"1.8\" fill=\"#1f77b4\" fill-opacity=\"0.5\">" +
             (i < d.parity_label.size() ? "<title>" + esc(d.parity_label[i]) + "</title>" : std::string()) + "</circle>";
    return s + "</svg>";
}

std::string recall_plot(const report_data& d) {
    if (d.recall_curve.empty()) return "<p class=\"none\">No labels given: no recall curve.</p>";
    frame f{1, std::max(2.0, d.recall_curve.back().first), 0, 1, true};
    std::string s = f.open("Recall of the true top-k", "k (log scale)", "recall@k", "recall");
    std::string pts;
    for (auto [k, r] : d.recall_curve) pts += num(f.px(k)) + "," + num(f.py(r)) + " ";
    s += "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"" + pts + "\"/>";
    return s + "</svg>";
}

std::string histogram(const report_data& d) {
    double lo, hi;
    range_of(d.distribution, lo, hi);
    for (const auto& [label, vs] : d.thresholds)
        for (double v : vs) lo = std::min(lo, v), hi = std::max(hi, v);
    const int bins = 40;
    std::vector<double> h(bins, 0);
    for (double x : d.distribution)
        if (std::isfinite(x)) h[std::min(bins - 1, static_cast<int>((x - lo) / (hi - lo) * bins))] += 1;
    const double top = std::max(1.0, *std::max_element(h.begin(), h.end()));
    frame f{lo, hi, 0, top};
    std::string s = f.open("Distribution of predicted " + d.objective, d.objective, "candidates", "histogram");
    for (int b = 0; b < bins; ++b) {
        const double xa = lo + (hi - lo) * b / bins, xb = lo + (hi - lo) * (b + 1) / bins;
        s += "<rect x=\"" + num(f.px(xa)) + "\" y=\"" + num(f.py(h[b])) + "\" width=\"" +
             num(std::max(0.5, f.px(xb) - f.px(xa) - 0.5)) + "\" height=\"" + num(f.py(0) - f.py(h[b])) +
             "\" fill=\"#2ca02c\"/>";
    }
    for (const auto& [label, vs] : d.thresholds)
        for (double v : vs)
            s += "<line x1=\"" + num(f.px(v)) + "\" y1=\"30\" x2=\"" + num(f.px(v)) + "\" y2=\"255\" stroke=\"#ff7f0e\" "
                 "stroke-width=\"2\"><title>" + esc(label) + "</title></line>";
    return s + "</svg>";
}

// Matbench Discovery's cumulative metrics: precision and recall of "stable" along
// the candidates ranked by predicted e_above_hull.
std::string discovery_plot(const report_data& d) {
    if (d.discovery_curve.empty()) return "";
    const double n = d.discovery_curve.back()[0];
    frame f{0, std::max(1.0, n), 0, 1};
    std::string s = f.open("Discovery: cumulative precision and recall", "candidates by predicted e_above_hull",
                           "fraction", "discovery");
    std::string pp, pr;
    for (const auto& r : d.discovery_curve) {
        if (std::isfinite(r[1])) pp += num(f.px(r[0])) + "," + num(f.py(r[1])) + " ";
        if (std::isfinite(r[2])) pr += num(f.px(r[0])) + "," + num(f.py(r[2])) + " ";
    }
    s += "<polyline fill=\"none\" stroke=\"#9467bd\" stroke-width=\"2\" points=\"" + pp + "\"><title>precision</title></polyline>";
    s += "<polyline fill=\"none\" stroke=\"#8c564b\" stroke-width=\"2\" stroke-dasharray=\"5 3\" points=\"" + pr +
         "\"><title>recall</title></polyline>";
    const double x = f.px(static_cast<double>(d.discovery_predicted_stable));
    s += "<line x1=\"" + num(x) + "\" y1=\"30\" x2=\"" + num(x) + "\" y2=\"255\" stroke=\"#ff7f0e\" stroke-dasharray=\"2\">"
         "<title>end of the predicted-stable candidates</title></line>";
    s += "<text x=\"300\" y=\"45\" font-size=\"10\" fill=\"#9467bd\">precision</text>";
    s += "<text x=\"300\" y=\"58\" font-size=\"10\" fill=\"#8c564b\">recall</text>";
    return s + "</svg>";
}

}  // namespace

std::string render_report(const report_data& d) {
    std::string s = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(d.title) +
                    "</title><style>body{font-family:sans-serif;margin:20px}svg{margin:6px}"
                    "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}"
                    "</style></head><body>\n<h1>" + esc(d.title) + "</h1>\n<ul>";
    for (const auto& [k, v] : d.facts) s += "<li><b>" + esc(k) + "</b>: " + esc(v) + "</li>";
    s += "</ul>\n<div>" + parity_plot(d) + recall_plot(d) + histogram(d) + discovery_plot(d) + "</div>\n";
    if (!d.discovery_summary.empty()) s += "<p class=\"discovery\"><b>Discovery</b>: " + esc(d.discovery_summary) + "</p>\n";
    s += "<h2>Top " + std::to_string(d.table_rows.size()) + " (" + esc(d.objective) + ", " +
         (d.maximize ? "max" : "min") + ")</h2>\n<table><tr>";
    for (const auto& h : d.table_header) s += "<th>" + esc(h) + "</th>";
    s += "</tr>\n";
    for (const auto& row : d.table_rows) {
        s += "<tr>";
        for (const auto& c : row) s += "<td>" + esc(c) + "</td>";
        s += "</tr>\n";
    }
    return s + "</table>\n</body></html>\n";
}

}  // namespace xtalsieve
