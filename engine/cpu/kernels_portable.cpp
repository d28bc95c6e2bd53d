// The portable path: x86-64 baseline (or any CPU), Highway's EMU128 target.
#define XS_ISA_NS isa_portable
#define XS_ISA_NAME "portable"
#include "engine/cpu/kernels.inc"

static_assert(HWY_STATIC_TARGET == HWY_EMU128 || HWY_STATIC_TARGET == HWY_SCALAR,
              "kernels_portable.cpp must be compiled without ISA flags");
