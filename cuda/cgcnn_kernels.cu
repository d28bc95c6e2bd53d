// The CUDA backend's CGCNN kernels: thin loops around the __host__ __device__
// functions of cgcnn_math.hpp and dense_math.hpp, which the host tests check
// against the CPU backend. A thread computes one output element with the
// arithmetic those functions fix, so the thread and block shapes below change
// speed, never a bit of the result (batch invariance, engine/cpu/kernels.hpp).
//
// Threads run over elements row-major (column fastest): the threads of a warp
// share a row, so the row's inputs are broadcast and the weight columns are
// read coalesced.
#include "cuda/cgcnn_kernels.hpp"

#include "cuda/check.hpp"

namespace xtalsieve::gpu {

namespace {

constexpr int block = 256;

// Blocks for `total` elements: one thread each, capped so a grid-stride loop
// covers the rest.
unsigned grid_for(int64_t total) {
    const int64_t blocks = (total + block - 1) / block;
    return static_cast<unsigned>(blocks < 65536 ? (blocks > 0 ? blocks : 1) : 65536);
}

__global__ void embed_kernel(const float* emb, const int32_t* numbers, float* v, int64_t n_atoms, int A) {
    const int64_t total = n_atoms * A;
    for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < total;
         k += static_cast<int64_t>(gridDim.x) * blockDim.x)
        v[k] = embed_element(emb, numbers, A, k / A, static_cast<int>(k % A));
}

__global__ void windows_kernel(const float* dist, gauss_win* win, int64_t n_edges) {
    for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n_edges;
         e += static_cast<int64_t>(gridDim.x) * blockDim.x)
        win[e] = make_window(static_cast<double>(dist[e]));
}

__global__ void dense_kernel(dense_view d) {
    const int64_t total = d.m * d.n;
    for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < total;
         k += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t r = k / d.n;
        const int c = static_cast<int>(k % d.n);
        d.y[r * d.ldy + c] = dense_element(d, r, c);
    }
}

__global__ void conv_kernel(conv_view a, float* out) {
    const int64_t total = a.n_atoms * a.A;
    for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < total;
         k += static_cast<int64_t>(gridDim.x) * blockDim.x)
        out[k] = conv_element(a, k / a.A, static_cast<int>(k % a.A));
}

__global__ void pool_kernel(const float* v, const int64_t* offsets, float* pooled, int64_t n_structures, int A) {
    const int64_t total = n_structures * A;
    for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < total;
         k += static_cast<int64_t>(gridDim.x) * blockDim.x)
        pooled[k] = pool_element(v, offsets, A, k / A, static_cast<int>(k % A));
}

}  // namespace

void launch_embed(const float* emb, const int32_t* numbers, float* v, int64_t n_atoms, int A, cudaStream_t s) {
    embed_kernel<<<grid_for(n_atoms * A), block, 0, s>>>(emb, numbers, v, n_atoms, A);
    XS_CUDA_CHECK(cudaGetLastError());
}

void launch_windows(const float* dist, gauss_win* win, int64_t n_edges, cudaStream_t s) {
    windows_kernel<<<grid_for(n_edges), block, 0, s>>>(dist, win, n_edges);
    XS_CUDA_CHECK(cudaGetLastError());
}

void launch_dense(const dense_view& d, cudaStream_t s) {
    dense_kernel<<<grid_for(d.m * d.n), block, 0, s>>>(d);
    XS_CUDA_CHECK(cudaGetLastError());
}

void launch_conv(const conv_view& a, float* out, cudaStream_t s) {
    conv_kernel<<<grid_for(a.n_atoms * a.A), block, 0, s>>>(a, out);
    XS_CUDA_CHECK(cudaGetLastError());
}

void launch_pool(const float* v, const int64_t* offsets, float* pooled, int64_t n_structures, int A, cudaStream_t s) {
    pool_kernel<<<grid_for(n_structures * A), block, 0, s>>>(v, offsets, pooled, n_structures, A);
    XS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace xtalsieve::gpu
