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
#include "engine/src/elements_table.inc"
};
static_assert(sizeof(table) / sizeof(table[0]) == max_atomic_number);

}  // namespace

int atomic_number(std::string_view symbol) {
    if (symbol.empty() || symbol.size() > 3) return 0;
    std::string s(symbol);
    // Title case: "FE" and "fe" both mean iron.
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    for (std::size_t i = 1; i < s.size(); ++i) s[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    for (int z = 1; z <= max_atomic_number; ++z)
        if (s == table[z - 1].symbol) return z;
    return 0;
}

std::string_view element_symbol(int z) {
    if (z < 1 || z > max_atomic_number) return {};
    return table[z - 1].symbol;
}

double pauling_electronegativity(int z) {
    if (z < 1 || z > max_atomic_number) return NAN;
    return table[z - 1].x;
}

int element_from_label(std::string_view sym) {
    // pymatgen's CifParser._parse_symbol: water labels, then the first two
    // letters title-cased, then the first letter, then a leading [A-Z][a-z]*.
    if (sym.empty()) return 0;
    for (auto [prefix, el] : {std::pair{"Hw", "H"}, {"Ow", "O"}, {"Wat", "O"}, {"wat", "O"}, {"NO3", "N"}})
        if (sym.substr(0, std::string_view(prefix).size()) == prefix) return atomic_number(el);
    if (sym.size() >= 2 && std::isalpha(static_cast<unsigned char>(sym[0])) &&
        std::isalpha(static_cast<unsigned char>(sym[1])))
        if (int z = atomic_number(sym.substr(0, 2))) return z;
    if (std::isalpha(static_cast<unsigned char>(sym[0])))
        if (int z = atomic_number(sym.substr(0, 1))) return z;
    std::size_t i = sym[0] == 'w' ? 1 : 0;
    if (i < sym.size() && std::isupper(static_cast<unsigned char>(sym[i]))) {
        std::size_t j = i + 1;
        while (j < sym.size() && std::islower(static_cast<unsigned char>(sym[j]))) ++j;
        return atomic_number(sym.substr(i, j - i));
    }
    return 0;
}

}  // namespace xtalsieve
