// Launchers of the CUDA backend's CGCNN kernels (cgcnn_kernels.cu), callable
// from host C++. Each kernel is one thread per output element around a
// function of cgcnn_math.hpp / dense_math.hpp; all run on the given stream and
// check their launch.
#pragma once
#include <cuda_runtime_api.h>
#include <stdint.h>

#include "cuda/cgcnn_math.hpp"
#include "cuda/dense_math.hpp"

namespace xtalsieve::gpu {

// v[i, c] = emb[numbers[i], c] for i < n_atoms, c < A.
void launch_embed(const float* emb, const int32_t* numbers, float* v, int64_t n_atoms, int A, cudaStream_t s);
// win[e] = make_window(dist[e]) for e < n_edges.
void launch_windows(const float* dist, gauss_win* win, int64_t n_edges, cudaStream_t s);
// d.y[r, c] = dense_element(d, r, c).
void launch_dense(const dense_view& d, cudaStream_t s);
// out[i, c] = conv_element(a, i, c): the whole edge work of a convolution.
void launch_conv(const conv_view& a, float* out, cudaStream_t s);
// pooled[s, c] = pool_element(v, offsets, A, s, c) for s < n_structures.
void launch_pool(const float* v, const int64_t* offsets, float* pooled, int64_t n_structures, int A, cudaStream_t s);

}  // namespace xtalsieve::gpu
