// The CUDA backend's CGCNN: the CPU backend's forward pass (engine/cpu/
// cgcnn_cpu.cpp) on the device, kernel for kernel:
//   embed + Gaussian windows -> per layer: dense v -> pq, one fused conv
//   kernel (the edge work) -> mean pool + softplus -> dense head -> fc_out,
// then the last step (denormalization or softmax) on the host in double, as
// the CPU backend does it.
//
// Transfers: a batch's inputs are packed on the host into pinned staging
// and go up by asynchronous copies. A large batch runs in chunks of whole
// structures (about chunk_atoms atoms) through two staging slots: while the
// GPU computes chunk c, the host packs chunk c + 1 into the other slot and a
// second stream copies it up (run_chunked). The outputs come back in one copy
// and the call waits once, at the end. Each worker thread of the predictor has
// its own model instance, so its own streams and staging: while one thread's
// batch runs on the GPU the others parse and build graphs on the CPU.
//
// CUDA Graphs: small batches are latency-bound (a 5-atom structure is about
// a dozen launches of microseconds each), so for batches of at most
// graph_max_atoms atoms the whole sequence (copy up, kernels, copy down) is
// captured once per shape (atoms, structures, slots), the second time that
// shape comes, and replayed from then on: one launch. The graph records
// buffer addresses, so every cached graph is dropped when a buffer moves.
#include "cuda/cgcnn_cuda.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cuda/cgcnn_kernels.hpp"
#include "cuda/cgcnn_layout.hpp"
#include "cuda/check.hpp"
#include "cuda/chunk_staging.hpp"
#include "cuda/device.hpp"
#include "cuda/device_buffer.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::gpu {

