// The native weight format, .xtsw: versioned, little-endian, memory-mappable.
//
// Byte layout (version 1). All integers little-endian; offsets from file start.
//
//   offset  size  field
//   0       8     magic "XTSWGHT\0"
//   8       4     u32 format version (1)
//   12      4     u32 flags (0)
//   16      8     u64 header_size: bytes of the header block that follows (H)
//   24      8     u64 payload_size: bytes from offset 64 to the end of the file
//   32      8     u64 checksum: FNV-1a 64 of the payload (bytes 64 .. end)
//   40      24    reserved, zero
//   64      H     header block: JSON text (UTF-8, not NUL-terminated) holding
//                   {"arch", "name", "hparams": {k: number}, "meta": {k: string},
//                    "norm_mean", "norm_std",
//                    "tensors": [{"name", "shape": [..], "offset", "numel"}, ...]}
//                 tensor "offset" is relative to the data block, in bytes;
//                 the element table is stored as tensor "__atom_init__" and
//                 its known-rows mask as "__atom_init_known__" (float 0/1).
//   64+H..  pad   zero bytes up to the next multiple of 64 (start of the data block)
//   data    ...   float32 tensor data, each tensor starting on a 64-byte boundary,
//                 row-major (see engine/include/xtalsieve/graph.hpp)
//
// A reader checks magic, version, sizes against the file size and the
// checksum before trusting any offset; any mismatch is an error naming the file.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "xtalsieve/weights.hpp"

namespace xtalsieve::native {

inline constexpr char magic[8] = {'X', 'T', 'S', 'W', 'G', 'H', 'T', '\0'};
inline constexpr std::uint32_t version = 1;
inline constexpr std::size_t fixed_header = 64;
inline constexpr std::size_t alignment = 64;

std::uint64_t fnv1a64(std::string_view bytes);

bool is_native(std::string_view head);
model_weights load(const std::filesystem::path& path);
void save(const model_weights& w, const std::filesystem::path& path);

}  // namespace xtalsieve::native
