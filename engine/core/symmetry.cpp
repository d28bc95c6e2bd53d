#include "xtalsieve/symmetry.hpp"

#include <spglib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "xtalsieve/elements.hpp"

namespace xtalsieve {

namespace {

// spglib wants lattice vectors as columns.
void to_spglib(const structure& s, double lat[3][3], std::vector<double>& pos, std::vector<int>& types) {
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) lat[k][i] = s.lattice[i][k];
    pos.resize(s.size() * 3);
    types.assign(s.numbers.begin(), s.numbers.end());
    for (std::size_t i = 0; i < s.size(); ++i)
        for (int k = 0; k < 3; ++k) pos[3 * i + k] = s.frac[i][k] - std::floor(s.frac[i][k]);
}

struct dataset_free {
    void operator()(SpglibDataset* d) const { spg_free_dataset(d); }
};
using dataset_ptr = std::unique_ptr<SpglibDataset, dataset_free>;

dataset_ptr dataset_of(const structure& s, double symprec) {
    double lat[3][3];
    std::vector<double> pos;
    std::vector<int> types;
    to_spglib(s, lat, pos, types);
    return dataset_ptr(spg_get_dataset(lat, reinterpret_cast<double(*)[3]>(pos.data()), types.data(),
                                       static_cast<int>(s.size()), symprec));
}

}  // namespace

int spacegroup_number(const structure& s, double symprec) {
    const dataset_ptr d = dataset_of(s, symprec);
    return d ? d->spacegroup_number : 0;
}

std::string symmetry_key(const structure& s, double symprec) {
    // One symmetry search: the dataset carries the standardized conventional
    // cell, which is the same for a crystal and any supercell, translation or
    // permutation of it.
    const dataset_ptr d = dataset_of(s, symprec);
    std::map<int, int> comp;
    double len[3] = {0, 0, 0}, ang[3] = {0, 0, 0};
    int sg = 0;
    if (d && d->n_std_atoms > 0) {
        sg = d->spacegroup_number;
        for (int i = 0; i < d->n_std_atoms; ++i) ++comp[d->std_types[i]];
        double v[3][3];
        for (int i = 0; i < 3; ++i)
            for (int k = 0; k < 3; ++k) v[i][k] = d->std_lattice[k][i];
        for (int i = 0; i < 3; ++i) len[i] = std::sqrt(v[i][0] * v[i][0] + v[i][1] * v[i][1] + v[i][2] * v[i][2]);
        for (int i = 0; i < 3; ++i) {
            const int j = (i + 1) % 3, k = (i + 2) % 3;
            const double c = (v[j][0] * v[k][0] + v[j][1] * v[k][1] + v[j][2] * v[k][2]) / (len[j] * len[k]);
            ang[i] = std::acos(std::clamp(c, -1.0, 1.0)) * 180.0 / M_PI;
        }
    } else {  // no symmetry found: the structure is its own class
        for (int z : s.numbers) ++comp[z];
    }
    std::string key = "sg" + std::to_string(sg) + "|";
    for (auto [z, c] : comp) key += std::string(element_symbol(z)) + std::to_string(c);
    char buf[128];
    std::snprintf(buf, sizeof buf, "|%.2f,%.2f,%.2f|%.1f,%.1f,%.1f", len[0], len[1], len[2], ang[0], ang[1], ang[2]);
    return key + buf;
}

}  // namespace xtalsieve
