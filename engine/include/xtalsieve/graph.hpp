// xtalsieve/graph.hpp — crystal graphs: what every model family consumes.
//
// Tensor layout (stated once for the whole engine): every matrix is row-major,
// rows = atoms (or neighbour slots, or structures), columns = features. Linear
// weights keep PyTorch's [out, in] layout.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xtalsieve/structure.hpp"

namespace xtalsieve {

// How a model wants its graph built: the recipe. Two recipes that compare
// equal give equal graphs, so a predictor running several models builds each
// distinct recipe once per structure.
enum class graph_layout {
    // CGCNN: exactly max_neighbors slots per atom, the nearest first (ties in
    // the reference's visiting order), padded with index 0 and distance
    // radius + 1 when fewer neighbours lie within the radius.
    slots,
    // MatGL and later families: every periodic neighbour within the radius
    // as an edge list (src, dst, image), in the order pymatgen's
    // find_points_in_spheres returns them (centre by centre; within a centre,
    // its cell-list visiting order). With max_neighbors > 0 only the nearest
    // max_neighbors of each centre are kept, nearest first, equal distances
    // in that same visiting order.
    edges,
};

struct graph_options {
    double radius = 8.0;     // neighbour cutoff, Å
    int max_neighbors = 12;  // slots: M, slots per atom; edges: cap per centre (0: none)
    graph_layout layout = graph_layout::slots;
    // edges: also build the three-body list: every ordered pair of distinct
    // bonds (i->j, i->k) of one centre, both shorter than this cutoff (Å), with
    // cos θ. 0: none.
    double three_body_cutoff = 0;
    // The site order the model's reference pipeline feeds it (CGCNN: sorted by
    // electronegativity; MatGL: as read). The predictor puts each parsed
    // structure in this order before build_graph, which takes sites as given.
    site_order order = site_order::reference;
    // The model cannot run on a structure without any bond (MEGNet's edge
    // readout is undefined: upstream returns NaN); such a structure fails with
    // a reason naming the model instead.
    bool require_edges = false;
    // Work bound per structure: the number of periodic images within the
    // cutoff of one atom, estimated from the density before searching
    // (n_atoms * 4/3 pi r^3 / volume). Beyond it the structure fails with a
    // reason instead of exhausting memory (a 2-atom cell of 0.1 Å would have
    // 2 million neighbours per atom). Real crystals stay below ~1,000 at 8 Å
    // (diamond: 380); 20,000 allows 0.1 Å^3 per atom.
    double max_images_per_atom = 20000;

    bool operator==(const graph_options&) const = default;
};

// One structure's graph. Owns its data.
struct crystal_graph {
    int n_atoms = 0;
    graph_layout layout = graph_layout::slots;
    std::vector<int> numbers;          // [n_atoms] atomic numbers
    // slots layout:
    int max_neighbors = 12;            // M
    std::vector<std::int32_t> nbr_idx; // [n_atoms * M] neighbour atom (local index)
    std::vector<float> nbr_dist;       // [n_atoms * M] distance, Å; padded slots hold radius + 1
    // edges layout (E edges): bond e goes from atom src[e] to the image
    // image[3e..3e+2] (in lattice vectors) of atom dst[e]; its vector is
    // pos[dst] + image * lattice - pos[src] with pos = frac * lattice, all in
    // float32 as MatGL computes them, and dist its length.
    std::vector<std::int32_t> src, dst; // [E]
    std::vector<std::int32_t> image;    // [E * 3]
    std::vector<float> bond_vec;        // [E * 3], Å
    std::vector<float> bond_dist;       // [E], Å
    // Three-body list (T triplets): bonds trip_ij[t] and trip_ik[t] share
    // their centre; cos_theta is the cosine of the angle between them.
    std::vector<std::int32_t> trip_ij, trip_ik;  // [T] local edge indices
    std::vector<float> cos_theta;                // [T]
    // Why the structure looks unphysical (the graph is still the reference's):
    // a site with no neighbour within the cutoff, sites closer than 0.5 Å, or
    // a volume per atom outside 1-200 Å^3.
    std::vector<std::string> warnings;

    std::size_t n_edges() const { return src.size(); }
};

// Periodic neighbours within the cutoff in float64 (every image, self-images
// included, distance 0 excluded). slots: stable-sorted by distance, first M
// kept, missing slots padded with index 0 and distance radius + 1. edges: see
// graph_layout.
crystal_graph build_graph(const structure& s, const graph_options& opt = {});

// A disjoint union of graphs of one recipe: what a backend runs on. Indices
// are global within the batch (atoms, and edges for the three-body list).
struct graph_batch {
    graph_layout layout = graph_layout::slots;
    int max_neighbors = 12;
    std::vector<int> numbers;            // [N]
    std::vector<std::int32_t> nbr_idx;   // slots: [N * M] global atom index within the batch
    std::vector<float> nbr_dist;         // slots: [N * M]
    std::vector<std::int32_t> src, dst;  // edges: [E] global atom indices
    std::vector<float> bond_vec;         // edges: [E * 3]
    std::vector<float> bond_dist;        // edges: [E]
    std::vector<std::int32_t> trip_ij, trip_ik;  // [T] global edge indices
    std::vector<float> cos_theta;        // [T]
    std::vector<std::int64_t> offsets;   // [n_structures + 1] first atom of each structure
    std::vector<std::int64_t> edge_offsets;    // edges: [n_structures + 1] first edge of each structure
    std::vector<std::int64_t> triplet_offsets; // edges: [n_structures + 1] first triplet

    std::size_t n_atoms() const { return numbers.size(); }
    std::size_t n_edges() const { return src.size(); }
    std::size_t n_structures() const { return offsets.empty() ? 0 : offsets.size() - 1; }
    void clear();
    void append(const crystal_graph& g);
};

}  // namespace xtalsieve