namespace {

constexpr std::int64_t graph_max_atoms = 512;
// Larger batches go up and run in chunks of whole structures of about this
// many atoms, double-buffered (run_chunked).
constexpr std::int64_t chunk_atoms = 1024;
constexpr std::size_t graph_cache_max = 32;

// A host vector uploaded once.
template <class T>
void upload(device_array<T>& d, const std::vector<T>& h) {
    d.reserve(h.size());
    if (!h.empty()) XS_CUDA_CHECK(cudaMemcpy(d.data(), h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
}

struct conv_weights {
    device_array<float> w_pq_t, b_pq, w_bond_t, bn2_scale, bn2_shift;
};

class cgcnn_cuda final : public model {
public:
    cgcnn_cuda(std::shared_ptr<const cgcnn::params> p, int device_index) : p_(std::move(p)), device_(device_index) {
        use_device(device_);
        const cgcnn_layout L = make_cgcnn_layout(*p_);
        upload(emb_, L.emb);
        for (const cgcnn_conv_layout& c : L.convs) {
            convs_.emplace_back();
            conv_weights& w = convs_.back();
            upload(w.w_pq_t, c.w_pq_t);
            upload(w.b_pq, c.b_pq);
            upload(w.w_bond_t, c.w_bond_t);
            upload(w.bn2_scale, c.bn2_scale);
            upload(w.bn2_shift, c.bn2_shift);
        }
        upload(w_fc_t_, L.w_fc_t);
        upload(b_fc_, L.b_fc);
        w_h_t_.resize(L.w_h_t.size());
        b_h_.resize(L.b_h.size());
        for (std::size_t l = 0; l < L.w_h_t.size(); ++l) {
            upload(w_h_t_[l], L.w_h_t[l]);
            upload(b_h_[l], L.b_h[l]);
        }
        upload(w_out_t_, L.w_out_t);
        upload(b_out_, L.b_out);
        XS_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        XS_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
        XS_CUDA_CHECK(cudaEventCreateWithFlags(&copied_, cudaEventDisableTiming));
        for (slot& sl : slots_) XS_CUDA_CHECK(cudaEventCreateWithFlags(&sl.consumed, cudaEventDisableTiming));
    }

    ~cgcnn_cuda() override {
        XS_CUDA_ASSERT(cudaSetDevice(device_));
        if (stream_) XS_CUDA_ASSERT(cudaStreamSynchronize(stream_));
        if (copy_stream_) XS_CUDA_ASSERT(cudaStreamSynchronize(copy_stream_));
        drop_graphs();
        for (slot& sl : slots_)
            if (sl.consumed) XS_CUDA_ASSERT(cudaEventDestroy(sl.consumed));
        if (copied_) XS_CUDA_ASSERT(cudaEventDestroy(copied_));
        if (copy_stream_) XS_CUDA_ASSERT(cudaStreamDestroy(copy_stream_));
        if (stream_) XS_CUDA_ASSERT(cudaStreamDestroy(stream_));
    }

    const std::string& name() const override { return p_->name; }
    bool classification() const override { return p_->classification; }
    std::vector<std::string> units() const override { return {cgcnn::unit_of(*p_)}; }
    graph_options graph() const override { return {}; }

    void predict(const graph_batch& batch, std::span<double> out) override {
        const cgcnn::params& p = *p_;
        const auto N = static_cast<std::int64_t>(batch.n_atoms());
        const auto S = static_cast<std::int64_t>(batch.n_structures());
        const int M = batch.max_neighbors;
        XS_ASSERT(out.size() == batch.n_structures());
        XS_ASSERT(batch.layout == graph_layout::slots);
        XS_ASSERT(batch.nbr_idx.size() == static_cast<std::size_t>(N) * M && batch.nbr_dist.size() == batch.nbr_idx.size());
        if (S == 0) return;
        for (std::int64_t i = 0; i < N; ++i) {
            const int z = batch.numbers[i];
            if (z < 1 || z >= static_cast<int>(p.known.size()) || !p.known[z])
                throw error(p.name + ": element Z=" + std::to_string(z) + " has no features in atom_init.json");
        }
        XS_CUDA_CHECK(cudaSetDevice(device_));
        if (N <= graph_max_atoms)
            run_small(batch, N, S, M);
        else
            run_chunked(batch, S, M);
        XS_CUDA_CHECK(cudaStreamSynchronize(stream_));
        for (std::int64_t s = 0; s < S; ++s) out[s] = cgcnn_finish(p, out_host_.data() + s * p.n_out);
    }

private:
    // A pinned staging area and its device copy: one chunk's numbers, slot
    // indices, slot distances and structure offsets, rebased to the chunk's
    // first atom. Two of them alternate (double buffering).
    struct slot {
        pinned_array<unsigned char> host;
        device_array<unsigned char> dev;
        staging_layout at;
        cudaEvent_t consumed = nullptr;  // the last chunk staged here has been computed
    };

    // Sizes the per-batch device buffers for chunks of at most max_atoms atoms
    // and S structures; a buffer that moves invalidates the captured graphs.
    void size_buffers(std::int64_t max_atoms, std::int64_t S, int M) {
        const int A = p_->A, H = p_->H;
        bool moved = v_.reserve(static_cast<std::size_t>(max_atoms) * A);
        moved |= next_.reserve(static_cast<std::size_t>(max_atoms) * A);
        moved |= pq_.reserve(static_cast<std::size_t>(max_atoms) * 4 * A);
        moved |= win_.reserve(static_cast<std::size_t>(max_atoms) * M);
        moved |= pooled_.reserve(static_cast<std::size_t>(S) * A);
        moved |= h_.reserve(static_cast<std::size_t>(S) * H);
        moved |= h2_.reserve(static_cast<std::size_t>(S) * H);
        moved |= o_.reserve(static_cast<std::size_t>(S) * p_->n_out);
        moved |= out_host_.reserve(static_cast<std::size_t>(S) * p_->n_out);
        if (moved) drop_graphs();
    }

    // Packs structures [s0, s1) of the batch into slot `sl` (host side,
    // cuda/chunk_staging.hpp) and sizes its device copy; true when either
    // moved.
    bool pack(slot& sl, const graph_batch& b, std::int64_t s0, std::int64_t s1, int M) {
        sl.at = staging_for(b, s0, s1, M);
        bool moved = sl.host.reserve(sl.at.bytes);
        moved |= sl.dev.reserve(sl.at.bytes);
        pack_chunk(b, s0, M, sl.at, sl.host.data());
        return moved;
    }

    // A small batch (at most graph_max_atoms atoms): one chunk, everything on
    // stream_; a shape is captured as a CUDA graph the second time it comes
    // (capturing costs more than launching directly, and a stream of varied
    // batch sizes would otherwise capture every call), then replayed.
    void run_small(const graph_batch& b, std::int64_t N, std::int64_t S, int M) {
        size_buffers(N, S, M);
        slot& sl = slots_[0];
        if (pack(sl, b, 0, S, M)) drop_graphs();
        const shape_key shape{N, S, M};
        if (seen_.insert(shape).second) {
            enqueue_small(sl, S, M);
            return;
        }
        auto it = graphs_.find(shape);
        if (it == graphs_.end()) {
            if (graphs_.size() >= graph_cache_max) drop_graphs();
            cudaGraph_t g = nullptr;
            XS_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
            try {
                enqueue_small(sl, S, M);
            } catch (...) {
                // End the broken capture so the stream is usable again; the
                // error being thrown is the one to report, so the status of
                // these two calls is deliberately dropped.
                cudaGraph_t broken = nullptr;
                (void)cudaStreamEndCapture(stream_, &broken);
                if (broken) (void)cudaGraphDestroy(broken);
                throw;
            }
            XS_CUDA_CHECK(cudaStreamEndCapture(stream_, &g));
            cudaGraphExec_t exec = nullptr;
            const cudaError_t rc = cudaGraphInstantiate(&exec, g, 0);
            XS_CUDA_ASSERT(cudaGraphDestroy(g));
            XS_CUDA_CHECK(rc);
            it = graphs_.emplace(shape, exec).first;
        }
        XS_CUDA_CHECK(cudaGraphLaunch(it->second, stream_));
    }

    // Copy up, the forward pass, copy down, all on stream_ (no waits: it is
    // captured as a graph).
    void enqueue_small(slot& sl, std::int64_t S, int M) {
        XS_CUDA_CHECK(cudaMemcpyAsync(sl.dev.data(), sl.host.data(), sl.at.bytes, cudaMemcpyHostToDevice, stream_));
        enqueue_chunk(sl, 0, M);
        enqueue_head(S);
    }

    // A large batch, in chunks of whole structures of about chunk_atoms
    // atoms, double-buffered: while the GPU computes chunk c on stream_, the
    // host packs chunk c + 1 into the other pinned slot and copy_stream_
    // copies it up. Chunks change which launch computes a structure, never
    // its arithmetic (one thread per element, fixed order).
    void run_chunked(const graph_batch& b, std::int64_t S, int M) {
        const auto chunks = plan_chunks(b, chunk_atoms);
        std::int64_t max_atoms = 0;
        for (const auto& [s0, s1] : chunks) max_atoms = std::max(max_atoms, b.offsets[s1] - b.offsets[s0]);
        size_buffers(max_atoms, S, M);
        for (std::size_t c = 0; c < chunks.size(); ++c) {
            slot& sl = slots_[c % 2];
            // The chunk staged here two chunks ago must be computed before
            // its buffers are rewritten (or moved); the previous chunk, in
            // the other slot, may still run meanwhile.
            if (c >= 2) XS_CUDA_CHECK(cudaEventSynchronize(sl.consumed));
            if (pack(sl, b, chunks[c].first, chunks[c].second, M)) drop_graphs();
            XS_CUDA_CHECK(cudaMemcpyAsync(sl.dev.data(), sl.host.data(), sl.at.bytes, cudaMemcpyHostToDevice, copy_stream_));
            XS_CUDA_CHECK(cudaEventRecord(copied_, copy_stream_));
            XS_CUDA_CHECK(cudaStreamWaitEvent(stream_, copied_, 0));
            enqueue_chunk(sl, chunks[c].first, M);
            XS_CUDA_CHECK(cudaEventRecord(sl.consumed, stream_));
        }
        enqueue_head(S);
    }

    // The atom-level forward pass of the chunk staged in `sl` (its device
    // copy already enqueued before), on stream_: embed, windows, every
    // convolution, mean pooling into rows s0 .. of pooled_.
    void enqueue_chunk(const slot& sl, std::int64_t s0, int M) {
        const int A = p_->A;
        const std::int64_t N = sl.at.n_atoms;
        const unsigned char* in = sl.dev.data();
        const auto* numbers = reinterpret_cast<const std::int32_t*>(in);
        const auto* nbr_idx = reinterpret_cast<const std::int32_t*>(in + sl.at.off_idx);
        const auto* nbr_dist = reinterpret_cast<const float*>(in + sl.at.off_dist);
        const auto* offsets = reinterpret_cast<const std::int64_t*>(in + sl.at.off_offsets);
        float* v = v_.data();
        float* next = next_.data();
        launch_embed(emb_.data(), numbers, v, N, A, stream_);
        launch_windows(nbr_dist, win_.data(), N * M, stream_);
        for (const conv_weights& w : convs_) {
            launch_dense({v, N, A, w.w_pq_t.data(), w.b_pq.data(), pq_.data(), 4 * A, A, 4 * A, act::none}, stream_);
            const conv_view c{pq_.data(), v,    nbr_idx, win_.data(), w.w_bond_t.data(), w.bn2_scale.data(),
                              w.bn2_shift.data(), N, M, A};
            launch_conv(c, next, stream_);
            std::swap(v, next);
        }
        launch_pool(v, offsets, pooled_.data() + s0 * A, sl.at.n_structures, A, stream_);
    }

    // The head on all S pooled rows at once (rows independent), fc_out, and
    // the copy down, on stream_.
    void enqueue_head(std::int64_t S) {
        const cgcnn::params& p = *p_;
        const int A = p.A, H = p.H;
        launch_dense({pooled_.data(), S, A, w_fc_t_.data(), b_fc_.data(), h_.data(), H, A, H, act::softplus}, stream_);
        float* h = h_.data();
        float* h2 = h2_.data();
        for (std::size_t l = 0; l < w_h_t_.size(); ++l) {
            launch_dense({h, S, H, w_h_t_[l].data(), b_h_[l].data(), h2, H, H, H, act::softplus}, stream_);
            std::swap(h, h2);
        }
        launch_dense({h, S, H, w_out_t_.data(), b_out_.data(), o_.data(), p.n_out, H, p.n_out, act::none}, stream_);
        XS_CUDA_CHECK(cudaMemcpyAsync(out_host_.data(), o_.data(), static_cast<std::size_t>(S) * p.n_out * sizeof(float),
                                      cudaMemcpyDeviceToHost, stream_));
    }

    void drop_graphs() {
        for (auto& [shape, exec] : graphs_) XS_CUDA_ASSERT(cudaGraphExecDestroy(exec));
        graphs_.clear();
        if (seen_.size() > 4 * graph_cache_max) seen_.clear();
    }

    std::shared_ptr<const cgcnn::params> p_;
    int device_;
    // Weights, device-resident from construction on.
    device_array<float> emb_;
    std::vector<conv_weights> convs_;
    device_array<float> w_fc_t_, b_fc_, w_out_t_, b_out_;
    std::vector<device_array<float>> w_h_t_, b_h_;
    // Per-batch buffers, grown as needed.
    slot slots_[2];
    device_array<float> v_, next_, pq_, pooled_, h_, h2_, o_;
    device_array<gauss_win> win_;
    pinned_array<float> out_host_;
    cudaStream_t stream_ = nullptr;       // compute, and everything of a small batch
    cudaStream_t copy_stream_ = nullptr;  // a large batch's chunks going up
    cudaEvent_t copied_ = nullptr;        // the last chunk's copy up has finished
    using shape_key = std::tuple<std::int64_t, std::int64_t, int>;  // atoms, structures, slots
    std::map<shape_key, cudaGraphExec_t> graphs_;
    std::set<shape_key> seen_;
};

}  // namespace

std::unique_ptr<model> make_cgcnn(std::shared_ptr<const cgcnn::params> p, int device_index) {
    return std::make_unique<cgcnn_cuda>(std::move(p), device_index);
}

}  // namespace xtalsieve::gpu
