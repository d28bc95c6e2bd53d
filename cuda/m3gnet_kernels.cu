// The CUDA backend's M3GNet kernels: launch_map (map_launch.cuh, a thread per
// output element) instantiated for M3GNet's own maps (m3gnet_math.hpp); its
// dense, embedding and Set2Set launches use MEGNet's instantiations
// (megnet_kernels.cu).
#include "cuda/m3gnet_kernels.hpp"
#include "cuda/map_launch.cuh"

namespace xtalsieve::gpu {

template void launch_map<m3_rbf_map>(const m3_rbf_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_cutoff_map>(const m3_cutoff_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_triplet_basis_map>(const m3_triplet_basis_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_triplet_weight_map>(const m3_triplet_weight_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_three_body_sum_map>(const m3_three_body_sum_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_first_layer_map>(const m3_first_layer_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_gated_map>(const m3_gated_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_residual_map>(const m3_residual_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_message_map>(const m3_message_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_node_update_map>(const m3_node_update_map&, float*, int64_t, int, int64_t, cudaStream_t);
template void launch_map<m3_energy_map>(const m3_energy_map&, float*, int64_t, int, int64_t, cudaStream_t);

}  // namespace xtalsieve::gpu
