// The self-contained HTML report of a screen (inline SVG, no scripts, no network).
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace xtalsieve {

struct report_data {
    std::string title;
    std::string objective;                        // property ranked on
    bool maximize = false;
    std::vector<std::pair<std::string, std::vector<double>>> thresholds;  // label -> values (constraint lines)
    std::vector<double> distribution;             // objective predictions (a sample)
    std::vector<double> parity_pred, parity_true; // labelled candidates (a sample)
    std::vector<std::string> parity_label;        // their tooltips ("id (formula)"), may be shorter
    std::vector<std::pair<double, double>> recall_curve;  // (k, recall@k)
    std::vector<std::string> table_header;
    std::vector<std::vector<std::string>> table_rows;
    std::vector<std::pair<std::string, std::string>> facts;  // shown as a list
    // Discovery (with --hull-ref and --labels): (rank, cumulative precision,
    // cumulative recall) along the list ranked by predicted e_above_hull.
    std::vector<std::vector<double>> discovery_curve;
    std::string discovery_summary;                // "F1 ..., precision ..., DAF ..."
    std::size_t discovery_predicted_stable = 0;   // rank where the predicted-stable set ends
};

std::string render_report(const report_data& d);

}  // namespace xtalsieve
