// XS_HD marks the device math that runs both in CUDA kernels and in host
// tests: under nvcc it is __host__ __device__, in a plain C++ compiler it is
// empty, so the headers that use it compile in every build and the arithmetic
// the GPU runs is tested on the CPU in every CI run (tests/test_device_math.cpp).
#pragma once

#if defined(__CUDACC__)
#define XS_HD __host__ __device__
#else
#define XS_HD
#endif
