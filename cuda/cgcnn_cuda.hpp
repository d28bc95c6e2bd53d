// The CUDA backend's CGCNN. Plain C++ declaration (no CUDA header).
#pragma once
#include <memory>

#include "engine/models/cgcnn/params.hpp"
#include "xtalsieve/model.hpp"

namespace xtalsieve::gpu {

// A CGCNN model on CUDA device `device_index`: weights uploaded once, at
// construction. Throws xtalsieve::error when the device does not exist.
std::unique_ptr<model> make_cgcnn(std::shared_ptr<const cgcnn::params> p, int device_index);

}  // namespace xtalsieve::gpu
