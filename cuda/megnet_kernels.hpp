// Launchers of the CUDA backend's MEGNet kernels (megnet_kernels.cu),
// callable from host C++: one kernel template, a thread per output element
// around a map of megnet_math.hpp, instantiated there for every map.
#pragma once
#include <cuda_runtime_api.h>
#include <stdint.h>

#include "cuda/megnet_math.hpp"

namespace xtalsieve::gpu {

// out[r * ld + c] = f(r, c) for r < rows, c < cols, on stream s.
template <class Map>
void launch_map(const Map& f, float* out, int64_t rows, int cols, int64_t ld, cudaStream_t s);

extern template void launch_map<dense_map>(const dense_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<gauss_map>(const gauss_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<embed_map>(const embed_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<state_map>(const state_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<cat_map>(const cat_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<add_map>(const add_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<in_mean_map>(const in_mean_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<range_mean_map>(const range_mean_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<lstm_map>(const lstm_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<score_map>(const score_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<softmax_map>(const softmax_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<readout_map>(const readout_map&, float*, int64_t, int, int64_t, cudaStream_t);

}  // namespace xtalsieve::gpu
