// Which CUDA devices this process sees. Plain C++ declarations (no CUDA
// header), so tests and the registry can ask without nvcc.
#pragma once
#include <string>

namespace xtalsieve::gpu {

// Number of usable CUDA devices; 0 when there is no device or no driver, with
// the reason in *why when given.
int device_count(std::string* why = nullptr);

// Makes device `index` current on this thread; throws xtalsieve::error when it
// does not exist ("--device cuda:N: ...").
void use_device(int index);

}  // namespace xtalsieve::gpu
