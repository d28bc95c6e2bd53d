// How the CUDA backend stages an M3GNet batch (host-only C++, tested on the
// host by tests/test_device_math.cpp), as megnet_staging.hpp stages MEGNet's:
// chunks of whole structures, each packed into one byte area, indices rebased
// to the chunk's first atom / bond / triplet. Besides the graph (node types,
// src, dst, bond lengths, offsets, each node's incoming bonds in bond order)
// the host adds the triplets: the neighbour bond and cos θ of each, upstream's
// three-body indices (m3gnet::three_body_indices: the gating atom, the two
// bonds whose cutoff weights scale it, the bond receiving it) and, per bond,
// the triplets it receives in triplet order (a CSR by target), so every sum
// runs in the CPU backend's order without atomics. A structure's bonds and
// triplets lie in that structure, so a chunk is a self-contained batch.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "cuda/chunk_staging.hpp"
#include "engine/models/m3gnet/params.hpp"
#include "engine/models/matgl/common.hpp"
#include "xtalsieve/graph.hpp"

namespace xtalsieve::gpu {

// Chunks [s0, s1) of consecutive structures with at most max_edges bonds and
// max_triplets triplets each (a larger structure is a chunk by itself):
// M3GNet's work is per bond and per triplet, and triplets dominate (about
// 2,000 per atom at 5 Å), so both bound a chunk's scratch.
inline std::vector<std::pair<std::int64_t, std::int64_t>> plan_m3gnet_chunks(const graph_batch& b,
                                                                             std::int64_t max_edges,
                                                                             std::int64_t max_triplets) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    const auto S = static_cast<std::int64_t>(b.n_structures());
    for (std::int64_t s0 = 0; s0 < S;) {
        std::int64_t s1 = s0 + 1;
        while (s1 < S && b.edge_offsets[s1 + 1] - b.edge_offsets[s0] <= max_edges &&
               b.triplet_offsets[s1 + 1] - b.triplet_offsets[s0] <= max_triplets)
            ++s1;
        out.emplace_back(s0, s1);
        s0 = s1;
    }
    return out;
}

// Byte offsets of the packed arrays (16-byte aligned) for structures [s0, s1).
struct m3gnet_staging {
    std::size_t off_src = 0, off_dst = 0, off_dist = 0, off_node_graph = 0, off_offsets = 0, off_in_offsets = 0,
                off_in_edges = 0, off_trip_ik = 0, off_cos = 0, off_atom = 0, off_w_ij = 0, off_w_ik = 0,
                off_trip_offsets = 0, off_trip_list = 0, bytes = 0;
    std::int64_t first_atom = 0, first_edge = 0, first_triplet = 0, n_atoms = 0, n_edges = 0, n_triplets = 0,
                 n_structures = 0;
};

inline m3gnet_staging m3gnet_staging_for(const graph_batch& b, std::int64_t s0, std::int64_t s1) {
    m3gnet_staging L;
    L.first_atom = b.offsets[s0];
    L.first_edge = b.edge_offsets[s0];
    L.first_triplet = b.triplet_offsets[s0];
    L.n_atoms = b.offsets[s1] - L.first_atom;
    L.n_edges = b.edge_offsets[s1] - L.first_edge;
    L.n_triplets = b.triplet_offsets[s1] - L.first_triplet;
    L.n_structures = s1 - s0;
    const auto N = static_cast<std::size_t>(L.n_atoms), E = static_cast<std::size_t>(L.n_edges),
               T = static_cast<std::size_t>(L.n_triplets), S = static_cast<std::size_t>(L.n_structures);
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
    L.off_offsets = next((S + 1) * sizeof(std::int64_t));
    L.off_in_offsets = next((N + 1) * sizeof(std::int64_t));
    L.off_in_edges = next(E * sizeof(std::int32_t));
    L.off_trip_ik = next(T * sizeof(std::int32_t));
    L.off_cos = next(T * sizeof(float));
    L.off_atom = next(T * sizeof(std::int32_t));
    L.off_w_ij = next(T * sizeof(std::int32_t));
    L.off_w_ik = next(T * sizeof(std::int32_t));
    L.off_trip_offsets = next((E + 1) * sizeof(std::int64_t));
    L.off_trip_list = next(T * sizeof(std::int32_t));
    L.bytes = at;
    return L;
}

// A staged chunk as the kernels read it (pointers into a packed area, on the
// host or on the device).
struct m3gnet_chunk {
    const std::int32_t *types, *src, *dst, *node_graph, *in_edges, *trip_ik, *atom, *w_ij, *w_ik, *trip_list;
    const float *dist, *cos_theta;
    const std::int64_t *offsets, *in_offsets, *trip_offsets;
    std::int64_t n_atoms, n_edges, n_triplets, n_structures;
};

