#include "xtalsieve/graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <limits>

#include "xtalsieve/error.hpp"

namespace xtalsieve {

namespace {

// The reference (pymatgen 2022.11's find_points_in_spheres, then CGCNN's
// stable sort by distance) decides the order of equidistant neighbours — and
// so which of them is the 12th — by the order in which its cell list visits
// them. Equal distances are common in symmetric cells, so xtalsieve
// reproduces that order as a sort key, and computes every quantity with the
// same float64 operations in the same order, so that "equal" means the same
// bits here and there:
//   - points are the atoms wrapped into the cell (Python's x % 1 of
//     fractional coordinates obtained with a cofactor inverse) plus lattice
//     translations i*a + j*b + k*c, inserted in (i, j, k, atom) order;
//   - space is cut into cubes of edge r from min(centres) - r - tol; a centre
//     visits its 27 surrounding cubes in (dx, dy, dz) lexicographic order,
//     and the points of a cube from the last inserted to the first;
//   - a point is a neighbour when |p - c|^2 < r^2 + 1e-8, and not the centre
//     itself (same atom, distance <= 1e-8).
struct candidate {
    double dist;
    int cube;         // 0..26, rank of the point's cube around the centre
    std::int64_t ins; // insertion rank: larger is visited first
    std::int32_t j;
    std::int32_t a, b, e;  // lattice translation of the wrapped point
};

using mat3 = std::array<vec3, 3>;

// Row vector times matrix, summed left to right as a plain loop does.
vec3 row_times(const vec3& v, const mat3& m) {
    vec3 out;
    for (int j = 0; j < 3; ++j) out[j] = v[0] * m[0][j] + v[1] * m[1][j] + v[2] * m[2][j];
    return out;
}

// Python's float modulo by 1: the result has the sign of the divisor, and a
// tiny negative number becomes exactly 1.0.
double py_mod1(double x) {
    double r = std::fmod(x, 1.0);
    if (r != 0 && r < 0) r += 1.0;
    return r;
}

std::string format_radius(double r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", r);
    return buf;
}

// Every ordered pair of distinct bonds (i->j, i->k) of one centre, both no
// longer than the cutoff, centre by centre, in edge order.
void build_three_body(crystal_graph& g, double cutoff) {
    const std::size_t E = g.n_edges();
    std::size_t e0 = 0;
    std::vector<std::int32_t> short_bonds;
    while (e0 < E) {
        std::size_t e1 = e0;
        while (e1 < E && g.src[e1] == g.src[e0]) ++e1;
        short_bonds.clear();
        for (std::size_t e = e0; e < e1; ++e)
            if (g.bond_dist[e] <= cutoff) short_bonds.push_back(static_cast<std::int32_t>(e));
        for (std::int32_t ij : short_bonds)
            for (std::int32_t ik : short_bonds) {
                if (ij == ik) continue;
                g.trip_ij.push_back(ij);
                g.trip_ik.push_back(ik);
                const float* u = &g.bond_vec[3 * static_cast<std::size_t>(ij)];
                const float* v = &g.bond_vec[3 * static_cast<std::size_t>(ik)];
                const float c = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (g.bond_dist[ij] * g.bond_dist[ik]);
                // MatGL clamps to +-(1 - 1e-7) (in float32: 0.99999988).
                g.cos_theta.push_back(std::clamp(c, -1.0f + 1e-7f, 1.0f - 1e-7f));
            }
        e0 = e1;
    }
}

}  // namespace

crystal_graph build_graph(const structure& s, const graph_options& opt) {
    const int n = static_cast<int>(s.size());
    const int M = opt.max_neighbors;
    XS_ASSERT(M > 0 || opt.layout == graph_layout::edges);
    const double r = opt.radius;
    const double tol = 1e-8;
    const mat3& L = s.lattice;
    const double vol = std::abs(cell_volume(s));
    if (n == 0 || !(vol > 1e-3)) throw error(s.id + ": cannot build a graph for an empty or zero-volume cell");

    // Cartesian centres, as pymatgen's site.coords.
    std::vector<vec3> cart(n), cic(n);
    for (int i = 0; i < n; ++i) cart[i] = row_times(s.frac[i], L);
    const mat3 inv = inverse_lattice(L);
    for (int i = 0; i < n; ++i) {
        vec3 f = row_times(cart[i], inv);
        for (double& x : f) x = py_mod1(x);
        cic[i] = row_times(f, L);
    }
    vec3 vmin;
    for (int k = 0; k < 3; ++k) {
        double lo = cart[0][k];
        for (int i = 1; i < n; ++i) lo = std::min(lo, cart[i][k]);
        vmin[k] = lo - r - tol;
    }
    auto cube_of = [&](const vec3& x, int k) { return static_cast<long>(std::floor((x[k] - vmin[k] + 1e-8) / r)); };

    // Reciprocal rows g_k (fractional coordinate k of a vector x is x . g_k):
    // for each centre-atom pair only the translations whose fractional
    // offsets can reach the cutoff sphere are visited. The visiting order of
    // the reference is a sort key below, so skipping far images changes nothing.
    mat3 g_rows;
    double reach[3];
    const double vol_signed = cell_volume(s);
    for (int k = 0; k < 3; ++k) {
        const vec3& u = L[(k + 1) % 3];
        const vec3& w = L[(k + 2) % 3];
        g_rows[k] = {(u[1] * w[2] - u[2] * w[1]) / vol_signed, (u[2] * w[0] - u[0] * w[2]) / vol_signed,
                     (u[0] * w[1] - u[1] * w[0]) / vol_signed};
        reach[k] = r * std::sqrt(g_rows[k][0] * g_rows[k][0] + g_rows[k][1] * g_rows[k][1] + g_rows[k][2] * g_rows[k][2]);
        if (!(reach[k] <= 500)) throw error(s.id + ": cell too thin for a " + format_radius(r) + " Å neighbour search");
    }
    constexpr std::int64_t rank_base = 1024, rank_span = 2048;
    // The work bound: expected images within the cutoff of one atom.
    const double images_per_atom = n * (4.0 / 3.0) * M_PI * r * r * r / vol;
    if (images_per_atom > opt.max_images_per_atom) {
        char msg[200];
        std::snprintf(msg, sizeof msg,
                      ": cell too dense for the neighbour search: about %.0f periodic images per atom within %g A "
                      "(limit %.0f; %.3g A^3 per atom)",
                      images_per_atom, r, opt.max_images_per_atom, vol / n);
        throw error(s.id + msg);
    }

    const bool slots = opt.layout == graph_layout::slots;
    crystal_graph g;
    g.n_atoms = n;
    g.layout = opt.layout;
    g.max_neighbors = M;
    g.numbers = s.numbers;
    if (slots) {
        g.nbr_idx.assign(static_cast<std::size_t>(n) * M, 0);
        g.nbr_dist.assign(static_cast<std::size_t>(n) * M, static_cast<float>(r + 1.0));
    }
    // edges: the integer shift from atom j's site as read to its wrapped
    // point (frac - wrapped frac); pymatgen reports images relative to the
    // sites as read, i.e. the translation of the wrapped point minus it.
    std::vector<std::array<std::int32_t, 3>> wrap_shift(slots ? 0 : n);
    std::vector<std::array<float, 3>> pos32(slots ? 0 : n);
    std::array<std::array<float, 3>, 3> L32{};
    if (!slots) {
        for (int i = 0; i < 3; ++i)
            for (int k = 0; k < 3; ++k) L32[i][k] = static_cast<float>(L[i][k]);
        for (int i = 0; i < n; ++i) {
            const vec3 f = row_times(cart[i], inv);
            for (int k = 0; k < 3; ++k) wrap_shift[i][k] = static_cast<std::int32_t>(std::lround(f[k] - py_mod1(f[k])));
            // MatGL: pos = frac_coords (float32) @ lattice (float32).
            float fr[3];
            for (int k = 0; k < 3; ++k) fr[k] = static_cast<float>(s.frac[i][k]);
            for (int k = 0; k < 3; ++k) pos32[i][k] = fr[0] * L32[0][k] + fr[1] * L32[1][k] + fr[2] * L32[2][k];
        }
    }

    const double r2 = r * r;
    double accept2 = r2 + tol;  // a point is a candidate when d^2 < accept2
    thread_local std::vector<candidate> cand;  // reused: the latency path builds one graph per call
    // A candidate point: translation (a, b, e) of atom j. The point and its
    // distance are computed with the reference's operations in its order.
    auto consider = [&](int ci, const long cc[3], int a, int b, int e, int j) {
        const vec3& c = cart[ci];
        vec3 p;
        double d2 = 0;
        for (int k = 0; k < 3; ++k) {
            p[k] = a * L[0][k] + b * L[1][k] + e * L[2][k] + cic[j][k];
            d2 += (p[k] - c[k]) * (p[k] - c[k]);
        }
        if (!(d2 < accept2)) return;
        if (j == ci && d2 < 1e-14 && std::sqrt(d2) <= tol) return;
        const std::int64_t image_rank = ((a + rank_base) * rank_span + (b + rank_base)) * rank_span + (e + rank_base);
        if (slots) {
            // Only the M nearest are kept: their length and cube are found
            // after the selection (most of the ~170 points in an 8 Å sphere
            // never need them). dist holds d^2 until then.
            cand.push_back({d2, -1, image_rank * n + j, j, a, b, e});
            return;
        }
        const double d = std::sqrt(d2);
        const int cube = static_cast<int>((cube_of(p, 0) - cc[0] + 1) * 9 + (cube_of(p, 1) - cc[1] + 1) * 3 +
                                          (cube_of(p, 2) - cc[2] + 1));
        cand.push_back({d, cube, image_rank * n + j, j, a, b, e});
    };

    // Large cells: a cell list of every image point near the centres, so the
    // work per atom depends on the density, not on the number of atoms.
    struct point {
        int a, b, e, j;
    };
    std::vector<std::vector<point>> bins;
    long nb[3] = {0, 0, 0};
    vec3 bmin{};
    const bool use_bins = n > 16;
    // Bins of half the cutoff; a centre visits the bins whose box comes within r.
    const double bin_edge = r / 2;
    if (use_bins) {
        vec3 bmax;
        for (int k = 0; k < 3; ++k) {
            double lo = cart[0][k], hi = cart[0][k];
            for (int i = 1; i < n; ++i) lo = std::min(lo, cart[i][k]), hi = std::max(hi, cart[i][k]);
            bmin[k] = lo - r - 1e-6;
            bmax[k] = hi + r + 1e-6;
            nb[k] = std::max(1L, static_cast<long>(std::ceil((bmax[k] - bmin[k]) / bin_edge)));
        }
        if (nb[0] * nb[1] * nb[2] > 1000000) throw error(s.id + ": cell too large for the neighbour search");
        bins.resize(static_cast<std::size_t>(nb[0] * nb[1] * nb[2]));
        // Translations whose cell can touch the box: fractional extent of the box corners.
        int lo[3], hi[3];
        for (int k = 0; k < 3; ++k) {
            double fmin = INFINITY, fmax = -INFINITY;
            for (int corner = 0; corner < 8; ++corner) {
                const vec3 x = {corner & 1 ? bmax[0] : bmin[0], corner & 2 ? bmax[1] : bmin[1], corner & 4 ? bmax[2] : bmin[2]};
                const double f = x[0] * g_rows[k][0] + x[1] * g_rows[k][1] + x[2] * g_rows[k][2];
                fmin = std::min(fmin, f);
                fmax = std::max(fmax, f);
            }
            lo[k] = static_cast<int>(std::floor(fmin)) - 1;
            hi[k] = static_cast<int>(std::ceil(fmax)) + 1;
        }
        for (int a = lo[0]; a <= hi[0]; ++a)
            for (int b = lo[1]; b <= hi[1]; ++b)
                for (int e = lo[2]; e <= hi[2]; ++e)
                    for (int j = 0; j < n; ++j) {
                        long q[3];
                        bool inside = true;
                        for (int k = 0; k < 3 && inside; ++k) {
                            const double x = a * L[0][k] + b * L[1][k] + e * L[2][k] + cic[j][k];
                            inside = x >= bmin[k] && x < bmax[k];
                            q[k] = static_cast<long>((x - bmin[k]) / bin_edge);
                            if (q[k] >= nb[k]) q[k] = nb[k] - 1;
                        }
                        if (inside) bins[static_cast<std::size_t>((q[0] * nb[1] + q[1]) * nb[2] + q[2])].push_back({a, b, e, j});
                    }
    }

    // The radius of the first, smaller search (slots layout, small cells):
    // about 2M + 8 points of the crystal's density.
    const double r_small = std::cbrt((2.0 * M + 8) * vol / (n * (4.0 / 3.0) * M_PI));

    std::vector<int> isolated_sites, overlapping_sites;
    for (int ci = 0; ci < n; ++ci) {
        cand.clear();
        const vec3& c = cart[ci];
        const long cc[3] = {cube_of(c, 0), cube_of(c, 1), cube_of(c, 2)};
        if (use_bins) {
            long q[3];
            for (int k = 0; k < 3; ++k) q[k] = std::min(nb[k] - 1, static_cast<long>((c[k] - bmin[k]) / bin_edge));
            // Squared distance from the centre to a bin's slab along axis k.
            auto gap2 = [&](int k, long b) {
                const double lo = bmin[k] + b * bin_edge, hi = lo + bin_edge;
                const double g = c[k] < lo ? lo - c[k] : (c[k] > hi ? c[k] - hi : 0.0);
                return g * g;
            };
            const double reach2 = (r + 1e-6) * (r + 1e-6);
            for (long x = std::max(0L, q[0] - 2); x <= std::min(nb[0] - 1, q[0] + 2); ++x)
                for (long y = std::max(0L, q[1] - 2); y <= std::min(nb[1] - 1, q[1] + 2); ++y) {
                    const double gxy = gap2(0, x) + gap2(1, y);
                    if (gxy > reach2) continue;
                    for (long z = std::max(0L, q[2] - 2); z <= std::min(nb[2] - 1, q[2] + 2); ++z) {
                        if (gxy + gap2(2, z) > reach2) continue;
                        for (const point& pt : bins[static_cast<std::size_t>((x * nb[1] + y) * nb[2] + z)])
                            consider(ci, cc, pt.a, pt.b, pt.e, pt.j);
                    }
                }
        } else {
            // Every image of every atom within `rad` of the centre.
            const auto scan = [&](double rad) {
                for (int j = 0; j < n; ++j) {
                    int lo[3], hi[3];
                    for (int k = 0; k < 3; ++k) {
                        const double f = (cic[j][0] - c[0]) * g_rows[k][0] + (cic[j][1] - c[1]) * g_rows[k][1] +
                                         (cic[j][2] - c[2]) * g_rows[k][2];
                        // Image ranges are ints: a site 10^8 cells away is not a
                        // crystal but a cell too degenerate for float arithmetic.
                        if (!(std::abs(f) < 1e8)) throw error(s.id + ": degenerate cell or a site far outside it");
                        // A margin keeps the bounds conservative under rounding.
                        const double rk = reach[k] * (rad / r);
                        lo[k] = static_cast<int>(std::ceil(-rk - f - 1e-6));
                        hi[k] = static_cast<int>(std::floor(rk - f + 1e-6));
                    }
                    for (int a = lo[0]; a <= hi[0]; ++a)
                        for (int b = lo[1]; b <= hi[1]; ++b)
                            for (int e = lo[2]; e <= hi[2]; ++e) consider(ci, cc, a, b, e, j);
                }
            };
            // The M nearest usually lie well inside the cutoff: search a
            // smaller sphere holding about 2M + 8 points first. If its M-th
            // nearest is inside it with room to spare, no point outside can
            // be among the M nearest or tie with the M-th (a tie needs d^2
            // within 1e-12 of it; the margin is 1e-9), so the selection below
            // sees the same group as with the full sphere. Otherwise search
            // the full sphere.
            bool done = false;
            if (slots && r_small < r) {
                accept2 = r_small * r_small;
                scan(r_small);
                if (static_cast<int>(cand.size()) >= M) {
                    auto nth = cand.begin() + (M - 1);
                    std::nth_element(cand.begin(), nth, cand.end(),
                                     [](const candidate& x, const candidate& y) { return x.dist < y.dist; });
                    done = nth->dist < accept2 * (1 - 1e-9);
                }
                accept2 = r2 + tol;
                if (!done) cand.clear();
            }
            if (!done) scan(r);
        }
        const auto before = [](const candidate& x, const candidate& y) {
            if (x.dist != y.dist) return x.dist < y.dist;
            if (x.cube != y.cube) return x.cube < y.cube;
            return x.ins > y.ins;
        };
        if (slots) {
            const int keep = std::min<int>(M, static_cast<int>(cand.size()));
            // The group that can hold the M nearest: every point whose length
            // is at most the M-th smallest (sqrt is monotonic, so select on
            // d^2; a larger d^2 can still round to the same length, a tie the
            // full key below must see).
            auto group_end = cand.end();
            if (static_cast<int>(cand.size()) > M) {
                std::nth_element(cand.begin(), cand.begin() + (M - 1), cand.end(),
                                 [](const candidate& x, const candidate& y) { return x.dist < y.dist; });
                const double t = cand[M - 1].dist, st = std::sqrt(t);
                group_end = std::partition(cand.begin() + M, cand.end(), [&](const candidate& c) {
                    return c.dist <= t || (c.dist <= t * (1 + 1e-12) && std::sqrt(c.dist) == st);
                });
            }
            for (auto it = cand.begin(); it != group_end; ++it) {
                candidate& x = *it;
                x.dist = std::sqrt(x.dist);
                vec3 p;
                for (int k = 0; k < 3; ++k) p[k] = x.a * L[0][k] + x.b * L[1][k] + x.e * L[2][k] + cic[x.j][k];
                x.cube = static_cast<int>((cube_of(p, 0) - cc[0] + 1) * 9 + (cube_of(p, 1) - cc[1] + 1) * 3 +
                                          (cube_of(p, 2) - cc[2] + 1));
            }
            std::partial_sort(cand.begin(), cand.begin() + keep, group_end, before);
            for (int m = 0; m < keep; ++m) {
                g.nbr_idx[static_cast<std::size_t>(ci) * M + m] = cand[m].j;
                g.nbr_dist[static_cast<std::size_t>(ci) * M + m] = static_cast<float>(cand[m].dist);
            }
            if (keep == 0) isolated_sites.push_back(ci);
            else if (static_cast<float>(cand[0].dist) < 0.5f) overlapping_sites.push_back(ci);
            continue;
        }
        std::size_t keep = cand.size();
        if (M > 0 && keep > static_cast<std::size_t>(M)) {
            keep = static_cast<std::size_t>(M);
            std::partial_sort(cand.begin(), cand.begin() + M, cand.end(), before);
        } else {
            // The reference's own order: cube by cube, last inserted first.
            std::sort(cand.begin(), cand.end(), [](const candidate& x, const candidate& y) {
                return x.cube != y.cube ? x.cube < y.cube : x.ins > y.ins;
            });
        }
        double nearest = INFINITY;
        for (std::size_t m = 0; m < keep; ++m) {
            const candidate& c = cand[m];
            nearest = std::min(nearest, c.dist);
            const std::int32_t img[3] = {c.a - wrap_shift[c.j][0], c.b - wrap_shift[c.j][1], c.e - wrap_shift[c.j][2]};
            g.src.push_back(ci);
            g.dst.push_back(c.j);
            g.image.insert(g.image.end(), img, img + 3);
            // MatGL: bond_vec = pos[dst] + image (float32) @ lattice - pos[src].
            float v[3], d2 = 0;
            for (int k = 0; k < 3; ++k) {
                const float shift = static_cast<float>(img[0]) * L32[0][k] + static_cast<float>(img[1]) * L32[1][k] +
                                    static_cast<float>(img[2]) * L32[2][k];
                v[k] = (pos32[c.j][k] + shift) - pos32[ci][k];
                d2 += v[k] * v[k];
            }
            g.bond_vec.insert(g.bond_vec.end(), v, v + 3);
            g.bond_dist.push_back(std::sqrt(d2));
        }
        if (keep == 0) isolated_sites.push_back(ci);
        else if (static_cast<float>(nearest) < 0.5f) overlapping_sites.push_back(ci);
    }
    // Suspicious, not refused: the reference would score these too.
    const double vpa = vol / n;
    if (vpa < 1.0 || vpa > 200.0) {
        char msg[120];
        std::snprintf(msg, sizeof msg, "volume per atom %.3g A^3 outside 1-200", vpa);
        g.warnings.emplace_back(msg);
    }
    if (!isolated_sites.empty())
        g.warnings.push_back(std::to_string(isolated_sites.size()) + " site(s) with no neighbour within " +
                             format_radius(r) + " A (first: site " + std::to_string(isolated_sites[0] + 1) + ")");
    if (!overlapping_sites.empty())
        g.warnings.push_back(std::to_string(overlapping_sites.size()) + " site(s) closer than 0.5 A to another (first: site " +
                             std::to_string(overlapping_sites[0] + 1) + ")");
    if (!slots && opt.three_body_cutoff > 0) build_three_body(g, opt.three_body_cutoff);
    return g;
}

void graph_batch::clear() {
    numbers.clear();
    nbr_idx.clear();
    nbr_dist.clear();
    src.clear();
    dst.clear();
    bond_vec.clear();
    bond_dist.clear();
    trip_ij.clear();
    trip_ik.clear();
    cos_theta.clear();
    offsets.clear();
    edge_offsets.clear();
    triplet_offsets.clear();
}

void graph_batch::append(const crystal_graph& g) {
    if (offsets.empty()) {
        offsets.push_back(0);
        edge_offsets.push_back(0);
        triplet_offsets.push_back(0);
        max_neighbors = g.max_neighbors;
        layout = g.layout;
    }
    XS_ASSERT(g.layout == layout);
    const auto base = static_cast<std::int32_t>(numbers.size());
    numbers.insert(numbers.end(), g.numbers.begin(), g.numbers.end());
    if (layout == graph_layout::slots) {
        XS_ASSERT(g.max_neighbors == max_neighbors);
        nbr_idx.reserve(nbr_idx.size() + g.nbr_idx.size());
        for (std::int32_t j : g.nbr_idx) nbr_idx.push_back(base + j);
        nbr_dist.insert(nbr_dist.end(), g.nbr_dist.begin(), g.nbr_dist.end());
    } else {
        const auto ebase = static_cast<std::int32_t>(src.size());
        for (std::int32_t i : g.src) src.push_back(base + i);
        for (std::int32_t j : g.dst) dst.push_back(base + j);
        bond_vec.insert(bond_vec.end(), g.bond_vec.begin(), g.bond_vec.end());
        bond_dist.insert(bond_dist.end(), g.bond_dist.begin(), g.bond_dist.end());
        for (std::int32_t e : g.trip_ij) trip_ij.push_back(ebase + e);
        for (std::int32_t e : g.trip_ik) trip_ik.push_back(ebase + e);
        cos_theta.insert(cos_theta.end(), g.cos_theta.begin(), g.cos_theta.end());
    }
    offsets.push_back(static_cast<std::int64_t>(numbers.size()));
    edge_offsets.push_back(static_cast<std::int64_t>(src.size()));
    triplet_offsets.push_back(static_cast<std::int64_t>(trip_ij.size()));
}

}  // namespace xtalsieve
