// engine/screen/hull.hpp — energy above the convex hull of reference phases.
//
// Conventions (as pymatgen's PhaseDiagram, which the tests compare against):
//  - Energies are per atom (eV/atom) and on one scale for reference phases and
//    candidates: formation energies in practice. Corrections (MP2020 ...) and the
//    choice of scale are the user's; nothing here adjusts an energy.
//  - Every element is implicitly a phase at 0 eV/atom. A reference phase of a
//    single element with a lower energy replaces that 0 (the lowest is kept).
//  - The hull of a chemical system (a sorted set of elements) is the lower
//    convex hull, in (atom fractions, energy per atom) space, of every reference
//    phase whose elements are a subset of the system, plus the elements. A
//    candidate's chemical system is therefore always covered: elements that no
//    reference phase contains contribute only their implicit 0.
//  - e_above_hull = E(candidate) - E_hull(composition), negative below the
//    reference hull (pymatgen's get_e_above_hull(entry, allow_negative=True),
//    Matbench Discovery's convention).
//
// Two exact methods give E_hull: the facets of the lower hull computed once per
// system with Qhull (phase_hull::evaluate: a plane per facet, the highest plane
// at the composition is the hull there), and a linear program per candidate
// (phase_hull::evaluate_lp: minimise sum l_i E_i subject to sum l_i x_i = x,
// l >= 0, by the simplex method from the elements' basis). They agree to
// rounding; the facets are faster per candidate (bench/bench_hull.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace xtalsieve {

// (atomic number, amount), sorted by atomic number, amounts > 0.
using composition = std::vector<std::pair<int, double>>;

// A chemical formula: element symbols with optional (decimal) amounts, groups in
// parentheses or brackets with a multiplier ("Ca(NO3)2", "Ba0.5Sr0.5TiO3",
// "Li2 O"). Repeated elements are summed. Throws xtalsieve::error naming the
// formula and the reason (unknown element, bad character, unbalanced group,
// no atoms).
composition parse_formula(std::string_view formula);

struct reference_phase {
    std::string formula;     // as given
    composition comp;        // normalised to atom fractions (sum 1)
    double energy = 0;       // eV/atom
    std::string where;       // "FILE:LINE" (or FILE:#ROW), for messages
};

struct reference_set {
    std::string source;                   // the file
    std::vector<reference_phase> phases;  // one per composition: the lowest energy
    std::size_t rows = 0;                 // phases read (before dropping duplicates)
    std::size_t duplicates = 0;           // rows dropped: same composition, not the lowest
};

// Keeps the lowest energy per composition (atom fractions equal to 1e-9),
// counting the others in `duplicates`.
reference_set make_reference_set(std::vector<reference_phase> phases, std::string source = {});

// Reads reference phases. SPEC is FILE or FILE:KEY:
//  - CSV with a `formula` (or `composition`, `reduced_formula`) column and the
//    energy per atom in column KEY (default `energy_per_atom`);
//  - pymatgen JSON (`*.json`, `*.json.gz` not supported: give the plain file):
//    a ComputedEntry / ComputedStructureEntry / PDEntry, a list of them, or
//    {"entries": [...]}; JSON lines (`*.jsonl`); the energy per atom is
//    pymatgen's entry.energy_per_atom, (energy + correction) / atoms, unless
//    KEY names a key of the entry's `data` (per atom);
//  - an ASE database (`*.db`) with the energy per atom in column or key KEY
//    (required), compositions from each row's atoms.
// Throws xtalsieve::error naming the file and line (or row) for an unknown
// element, a formula that does not parse or an energy that is not a finite number.
reference_set load_reference_phases(const std::string& spec);

// One vertex of a hull: a reference phase (index into reference_set::phases)
// or an implicit element at 0 eV/atom (phase = -Z).
struct hull_vertex {
    int phase = 0;
    double energy = 0;
};

// The stable phases a composition decomposes into and their atom fractions.
struct decomposition {
    std::vector<std::pair<int, double>> parts;  // (hull_vertex::phase, fraction), fractions > 1e-8
};

// The lower hull of one chemical system.
class phase_hull {
public:
    // elements: sorted, distinct atomic numbers; phases: the reference set (only
    // phases over subsets of `elements` are read, through `members`).
    phase_hull(const std::vector<int>& elements, const reference_set& ref, const std::vector<int>& members);

    const std::vector<int>& elements() const { return elements_; }
    std::size_t facets() const { return facet_count_; }
    std::size_t points() const { return points_.size(); }

    // Hull energy (eV/atom) at atom fractions x[0..n) over elements(), sum 1.
    double evaluate(const double* x, decomposition* d = nullptr) const;
    // The same by a linear program over every point (no facets).
    double evaluate_lp(const double* x, decomposition* d = nullptr) const;

private:
    std::vector<int> elements_;
    std::vector<hull_vertex> points_;  // candidate vertices: elements first (n), then phases below them
    std::vector<double> point_x_;      // points_.size() * n atom fractions
    // Facets (n vertices each): plane coefficients over (x_1..x_{n-1}, 1),
    // the inverse transpose of the vertex matrix (barycentric coordinates).
    std::size_t facet_count_ = 0;
    std::vector<double> plane_;    // facet_count_ * n
    std::vector<double> bary_;     // facet_count_ * n * n
    std::vector<int> facet_vtx_;   // facet_count_ * n, indices into points_
};

// Result of one candidate.
struct hull_point {
    double e_hull = 0;          // hull energy at the composition (eV/atom)
    double e_above_hull = 0;    // energy - e_hull
    decomposition decomp;
};

// Hulls per chemical system, built on first use and kept: thread-safe.
class hull_cache {
public:
    explicit hull_cache(std::shared_ptr<const reference_set> ref);
    // The hull of a sorted set of distinct elements.
    std::shared_ptr<const phase_hull> get(const std::vector<int>& elements);
    // e_above_hull of a composition at `energy` eV/atom (decomposition if asked).
    hull_point evaluate(const composition& c, double energy, bool with_decomposition = true, bool lp = false);
    // "BaO 0.4; TiO2 0.6" (phases by their formula, implicit elements by symbol).
    std::string describe(const decomposition& d) const;
    std::size_t systems() const;
    // The chemical systems built so far, as element bit sets (Z 1..64, 65..118), sorted.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> system_keys() const;
    const reference_set& reference() const { return *ref_; }

private:
    struct key_hash {
        std::size_t operator()(const std::pair<std::uint64_t, std::uint64_t>& k) const {
            return std::hash<std::uint64_t>()(k.first * 0x9e3779b97f4a7c15ull ^ k.second);
        }
    };
    using key = std::pair<std::uint64_t, std::uint64_t>;  // element bit set (Z 1..118)
    std::shared_ptr<const reference_set> ref_;
    std::unordered_map<key, std::vector<int>, key_hash> by_set_;  // element set -> phases over exactly it
    mutable std::shared_mutex mu_;
    std::unordered_map<key, std::shared_ptr<const phase_hull>, key_hash> hulls_;
};

}  // namespace xtalsieve
