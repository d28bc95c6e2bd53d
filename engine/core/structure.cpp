#include "xtalsieve/structure.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve {

double cell_volume(const structure& s) {
    const auto& a = s.lattice[0];
    const auto& b = s.lattice[1];
    const auto& c = s.lattice[2];
    return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
           a[2] * (b[0] * c[1] - b[1] * c[0]);
}

vec3 cartesian(const structure& s, std::size_t i) {
    const vec3& f = s.frac[i];
    vec3 r{};
    for (int k = 0; k < 3; ++k)
        r[k] = f[0] * s.lattice[0][k] + f[1] * s.lattice[1][k] + f[2] * s.lattice[2][k];
    return r;
}

void sort_by_electronegativity(structure& s) {
    std::vector<std::size_t> order(s.size());
    std::iota(order.begin(), order.end(), 0);
    // Python's sorted() with Site.__lt__: average electronegativity first
    // (a NaN compares false both ways, as in Python), then the species
    // string; stable.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
        const int zi = s.numbers[i], zj = s.numbers[j];
        if (zi == zj) return false;
        const double xi = pauling_electronegativity(zi), xj = pauling_electronegativity(zj);
        if (xi < xj) return true;
        if (xi > xj) return false;
        return element_symbol(zi) < element_symbol(zj);
    });
    structure out;
    out.id = s.id;
    out.lattice = s.lattice;
    out.warnings = std::move(s.warnings);
    out.frac.reserve(s.size());
    out.numbers.reserve(s.size());
    for (std::size_t i : order) {
        out.frac.push_back(s.frac[i]);
        out.numbers.push_back(s.numbers[i]);
    }
    s = std::move(out);
}

void validate(const structure& s) {
    const std::string who = s.id.empty() ? std::string("structure") : s.id;
    if (s.size() == 0) throw error(who + ": no atomic sites");
    if (s.frac.size() != s.numbers.size()) throw error(who + ": site arrays differ in length");
    for (const auto& v : s.lattice)
        for (double x : v)
            if (!std::isfinite(x)) throw error(who + ": non-finite lattice parameter");
    // Longer vectors are not crystals, and past this the neighbour search
    // would lose its precision (and its integer image ranges).
    for (const auto& v : s.lattice)
        if (!(std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) <= 1e6))
            throw error(who + ": lattice vector longer than 1,000,000 Å");
    const double vol = std::abs(cell_volume(s));
    if (!(vol > 1e-3)) throw error(who + ": zero or near-zero cell volume (" + std::to_string(vol) + " Å^3)");
    for (std::size_t i = 0; i < s.size(); ++i) {
        for (double x : s.frac[i])
            if (!std::isfinite(x))
                throw error(who + ": non-finite coordinate at site " + std::to_string(i + 1));
        if (s.numbers[i] < 1 || s.numbers[i] > max_atomic_number)
            throw error(who + ": unknown element at site " + std::to_string(i + 1));
    }
}

}  // namespace xtalsieve
