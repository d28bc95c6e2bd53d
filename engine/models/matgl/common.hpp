// What MatGL's families share: the node-type table (element list of
// model.json), the output names the screening columns use, and the fidelity
// selection of multi-fidelity models. Private.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "xtalsieve/weights.hpp"

namespace xtalsieve::matgl {

// node_type[z] = index of element z in the model's element list, -1 if absent.
std::array<int, 119> node_types(const model_weights& w);

// The node type of element z; throws xtalsieve::error naming the model for an
// element outside its list.
int node_type(const std::array<int, 119>& types, int z, const std::string& model);

// out[i, :] = table[node type of numbers[i], :] (dim columns); type_out[i],
// when given, receives the node type. Throws xtalsieve::error naming the
// model for an element outside its list.
void embed_nodes(const std::array<int, 119>& types, const std::vector<float>& table, int dim,
                 const std::vector<int>& numbers, const std::string& model, float* out,
                 std::int32_t* type_out = nullptr);

// A hyper-parameter that must be an integer in [lo, hi] / a finite number in
// [lo, hi]; throws xtalsieve::error naming the model and key otherwise.
int int_hparam(const model_weights& w, const std::string& key, int lo, int hi);
double real_hparam(const model_weights& w, const std::string& key, double lo, double hi);

// The column name of a MatGL model: "megnet-eform", "megnet-gap",
// "m3gnet-eform", "m3gnet-pes" for the four published models (the names of
// the reference predictions), else the model's folder name.
std::string short_name(const model_weights& w);

// The fidelities of a multi-fidelity model, in state-index order, and the
// ones selected by meta["fidelity"] (comma-separated names; empty: all).
// Throws xtalsieve::error for an unknown fidelity name.
extern const std::vector<std::string> fidelity_names;  // pbe, gllbsc, hse, scan
std::vector<int> selected_fidelities(const model_weights& w, int n_states);

}  // namespace xtalsieve::matgl
