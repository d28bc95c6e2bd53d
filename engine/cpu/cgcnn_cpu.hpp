// The CPU backend's CGCNN: the reference implementation every other backend
// is compared with.
#pragma once
#include <memory>
#include <string_view>

#include "engine/models/cgcnn/params.hpp"
#include "xtalsieve/model.hpp"

namespace xtalsieve::cpu {

// isa: see isa.hpp (empty: XTALSIEVE_ISA, else the best path).
std::unique_ptr<model> make_cgcnn(std::shared_ptr<const cgcnn::params> p, precision mode = precision::exact,
                                  std::string_view isa = {});

}  // namespace xtalsieve::cpu
