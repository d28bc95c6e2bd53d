// Which instruction-set path the CPU backend runs: detection, and forcing a
// path for tests and benchmarks.
//
// The path is chosen once per model instance, in this order:
//   1. model_options::isa when non-empty ("avx512", "avx2", "portable");
//   2. else the environment variable XTALSIEVE_ISA (same names);
//   3. else the best path this CPU supports (avx512 > avx2 > portable).
// Asking for a path the CPU cannot run, or an unknown name, is an error (it
// never silently falls back: a benchmark of "avx2" must measure AVX2).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "engine/cpu/kernels.hpp"

namespace xtalsieve::cpu {

enum class isa { portable, avx2, avx512 };

const char* isa_name(isa i);
// Paths this CPU can run, best first.
std::vector<isa> supported_isas();
// The path for a request as described above; throws xtalsieve::error.
isa resolve_isa(std::string_view requested);
const kernel_table& kernels(isa i);

}  // namespace xtalsieve::cpu
