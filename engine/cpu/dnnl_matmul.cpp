#include "engine/cpu/dnnl_matmul.hpp"

#include <omp.h>

namespace xtalsieve::cpu {

namespace {

dnnl_memory_desc_t desc2d(std::int64_t d0, std::int64_t d1, std::int64_t s0, std::int64_t s1) {
    dnnl_memory_desc_t md;
    const dnnl_dims_t dims = {d0, d1};
    const dnnl_dims_t strides = {s0, s1};
    XS_DNNL_CHECK(dnnl_memory_desc_init_by_strides(&md, 2, dims, dnnl_f32, strides));
    return md;
}

}  // namespace

matmul_f32::matmul_f32(std::int64_t k, std::int64_t n_out, const float* w, const float* bias)
    : k_(k), n_(n_out), w_(w, w + k * n_out), b_(n_out, 0.0f) {
    if (bias) b_.assign(bias, bias + n_out);
    // Parallelism comes from the pipeline: each worker runs its own
    // single-threaded primitives (oneDNN's OpenMP runtime would otherwise
    // oversubscribe the cores).
    omp_set_num_threads(1);
    XS_DNNL_CHECK(dnnl_engine_create(&engine_, dnnl_cpu, 0));
    XS_DNNL_CHECK(dnnl_stream_create(&stream_, engine_, dnnl_stream_default_flags));
    const dnnl_memory_desc_t src = desc2d(DNNL_RUNTIME_DIM_VAL, k_, k_, 1);
    const dnnl_memory_desc_t wei = desc2d(k_, n_, 1, k_);  // W^T viewed in place
    const dnnl_memory_desc_t bia = desc2d(1, n_, n_, 1);
    const dnnl_memory_desc_t dst = desc2d(DNNL_RUNTIME_DIM_VAL, n_, n_, 1);
    dnnl_matmul_desc_t md;
    XS_DNNL_CHECK(dnnl_matmul_desc_init(&md, &src, &wei, &bia, &dst));
    dnnl_primitive_desc_t pd;
    XS_DNNL_CHECK(dnnl_primitive_desc_create(&pd, &md, nullptr, engine_, nullptr));
    XS_DNNL_CHECK(dnnl_primitive_create(&prim_, pd));
    XS_DNNL_CHECK(dnnl_primitive_desc_destroy(pd));
    XS_DNNL_CHECK(dnnl_memory_create(&wmem_, &wei, engine_, w_.data()));
    XS_DNNL_CHECK(dnnl_memory_create(&bmem_, &bia, engine_, b_.data()));
}

matmul_f32::~matmul_f32() {
    if (smem_) dnnl_memory_destroy(smem_);
    if (dmem_) dnnl_memory_destroy(dmem_);
    if (wmem_) dnnl_memory_destroy(wmem_);
    if (bmem_) dnnl_memory_destroy(bmem_);
    if (prim_) dnnl_primitive_destroy(prim_);
    if (stream_) dnnl_stream_destroy(stream_);
    if (engine_) dnnl_engine_destroy(engine_);
}

void matmul_f32::run(const float* src, std::int64_t m, float* dst) {
    if (m == 0) return;
    if (m != last_m_) {
        if (smem_) XS_DNNL_CHECK(dnnl_memory_destroy(smem_));
        if (dmem_) XS_DNNL_CHECK(dnnl_memory_destroy(dmem_));
        const dnnl_memory_desc_t smd = desc2d(m, k_, k_, 1);
        const dnnl_memory_desc_t dmd = desc2d(m, n_, n_, 1);
        XS_DNNL_CHECK(dnnl_memory_create(&smem_, &smd, engine_, const_cast<float*>(src)));
        XS_DNNL_CHECK(dnnl_memory_create(&dmem_, &dmd, engine_, dst));
        last_m_ = m;
    } else {
        XS_DNNL_CHECK(dnnl_memory_set_data_handle(smem_, const_cast<float*>(src)));
        XS_DNNL_CHECK(dnnl_memory_set_data_handle(dmem_, dst));
    }
    const dnnl_exec_arg_t args[] = {
        {DNNL_ARG_SRC, smem_}, {DNNL_ARG_WEIGHTS, wmem_}, {DNNL_ARG_BIAS, bmem_}, {DNNL_ARG_DST, dmem_}};
    XS_DNNL_CHECK(dnnl_primitive_execute(prim_, stream_, 4, args));
    XS_DNNL_CHECK(dnnl_stream_wait(stream_));
}

}  // namespace xtalsieve::cpu
