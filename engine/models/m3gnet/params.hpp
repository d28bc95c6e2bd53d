// MatGL M3GNet's parameters as the backends read them, loaded and checked once
// from the state dict (dense layers transposed to [in, out] by cpu::load_dense),
// and its graph recipe, including the upstream three-body indexing. Shared by
// the CPU backend (m3gnet.cpp) and the CUDA backend (cuda/m3gnet_cuda.cpp), so
// both run the same weights, checks and triplet indices. Private.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/cpu/ops.hpp"
#include "xtalsieve/graph.hpp"
#include "xtalsieve/weights.hpp"

namespace xtalsieve::m3gnet {

// y = layers(x) * gates(x): SiLU between layers, SiLU after the last layer
// when activate_last, sigmoid after the last gate.
struct gated_mlp {
    std::vector<cpu::dense> layers, gates;
    bool activate_last = true;
};

// The first layer of a gated MLP on [v_src | v_dst | e] (in = 3D), split so
// that the node parts are computed once per atom instead of once per bond:
// W [v_i | v_j | e] + b = (W_i v_i) + (W_j v_j) + (W_e e + b). One product per
// atom gives [W_i v | W_j v] for layer and gate (4 x out columns), one per
// bond [W_e e + b] for both (2 x out).
struct edge_first_layer {
    cpu::dense node;  // D -> 4 out: layer W_i | layer W_j | gate W_i | gate W_j, no bias
    cpu::dense edge;  // D -> 2 out: layer W_e | gate W_e, with the biases
    int out = 0;
};

struct block_params {
    cpu::dense atom;                     // D -> 9, sigmoid
    gated_mlp bond;                      // 9 -> D, no bias
    gated_mlp edge_update, node_update;  // 3D -> D -> D -> D
    edge_first_layer edge_first, node_first;
    cpu::dense edge_weight, node_weight;  // 9 -> D, no bias
};

struct params {
    std::string name;
    std::vector<std::string> outputs, units;
    std::array<int, 119> types{};  // node type of element z, -1 if absent
    double cutoff = 5.0, rc3 = 4.0;  // graph and three-body cutoffs (Å)
    int D = 64, n_blocks = 3, s2s_iters = 3;
    bool potential = false;  // the PES (weighted atom readout + element references)
    float mean = 0, std = 1;
    std::vector<float> node_emb, elem_ref;
    cpu::dense edge_emb;
    std::vector<block_params> blocks;
    gated_mlp readout_gated;            // potential
    std::vector<cpu::lstm_layer> s2s;   // formation energy
    std::vector<cpu::dense> head;       // formation energy, three layers
};

// From MatGL weights (arch "m3gnet"). Throws xtalsieve::error naming the
// model for a missing tensor, a shape that does not fit the
// hyper-parameters, or an unsupported variant.
params prepare(const model_weights& w);

// M3GNet's graph recipe: MatGL's edge list in file site order, every
// neighbour within the cutoff, triplets of the bonds within rc3.
graph_options graph_of(double cutoff, double rc3);

// Upstream's three-body indices for the triplets of structure s of b
// (batch-absolute atom and bond numbers; triplet t of the batch written at
// t - triplet_offsets[s]):
// atom[t], the atom whose gate scales triplet t; w_ij[t], w_ik[t], the bonds
// whose cutoff weights scale it; target[t], the bond receiving its sum.
// MatGL numbers the bonds within rc3 0, 1, 2, ... ("pruned") and indexes the
// full graph's bonds with those numbers, and its segment indexing collapses
// bonds without triplets: both reproduced (see m3gnet.cpp). Nothing is
// written for a structure without triplets.
void three_body_indices(const graph_batch& b, double rc3, std::int64_t s, std::int32_t* atom, std::int32_t* w_ij,
                        std::int32_t* w_ik, std::int32_t* target);

}  // namespace xtalsieve::m3gnet
