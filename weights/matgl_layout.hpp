// MatGL's pretrained_models layout: a folder with model.json (architecture,
// hyper-parameters, element list, target normaliser) and state.pt (a PyTorch
// zip state dict, read through the allow-list unpickler; model.pt, a full
// pickle of Python objects, is never read). Private to weights/.
#pragma once
#include <filesystem>

#include "xtalsieve/weights.hpp"

namespace xtalsieve::matgl {

// True for a model.json path or a folder holding one.
bool is_matgl(const std::filesystem::path& p);

// Loads MEGNet (arch "megnet") or M3GNet (arch "m3gnet") from model.json and
// the state.pt beside it. Tensors keep their state-dict names without the
// wrapper's "model." prefix. meta["config"] keeps model.json's text,
// meta["element_types"] the model's element list (space-separated; index =
// node type). Throws xtalsieve::error naming the file for an unknown class or
// version, a missing file or a malformed value.
model_weights load(const std::filesystem::path& p);

// Fills w.atom_init_known from meta["element_types"] (after a native load).
void set_known_elements(model_weights& w);

}  // namespace xtalsieve::matgl
