// The CPU backend's CGCNN: the reference implementation every other backend
// is compared with.
#pragma once
#include <memory>

#include "engine/models/cgcnn_params.hpp"
#include "xtalsieve/model.hpp"

namespace xtalsieve::cpu {

std::unique_ptr<model> make_cgcnn(std::shared_ptr<const cgcnn::params> p, precision mode = precision::exact);

}  // namespace xtalsieve::cpu
