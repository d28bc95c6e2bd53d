// The CUDA backend's M3GNet: the CPU backend's forward pass (engine/models/
// m3gnet/m3gnet.cpp) on the device, as the sequence of element maps of
// m3gnet_forward.hpp, each launched as one kernel (m3gnet_kernels.cu,
// megnet_kernels.cu for the shared dense and Set2Set maps); the host tests
// run that same sequence through a host executor. The graph, its triplets and
// upstream's three-body indices (m3gnet::three_body_indices) are built on the
// CPU, as for every backend; the last steps (energy per atom, or
// out * std + mean) run on the host as the CPU backend does them.
//
// Transfers, as megnet_cuda.cpp: a batch is cut into chunks of whole
// structures of at most chunk_edges bonds and chunk_triplets triplets (M3GNet
// has about 2,000 triplets per atom at 5 Å, so triplets, 36 bytes of basis
// each plus their indices, bound a chunk's memory before bonds do), each
// packed on the host into pinned staging (m3gnet_staging.hpp) and copied up
// on a second stream through two alternating slots: while the GPU computes
// chunk c, the host packs chunk c + 1. Chunks change which launch computes a
// structure, never its arithmetic (one thread per element, fixed order).
//
// CUDA Graphs, as megnet_cuda.cpp: a small batch (one chunk of at most
// graph_max_edges bonds) is captured once per shape (atoms, bonds, triplets,
// structures) the second time that shape comes, and replayed from then on.
#include "cuda/m3gnet_cuda.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cuda/check.hpp"
#include "cuda/device.hpp"
#include "cuda/device_buffer.hpp"
#include "cuda/m3gnet_forward.hpp"
#include "cuda/m3gnet_kernels.hpp"
#include "cuda/megnet_kernels.hpp"
#include "cuda/m3gnet_staging.hpp"
#include "engine/models/matgl/common.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::gpu {

namespace {

constexpr std::int64_t chunk_edges = 32768;
// About 17 MB of triplet scratch and staging per chunk (64 bytes a triplet:
// basis and weight 40, staged indices and cos θ 24).
constexpr std::int64_t chunk_triplets = 262144;
// Batches of at most this many edges (one chunk) are captured as CUDA Graphs.
constexpr std::int64_t graph_max_edges = 8192;
constexpr std::size_t graph_cache_max = 32;
static_assert(graph_max_edges <= chunk_edges, "a captured batch is one chunk");

// m3gnet_forward's executor on the device: one kernel per map, on a stream.
struct stream_executor {
    cudaStream_t stream;
    template <class Map>
    void map(const Map& f, float* out, std::int64_t rows, int cols, std::int64_t ld) {
        launch_map(f, out, rows, cols, ld, stream);
    }
};

class m3gnet_cuda final : public model {
public:
    m3gnet_cuda(std::shared_ptr<const m3gnet::params> p, int device_index) : p_(std::move(p)), device_(device_index) {
        check_m3gnet_shapes(*p_);
        use_device(device_);
        // Every weight vector uploaded once; the maps read them in place.
        w_ = make_m3gnet_weights(*p_, [this](const std::vector<float>& v) -> const float* {
            if (v.empty()) return nullptr;
            weights_.emplace_back();
            device_array<float>& d = weights_.back();
            d.reserve(v.size());
            XS_CUDA_CHECK(cudaMemcpy(d.data(), v.data(), v.size() * sizeof(float), cudaMemcpyHostToDevice));
            return d.data();
        });
        XS_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        XS_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
        XS_CUDA_CHECK(cudaEventCreateWithFlags(&copied_, cudaEventDisableTiming));
        for (slot& sl : slots_) XS_CUDA_CHECK(cudaEventCreateWithFlags(&sl.consumed, cudaEventDisableTiming));
    }

