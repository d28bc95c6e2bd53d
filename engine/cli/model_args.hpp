// Turning --model arguments into loaded weights (shared by the subcommands).
#pragma once
#include <string>
#include <vector>

#include "xtalsieve/weights.hpp"

namespace xtalsieve::cli {

// Resolves each name or path and loads it; atom_init may be empty (then the
// file beside each checkpoint is used).
// fidelity: see load_options::fidelity (empty: every fidelity).
std::vector<model_weights> load_models(const std::vector<std::string>& names, const std::string& atom_init,
                                       const std::string& fidelity = {});

}  // namespace xtalsieve::cli
