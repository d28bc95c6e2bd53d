#include "xtalsieve/elements.hpp"

#include <cctype>
#include <cmath>
#include <string>

namespace xtalsieve {

namespace {

struct element_row {
    const char* symbol;
    double x;
};

constexpr element_row table[] = {
#include "engine/core/elements_table.inc"
};
static_assert(sizeof(table) / sizeof(table[0]) == max_atomic_number);

}  // namespace

// Symbols are one upper-case letter and at most one lower-case one: a table
// indexed by the two letters replaces a scan of string comparisons (the CIF
// reader asks for every site).
namespace {
constexpr int letters = 27;  // index 0: no second letter
struct symbol_index {
    unsigned char z[26 * letters] = {};
    constexpr symbol_index() {
        for (int k = 0; k < max_atomic_number; ++k) {
            const char* s = table[k].symbol;
            z[(s[0] - 'A') * letters + (s[1] ? s[1] - 'a' + 1 : 0)] = static_cast<unsigned char>(k + 1);
        }
    }
};
constexpr symbol_index index_of_symbol;
}  // namespace

int atomic_number(std::string_view symbol) {
    if (symbol.empty() || symbol.size() > 2) return 0;
    // Title case: "FE" and "fe" both mean iron.
    const char c0 = static_cast<char>(symbol[0] & ~0x20);
    if (c0 < 'A' || c0 > 'Z') return 0;
    int second = 0;
    if (symbol.size() == 2) {
        const char c1 = static_cast<char>(symbol[1] | 0x20);
        if (c1 < 'a' || c1 > 'z') return 0;
        second = c1 - 'a' + 1;
    }
    return index_of_symbol.z[(c0 - 'A') * letters + second];
}

std::string_view element_symbol(int z) {
    if (z < 1 || z > max_atomic_number) return {};
    return table[z - 1].symbol;
}

double pauling_electronegativity(int z) {
    if (z < 1 || z > max_atomic_number) return NAN;
    return table[z - 1].x;
}

namespace {

// pymatgen's special labels (CifParser._parse_symbol), matched as prefixes.
int special_label(std::string_view sym) {
    for (auto [prefix, el] : {std::pair{"Hw", "H"}, {"Ow", "O"}, {"Wat", "O"}, {"wat", "O"}, {"NO3", "N"}})
        if (sym.substr(0, std::string_view(prefix).size()) == prefix) return atomic_number(el);
    return 0;
}

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

}  // namespace

int element_from_label(std::string_view sym) {
    // pymatgen's CifParser._parse_symbol: special labels, then the first two
    // letters title-cased, then the first letter, then a leading [A-Z][a-z]*.
    // The table holds all 118 elements, so a real symbol is never cut short
    // ("Og" is oganesson, not oxygen).
    if (sym.empty()) return 0;
    if (int z = special_label(sym)) return z;
    if (sym.size() >= 2 && is_alpha(sym[0]) && is_alpha(sym[1]))
        if (int z = atomic_number(sym.substr(0, 2))) return z;
    if (is_alpha(sym[0]))
        if (int z = atomic_number(sym.substr(0, 1))) return z;
    std::size_t i = sym[0] == 'w' ? 1 : 0;
    if (i < sym.size() && std::isupper(static_cast<unsigned char>(sym[i]))) {
        std::size_t j = i + 1;
        while (j < sym.size() && std::islower(static_cast<unsigned char>(sym[j]))) ++j;
        return atomic_number(sym.substr(i, j - i));
    }
    return 0;
}

int element_from_type_symbol(std::string_view sym) {
    if (int z = special_label(sym)) return z;
    std::size_t n = 0;
    while (n < sym.size() && is_alpha(sym[n])) ++n;
    if (n == 0 || n > 2) return 0;
    // What follows the letters may only be an oxidation state or a count.
    for (std::size_t k = n; k < sym.size(); ++k)
        if (!std::isdigit(static_cast<unsigned char>(sym[k])) && sym[k] != '+' && sym[k] != '-' && sym[k] != '.')
            return 0;
    return atomic_number(sym.substr(0, n));
}

}  // namespace xtalsieve
