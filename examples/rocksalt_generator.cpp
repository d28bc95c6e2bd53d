// A structure generator linked to xtalsieve: enumerates rock-salt AX binaries
// (alkali halides, alkaline-earth chalcogenides: 36 pairs) at three
// strains around the ionic-radius lattice parameter, entirely in memory, and
// screens them with xtalsieve::stream_screen: keep the 10 lowest predicted
// formation energies with a predicted band gap of at least 1 eV.
//
// As a stand-in for known labels the generator attaches the Pauling
// electronegativity difference (more ionic, more stable), to show the
// metrics; real generators would pass DFT values where they have them.
//
//   rocksalt_generator MODEL_DIR   (folder with formation-energy-per-atom.pth.tar,
//                                   band-gap.pth.tar and atom_init.json)
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "xtalsieve/batch.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/generator.hpp"


// Options are plain structs: set the fields that matter.
static xtalsieve::batch_options threads(int n) {
    xtalsieve::batch_options o;
    o.threads = n;
    return o;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s MODEL_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    try {
        const xtalsieve::batch_predictor p({dir + "/formation-energy-per-atom.pth.tar", dir + "/band-gap.pth.tar"},
                                           threads(2));
        xtalsieve::stream_screen_options o;
        o.objective = "formation-energy-per-atom";  // eV/atom, minimised
        o.where = {{"band-gap", ">=", 1.0, 0}};     // eV
        o.top = 10;
        o.chunk = 64;
        xtalsieve::stream_screen screen(p, o);

        // Charge-balanced pairs: alkali halides and alkaline-earth chalcogenides.
        const std::vector<std::pair<std::vector<const char*>, std::vector<const char*>>> families = {
            {{"Li", "Na", "K", "Rb", "Cs"}, {"F", "Cl", "Br", "I"}},
            {{"Mg", "Ca", "Sr", "Ba"}, {"O", "S", "Se", "Te"}}};
        std::size_t made = 0;
        for (const auto& [cations, anions] : families)
        for (const char* a : cations)
            for (const char* x : anions)
                for (const double strain : {0.97, 1.0, 1.03}) {
                    const int za = xtalsieve::atomic_number(a), zx = xtalsieve::atomic_number(x);
                    const double lat = 2.0 * (xtalsieve::ionic_radius(za) + xtalsieve::ionic_radius(zx)) * strain;
                    xtalsieve::structure s;
                    s.id = std::string(a) + x + "@" + std::to_string(strain).substr(0, 4);
                    s.lattice = {{{lat, 0, 0}, {0, lat, 0}, {0, 0, lat}}};
                    // Conventional rock-salt cell: A on the fcc sites, X shifted by (1/2, 0, 0).
                    const xtalsieve::vec3 fcc[4] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
                    for (const auto& f : fcc) {
                        s.frac.push_back(f);
                        s.numbers.push_back(za);
                    }
                    for (const auto& f : fcc) {
                        s.frac.push_back({f[0] + .5 - (f[0] >= .5 ? 1 : 0), f[1], f[2]});
                        s.numbers.push_back(zx);
                    }
                    const double label = -std::abs(xtalsieve::pauling_electronegativity(zx) -
                                                   xtalsieve::pauling_electronegativity(za));
                    screen.push(std::move(s), label);
                    ++made;
                }

        const auto c = screen.counts();
        std::printf("generated %zu, scored %llu, filtered %llu, failed %llu\n", made,
                    static_cast<unsigned long long>(c.scored), static_cast<unsigned long long>(c.filtered),
                    static_cast<unsigned long long>(c.failed));
        std::printf("%-4s %-12s %-8s %12s %10s\n", "rank", "id", "formula", "Ef(eV/at)", "gap(eV)");
        int rank = 0;
        for (const auto& h : screen.top())
            std::printf("%-4d %-12s %-8s %12.4f %10.3f\n", ++rank, h.id.c_str(), h.formula.c_str(), h.values[0],
                        h.values[1]);
        const auto m = screen.metrics();
        std::printf("against -|dchi|: spearman %.3f, kendall %.3f, recall@10 %.2f (%zu labelled)\n", m.spearman,
                    m.kendall, m.recall_at_10, m.labelled);
        return rank == 10 && c.failed == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
