#include "xtalsieve/graph.hpp"

#include <algorithm>
#include <cmath>

#include "xtalsieve/error.hpp"

namespace xtalsieve {

namespace {

vec3 cross(const vec3& a, const vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const vec3& a) { return std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]); }

struct candidate {
    double dist;
    std::int32_t j;
};

}  // namespace

crystal_graph build_graph(const structure& s, const graph_options& opt) {
    const int n = static_cast<int>(s.size());
    const int M = opt.max_neighbors;
    XS_ASSERT(M > 0);
    const double r = opt.radius;
    const double vol = std::abs(cell_volume(s));
    if (n == 0 || !(vol > 1e-3)) throw error(s.id + ": cannot build a graph for an empty or zero-volume cell");

    // Images needed along lattice vector k: the cutoff divided by the spacing
    // of the lattice planes spanned by the other two vectors, plus one for the
    // spread of fractional coordinates inside the cell.
    int range[3];
    for (int k = 0; k < 3; ++k) {
        const vec3 c = cross(s.lattice[(k + 1) % 3], s.lattice[(k + 2) % 3]);
        const double spacing = vol / norm(c);
        const double reach = std::ceil(r / spacing) + 1;
        if (reach > 1000) throw error(s.id + ": cell too thin for an 8 Å neighbour search");
        range[k] = static_cast<int>(reach);
    }

    // Wrapped Cartesian positions: the reference works on coordinates in [0, 1).
    std::vector<vec3> pos(n);
    for (int i = 0; i < n; ++i) {
        vec3 f = s.frac[i];
        for (double& x : f) x -= std::floor(x);
        for (int k = 0; k < 3; ++k)
            pos[i][k] = f[0] * s.lattice[0][k] + f[1] * s.lattice[1][k] + f[2] * s.lattice[2][k];
    }

    crystal_graph g;
    g.n_atoms = n;
    g.max_neighbors = M;
    g.numbers = s.numbers;
    g.nbr_idx.assign(static_cast<std::size_t>(n) * M, 0);
    g.nbr_dist.assign(static_cast<std::size_t>(n) * M, static_cast<float>(r + 1.0));

    const double r2 = r * r;
    std::vector<candidate> cand;
    for (int i = 0; i < n; ++i) {
        cand.clear();
        for (int a = -range[0]; a <= range[0]; ++a)
            for (int b = -range[1]; b <= range[1]; ++b)
                for (int c = -range[2]; c <= range[2]; ++c) {
                    vec3 t;
                    for (int k = 0; k < 3; ++k)
                        t[k] = a * s.lattice[0][k] + b * s.lattice[1][k] + c * s.lattice[2][k];
                    for (int j = 0; j < n; ++j) {
                        double d2 = 0;
                        for (int k = 0; k < 3; ++k) {
                            const double dx = pos[j][k] + t[k] - pos[i][k];
                            d2 += dx * dx;
                        }
                        if (d2 > r2 + 1e-8) continue;
                        const double d = std::sqrt(d2);
                        if (d < 1e-8) continue;
                        cand.push_back({d, j});
                    }
                }
        std::stable_sort(cand.begin(), cand.end(),
                         [](const candidate& x, const candidate& y) { return x.dist < y.dist; });
        const int keep = std::min<int>(M, static_cast<int>(cand.size()));
        for (int m = 0; m < keep; ++m) {
            g.nbr_idx[static_cast<std::size_t>(i) * M + m] = cand[m].j;
            g.nbr_dist[static_cast<std::size_t>(i) * M + m] = static_cast<float>(cand[m].dist);
        }
    }
    return g;
}

void graph_batch::clear() {
    numbers.clear();
    nbr_idx.clear();
    nbr_dist.clear();
    offsets.clear();
}

void graph_batch::append(const crystal_graph& g) {
    if (offsets.empty()) {
        offsets.push_back(0);
        max_neighbors = g.max_neighbors;
    }
    XS_ASSERT(g.max_neighbors == max_neighbors);
    const auto base = static_cast<std::int32_t>(numbers.size());
    numbers.insert(numbers.end(), g.numbers.begin(), g.numbers.end());
    nbr_idx.reserve(nbr_idx.size() + g.nbr_idx.size());
    for (std::int32_t j : g.nbr_idx) nbr_idx.push_back(base + j);
    nbr_dist.insert(nbr_dist.end(), g.nbr_dist.begin(), g.nbr_dist.end());
    offsets.push_back(static_cast<std::int64_t>(numbers.size()));
}

}  // namespace xtalsieve
