// MatGL's M3GNet (Chen & Ong 2022) as MatGL 2.0.4 runs it: the formation
// energy model (Set2Set readout) and the universal potential's energy
// (weighted atom readout plus element references). Private.
#pragma once
#include <memory>

#include "xtalsieve/model.hpp"

namespace xtalsieve::m3gnet {

// From MatGL weights (arch "m3gnet"). Throws xtalsieve::error for a missing
// tensor or a shape that does not fit the hyper-parameters.
std::unique_ptr<model> make(const model_weights& w, const model_options& opt);

}  // namespace xtalsieve::m3gnet
