// The CUDA backend's entry point for the model registry
// (engine/models/registry.cpp), compiled only with -DXTALSIEVE_CUDA=ON.
#pragma once
#include <memory>

#include "xtalsieve/model.hpp"
#include "xtalsieve/weights.hpp"

namespace xtalsieve::gpu {

// The model of w.arch on CUDA device opt.device_index. Throws xtalsieve::error
// for a family without a CUDA implementation (M3GNet: the message says
// so; use --device cpu), for --approx table (not on the GPU), and when
// the device does not exist.
std::unique_ptr<model> make_model(const model_weights& w, const model_options& opt);

}  // namespace xtalsieve::gpu
