// The CUDA backend's M3GNet (MatGL's formation energy model and the universal
// potential's energy). Plain C++ declaration (no CUDA header).
#pragma once
#include <memory>

#include "engine/models/m3gnet/params.hpp"
#include "xtalsieve/model.hpp"

namespace xtalsieve::gpu {

// An M3GNet model on CUDA device `device_index`: weights uploaded once, at
// construction. Throws xtalsieve::error when the device does not exist or the
// weights do not have the shapes the kernels assume.
std::unique_ptr<model> make_m3gnet(std::shared_ptr<const m3gnet::params> p, int device_index);

}  // namespace xtalsieve::gpu
