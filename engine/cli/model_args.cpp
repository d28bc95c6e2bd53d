#include "engine/cli/model_args.hpp"

#include "xtalsieve/model_store.hpp"

namespace xtalsieve::cli {

std::vector<model_weights> load_models(const std::vector<std::string>& names, const std::string& atom_init,
                                       const std::string& fidelity) {
    std::vector<model_weights> out;
    load_options lo;
    lo.atom_init = atom_init;
    lo.fidelity = fidelity;
    for (const auto& n : names) out.push_back(load_weights(resolve_model(n), lo));
    return out;
}

}  // namespace xtalsieve::cli