inline m3gnet_chunk m3gnet_chunk_at(const unsigned char* base, const m3gnet_staging& L) {
    auto i32 = [base](std::size_t o) { return reinterpret_cast<const std::int32_t*>(base + o); };
    auto i64 = [base](std::size_t o) { return reinterpret_cast<const std::int64_t*>(base + o); };
    auto f32 = [base](std::size_t o) { return reinterpret_cast<const float*>(base + o); };
    return {i32(0),           i32(L.off_src),       i32(L.off_dst),       i32(L.off_node_graph), i32(L.off_in_edges),
            i32(L.off_trip_ik), i32(L.off_atom),    i32(L.off_w_ij),      i32(L.off_w_ik),       i32(L.off_trip_list),
            f32(L.off_dist),  f32(L.off_cos),       i64(L.off_offsets),   i64(L.off_in_offsets), i64(L.off_trip_offsets),
            L.n_atoms,        L.n_edges,            L.n_triplets,         L.n_structures};
}

// Writes structures [s0, s1) into dst_area (L.bytes bytes, 16-byte aligned).
// Throws xtalsieve::error naming the model for an element outside its list
// (the CPU backend's message, matgl::node_type).
inline void pack_m3gnet_chunk(const m3gnet::params& p, const graph_batch& b, std::int64_t s0, const m3gnet_staging& L,
                              unsigned char* dst_area) {
    const std::int64_t a0 = L.first_atom, e0 = L.first_edge, t0 = L.first_triplet, N = L.n_atoms, E = L.n_edges,
                       T = L.n_triplets, S = L.n_structures;
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
    std::int64_t* offs = at64(L.off_offsets);
    std::int32_t* node_graph = at32(L.off_node_graph);
    for (std::int64_t s = 0; s <= S; ++s) offs[s] = b.offsets[s0 + s] - a0;
    for (std::int64_t s = 0; s < S; ++s)
        for (std::int64_t i = offs[s]; i < offs[s + 1]; ++i) node_graph[i] = static_cast<std::int32_t>(s);
    // Incoming bonds by a stable counting sort on dst: each node's list keeps
    // bond order, the order cpu::segment_sum_by_index sums in.
    std::int64_t* in_offs = at64(L.off_in_offsets);
    std::int32_t* in_edges = at32(L.off_in_edges);
    std::fill(in_offs, in_offs + N + 1, 0);
    for (std::int64_t e = 0; e < E; ++e) ++in_offs[dst[e] + 1];
    for (std::int64_t n = 0; n < N; ++n) in_offs[n + 1] += in_offs[n];
    std::vector<std::int64_t> fill(in_offs, in_offs + N);
    for (std::int64_t e = 0; e < E; ++e) in_edges[fill[static_cast<std::size_t>(dst[e])]++] = static_cast<std::int32_t>(e);
    // Triplets: geometry, then upstream's indices (batch-absolute from
    // three_body_indices, rebased here).
    std::int32_t* trip_ik = at32(L.off_trip_ik);
    for (std::int64_t t = 0; t < T; ++t) trip_ik[t] = static_cast<std::int32_t>(b.trip_ik[t0 + t] - e0);
    std::memcpy(dst_area + L.off_cos, b.cos_theta.data() + t0, static_cast<std::size_t>(T) * sizeof(float));
    std::int32_t *atom = at32(L.off_atom), *w_ij = at32(L.off_w_ij), *w_ik = at32(L.off_w_ik);
    std::vector<std::int32_t> target(static_cast<std::size_t>(T));
    for (std::int64_t s = 0; s < S; ++s) {
        const std::int64_t lo = b.triplet_offsets[s0 + s] - t0;
        m3gnet::three_body_indices(b, p.rc3, s0 + s, atom + lo, w_ij + lo, w_ik + lo, target.data() + lo);
    }
    for (std::int64_t t = 0; t < T; ++t) {
        atom[t] -= static_cast<std::int32_t>(a0);
        w_ij[t] -= static_cast<std::int32_t>(e0);
        w_ik[t] -= static_cast<std::int32_t>(e0);
        target[static_cast<std::size_t>(t)] -= static_cast<std::int32_t>(e0);
    }
    // Triplets per receiving bond, stable: each list keeps triplet order.
    std::int64_t* trip_offs = at64(L.off_trip_offsets);
    std::int32_t* trip_list = at32(L.off_trip_list);
    std::fill(trip_offs, trip_offs + E + 1, 0);
    for (std::int64_t t = 0; t < T; ++t) ++trip_offs[target[static_cast<std::size_t>(t)] + 1];
    for (std::int64_t e = 0; e < E; ++e) trip_offs[e + 1] += trip_offs[e];
    std::vector<std::int64_t> tfill(trip_offs, trip_offs + E);
    for (std::int64_t t = 0; t < T; ++t)
        trip_list[tfill[static_cast<std::size_t>(target[static_cast<std::size_t>(t)])]++] = static_cast<std::int32_t>(t);
}

}  // namespace xtalsieve::gpu
