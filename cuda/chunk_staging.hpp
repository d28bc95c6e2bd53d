// How the CUDA backend stages a batch (host-only C++, tested on the host by
// tests/test_device_math.cpp): a batch is cut into chunks of whole
// structures, and each chunk's inputs are packed into one byte area (the
// pinned staging that goes up in one copy): atomic numbers, neighbour slot
// indices rebased to the chunk's first atom, slot distances, and structure
// offsets rebased the same way. Every structure's neighbours lie in that
// structure, so a chunk is a self-contained batch.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "xtalsieve/graph.hpp"

namespace xtalsieve::gpu {

// Chunks [s0, s1) of consecutive structures of at most max_atoms atoms each
// (a larger structure is a chunk by itself).
inline std::vector<std::pair<std::int64_t, std::int64_t>> plan_chunks(const graph_batch& b, std::int64_t max_atoms) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    const auto S = static_cast<std::int64_t>(b.n_structures());
    for (std::int64_t s0 = 0; s0 < S;) {
        std::int64_t s1 = s0 + 1;
        while (s1 < S && b.offsets[s1 + 1] - b.offsets[s0] <= max_atoms) ++s1;
        out.emplace_back(s0, s1);
        s0 = s1;
    }
    return out;
}

// Byte offsets of the packed arrays (16-byte aligned) for structures [s0, s1).
struct staging_layout {
    std::size_t off_idx = 0, off_dist = 0, off_offsets = 0, bytes = 0;
    std::int64_t first_atom = 0, n_atoms = 0, n_structures = 0;
};

inline std::size_t align16(std::size_t n) { return (n + 15) & ~static_cast<std::size_t>(15); }

inline staging_layout staging_for(const graph_batch& b, std::int64_t s0, std::int64_t s1, int M) {
    staging_layout L;
    L.first_atom = b.offsets[s0];
    L.n_atoms = b.offsets[s1] - L.first_atom;
    L.n_structures = s1 - s0;
    const auto E = static_cast<std::size_t>(L.n_atoms) * M;
    L.off_idx = align16(static_cast<std::size_t>(L.n_atoms) * sizeof(std::int32_t));
    L.off_dist = L.off_idx + align16(E * sizeof(std::int32_t));
    L.off_offsets = L.off_dist + align16(E * sizeof(float));
    L.bytes = L.off_offsets + static_cast<std::size_t>(L.n_structures + 1) * sizeof(std::int64_t);
    return L;
}

// Writes structures [s0, s1) into dst (L.bytes bytes, 16-byte aligned).
inline void pack_chunk(const graph_batch& b, std::int64_t s0, int M, const staging_layout& L, unsigned char* dst) {
    const std::int64_t a0 = L.first_atom;
    const auto E = static_cast<std::size_t>(L.n_atoms) * M;
    auto* numbers = reinterpret_cast<std::int32_t*>(dst);
    for (std::int64_t i = 0; i < L.n_atoms; ++i) numbers[i] = static_cast<std::int32_t>(b.numbers[a0 + i]);
    auto* idx = reinterpret_cast<std::int32_t*>(dst + L.off_idx);
    const std::int32_t* src = b.nbr_idx.data() + static_cast<std::size_t>(a0) * M;
    if (a0 == 0)
        std::memcpy(idx, src, E * sizeof(std::int32_t));
    else
        for (std::size_t e = 0; e < E; ++e) idx[e] = src[e] - static_cast<std::int32_t>(a0);
    std::memcpy(dst + L.off_dist, b.nbr_dist.data() + static_cast<std::size_t>(a0) * M, E * sizeof(float));
    auto* offs = reinterpret_cast<std::int64_t*>(dst + L.off_offsets);
    for (std::int64_t s = 0; s <= L.n_structures; ++s) offs[s] = b.offsets[s0 + s] - a0;
}

}  // namespace xtalsieve::gpu
