// The CUDA backend's MEGNet (MatGL's formation energy and multi-fidelity band
// gap models). Plain C++ declaration (no CUDA header).
#pragma once
#include <memory>

#include "engine/models/megnet/params.hpp"
#include "xtalsieve/model.hpp"

namespace xtalsieve::gpu {

// A MEGNet model on CUDA device `device_index`: weights uploaded once, at
// construction. Throws xtalsieve::error when the device does not exist or the
// weights do not have the shapes the kernels assume.
std::unique_ptr<model> make_megnet(std::shared_ptr<const megnet::params> p, int device_index);

}  // namespace xtalsieve::gpu
