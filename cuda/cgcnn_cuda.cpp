// The CUDA backend's CGCNN: the CPU backend's forward pass (engine/cpu/
// cgcnn_cpu.cpp) on the device, kernel for kernel:
//   embed + Gaussian windows -> per layer: dense v -> pq, one fused conv
//   kernel (the edge work) -> mean pool + softplus -> dense head -> fc_out,
// then the last step (denormalization or softmax) on the host in double, as
// the CPU backend does it.
//
// Transfers: a batch's inputs are packed into one pinned staging area and go
// up in one asynchronous copy on this instance's stream, the outputs come back
// the same way, and the call waits once at the end. Each worker thread of the
// predictor has its own model instance, so its own stream and staging: while
// one thread's batch runs on the GPU the others build graphs on the CPU.
//
// CUDA Graphs: small batches are latency-bound (a 5-atom structure is about
// a dozen launches of microseconds each), so for batches of at most
// graph_max_atoms atoms the whole sequence (copy up, kernels, copy down) is
// captured once per shape (atoms, structures, slots), the second time that
// shape comes, and replayed from then on: one launch. The
// graph records buffer addresses, so every cached graph is dropped when a
// buffer grows.
#include "cuda/cgcnn_cuda.hpp"

#include <cuda_runtime_api.h>

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
#include "cuda/device.hpp"
#include "cuda/device_buffer.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::gpu {

