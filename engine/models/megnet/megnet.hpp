// MatGL's MEGNet (Chen et al. 2019) as MatGL 2.0.4 runs it: the formation
// energy model and the multi-fidelity band gap. Private.
#pragma once
#include <memory>

#include "xtalsieve/model.hpp"

namespace xtalsieve::megnet {

// From MatGL weights (arch "megnet"). Throws xtalsieve::error for a missing
// tensor or a shape that does not fit the hyper-parameters.
std::unique_ptr<model> make(const model_weights& w, const model_options& opt);

}  // namespace xtalsieve::megnet
