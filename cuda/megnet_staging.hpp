// How the CUDA backend stages a MEGNet batch (host-only C++, tested on the
// host by tests/test_device_math.cpp): cut into chunks of whole structures,
// each chunk's inputs packed into one byte area (the pinned staging that goes
// up in one copy), indices rebased to the chunk's first atom / edge. Besides
// the graph (node types, src, dst, bond lengths, offsets), the host adds what
// the kernels need to run every reduction in a fixed order without atomics:
// the structure of every node and edge, and each node's incoming edges in
// edge order (a CSR by dst). Every structure's edges lie in that structure,
// so a chunk is a self-contained batch.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "cuda/chunk_staging.hpp"
#include "engine/models/matgl/common.hpp"
#include "engine/models/megnet/params.hpp"
#include "xtalsieve/graph.hpp"

namespace xtalsieve::gpu {

// Chunks [s0, s1) of consecutive structures of at most max_edges edges each
// (a larger structure is a chunk by itself): MEGNet's work is mostly per edge.
inline std::vector<std::pair<std::int64_t, std::int64_t>> plan_edge_chunks(const graph_batch& b, std::int64_t max_edges) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    const auto S = static_cast<std::int64_t>(b.n_structures());
    for (std::int64_t s0 = 0; s0 < S;) {
        std::int64_t s1 = s0 + 1;
        while (s1 < S && b.edge_offsets[s1 + 1] - b.edge_offsets[s0] <= max_edges) ++s1;
        out.emplace_back(s0, s1);
        s0 = s1;
    }
    return out;
}

// Byte offsets of the packed arrays (16-byte aligned) for structures [s0, s1).
struct megnet_staging {
    std::size_t off_src = 0, off_dst = 0, off_dist = 0, off_node_graph = 0, off_edge_graph = 0, off_offsets = 0,
                off_edge_offsets = 0, off_in_offsets = 0, off_in_edges = 0, bytes = 0;
    std::int64_t first_atom = 0, first_edge = 0, n_atoms = 0, n_edges = 0, n_structures = 0;
};

inline megnet_staging megnet_staging_for(const graph_batch& b, std::int64_t s0, std::int64_t s1) {
    megnet_staging L;
    L.first_atom = b.offsets[s0];
    L.first_edge = b.edge_offsets[s0];
    L.n_atoms = b.offsets[s1] - L.first_atom;
    L.n_edges = b.edge_offsets[s1] - L.first_edge;
    L.n_structures = s1 - s0;
    const auto N = static_cast<std::size_t>(L.n_atoms), E = static_cast<std::size_t>(L.n_edges),
               S = static_cast<std::size_t>(L.n_structures);
    std::size_t at = align16(N * sizeof(std::int32_t));  // node types first
    auto next = [&at](std::size_t bytes) {
        const std::size_t o = at;
        at += align16(bytes);
        return o;
    };
    L.off_src = next(E * sizeof(std::int32_t));
    L.off_dst = next(E * sizeof(std::int32_t));
    L.off_dist = next(E * sizeof(float));
    L.off_node_graph = next(N * sizeof(std::int32_t));
    L.off_edge_graph = next(E * sizeof(std::int32_t));
    L.off_offsets = next((S + 1) * sizeof(std::int64_t));
    L.off_edge_offsets = next((S + 1) * sizeof(std::int64_t));
    L.off_in_offsets = next((N + 1) * sizeof(std::int64_t));
    L.off_in_edges = next(E * sizeof(std::int32_t));
    L.bytes = at;
    return L;
}

// A staged chunk as the kernels read it (pointers into a packed area, on the
// host or on the device).
struct megnet_chunk {
    const std::int32_t *types, *src, *dst, *node_graph, *edge_graph, *in_edges;
    const float* dist;
    const std::int64_t *offsets, *edge_offsets, *in_offsets;
    std::int64_t n_atoms, n_edges, n_structures;
};

inline megnet_chunk megnet_chunk_at(const unsigned char* base, const megnet_staging& L) {
    auto i32 = [base](std::size_t o) { return reinterpret_cast<const std::int32_t*>(base + o); };
    auto i64 = [base](std::size_t o) { return reinterpret_cast<const std::int64_t*>(base + o); };
    return {i32(0),
            i32(L.off_src),
            i32(L.off_dst),
            i32(L.off_node_graph),
            i32(L.off_edge_graph),
            i32(L.off_in_edges),
            reinterpret_cast<const float*>(base + L.off_dist),
            i64(L.off_offsets),
            i64(L.off_edge_offsets),
            i64(L.off_in_offsets),
            L.n_atoms,
            L.n_edges,
            L.n_structures};
}

// Writes structures [s0, s1) into dst (L.bytes bytes, 16-byte aligned).
// Throws xtalsieve::error naming the model for an element outside its list
// (the CPU backend's message, matgl::node_type).
inline void pack_megnet_chunk(const megnet::params& p, const graph_batch& b, std::int64_t s0, const megnet_staging& L,
                              unsigned char* dst_area) {
    const std::int64_t a0 = L.first_atom, e0 = L.first_edge, N = L.n_atoms, E = L.n_edges, S = L.n_structures;
    auto at32 = [dst_area](std::size_t o) { return reinterpret_cast<std::int32_t*>(dst_area + o); };
    auto at64 = [dst_area](std::size_t o) { return reinterpret_cast<std::int64_t*>(dst_area + o); };
    std::int32_t* types = at32(0);
    for (std::int64_t i = 0; i < N; ++i) types[i] = matgl::node_type(p.types, b.numbers[a0 + i], p.name);
    std::int32_t *src = at32(L.off_src), *dst = at32(L.off_dst);
    for (std::int64_t e = 0; e < E; ++e) {
        src[e] = b.src[e0 + e] - static_cast<std::int32_t>(a0);
        dst[e] = b.dst[e0 + e] - static_cast<std::int32_t>(a0);
    }
    std::memcpy(dst_area + L.off_dist, b.bond_dist.data() + e0, static_cast<std::size_t>(E) * sizeof(float));
    std::int64_t *offs = at64(L.off_offsets), *eoffs = at64(L.off_edge_offsets);
    std::int32_t *node_graph = at32(L.off_node_graph), *edge_graph = at32(L.off_edge_graph);
    for (std::int64_t s = 0; s <= S; ++s) {
        offs[s] = b.offsets[s0 + s] - a0;
        eoffs[s] = b.edge_offsets[s0 + s] - e0;
    }
    for (std::int64_t s = 0; s < S; ++s) {
        for (std::int64_t i = offs[s]; i < offs[s + 1]; ++i) node_graph[i] = static_cast<std::int32_t>(s);
        for (std::int64_t e = eoffs[s]; e < eoffs[s + 1]; ++e) edge_graph[e] = static_cast<std::int32_t>(s);
    }
    // Incoming edges by a stable counting sort on dst: each node's list keeps
    // edge order, the order cpu::segment_mean_by_index sums in.
    std::int64_t* in_offs = at64(L.off_in_offsets);
    std::int32_t* in_edges = at32(L.off_in_edges);
    std::fill(in_offs, in_offs + N + 1, 0);
    for (std::int64_t e = 0; e < E; ++e) ++in_offs[dst[e] + 1];
    for (std::int64_t n = 0; n < N; ++n) in_offs[n + 1] += in_offs[n];
    std::vector<std::int64_t> fill(in_offs, in_offs + N);
    for (std::int64_t e = 0; e < E; ++e) in_edges[fill[static_cast<std::size_t>(dst[e])]++] = static_cast<std::int32_t>(e);
}

}  // namespace xtalsieve::gpu
