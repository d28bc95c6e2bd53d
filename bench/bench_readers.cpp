// Reader throughput per format, one thread: perov_5 structures (5 atoms) and a
// 320-atom supercell, written in each format in memory, then parsed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "bench/bench_support.hpp"
#include "xtalsieve/cif.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/formats.hpp"

namespace {

std::string to_p1_cif(const xtalsieve::structure& s) {
    // Lattice vectors are along the axes only for the cubic perov_5 cells; the
    // benchmark needs representative text, not a general writer.
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

std::string to_extxyz(const xtalsieve::structure& s) {
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

template <class Write, class Read>
void run(benchmark::State& state, Write write, Read read) {
    auto structs = xs_bench::perov_structures();
    if (state.range(0) > 1) structs = {xs_bench::supercell(structs.front(), static_cast<int>(state.range(0)))};
    std::vector<std::string> texts;
    std::size_t bytes = 0, atoms = 0;
    for (const auto& s : structs) {
        texts.push_back(write(s));
        bytes += texts.back().size();
        atoms += s.size();
    }
    std::size_t n = 0;
    for (auto _ : state) {
        for (const auto& t : texts) benchmark::DoNotOptimize(read(t));
        ++n;
    }
    state.counters["atoms/s"] = benchmark::Counter(static_cast<double>(atoms * n), benchmark::Counter::kIsRate);
    state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes * n) / 1e6, benchmark::Counter::kIsRate);
}

}  // namespace

static void BM_ReadP1Cif(benchmark::State& state) {
    run(state, to_p1_cif, [](const std::string& t) { return xtalsieve::read_cif(t, "b"); });
}
BENCHMARK(BM_ReadP1Cif)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond);

static void BM_ReadExtxyz(benchmark::State& state) {
    run(state, to_extxyz, [](const std::string& t) { return xtalsieve::read_extxyz_frame(t, "b"); });
}
BENCHMARK(BM_ReadExtxyz)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
