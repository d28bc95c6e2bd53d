// xtalsieve/backends.hpp — which backends this build has (for --version and
// for callers that want to ask before choosing model_options::device).
#pragma once
#include <string>

namespace xtalsieve {

// True when this build has the CUDA backend (-DXTALSIEVE_CUDA=ON).
bool cuda_built();

// One line for `xtalsieve --version`: "not built (-DXTALSIEVE_CUDA=ON)", or
// "built (CGCNN only); N device(s)" / "built (CGCNN only); no usable device
// (reason)".
std::string cuda_status();

}  // namespace xtalsieve
