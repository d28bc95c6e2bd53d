// The AVX2 path (with FMA, BMI2, F16C): Highway's AVX2 target.
#define XS_ISA_NS isa_avx2
#define XS_ISA_NAME "avx2"
#include "engine/cpu/kernels.inc"

static_assert(HWY_STATIC_TARGET == HWY_AVX2, "kernels_avx2.cpp needs the AVX2 flag set of CMakeLists.txt");
