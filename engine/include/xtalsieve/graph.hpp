// xtalsieve/graph.hpp — the crystal graph the CGCNN family consumes.
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

struct graph_options {
    double radius = 8.0;     // neighbour cutoff, Å
    int max_neighbors = 12;  // M: slots per atom
    // Work bound per structure: the number of periodic images within the
    // cutoff of one atom, estimated from the density before searching
    // (n_atoms * 4/3 pi r^3 / volume). Beyond it the structure fails with a
    // reason instead of exhausting memory (a 2-atom cell of 0.1 Å would have
    // 2 million neighbours per atom). Real crystals stay below ~1,000 at 8 Å
    // (diamond: 380); 20,000 allows 0.1 Å^3 per atom.
    double max_images_per_atom = 20000;
};

// One structure's graph. Owns its data.
struct crystal_graph {
    int n_atoms = 0;
    int max_neighbors = 12;            // M
    std::vector<int> numbers;          // [n_atoms] atomic numbers
    std::vector<std::int32_t> nbr_idx; // [n_atoms * M] neighbour atom (local index)
    std::vector<float> nbr_dist;       // [n_atoms * M] distance, Å; padded slots hold radius + 1
    // Why the structure looks unphysical (the graph is still the reference's):
    // a site with no neighbour within the cutoff, sites closer than 0.5 Å, or
    // a volume per atom outside 1-200 Å^3.
    std::vector<std::string> warnings;
};

// Periodic neighbours within the cutoff in float64 (every image, self-images
// included, distance 0 excluded), stable-sorted by distance, first M kept,
// missing slots padded with index 0 and distance radius + 1.
crystal_graph build_graph(const structure& s, const graph_options& opt = {});

// A disjoint union of graphs: what a backend runs on.
struct graph_batch {
    int max_neighbors = 12;
    std::vector<int> numbers;            // [N]
    std::vector<std::int32_t> nbr_idx;   // [N * M] global atom index within the batch
    std::vector<float> nbr_dist;         // [N * M]
    std::vector<std::int64_t> offsets;   // [n_structures + 1] first atom of each structure

    std::size_t n_atoms() const { return numbers.size(); }
    std::size_t n_structures() const { return offsets.empty() ? 0 : offsets.size() - 1; }
    void clear();
    void append(const crystal_graph& g);
};

}  // namespace xtalsieve
