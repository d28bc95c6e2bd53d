// xtalsieve/structure.hpp — a periodic crystal structure.
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace xtalsieve {

using vec3 = std::array<double, 3>;

// An ordered periodic structure. Owns its data.
struct structure {
    std::string id;                 // candidate id (file stem, material_id, block name ...)
    std::array<vec3, 3> lattice{};  // lattice[i] = i-th lattice vector (a, b, c), Cartesian, Å
    std::vector<vec3> frac;         // fractional coordinates, one per site
    std::vector<int> numbers;       // atomic number of each site (1 ... 118)
    // Notes from the reader that do not stop the structure (for example, a
    // modulated structure reduced to its average); reported with its results.
    std::vector<std::string> warnings;

    std::size_t size() const { return numbers.size(); }
};

// Cell volume in Å^3 (signed: negative for a left-handed basis).
double cell_volume(const structure& s);

// Cartesian position (Å) of site i.
vec3 cartesian(const structure& s, std::size_t i);

// Site order of a parsed structure: `reference` sorts the sites by Pauling
// electronegativity as the CGCNN reference pipeline does; `file` keeps the
// reader's order (for a CIF: pymatgen's, grouped by element in order of first
// appearance, each site followed by its symmetry images), which is what
// MatGL's models see.
enum class site_order { reference, file };

// Reorders the sites by Pauling electronegativity, ascending, ties by element
// symbol, keeping the order within an element (pymatgen's get_sorted_structure).
void sort_by_electronegativity(structure& s);

// Throws xtalsieve::error naming s.id when the structure cannot be used:
// no sites, non-finite numbers, (near) zero volume, unknown element.
void validate(const structure& s);

}  // namespace xtalsieve

namespace xtalsieve {

// Lattice vectors (rows a, b, c; Å) from cell lengths (Å) and angles
// (degrees), bit for bit as pymatgen 2022.11 builds them (a in the xz plane,
// c along z). Only distances matter to the models; the bits matter to the
// order of equidistant neighbours.
std::array<vec3, 3> lattice_from_parameters(double a, double b, double c, double alpha, double beta,
                                            double gamma);

// Inverse of a lattice (rows a, b, c) by cofactors over the determinant, as
// pymatgen's neighbour search computes it: fractional = cartesian * inverse
// (row vector times matrix). The caller ensures a non-zero volume.
std::array<vec3, 3> inverse_lattice(const std::array<vec3, 3>& m);

}  // namespace xtalsieve
