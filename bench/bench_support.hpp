// Shared inputs for the benchmarks: the perov_5 structures and official models.
#pragma once
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <fstream>

#include "engine/cpu/isa.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/graph.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/weights.hpp"

namespace xs_bench {

// Every figure names its machine: the CPU model and the kernel path that ran
// (XTALSIEVE_ISA=avx512|avx2|portable forces one), in the benchmark context.
inline const bool context_registered = [] {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model = "unknown";
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    benchmark::AddCustomContext("cpu_model", model);
    benchmark::AddCustomContext("isa_path", xtalsieve::cpu::isa_name(xtalsieve::cpu::resolve_isa("")));
    return true;
}();

inline std::filesystem::path shared() { return XS_SHARED_DIR; }
inline std::filesystem::path perov_csv() { return shared() / "data" / "perov_5" / "val.csv"; }
inline std::filesystem::path model_path(const std::string& stem) {
    return shared() / "data" / "cgcnn" / "pre-trained" / (stem + ".pth.tar");
}

inline std::vector<xtalsieve::record> perov_records() {
    std::vector<xtalsieve::record> out;
    auto r = xtalsieve::open_input(perov_csv());
    xtalsieve::record rec;
    while (r->next(rec)) out.push_back(rec);
    return out;
}

// Replays records held in memory (the input of the end-to-end benchmarks).
class vector_reader final : public xtalsieve::record_reader {
public:
    explicit vector_reader(const std::vector<xtalsieve::record>& v) : v_(v) {}
    bool next(xtalsieve::record& r) override {
        if (i_ == v_.size()) return false;
        r = v_[i_++];
        return true;
    }

private:
    const std::vector<xtalsieve::record>& v_;
    std::size_t i_ = 0;
};

inline std::vector<xtalsieve::structure> perov_structures() {
    std::vector<xtalsieve::structure> out;
    for (const auto& r : perov_records()) out.push_back(xtalsieve::parse_record(r));
    return out;
}

// A structure repeated n x n x n times (for the size-scaling table).
inline xtalsieve::structure supercell(const xtalsieve::structure& s, int n) {
    xtalsieve::structure out;
    out.id = s.id + "x" + std::to_string(n);
    for (int k = 0; k < 3; ++k)
        for (int c = 0; c < 3; ++c) out.lattice[k][c] = s.lattice[k][c] * n;
    for (int a = 0; a < n; ++a)
        for (int b = 0; b < n; ++b)
            for (int c = 0; c < n; ++c)
                for (std::size_t i = 0; i < s.size(); ++i) {
                    out.frac.push_back({(s.frac[i][0] + a) / n, (s.frac[i][1] + b) / n, (s.frac[i][2] + c) / n});
                    out.numbers.push_back(s.numbers[i]);
                }
    xtalsieve::sort_by_electronegativity(out);
    return out;
}

// Text writers for the reader benchmarks. Lattice vectors are along the axes
// only for the cubic perov_5 cells; the benchmarks need representative text,
// not general writers.
inline std::string to_p1_cif(const xtalsieve::structure& s) {
    char b[256];
    std::string t = "data_" + s.id + "\n";
    std::snprintf(b, sizeof b, "_cell_length_a %.8f\n_cell_length_b %.8f\n_cell_length_c %.8f\n", s.lattice[0][0],
                  s.lattice[1][1], s.lattice[2][2]);
    t += b;
    t += "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\n"
         "loop_\n _symmetry_equiv_pos_as_xyz\n  'x, y, z'\nloop_\n _atom_site_type_symbol\n _atom_site_label\n"
         " _atom_site_fract_x\n _atom_site_fract_y\n _atom_site_fract_z\n _atom_site_occupancy\n";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const std::string el(xtalsieve::element_symbol(s.numbers[i]));
        std::snprintf(b, sizeof b, "  %s  %s%zu  %.8f  %.8f  %.8f  1\n", el.c_str(), el.c_str(), i, s.frac[i][0],
                      s.frac[i][1], s.frac[i][2]);
        t += b;
    }
    return t;
}

inline std::string to_extxyz(const xtalsieve::structure& s) {
    char b[256];
    std::string t = std::to_string(s.size()) + "\n";
    std::snprintf(b, sizeof b, "Lattice=\"%.8f 0 0 0 %.8f 0 0 0 %.8f\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n",
                  s.lattice[0][0], s.lattice[1][1], s.lattice[2][2]);
    t += b;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = xtalsieve::cartesian(s, i);
        std::snprintf(b, sizeof b, "%s %.8f %.8f %.8f\n", std::string(xtalsieve::element_symbol(s.numbers[i])).c_str(),
                      c[0], c[1], c[2]);
        t += b;
    }
    return t;
}

inline std::string to_poscar(const xtalsieve::structure& s) {
    char b[256];
    std::string t = s.id + "\n1.0\n";
    std::snprintf(b, sizeof b, "%.8f 0 0\n0 %.8f 0\n0 0 %.8f\n", s.lattice[0][0], s.lattice[1][1], s.lattice[2][2]);
    t += b;
    // Species in runs, as VASP wants them (the sites are sorted by element).
    std::string names, counts;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t j = i;
        while (j < s.size() && s.numbers[j] == s.numbers[i]) ++j;
        names += std::string(xtalsieve::element_symbol(s.numbers[i])) + " ";
        counts += std::to_string(j - i) + " ";
        i = j;
    }
    t += names + "\n" + counts + "\nDirect\n";
    for (std::size_t i = 0; i < s.size(); ++i) {
        std::snprintf(b, sizeof b, "%.8f %.8f %.8f\n", s.frac[i][0], s.frac[i][1], s.frac[i][2]);
        t += b;
    }
    return t;
}

inline std::string to_pymatgen_json(const xtalsieve::structure& s) {
    char b[256];
    std::snprintf(b, sizeof b,
                  "{\"@module\": \"pymatgen.core.structure\", \"@class\": \"Structure\", \"lattice\": {\"matrix\": "
                  "[[%.8f, 0.0, 0.0], [0.0, %.8f, 0.0], [0.0, 0.0, %.8f]]}, \"sites\": [",
                  s.lattice[0][0], s.lattice[1][1], s.lattice[2][2]);
    std::string t = b;
    for (std::size_t i = 0; i < s.size(); ++i) {
        std::snprintf(b, sizeof b, "%s{\"species\": [{\"element\": \"%s\", \"occu\": 1}], \"abc\": [%.8f, %.8f, %.8f]}",
                      i ? ", " : "", std::string(xtalsieve::element_symbol(s.numbers[i])).c_str(), s.frac[i][0], s.frac[i][1],
                      s.frac[i][2]);
        t += b;
    }
    return t + "]}";
}

}  // namespace xs_bench
