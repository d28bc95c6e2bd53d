// The CUDA backend's MEGNet kernels: launch_map (map_launch.cuh, a thread per
// output element) instantiated for every map MEGNet's forward sequence
// (megnet_forward.hpp) launches.
#include "cuda/map_launch.cuh"
#include "cuda/megnet_kernels.hpp"

namespace xtalsieve::gpu {

template void launch_map<dense_map>(const dense_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<gauss_map>(const gauss_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<embed_map>(const embed_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<state_map>(const state_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<cat_map>(const cat_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<add_map>(const add_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<in_mean_map>(const in_mean_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<range_mean_map>(const range_mean_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<lstm_map>(const lstm_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<score_map>(const score_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<softmax_map>(const softmax_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<readout_map>(const readout_map&, float*, int64_t, int, int64_t, cudaStream_t);

}  // namespace xtalsieve::gpu
