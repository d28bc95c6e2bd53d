// Launchers of the CUDA backend's M3GNet kernels (m3gnet_kernels.cu): the
// map kernel template of megnet_kernels.cu (launch_map, one thread per
// output element), instantiated there for M3GNet's own maps; the dense,
// embedding and Set2Set maps it shares with MEGNet are instantiated in
// megnet_kernels.cu.
#pragma once
#include <cuda_runtime_api.h>
#include <stdint.h>

#include "cuda/m3gnet_math.hpp"
#include "cuda/megnet_kernels.hpp"

namespace xtalsieve::gpu {

extern template void launch_map<m3_rbf_map>(const m3_rbf_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_cutoff_map>(const m3_cutoff_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_triplet_basis_map>(const m3_triplet_basis_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_triplet_weight_map>(const m3_triplet_weight_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_three_body_sum_map>(const m3_three_body_sum_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_first_layer_map>(const m3_first_layer_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_gated_map>(const m3_gated_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_residual_map>(const m3_residual_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_message_map>(const m3_message_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_node_update_map>(const m3_node_update_map&, float*, int64_t, int, int64_t, cudaStream_t);
extern template void launch_map<m3_energy_map>(const m3_energy_map&, float*, int64_t, int, int64_t, cudaStream_t);

}  // namespace xtalsieve::gpu
