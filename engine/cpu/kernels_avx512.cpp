// The AVX-512 path (F, BW, DQ, VL): Highway's AVX3 target.
#define XS_ISA_NS isa_avx512
#define XS_ISA_NAME "avx512"
#include "engine/cpu/kernels.inc"

static_assert(HWY_STATIC_TARGET == HWY_AVX3, "kernels_avx512.cpp needs the AVX-512 flag set of CMakeLists.txt");
