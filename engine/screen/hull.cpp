#include "engine/screen/hull.hpp"

#include <libqhull_r/qhull_ra.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve {

namespace {

constexpr double formation_tol = 1e-11;  // pymatgen PhaseDiagram.formation_energy_tol
constexpr double det_tol = 1e-14;        // pymatgen: facets with |det([x, 1])| below are dropped
constexpr double inside_tol = 1e-9;      // pymatgen: Simplex.in_simplex(c, numerical_tol / 10)
constexpr double part_tol = 1e-8;        // pymatgen PhaseDiagram.numerical_tol (decomposition)
constexpr int max_qhull_elements = 8;    // above: the linear program (Qhull's cost grows fast with dimension)
constexpr int max_elements = 32;

// Solves A z = b in place (A n x n row-major, destroyed; b becomes z) by
// Gaussian elimination with partial pivoting. Returns the determinant.
double lu_solve(int n, double* a, double* b) {
    double det = 1;
    for (int c = 0; c < n; ++c) {
        int p = c;
        for (int r = c + 1; r < n; ++r)
            if (std::abs(a[r * n + c]) > std::abs(a[p * n + c])) p = r;
        if (a[p * n + c] == 0) return 0;
        if (p != c) {
            for (int k = 0; k < n; ++k) std::swap(a[p * n + k], a[c * n + k]);
            std::swap(b[p], b[c]);
            det = -det;
        }
        det *= a[c * n + c];
        for (int r = c + 1; r < n; ++r) {
            const double f = a[r * n + c] / a[c * n + c];
            if (f == 0) continue;
            for (int k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
            b[r] -= f * b[c];
        }
    }
    for (int r = n - 1; r >= 0; --r) {
        double s = b[r];
        for (int k = r + 1; k < n; ++k) s -= a[r * n + k] * b[k];
        b[r] = s / a[r * n + r];
    }
    return det;
}

std::pair<std::uint64_t, std::uint64_t> element_key(const std::vector<int>& els) {
    std::pair<std::uint64_t, std::uint64_t> k{0, 0};
    for (int z : els) (z < 64 ? k.first : k.second) |= std::uint64_t(1) << (z % 64);
    return k;
}

}  // namespace

composition parse_formula(std::string_view f) {
    auto fail = [&](const std::string& why) -> error { return error("formula '" + std::string(f) + "': " + why); };
    std::size_t i = 0;
    // Recursive descent: group := item*, item := (EL | '(' group ')' | '[' group ']') number?
    std::map<int, double> total;
    auto number = [&]() -> double {
        while (i < f.size() && f[i] == ' ') ++i;
        const std::size_t s = i;
        while (i < f.size() && (std::isdigit(static_cast<unsigned char>(f[i])) || f[i] == '.')) ++i;
        if (s == i) return 1;
        const std::string t(f.substr(s, i - s));
        char* end = nullptr;
        const double v = std::strtod(t.c_str(), &end);
        if (end != t.c_str() + t.size() || !std::isfinite(v)) throw fail("bad amount '" + t + "'");
        return v;
    };
    auto group = [&](auto& self, char close) -> std::map<int, double> {
        std::map<int, double> out;
        while (i < f.size()) {
            const char c = f[i];
            if (c == ' ' || c == '\t') {
                ++i;
                continue;
            }
            if (c == ')' || c == ']') {
                if (c != close) throw fail(std::string("unbalanced '") + c + "'");
                ++i;
                return out;
            }
            std::map<int, double> part;
            if (c == '(' || c == '[') {
                ++i;
                part = self(self, c == '(' ? ')' : ']');
            } else if (std::isupper(static_cast<unsigned char>(c))) {
                std::size_t s = i++;
                while (i < f.size() && std::islower(static_cast<unsigned char>(f[i]))) ++i;
                const std::string sym(f.substr(s, i - s));
                const int z = atomic_number(sym);
                if (!z || sym != element_symbol(z)) throw fail("unknown element '" + sym + "'");
                part[z] = 1;
            } else {
                throw fail(std::string("unexpected character '") + c + "'");
            }
            const double m = number();
            for (auto& [z, a] : part) out[z] += a * m;
        }
        if (close) throw fail(std::string("missing '") + close + "'");
        return out;
    };
    total = group(group, 0);
    composition c;
    for (auto& [z, a] : total) {
        if (a < 0) throw fail("negative amount");
        if (a > 0) c.emplace_back(z, a);
    }
    if (c.empty()) throw fail("no atoms");
    return c;
}

reference_set make_reference_set(std::vector<reference_phase> phases, std::string source) {
    reference_set out;
    out.source = std::move(source);
    out.rows = phases.size();
    // Normalise, then keep the lowest energy per composition (fractions to 1e-9).
    std::map<std::vector<std::pair<int, long long>>, std::size_t> seen;
    for (auto& p : phases) {
        double s = 0;
        for (auto& [z, a] : p.comp) s += a;
        for (auto& [z, a] : p.comp) a /= s;
        std::vector<std::pair<int, long long>> key;
        for (auto& [z, a] : p.comp) key.emplace_back(z, std::llround(a * 1e9));
        auto [it, fresh] = seen.emplace(std::move(key), out.phases.size());
        if (fresh) {
            out.phases.push_back(std::move(p));
        } else {
            ++out.duplicates;
            if (p.energy < out.phases[it->second].energy) out.phases[it->second] = std::move(p);
        }
    }
    return out;
}

phase_hull::phase_hull(const std::vector<int>& elements, const reference_set& ref, const std::vector<int>& members)
    : elements_(elements) {
    const int n = static_cast<int>(elements_.size());
    if (n < 1) throw error("hull: empty chemical system");
    if (n > max_elements)
        throw error("hull: chemical system of " + std::to_string(n) + " elements (at most " +
                    std::to_string(max_elements) + ")");
    auto col = [&](int z) {
        return static_cast<int>(std::lower_bound(elements_.begin(), elements_.end(), z) - elements_.begin());
    };
    // Elemental references: 0 eV/atom unless a lower elemental phase is given.
    for (int k = 0; k < n; ++k) points_.push_back({-elements_[k], 0.0});
    for (int m : members) {
        const auto& p = ref.phases[m];
        if (p.comp.size() == 1) {
            auto& v = points_[col(p.comp[0].first)];
            if (p.energy < v.energy) v = {m, p.energy};
        }
    }
    point_x_.assign(static_cast<std::size_t>(n) * n, 0.0);
    for (int k = 0; k < n; ++k) point_x_[k * n + k] = 1;
    // Phases below the elements' plane (pymatgen's qhull entries).
    for (int m : members) {
        const auto& p = ref.phases[m];
        if (p.comp.size() == 1) continue;
        std::vector<double> x(n, 0.0);
        double e_form = p.energy;
        for (auto& [z, a] : p.comp) {
            x[col(z)] = a;
            e_form -= a * points_[col(z)].energy;
        }
        if (e_form >= -formation_tol) continue;
        points_.push_back({m, p.energy});
        point_x_.insert(point_x_.end(), x.begin(), x.end());
    }
    if (n == 1 || n > max_qhull_elements) return;  // unary: the element; large: the linear program

    auto add_facet = [&](const int* vtx) -> bool {
        std::array<double, max_qhull_elements * max_qhull_elements> M{}, Mt{};
        std::array<double, max_qhull_elements> c{};
        for (int r = 0; r < n; ++r) {
            const double* x = &point_x_[static_cast<std::size_t>(vtx[r]) * n];
            for (int j = 0; j + 1 < n; ++j) M[r * n + j] = x[j + 1];
            M[r * n + n - 1] = 1;
            c[r] = points_[vtx[r]].energy;
        }
        for (int r = 0; r < n; ++r)
            for (int j = 0; j < n; ++j) Mt[j * n + r] = M[r * n + j];
        auto M2 = M;
        const double det = lu_solve(n, M2.data(), c.data());  // plane: M c = E
        if (std::abs(det) <= det_tol) return false;
        // Barycentric coordinates: M^T l = q, so l = (M^T)^-1 q; store the inverse by columns.
        std::vector<double> inv(static_cast<std::size_t>(n) * n);
        for (int j = 0; j < n; ++j) {
            auto A = Mt;
            std::array<double, max_qhull_elements> e{};
            e[j] = 1;
            lu_solve(n, A.data(), e.data());
            for (int r = 0; r < n; ++r) inv[r * n + j] = e[r];
        }
        plane_.insert(plane_.end(), c.begin(), c.begin() + n);
        bary_.insert(bary_.end(), inv.begin(), inv.end());
        facet_vtx_.insert(facet_vtx_.end(), vtx, vtx + n);
        ++facet_count_;
        return true;
    };
    const int np = static_cast<int>(points_.size());
    if (np == n) {  // nothing below the elements: one facet
        std::vector<int> v(n);
        for (int k = 0; k < n; ++k) v[k] = k;
        add_facet(v.data());
        return;
    }
    // Qhull in (x_1..x_{n-1}, E), with an extra point above the centre so that
    // the input is full-dimensional; the facets without it are the lower hull.
    std::vector<coordT> pts(static_cast<std::size_t>(np + 1) * n);
    double emax = 0;
    for (int i = 0; i < np; ++i) {
        for (int j = 0; j + 1 < n; ++j) pts[i * n + j] = point_x_[static_cast<std::size_t>(i) * n + j + 1];
        pts[i * n + n - 1] = points_[i].energy;
        emax = std::max(emax, points_[i].energy);
    }
    for (int j = 0; j + 1 < n; ++j) pts[np * n + j] = 1.0 / n;
    pts[np * n + n - 1] = emax + 1;

    char* errbuf = nullptr;
    std::size_t errlen = 0;
    FILE* errf = open_memstream(&errbuf, &errlen);
    qhT qh_qh;
    qhT* qh = &qh_qh;
    qh_zero(qh, errf);
    char cmd[] = "qhull Qt";
    const int rc = qh_new_qhull(qh, n, np + 1, pts.data(), False, cmd, nullptr, errf);
    std::string why;
    if (rc == 0) {
        facetT* facet;
        vertexT *vertex, **vertexp;
        std::vector<int> v;
        FORALLfacets {
            if (facet->normal && facet->normal[n - 1] >= 0) continue;  // not a lower facet
            v.clear();
            bool extra = false;
            FOREACHvertex_(facet->vertices) {
                const int id = qh_pointid(qh, vertex->point);
                if (id == np) extra = true;
                v.push_back(id);
            }
            if (extra || static_cast<int>(v.size()) != n) continue;
            add_facet(v.data());
        }
    }
    int curlong = 0, totlong = 0;
    qh_freeqhull(qh, !qh_ALL);
    qh_memfreeshort(qh, &curlong, &totlong);
    std::fclose(errf);
    if (errbuf) why.assign(errbuf, errlen);
    std::free(errbuf);
    if (rc != 0 || facet_count_ == 0) {
        std::string sys;
        for (int z : elements_) sys += (sys.empty() ? "" : "-") + std::string(element_symbol(z));
        throw error("hull of " + sys + ": Qhull failed (" + std::to_string(rc) + "): " + why.substr(0, 300));
    }
}

double phase_hull::evaluate(const double* x, decomposition* d) const {
    const int n = static_cast<int>(elements_.size());
    if (n == 1) {
        if (d) d->parts = {{points_[0].phase, 1.0}};
        return points_[0].energy;
    }
    if (facet_count_ == 0) return evaluate_lp(x, d);
    std::array<double, max_qhull_elements> q{};
    for (int j = 0; j + 1 < n; ++j) q[j] = x[j + 1];
    q[n - 1] = 1;
    // The lower hull is the highest of its facets' planes.
    std::size_t best = 0;
    double best_v = -std::numeric_limits<double>::infinity();
    for (std::size_t f = 0; f < facet_count_; ++f) {
        const double* c = &plane_[f * n];
        double v = 0;
        for (int j = 0; j < n; ++j) v += c[j] * q[j];
        if (v > best_v) best_v = v, best = f;
    }
    std::array<double, max_qhull_elements> l{};
    auto bary = [&](std::size_t f) {
        const double* B = &bary_[f * n * n];
        double lo = std::numeric_limits<double>::infinity();
        for (int r = 0; r < n; ++r) {
            double s = 0;
            for (int j = 0; j < n; ++j) s += B[r * n + j] * q[j];
            l[r] = s;
            lo = std::min(lo, s);
        }
        return lo;
    };
    if (bary(best) < -inside_tol) {
        // Coplanar facets (several simplices of one face share a plane): take the
        // one that contains the composition.
        double best_lo = -std::numeric_limits<double>::infinity();
        for (std::size_t f = 0; f < facet_count_; ++f) {
            const double lo = bary(f);
            if (lo > best_lo) best_lo = lo, best = f;
            if (lo >= -inside_tol) break;
        }
        bary(best);
    }
    double e = 0;
    const int* vtx = &facet_vtx_[best * n];
    for (int r = 0; r < n; ++r) e += l[r] * points_[vtx[r]].energy;
    if (d) {
        d->parts.clear();
        for (int r = 0; r < n; ++r)
            if (std::abs(l[r]) > part_tol) d->parts.emplace_back(points_[vtx[r]].phase, l[r]);
    }
    return e;
}

double phase_hull::evaluate_lp(const double* x, decomposition* d) const {
    const int n = static_cast<int>(elements_.size());
    const int m = static_cast<int>(points_.size());
    // Simplex method (Bland's rule) from the basis of the elements: l_B = x.
    std::array<int, max_elements> basis{};
    std::array<double, max_elements> lam{}, y{}, dir{};
    std::vector<double> A(static_cast<std::size_t>(n) * n);
    for (int k = 0; k < n; ++k) basis[k] = k, lam[k] = x[k];
    auto X = [&](int i) { return &point_x_[static_cast<std::size_t>(i) * n]; };
    for (int iter = 0; iter < 100 * (m + n); ++iter) {
        // Duals: B^T y = E_B (rows of B^T are the basis points' fractions).
        for (int r = 0; r < n; ++r) {
            std::copy(X(basis[r]), X(basis[r]) + n, &A[r * n]);
            y[r] = points_[basis[r]].energy;
        }
        lu_solve(n, A.data(), y.data());
        int enter = -1;
        for (int i = 0; i < m && enter < 0; ++i) {
            const double* xi = X(i);
            double r = points_[i].energy;
            for (int k = 0; k < n; ++k) r -= xi[k] * y[k];
            if (r < -1e-12) enter = i;
        }
        if (enter < 0) break;
        // Direction: B dir = X(enter).
        for (int r = 0; r < n; ++r)
            for (int c = 0; c < n; ++c) A[r * n + c] = X(basis[c])[r];
        std::copy(X(enter), X(enter) + n, dir.begin());
        lu_solve(n, A.data(), dir.data());
        int leave = -1;
        double t = std::numeric_limits<double>::infinity();
        for (int r = 0; r < n; ++r) {
            if (dir[r] <= 1e-12) continue;
            const double ratio = lam[r] / dir[r];
            if (ratio < t - 1e-15 || (ratio <= t + 1e-15 && leave >= 0 && basis[r] < basis[leave])) t = ratio, leave = r;
        }
        XS_ASSERT(leave >= 0);  // bounded: the fractions sum to 1
        for (int r = 0; r < n; ++r) lam[r] -= t * dir[r];
        lam[leave] = t;
        basis[leave] = enter;
    }
    double e = 0;
    for (int r = 0; r < n; ++r) e += lam[r] * points_[basis[r]].energy;
    if (d) {
        d->parts.clear();
        for (int r = 0; r < n; ++r)
            if (std::abs(lam[r]) > part_tol) d->parts.emplace_back(points_[basis[r]].phase, lam[r]);
    }
    return e;
}

hull_cache::hull_cache(std::shared_ptr<const reference_set> ref) : ref_(std::move(ref)) {
    for (std::size_t i = 0; i < ref_->phases.size(); ++i) {
        std::vector<int> els;
        for (auto& [z, a] : ref_->phases[i].comp) els.push_back(z);
        by_set_[element_key(els)].push_back(static_cast<int>(i));
    }
}

std::shared_ptr<const phase_hull> hull_cache::get(const std::vector<int>& elements) {
    const key k = element_key(elements);
    {
        std::shared_lock lock(mu_);
        if (auto it = hulls_.find(k); it != hulls_.end()) return it->second;
    }
    // Phases over subsets of the system: by subset when there are few subsets.
    std::vector<int> members;
    const std::size_t n = elements.size();
    if (n < 20 && (std::size_t(1) << n) < by_set_.size()) {
        for (std::size_t s = 1; s < (std::size_t(1) << n); ++s) {
            std::vector<int> sub;
            for (std::size_t b = 0; b < n; ++b)
                if (s >> b & 1) sub.push_back(elements[b]);
            if (auto it = by_set_.find(element_key(sub)); it != by_set_.end())
                members.insert(members.end(), it->second.begin(), it->second.end());
        }
    } else {
        for (const auto& [sk, idx] : by_set_)
            if ((sk.first & ~k.first) == 0 && (sk.second & ~k.second) == 0)
                members.insert(members.end(), idx.begin(), idx.end());
    }
    std::sort(members.begin(), members.end());  // deterministic point order
    auto h = std::make_shared<const phase_hull>(elements, *ref_, members);
    std::unique_lock lock(mu_);
    return hulls_.emplace(k, std::move(h)).first->second;
}

hull_point hull_cache::evaluate(const composition& c, double energy, bool with_decomposition, bool lp) {
    std::vector<int> els;
    std::array<double, max_elements> x{};
    double s = 0;
    for (auto& [z, a] : c) s += a;
    if (c.size() > static_cast<std::size_t>(max_elements))
        throw error("hull: composition of " + std::to_string(c.size()) + " elements");
    for (std::size_t i = 0; i < c.size(); ++i) {
        els.push_back(c[i].first);
        x[i] = c[i].second / s;
    }
    const auto h = get(els);
    hull_point r;
    r.e_hull = lp ? h->evaluate_lp(x.data(), with_decomposition ? &r.decomp : nullptr)
                  : h->evaluate(x.data(), with_decomposition ? &r.decomp : nullptr);
    r.e_above_hull = energy - r.e_hull;
    return r;
}

std::string hull_cache::describe(const decomposition& d) const {
    std::string out;
    char buf[32];
    for (auto& [ph, f] : d.parts) {
        if (!out.empty()) out += "; ";
        out += ph >= 0 ? ref_->phases[ph].formula : std::string(element_symbol(-ph));
        std::snprintf(buf, sizeof buf, " %.6g", f);
        out += buf;
    }
    return out;
}

std::size_t hull_cache::systems() const {
    std::shared_lock lock(mu_);
    return hulls_.size();
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> hull_cache::system_keys() const {
    std::shared_lock lock(mu_);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    out.reserve(hulls_.size());
    for (const auto& [k, h] : hulls_) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace xtalsieve