    ~m3gnet_cuda() override {
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
    std::vector<std::string> outputs() const override { return p_->outputs; }
    std::vector<std::string> units() const override { return p_->units; }
    bool classification() const override { return false; }
    graph_options graph() const override { return m3gnet::graph_of(p_->cutoff, p_->rc3); }
    // The host side holds a batch's triplets twice (graph, pinned staging):
    // four chunks' worth keeps that near 50 MB while the GPU still gets
    // chunks of ~100 atoms to work on.
    std::size_t max_batch_triplets() const override { return 4 * chunk_triplets; }

    void predict(const graph_batch& b, std::span<double> out) override {
        const m3gnet::params& p = *p_;
        const auto S = static_cast<std::int64_t>(b.n_structures());
        const auto no = static_cast<std::int64_t>(p.outputs.size());
        XS_ASSERT(static_cast<std::int64_t>(out.size()) == S * no);
        XS_ASSERT(b.layout == graph_layout::edges);
        if (S == 0) return;
        // Before anything is enqueued: an unknown element fails the call
        // with the CPU backend's message and leaves the streams idle.
        for (int z : b.numbers) (void)matgl::node_type(p.types, z, p.name);
        XS_CUDA_CHECK(cudaSetDevice(device_));
        const auto chunks = plan_m3gnet_chunks(b, chunk_edges, chunk_triplets);
        std::int64_t max_n = 0, max_e = 0, max_t = 0, max_s = 0;
        for (const auto& [s0, s1] : chunks) {
            max_n = std::max(max_n, b.offsets[s1] - b.offsets[s0]);
            max_e = std::max(max_e, b.edge_offsets[s1] - b.edge_offsets[s0]);
            max_t = std::max(max_t, b.triplet_offsets[s1] - b.triplet_offsets[s0]);
            max_s = std::max(max_s, s1 - s0);
        }
        bool moved = scratch_.reserve(m3gnet_scratch_floats(p, max_n, max_e, max_t, max_s));
        t_ = m3gnet_scratch{};
        m3gnet_scratch_floats(p, max_n, max_e, max_t, max_s, &t_, scratch_.data());
        moved |= y_.reserve(static_cast<std::size_t>(S * no));
        moved |= y_host_.reserve(static_cast<std::size_t>(S * no));
        if (moved) drop_graphs();
        if (chunks.size() == 1 && static_cast<std::int64_t>(b.n_edges()) <= graph_max_edges)
            run_small(b, S, no);
        else
            run_chunked(b, chunks, no);
        XS_CUDA_CHECK(cudaStreamSynchronize(stream_));
        const float* y = y_host_.data();
        for (std::int64_t s = 0; s < S; ++s) {
            if (p.potential) {
                // The CPU backend's float energy, then per atom in double.
                const double energy = static_cast<double>(y[s * 2]);
                out[s * 2] = energy;
                out[s * 2 + 1] = energy / static_cast<double>(b.offsets[s + 1] - b.offsets[s]);
            } else {
                out[s] = static_cast<double>(y[s] * p.std + p.mean);
            }
        }
    }

private:
    // A pinned staging area and its device copy (double buffering).
    struct slot {
        pinned_array<unsigned char> host;
        device_array<unsigned char> dev;
        cudaEvent_t consumed = nullptr;  // the last chunk staged here has been computed
    };

    // Packs structures [s0, s1) into slot `sl` and sizes its device copy;
    // true when either moved.
    bool pack(slot& sl, const graph_batch& b, std::int64_t s0, std::int64_t s1, m3gnet_staging& L) {
        L = m3gnet_staging_for(b, s0, s1);
        bool moved = sl.host.reserve(L.bytes);
        moved |= sl.dev.reserve(L.bytes);
        pack_m3gnet_chunk(*p_, b, s0, L, sl.host.data());
        return moved;
    }

    // A small batch (one chunk): everything on stream_; a shape is captured
    // as a CUDA graph the second time it comes (capturing costs more than
    // launching directly), then replayed.
    void run_small(const graph_batch& b, std::int64_t S, std::int64_t no) {
        slot& sl = slots_[0];
        m3gnet_staging L;
        if (pack(sl, b, 0, S, L)) drop_graphs();
        const shape_key shape{L.n_atoms, L.n_edges, L.n_triplets, S};
        if (seen_.insert(shape).second) {
            enqueue_small(sl, L, S, no);
            return;
        }
        auto it = graphs_.find(shape);
        if (it == graphs_.end()) {
            if (graphs_.size() >= graph_cache_max) drop_graphs();
            cudaGraph_t g = nullptr;
            XS_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
            try {
                enqueue_small(sl, L, S, no);
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
    void enqueue_small(slot& sl, const m3gnet_staging& L, std::int64_t S, std::int64_t no) {
        XS_CUDA_CHECK(cudaMemcpyAsync(sl.dev.data(), sl.host.data(), L.bytes, cudaMemcpyHostToDevice, stream_));
        stream_executor ex{stream_};
        m3gnet_forward(ex, *p_, w_, m3gnet_chunk_at(sl.dev.data(), L), t_, y_.data(), no);
        copy_down(S, no);
    }

    // A large batch, in chunks, double-buffered: while the GPU computes
    // chunk c on stream_, the host packs chunk c + 1 into the other pinned
    // slot and copy_stream_ copies it up.
    void run_chunked(const graph_batch& b, const std::vector<std::pair<std::int64_t, std::int64_t>>& chunks,
                     std::int64_t no) {
        stream_executor ex{stream_};
        for (std::size_t c = 0; c < chunks.size(); ++c) {
            const auto [s0, s1] = chunks[c];
            slot& sl = slots_[c % 2];
            // The chunk staged here two chunks ago must be computed before
            // its buffers are rewritten (or moved).
            if (c >= 2) XS_CUDA_CHECK(cudaEventSynchronize(sl.consumed));
            m3gnet_staging L;
            if (pack(sl, b, s0, s1, L)) drop_graphs();
            XS_CUDA_CHECK(cudaMemcpyAsync(sl.dev.data(), sl.host.data(), L.bytes, cudaMemcpyHostToDevice, copy_stream_));
            XS_CUDA_CHECK(cudaEventRecord(copied_, copy_stream_));
            XS_CUDA_CHECK(cudaStreamWaitEvent(stream_, copied_, 0));
            m3gnet_forward(ex, *p_, w_, m3gnet_chunk_at(sl.dev.data(), L), t_, y_.data() + s0 * no, no);
            XS_CUDA_CHECK(cudaEventRecord(sl.consumed, stream_));
        }
        copy_down(static_cast<std::int64_t>(chunks.back().second), no);
    }

    void copy_down(std::int64_t S, std::int64_t no) {
        XS_CUDA_CHECK(cudaMemcpyAsync(y_host_.data(), y_.data(), static_cast<std::size_t>(S * no) * sizeof(float),
                                      cudaMemcpyDeviceToHost, stream_));
    }

    void drop_graphs() {
        for (auto& [shape, exec] : graphs_) XS_CUDA_ASSERT(cudaGraphExecDestroy(exec));
        graphs_.clear();
        if (seen_.size() > 4 * graph_cache_max) seen_.clear();
    }

    std::shared_ptr<const m3gnet::params> p_;
    int device_;
    std::vector<device_array<float>> weights_;  // device-resident from construction on
    m3gnet_weights w_;
    slot slots_[2];
    device_array<float> scratch_, y_;
    m3gnet_scratch t_{};  // scratch_ carved for the current batch
    pinned_array<float> y_host_;
    cudaStream_t stream_ = nullptr;       // compute
    cudaStream_t copy_stream_ = nullptr;  // chunks going up
    cudaEvent_t copied_ = nullptr;        // the last chunk's copy up has finished
    using shape_key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>;  // atoms, bonds, triplets, structures
    std::map<shape_key, cudaGraphExec_t> graphs_;
    std::set<shape_key> seen_;
};

}  // namespace

std::unique_ptr<model> make_m3gnet(std::shared_ptr<const m3gnet::params> p, int device_index) {
    return std::make_unique<m3gnet_cuda>(std::move(p), device_index);
}

}  // namespace xtalsieve::gpu