namespace {

constexpr std::int64_t graph_max_atoms = 512;
constexpr std::size_t graph_cache_max = 32;

std::size_t align16(std::size_t n) { return (n + 15) & ~static_cast<std::size_t>(15); }

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
    }

    ~cgcnn_cuda() override {
        XS_CUDA_ASSERT(cudaSetDevice(device_));
        if (stream_) XS_CUDA_ASSERT(cudaStreamSynchronize(stream_));
        drop_graphs();
        if (stream_) XS_CUDA_ASSERT(cudaStreamDestroy(stream_));
    }

    const std::string& name() const override { return p_->name; }
    bool classification() const override { return p_->classification; }
    std::vector<std::string> units() const override {
        const std::string& n = p_->name;
        if (p_->classification) return {"P(class 1)"};
        if (n == "formation-energy-per-atom" || n == "final-energy-per-atom") return {"eV/atom"};
        if (n == "band-gap" || n == "efermi") return {"eV"};
        if (n == "bulk-moduli" || n == "shear-moduli") return {"log10(GPa)"};
        return {""};
    }
    graph_options graph() const override { return {}; }

    void predict(const graph_batch& batch, std::span<double> out) override {
        const cgcnn::params& p = *p_;
        const auto N = static_cast<std::int64_t>(batch.n_atoms());
        const auto S = static_cast<std::int64_t>(batch.n_structures());
        const int M = batch.max_neighbors;
        XS_ASSERT(out.size() == batch.n_structures());
        XS_ASSERT(batch.layout == graph_layout::slots);
        if (S == 0) return;
        for (std::int64_t i = 0; i < N; ++i) {
            const int z = batch.numbers[i];
            if (z < 1 || z >= static_cast<int>(p.known.size()) || !p.known[z])
                throw error(p.name + ": element Z=" + std::to_string(z) + " has no features in atom_init.json");
        }
        XS_CUDA_CHECK(cudaSetDevice(device_));
        stage(batch, N, S, M);
        const shape_key shape{N, S, M};
        // A shape is captured the second time it comes: capturing costs more
        // than launching directly, and a stream of varied batch sizes would
        // otherwise capture every call.
        const bool repeated = N <= graph_max_atoms && !seen_.insert(shape).second;
        if (repeated) {
            auto it = graphs_.find(shape);
            if (it == graphs_.end()) {
                if (graphs_.size() >= graph_cache_max) drop_graphs();
                cudaGraph_t g = nullptr;
                XS_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
                try {
                    enqueue(N, S, M);
                } catch (...) {
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
        } else {
            enqueue(N, S, M);
        }
        XS_CUDA_CHECK(cudaStreamSynchronize(stream_));
        for (std::int64_t s = 0; s < S; ++s) out[s] = cgcnn_finish(p, out_host_.data() + s * p.n_out);
    }

private:
    // Packs the batch's inputs into the pinned staging area (numbers, slot
    // indices, slot distances, structure offsets) and sizes every device
    // buffer; a buffer that moves invalidates the captured graphs.
    void stage(const graph_batch& b, std::int64_t N, std::int64_t S, int M) {
        const int A = p_->A, H = p_->H;
        const auto E = static_cast<std::size_t>(N) * M;
        off_idx_ = align16(static_cast<std::size_t>(N) * sizeof(std::int32_t));
        off_dist_ = off_idx_ + align16(E * sizeof(std::int32_t));
        off_offsets_ = off_dist_ + align16(E * sizeof(float));
        const std::size_t bytes = off_offsets_ + static_cast<std::size_t>(S + 1) * sizeof(std::int64_t);
        bool moved = staging_.reserve(bytes);
        moved |= inputs_.reserve(bytes);
        moved |= v_.reserve(static_cast<std::size_t>(N) * A);
        moved |= next_.reserve(static_cast<std::size_t>(N) * A);
        moved |= pq_.reserve(static_cast<std::size_t>(N) * 4 * A);
        moved |= win_.reserve(E);
        moved |= pooled_.reserve(static_cast<std::size_t>(S) * A);
        moved |= h_.reserve(static_cast<std::size_t>(S) * H);
        moved |= h2_.reserve(static_cast<std::size_t>(S) * H);
        moved |= o_.reserve(static_cast<std::size_t>(S) * p_->n_out);
        moved |= out_host_.reserve(static_cast<std::size_t>(S) * p_->n_out);
        if (moved) drop_graphs();
        unsigned char* st = staging_.data();
        auto* numbers = reinterpret_cast<std::int32_t*>(st);
        for (std::int64_t i = 0; i < N; ++i) numbers[i] = static_cast<std::int32_t>(b.numbers[i]);
        XS_ASSERT(b.nbr_idx.size() == E && b.nbr_dist.size() == E && b.offsets.size() == static_cast<std::size_t>(S + 1));
        std::memcpy(st + off_idx_, b.nbr_idx.data(), E * sizeof(std::int32_t));
        std::memcpy(st + off_dist_, b.nbr_dist.data(), E * sizeof(float));
        std::memcpy(st + off_offsets_, b.offsets.data(), static_cast<std::size_t>(S + 1) * sizeof(std::int64_t));
        staged_bytes_ = bytes;
    }

    // The forward pass on stream_: copy up, kernels, copy down. Captured as a
    // graph for small shapes, so it must only enqueue work (no waits).
    void enqueue(std::int64_t N, std::int64_t S, int M) {
        const cgcnn::params& p = *p_;
        const int A = p.A, H = p.H;
        XS_CUDA_CHECK(cudaMemcpyAsync(inputs_.data(), staging_.data(), staged_bytes_, cudaMemcpyHostToDevice, stream_));
        const unsigned char* in = inputs_.data();
        const auto* numbers = reinterpret_cast<const std::int32_t*>(in);
        const auto* nbr_idx = reinterpret_cast<const std::int32_t*>(in + off_idx_);
        const auto* nbr_dist = reinterpret_cast<const float*>(in + off_dist_);
        const auto* offsets = reinterpret_cast<const std::int64_t*>(in + off_offsets_);
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
        launch_pool(v, offsets, pooled_.data(), S, A, stream_);
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
    pinned_array<unsigned char> staging_;
    device_array<unsigned char> inputs_;
    std::size_t off_idx_ = 0, off_dist_ = 0, off_offsets_ = 0, staged_bytes_ = 0;
    device_array<float> v_, next_, pq_, pooled_, h_, h2_, o_;
    device_array<gauss_win> win_;
    pinned_array<float> out_host_;
    cudaStream_t stream_ = nullptr;
    using shape_key = std::tuple<std::int64_t, std::int64_t, int>;  // atoms, structures, slots
    std::map<shape_key, cudaGraphExec_t> graphs_;
    std::set<shape_key> seen_;
};

}  // namespace

std::unique_ptr<model> make_cgcnn(std::shared_ptr<const cgcnn::params> p, int device_index) {
    return std::make_unique<cgcnn_cuda>(std::move(p), device_index);
}

}  // namespace xtalsieve::gpu
