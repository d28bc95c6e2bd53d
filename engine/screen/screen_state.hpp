// The resumable state of a screen, checkpointed atomically in its output folder.
//
// File DIR/checkpoint.bin, little-endian:
//   8  magic "XSSCRN1\0"
//   8  u64 json_size      J
//   8  u64 bitmap_size    B
//   8  u64 FNV-1a 64 checksum of the J + B bytes that follow
//   J  JSON: options fingerprint, counters (among them the per-filter and
//      per-element counts), top-K entries, labelled pairs, de-duplication
//      keys, byte sizes of the CSV outputs
//   B  CRoaring portable serialization of the processed-input bitmap (stream
//      positions), run-optimized: a contiguous stream is a few runs
#pragma once
#include <roaring/roaring.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace xtalsieve {

struct screen_entry {
    std::size_t seq = 0;
    std::string id, source;
    std::size_t index = 0;
    double score = 0;
    std::vector<double> values;  // per property: mean
    std::vector<double> stds;    // per property: std (0 for single models)
    std::string formula;         // reduced formula
    int natoms = 0;
    std::string warnings;        // "; "-joined, empty when none
    std::vector<double> descriptors;  // the record's (a generator's t), in the stream's order
};

struct screen_state {
    std::string fingerprint;  // refuses a resume with other options
    std::uint64_t inputs = 0, scored = 0, filtered = 0, duplicate = 0, failed = 0;
    std::uint64_t non_structure_blocks = 0;  // CIF blocks without atom sites: not inputs
    std::uint64_t warned = 0;                // predicted candidates that carry warnings
    // How many candidates each filter removed, and how many parsed candidates
    // contain each element (atomic number -> count). Counts, not bitmaps of
    // stream positions: only the numbers are ever reported, and per-element
    // bitmaps grew by about 7 bytes per candidate in memory and several times
    // that in each checkpoint's serialization. Parts of a sharded run cover
    // disjoint stream positions, so merging sums the counts.
    std::map<std::string, std::uint64_t> filtered_by;
    std::map<int, std::uint64_t> element_index;
    std::vector<screen_entry> top;                  // unordered heap contents
    std::vector<double> lab_pred, lab_true;         // labelled, scored candidates in input order
    std::vector<double> lab_score;                  // ranking score of those
    std::vector<std::string> lab_label;             // "id (formula)" of the first labelled ones (parity tooltips)
    std::vector<double> disc_pred, disc_true;       // with --hull-ref: predicted and true e_above_hull of those
    std::map<std::string, std::string> seen_keys;   // de-duplication key -> first id
    std::uint64_t all_csv_bytes = 0, errors_csv_bytes = 0;
    std::vector<double> sample;                     // objective predictions for the report
    // Mergeable partial state (shards, MPI ranks): the stream position of every
    // labelled pair (lab_*, disc_*; lab_label holds the first of them) and of
    // every report sample, so parts interleave back into input order exactly.
    std::vector<std::uint64_t> lab_seq, sample_seq;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> hull_systems;  // chemical systems whose hull was built (sorted)
    std::uint64_t hull_ns = 0;                      // CPU time in the hull (a timing)
    std::uint32_t shard_index = 0, shard_count = 0; // 0 of 0: not a part (a whole run)
    bool complete = false;                          // the stream was read to its end
    std::string context;                            // JSON: what writing the outputs needs (merge)
    std::string timings;                            // JSON: the part's timings, when complete
    // --audit-exact in a part: the audited candidates' stream positions, their
    // approximate and exact objective values (in stream order), when complete.
    std::vector<std::uint64_t> audit_seq;
    std::vector<double> audit_approx, audit_exact;
    roaring_bitmap_t* processed = nullptr;          // owned

    screen_state();
    ~screen_state();
    screen_state(const screen_state&) = delete;
    screen_state& operator=(const screen_state&) = delete;

    // Atomic: temporary file, fsync, rename, fsync of the folder.
    void save(const std::filesystem::path& file) const;
    // Throws xtalsieve::error on a corrupt or foreign file.
    void load(const std::filesystem::path& file);
};

}  // namespace xtalsieve
