// A oneDNN fp32 matmul with a run-time row count: created once per weight
// shape, reused for every batch.
#pragma once
#include <dnnl.h>

#include <cstdint>
#include <vector>

#include "xtalsieve/error.hpp"

// Every oneDNN call goes through this: a failure is a broken invariant of the
// engine (shapes are validated before), so it aborts with file and line.
#define XS_DNNL_CHECK(call)                                                            \
    do {                                                                               \
        const dnnl_status_t xs_st_ = (call);                                           \
        if (xs_st_ != dnnl_success) ::xtalsieve::abort_invariant(__FILE__, __LINE__, #call); \
    } while (0)

namespace xtalsieve::cpu {

class matmul_f32 {
public:
    // dst[M, n_out] = src[M, k] * W^T + bias, W row-major [n_out, k] (PyTorch
    // layout). W and bias are copied.
    matmul_f32(std::int64_t k, std::int64_t n_out, const float* w, const float* bias);
    ~matmul_f32();
    matmul_f32(const matmul_f32&) = delete;
    matmul_f32& operator=(const matmul_f32&) = delete;

    void run(const float* src, std::int64_t m, float* dst);

private:
    std::int64_t k_, n_;
    std::vector<float> w_, b_;
    dnnl_engine_t engine_ = nullptr;
    dnnl_stream_t stream_ = nullptr;
    dnnl_primitive_t prim_ = nullptr;
    dnnl_memory_t wmem_ = nullptr, bmem_ = nullptr;
    // Source and destination descriptors of the last row count, reused while
    // it repeats (the one-structure latency path).
    std::int64_t last_m_ = -1;
    dnnl_memory_t smem_ = nullptr, dmem_ = nullptr;
};

}  // namespace xtalsieve::cpu
