#include "engine/screen/perovskite_rules.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace xtalsieve {

namespace {

struct ion_row {
    int z, q;
    double r_xii, r_vi;  // Å; 0: Shannon lists none
};
// Rows of one element are contiguous, in pymatgen's order.
constexpr ion_row ions[] = {
#include "engine/screen/perovskite_ions_table.inc"
};

std::vector<ion_row> states_of(int z, int sign) {
    std::vector<ion_row> out;
    for (const auto& r : ions)
        if (r.z == z && (sign > 0 ? r.q > 0 : r.q < 0)) out.push_back(r);
    std::sort(out.begin(), out.end(), [](const ion_row& a, const ion_row& b) { return a.q < b.q; });
    return out;
}

}  // namespace

perovskite_ions assess_perovskite(int z_a, int z_b, int z_x) {
    const auto as = states_of(z_a, +1), bs = states_of(z_b, +1), xs = states_of(z_x, -1);
    perovskite_ions out;
    for (const auto& a : as)
        for (const auto& b : bs)
            for (const auto& x : xs)
                if (a.q + b.q + 3 * x.q == 0) out.charge_balanced = true;
    out.t = std::numeric_limits<double>::quiet_NaN();
    for (const auto& a : as)
        for (const auto& b : bs)
            for (const auto& x : xs) {
                if (out.charge_balanced && a.q + b.q + 3 * x.q != 0) continue;
                if (!(a.r_xii > 0 && b.r_vi > 0 && x.r_vi > 0)) continue;
                const double t = (a.r_xii + x.r_vi) / (std::sqrt(2.0) * (b.r_vi + x.r_vi));
                if (std::isnan(out.t) || std::abs(t - 1) < std::abs(out.t - 1)) {
                    out.t = t;
                    out.q_a = a.q, out.q_b = b.q, out.q_x = x.q;
                }
            }
    return out;
}

}  // namespace xtalsieve
