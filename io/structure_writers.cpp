#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/writers.hpp"

namespace xtalsieve {

namespace {

// 17 significant digits: the double reads back exactly.
std::string full(double x) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", x);
    return b;
}

std::string symbol(int z) { return std::string(element_symbol(z)); }

// CIF values are unquoted tokens; an id with blanks or quotes is made safe.
std::string cif_name(const std::string& id) {
    std::string out;
    for (char c : id) out += (c == ' ' || c == '\t' || c == '\'' || c == '"' || c == '\n' || c == '\r') ? '_' : c;
    return out.empty() ? "structure" : out;
}

}  // namespace

structure_format structure_format_of(const std::filesystem::path& file) {
    const std::string ext = file.extension().string();
    if (ext == ".extxyz" || ext == ".xyz") return structure_format::extxyz;
    if (ext == ".jsonl") return structure_format::jsonl;
    if (ext == ".cif") return structure_format::cif;
    throw error(file.string() + ": unknown output format (use .extxyz, .jsonl or .cif)");
}

std::string to_extxyz(const structure& s) {
    std::string t = std::to_string(s.size()) + "\nLattice=\"";
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) t += (i || k ? " " : "") + full(s.lattice[i][k]);
    t += "\" Properties=species:S:1:pos:R:3 id=" + nlohmann::json(s.id).dump() + " pbc=\"T T T\"\n";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const vec3 c = cartesian(s, i);
        t += symbol(s.numbers[i]) + " " + full(c[0]) + " " + full(c[1]) + " " + full(c[2]) + "\n";
    }
    return t;
}

std::string to_pymatgen_json(const structure& s) {
    // Written by hand, not through a JSON DOM, to keep 17 digits.
    std::string t = "{\"@module\": \"pymatgen.core.structure\", \"@class\": \"Structure\", \"charge\": 0, "
                    "\"lattice\": {\"matrix\": [";
    for (int i = 0; i < 3; ++i)
        t += std::string(i ? ", " : "") + "[" + full(s.lattice[i][0]) + ", " + full(s.lattice[i][1]) + ", " +
             full(s.lattice[i][2]) + "]";
    t += "], \"pbc\": [true, true, true]}, \"sites\": [";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const vec3 c = cartesian(s, i);
        const std::string el = symbol(s.numbers[i]);
        t += std::string(i ? ", " : "") + "{\"species\": [{\"element\": \"" + el + "\", \"occu\": 1}], \"abc\": [" +
             full(s.frac[i][0]) + ", " + full(s.frac[i][1]) + ", " + full(s.frac[i][2]) + "], \"xyz\": [" +
             full(c[0]) + ", " + full(c[1]) + ", " + full(c[2]) + "], \"label\": \"" + el +
             "\", \"properties\": {}}";
    }
    t += "], \"properties\": {\"id\": " + nlohmann::json(s.id).dump() + "}}";
    return t;
}

std::string to_cif(const structure& s) {
    double len[3], ang[3];
    for (int i = 0; i < 3; ++i) {
        const vec3& v = s.lattice[i];
        len[i] = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
    for (int i = 0; i < 3; ++i) {
        const vec3& u = s.lattice[(i + 1) % 3];
        const vec3& w = s.lattice[(i + 2) % 3];
        const double dot = u[0] * w[0] + u[1] * w[1] + u[2] * w[2];
        ang[i] = std::acos(std::clamp(dot / (len[(i + 1) % 3] * len[(i + 2) % 3]), -1.0, 1.0)) * 180.0 / M_PI;
    }
    std::string t = "data_" + cif_name(s.id) + "\n";
    t += "_cell_length_a " + full(len[0]) + "\n_cell_length_b " + full(len[1]) + "\n_cell_length_c " + full(len[2]) +
         "\n_cell_angle_alpha " + full(ang[0]) + "\n_cell_angle_beta " + full(ang[1]) + "\n_cell_angle_gamma " +
         full(ang[2]) + "\n";
    t += "_symmetry_space_group_name_H-M 'P 1'\nloop_\n_symmetry_equiv_pos_as_xyz\n'x, y, z'\n"
         "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
         "_atom_site_fract_z\n_atom_site_occupancy\n";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const std::string el = symbol(s.numbers[i]);
        t += el + std::to_string(i + 1) + " " + el + " " + full(s.frac[i][0]) + " " + full(s.frac[i][1]) + " " +
             full(s.frac[i][2]) + " 1\n";
    }
    return t;
}

std::string to_text(const structure& s, structure_format f) {
    switch (f) {
        case structure_format::extxyz: return to_extxyz(s);
        case structure_format::jsonl: return to_pymatgen_json(s) + "\n";
        case structure_format::cif: return to_cif(s);
    }
    return {};
}

}  // namespace xtalsieve
