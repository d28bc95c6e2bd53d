// PyTorch checkpoints: the legacy serialization (before 1.6) and the zip
// format (1.6 and later), read through the restricted unpickler. Private.
#pragma once
#include <filesystem>
#include <string_view>

#include "xtalsieve/weights.hpp"

namespace xtalsieve::torch_ckpt {

bool is_zip(std::string_view head);
bool is_legacy(std::string_view head);

// Fills tensors, hparams, normalizer and name of a CGCNN checkpoint; with
// cgcnn = false only the tensors of a state dict (and name, meta["source"]).
model_weights load(const std::filesystem::path& path, bool cgcnn = true);

}  // namespace xtalsieve::torch_ckpt
