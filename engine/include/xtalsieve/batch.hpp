// xtalsieve/batch.hpp — the library API for generators: batches of structures
// as flat arrays in, a prediction matrix out; and a streaming screen object
// (push candidates, get the top K and metrics) with no files involved.
//
// Both run the same oneTBB pipeline (parse -> graph -> batched inference) as
// the `predict` and `screen` commands, so a structure gets bit for bit the
// number the CLI gives it (same sites, same model, same kernel path).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "xtalsieve/predictor.hpp"
#include "xtalsieve/screen.hpp"
#include "xtalsieve/structure.hpp"

namespace xtalsieve {

// n structures as flat arrays. Views only: the caller owns the memory, which
// must stay valid for the duration of the call that takes the batch.
//   offsets    n + 1 site offsets, offsets[0] = 0, non-decreasing; structure i
//              has sites offsets[i] .. offsets[i+1] - 1.
//   lattices   9 n doubles: per structure, rows a, b, c (Cartesian, Å), row-major.
//   positions  3 offsets[n] doubles: per site x, y, z, fractional (default) or
//              Cartesian in Å (cartesian = true; converted as pymatgen does).
//   numbers    offsets[n] atomic numbers (1 ... 118).
//   ids        empty, or n ids (reported in results; default "0", "1", ...).
// Sites may come in any order: each model gets them in the order its reference
// uses (CGCNN: sorted by electronegativity; MatGL: as given).
struct structure_batch {
    std::span<const std::size_t> offsets;
    std::span<const double> lattices;
    std::span<const double> positions;
    std::span<const int> numbers;
    bool cartesian = false;
    std::span<const std::string> ids;

    std::size_t size() const { return offsets.empty() ? 0 : offsets.size() - 1; }
};

// Checks the shapes of a batch (sizes agree, offsets non-decreasing). Throws
// xtalsieve::error naming the first problem. Values (elements, volumes) are
// checked per structure during prediction instead, failing that row only.
void check_batch(const structure_batch& b);

// Structure i of a batch as an owned structure (fractional coordinates).
structure batch_structure(const structure_batch& b, std::size_t i);

// Options are extended by adding fields; defaults are the CLI's.
struct batch_options {
    int threads = 0;                 // worker threads; 0: all cores
    std::size_t chunk_records = 256; // structures parsed and batched together (as the CLI)
    std::size_t batch_atoms = 4096;  // atoms per inference batch (upper bound)
    std::string atom_init;           // empty: atom_init.json beside each checkpoint
    std::string isa;                 // CPU kernel path (avx512|avx2|portable); empty: best available
    std::string device;              // "cpu", "cuda" or "cuda:N" (set_device); empty: cpu
    double max_images_per_atom = 0;  // neighbour-search bound per structure; 0: the default
};

// One row of a batch prediction.
struct batch_row_info {
    std::string id;
    std::string formula;                // reduced formula
    int n_atoms = 0;
    std::string error;                  // non-empty: the row is NaN, this is why
    std::vector<std::string> warnings;  // the value is the model's but may be suspect
};

// Loaded models and the pipeline. Thread safety: one batch_predictor may be
// shared by any number of threads; concurrent predict() calls are safe and
// give the same numbers as sequential ones (each call runs its own pipeline).
class batch_predictor {
public:
    // models: checkpoint paths or official names ("cgcnn/band-gap"), resolved as
    // the CLI does (XTALSIEVE_MODELS, cache, download). Throws xtalsieve::error.
    explicit batch_predictor(const std::vector<std::string>& models, batch_options opt = {});
    batch_predictor(std::vector<model_weights> weights, batch_options opt = {});
    ~batch_predictor();
    batch_predictor(const batch_predictor&) = delete;
    batch_predictor& operator=(const batch_predictor&) = delete;

    // Output columns (one per model output; multi-output models give several).
    const std::vector<std::string>& columns() const;
    std::size_t n_columns() const { return columns().size(); }
    bool classification(std::size_t column) const;

    // Predicts every structure of b into out, a row-major [b.size(), n_columns()]
    // matrix owned by the caller (units of each model: eV, eV/atom, log GPa ...).
    // A structure that cannot be predicted gets a row of NaN; the return value
    // is the number of such rows, and `info` (if given) receives one entry per
    // row. Throws xtalsieve::error for a malformed batch or a short `out`.
    std::size_t predict(const structure_batch& b, std::span<double> out,
                        std::vector<batch_row_info>* info = nullptr) const;

    // The same for owned structures.
    std::size_t predict(std::span<const structure> structures, std::span<double> out,
                        std::vector<batch_row_info>* info = nullptr) const;

    // Any record stream (open_input, open_generator), as predictor::run.
    void run(record_reader& in, const std::function<void(const prediction&)>& sink) const;

    // The underlying predictor (single-structure predict(), stats()).
    predictor& engine() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// A streaming screen in memory: candidates are pushed (one at a time or in
// batches, from a generator's loop), predicted in chunks of `chunk`
// structures, filtered by `where` and ranked by `objective`; only the top K
// are kept, plus 16 bytes per labelled candidate for the metrics.
struct stream_screen_options {
    std::string objective;                  // column name; empty: the first column
    bool maximize = false;
    std::vector<screen_constraint> where;   // as screen_options::where (column names)
    std::size_t top = 100;                  // K
    std::size_t chunk = 1024;               // structures buffered before a prediction
};

struct screen_hit {
    std::size_t seq = 0;          // push order (0-based), across all pushes
    std::string id;
    std::string formula;
    int n_atoms = 0;
    std::vector<double> values;   // one per predictor column
    double score = 0;             // the objective's value
    std::optional<double> label;  // as pushed
};

// Metrics of the ranking against the labels pushed with candidates (scored
// candidates with a finite label only). NaN when fewer than two.
struct stream_metrics {
    std::size_t labelled = 0;
    double recall_at_10 = 0, recall_at_100 = 0, recall_at_k = 0;  // k = top
    double spearman = 0, kendall = 0, mae = 0, rmse = 0, r2 = 0;
};

class stream_screen {
public:
    // Keeps a reference to p, which must outlive the screen. Throws
    // xtalsieve::error for an unknown objective or constraint column.
    stream_screen(const batch_predictor& p, stream_screen_options opt = {});
    ~stream_screen();
    stream_screen(const stream_screen&) = delete;
    stream_screen& operator=(const stream_screen&) = delete;

    // Queues a candidate (copied); predicts when `chunk` are queued.
    void push(structure s, std::optional<double> label = std::nullopt);
    // Queues a whole batch (copied); labels empty or one per structure (NaN: none).
    void push(const structure_batch& b, std::span<const double> labels = {});
    // Predicts whatever is queued.
    void flush();

    // Flush, then: the best K so far, best first (ties: earlier push first).
    std::vector<screen_hit> top();
    // inputs = scored + filtered + failed (constraints make "filtered").
    screen_counts counts();
    stream_metrics metrics();
    // The first few failures, "id: reason" (at most 100 kept).
    std::vector<std::string> errors();

    // Not thread-safe: one screen per generator loop.
private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace xtalsieve
