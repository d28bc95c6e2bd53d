// Shared inputs for the benchmarks: the perov_5 structures and official models.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "xtalsieve/graph.hpp"
#include "xtalsieve/input.hpp"
#include "xtalsieve/weights.hpp"

namespace xs_bench {

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

}  // namespace xs_bench
