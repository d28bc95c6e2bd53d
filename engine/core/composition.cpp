#include "xtalsieve/composition.hpp"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <utility>

#include "xtalsieve/elements.hpp"

namespace xtalsieve {

namespace {

using amounts = std::vector<std::pair<int, long>>;  // (Z, count)

// Python's sorted(key=lambda x: [X, symbol]) on a short list, step for step:
// CPython sorts fewer than 64 items by finding the leading run (reversing it
// when strictly descending) and binary insertion of the rest. Matching the
// algorithm, not just the ordering, matters for the noble gases, whose NaN
// electronegativity makes every comparison false, so their place depends on
// the input order (the order of first appearance among the sites).
bool key_less(const std::pair<int, long>& p, const std::pair<int, long>& q) {
    const double xp = pauling_electronegativity(p.first), xq = pauling_electronegativity(q.first);
    if (xp == xq) return element_symbol(p.first) < element_symbol(q.first);
    return xp < xq;
}

void sort_like_pymatgen(amounts& a) {
    const std::size_t n = a.size();
    if (n < 2) return;
    std::size_t run = 2;
    if (key_less(a[1], a[0])) {
        while (run < n && key_less(a[run], a[run - 1])) ++run;
        std::reverse(a.begin(), a.begin() + static_cast<long>(run));
    } else {
        while (run < n && !key_less(a[run], a[run - 1])) ++run;
    }
    for (std::size_t start = run; start < n; ++start) {
        const auto pivot = a[start];
        std::size_t l = 0, r = start;
        while (l < r) {
            const std::size_t m = l + ((r - l) >> 1);
            if (key_less(pivot, a[m])) r = m;
            else l = m + 1;
        }
        for (std::size_t k = start; k > l; --k) a[k] = a[k - 1];
        a[l] = pivot;
    }
}

// pymatgen.core.composition.reduce_formula for integer amounts.
std::pair<std::string, long> reduce(amounts a) {
    sort_like_pymatgen(a);
    long factor = 0;
    for (const auto& [z, n] : a) factor = std::gcd(factor, n);
    if (factor == 0) factor = 1;
    std::string poly;
    if (a.size() >= 3) {
        const double x1 = pauling_electronegativity(a[a.size() - 1].first);
        const double x2 = pauling_electronegativity(a[a.size() - 2].first);
        if (x1 - x2 < 1.65) {
            amounts tail = {{a[a.size() - 2].first, a[a.size() - 2].second / factor},
                            {a[a.size() - 1].first, a[a.size() - 1].second / factor}};
            auto [form, f] = reduce(tail);
            if (f != 1) poly = "(" + form + ")" + std::to_string(f);
        }
    }
    if (!poly.empty()) a.resize(a.size() - 2);
    std::string out;
    for (const auto& [z, n] : a) {
        out += element_symbol(z);
        if (n / factor != 1) out += std::to_string(n / factor);
    }
    return {out + poly, factor};
}

}  // namespace

std::string reduced_formula(const std::vector<int>& numbers) {
    amounts count;  // elements in order of first appearance, as pymatgen's Composition
    for (int z : numbers) {
        auto it = std::find_if(count.begin(), count.end(), [z](const auto& c) { return c.first == z; });
        if (it == count.end()) count.emplace_back(z, 1);
        else ++it->second;
    }
    auto [formula, factor] = reduce(std::move(count));
    static const std::pair<std::string_view, std::string_view> special[] = {
        {"LiO", "Li2O2"}, {"NaO", "Na2O2"}, {"KO", "K2O2"}, {"HO", "H2O2"}, {"CsO", "Cs2O2"}, {"RbO", "Rb2O2"},
        {"O", "O2"},      {"N", "N2"},      {"F", "F2"},    {"Cl", "Cl2"},  {"H", "H2"}};
    for (const auto& [from, to] : special)
        if (formula == from) return std::string(to);
    return formula;
}

}  // namespace xtalsieve
