// MatGL MEGNet's parameters as the backends read them, loaded and checked once
// from the state dict (dense layers transposed to [in, out] by cpu::load_dense).
// Shared by the CPU backend (megnet.cpp) and the CUDA backend
// (cuda/megnet_cuda.cpp), so both run the same weights with the same checks.
// Private.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "engine/cpu/ops.hpp"
#include "xtalsieve/graph.hpp"
#include "xtalsieve/weights.hpp"

namespace xtalsieve::megnet {

// The edge update's first layer split by its input [v_src | v_dst | e | u]:
// W [v_s | v_d | e | u] + b = (W_e e + b + W_s v_s) + (W_d v_d + W_u u). One
// product per atom gives [W_s v | W_d v], one per structure W_u u, one per
// bond W_e e + b, instead of a 4D-wide product per bond (28 % of the Eform
// model's multiply-adds, a third of the band gap's). The four parts are
// added in double and rounded once: added in float, the band gaps' largest
// difference from upstream on perov_5 went from 4.7e-5 to 8.8e-5 eV; in
// double it is 5.9e-5 (GoldenMatgl).
struct edge_first_layer {
    cpu::dense node;   // D -> 2 out: W_s | W_d, no bias
    cpu::dense state;  // D -> out: W_u, no bias
    cpu::dense edge;   // D -> out: W_e, with the bias
    int out = 0;
};

struct block_params {
    std::vector<cpu::dense> pre_e, pre_v, pre_u;  // two layers each; empty in block 0
    std::vector<cpu::dense> phi_e, phi_v, phi_u;  // three layers each
    edge_first_layer phi_e_first;                 // phi_e[0], split (the CPU backend's)
};

struct params {
    std::string name;
    std::vector<std::string> outputs, units;
    std::array<int, 119> types{};  // node type of element z, -1 if absent
    double cutoff = 4.0;
    float width = 0.5f, mean = 0, std = 1;
    int n_blocks = 3, n_iters = 2, dim_node = 16, dim_state = 2, n_states = 0, D = 32;
    std::vector<int> fidelities;  // state index per output; -1: the zero state vector
    std::vector<float> centers, node_emb, state_emb;
    std::vector<cpu::dense> edge_enc, node_enc, state_enc, head;
    std::vector<block_params> blocks;
    std::vector<cpu::lstm_layer> node_s2s, edge_s2s;
};

// From MatGL weights (arch "megnet"). Throws xtalsieve::error naming the
// model for a missing tensor, a shape that does not fit the
// hyper-parameters, or an unsupported variant.
params prepare(const model_weights& w);

// MEGNet's graph recipe for a bond cutoff (Å): MatGL's edge list in file site
// order, every neighbour within the cutoff, at least one bond.
graph_options graph_of(double cutoff);

}  // namespace xtalsieve::megnet
