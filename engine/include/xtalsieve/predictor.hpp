// xtalsieve/predictor.hpp — structures in, predictions out, for any number of models.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xtalsieve/input.hpp"
#include "xtalsieve/model.hpp"
#include "xtalsieve/structure.hpp"
#include "xtalsieve/weights.hpp"

namespace xtalsieve {

struct predict_options {
    int threads = 0;                      // worker threads; 0: all cores
    std::size_t chunk_records = 256;      // records read and parsed together
    std::size_t batch_atoms = 4096;       // atoms per inference batch (upper bound)
    std::size_t max_chunks_in_flight = 0; // bound on memory; 0: 2 x threads
    model_options model;                  // backend / device
    // Neighbour-search work bound per structure (see graph_options); 0: the default.
    double max_images_per_atom = 0;
    // Optional hooks, run on worker threads after parsing (must be thread-safe):
    // a non-empty reason from `prefilter` skips inference for that structure
    // (the prediction reports it in `filtered`, as it does a record's own
    // record::filtered, which comes first); `key` computes a
    // de-duplication key stored in the prediction (only for records no filter removed).
    std::function<std::string(const structure&)> prefilter;
    std::function<std::string(const structure&)> key;
    // Optional: records whose stream position returns true are skipped
    // without parsing (resuming a run); called in input order.
    std::function<bool(std::size_t seq)> skip;
    // Optional (a sharded run with de-duplication): called on worker threads
    // once a record's fate is known from its structure alone, with its key
    // (`key` set, the record parsed and not filtered) or with nullptr (failed
    // or filtered before that). false: another part owns the record, which
    // is then reported as skipped. Must be a pure function of (seq, key).
    std::function<bool(std::size_t seq, const std::string* key)> own;
};

// The outcome for one input record.
struct prediction {
    std::size_t seq = 0;          // position in the input stream (0-based)
    std::string id;
    std::string source;
    std::size_t index = 0;        // record number within source
    std::size_t line = 0;
    int n_atoms = 0;
    std::string formula;          // reduced formula (pymatgen's convention), when parsed
    std::vector<double> values;   // one per output column (model_names()), in order; empty when failed or filtered
    std::string error;            // non-empty: why this record has no prediction
    std::string filtered;         // non-empty: the prefilter's reason (no inference ran)
    std::string key;              // de-duplication key, when predict_options::key is set
    std::vector<int> elements;    // distinct atomic numbers, ascending (parsed records)
    bool skipped = false;         // predict_options::skip or own said so: nothing else is meaningful
    bool non_structure = false;   // a CIF block without atom sites: no prediction, not a failure
    std::vector<std::string> warnings;  // why the result may be suspect (it is still the model's)
    std::vector<double> descriptors;    // record::descriptors, passed through
};

// A prediction's warnings as one CSV field: "; "-joined, empty when none.
std::string joined_warnings(const prediction& p);

// Time spent per stage, summed over worker threads (nanoseconds), and counts.
struct predict_stats {
    std::uint64_t read_ns = 0, parse_ns = 0, graph_ns = 0, infer_ns = 0, write_ns = 0;
    std::uint64_t records = 0, structures = 0, atoms = 0, failed = 0;
};

class predictor {
public:
    // Takes the weights by value; each model gets one parse and graph per structure.
    explicit predictor(std::vector<model_weights> models, predict_options opt = {});
    ~predictor();
    predictor(const predictor&) = delete;
    predictor& operator=(const predictor&) = delete;

    // The output columns, model by model (one per model, except models with
    // several outputs such as the multi-fidelity band gap): prediction::values
    // and predict() follow this order.
    const std::vector<std::string>& model_names() const;
    // Model k's columns are column_offsets()[k] .. column_offsets()[k + 1] - 1.
    const std::vector<std::size_t>& column_offsets() const;
    bool classification(std::size_t column) const;

    // Streams every record of `in` through parse -> graph -> inference with a
    // bounded number of records in flight, calling `sink` once per record in
    // input order (from one thread at a time). Results do not depend on the
    // thread count.
    void run(record_reader& in, const std::function<void(const prediction&)>& sink);

    // One structure, on the calling thread (for generators calling in a loop).
    // Sorts nothing: pass sites in the order the reference would (see
    // sort_by_electronegativity). Throws xtalsieve::error on bad input.
    std::vector<double> predict(const structure& s);

    // Totals since construction (or the last reset).
    predict_stats stats() const;
    void reset_stats();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace xtalsieve
