// xtalsieve/screen.hpp — rank a stream of candidates by predicted properties.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "xtalsieve/generator.hpp"
#include "xtalsieve/input.hpp"

namespace xtalsieve {

struct screen_constraint {
    std::string property;  // model or ensemble name
    std::string op;        // "<", "<=", ">", ">=", "between"
    double a = 0, b = 0;   // value (a), or the closed range [a, b] for "between"
};

struct screen_options {
    std::vector<std::string> models;  // names or paths (one property each)
    std::vector<std::pair<std::string, std::vector<std::string>>> ensembles;  // NAME -> checkpoints
    std::string atom_init;            // empty: beside each checkpoint
    std::string fidelity;             // MatGL multi-fidelity models (load_options::fidelity); empty: all
    std::string input;                // as `predict`; or empty with `generate`
    std::string generate;             // e.g. "perovskite" or "perovskite:A=Ca,Sr;B=Ti;X=O"
    generator_options generator;      // --no-charge-balance, --tolerance
    input_options input_opt;          // --format, --species, --select, --disorder
    std::size_t top = 100;            // K
    std::string objective;            // property; empty: the first model
    bool maximize = false;
    double risk = 0;                  // rank by mean +/- risk * std in the cautious direction
    std::vector<screen_constraint> where;
    std::vector<std::string> element_filters;  // "contains:O,N", "excludes:Pb", "only:Ba,Ti,O"
    int max_atoms = 0;                         // 0: no limit
    std::vector<int> spacegroups;              // empty: any
    bool dedup = false;                        // symmetry-aware de-duplication (spglib)
    double symprec = 1e-3;                     // Å, for space groups and de-duplication
    std::string labels;                        // "FILE[:COLUMN]"
    std::string out_dir;
    bool write_all = false;                    // DIR/all.csv
    bool resume = false;
    bool log_json = false;
    bool progress = true;                      // live line on a terminal (stderr)
    int threads = 0;
    std::string isa;                           // CPU kernel path, as model_options::isa (empty: automatic)
    double max_images_per_atom = 0;            // neighbour-search bound, as predict_options (0: default)
    double checkpoint_seconds = 5;
    std::string command_line;                  // recorded in summary.json
    std::size_t max_records = 0;               // stop after this many input records (0: all)
    std::size_t repeat_to = 0;                 // benchmarks: replay the input or generator up to this many records
    bool approximate = false;                  // rank with the tabulated bond filter (precision::table)
    double audit_exact = 0;                    // with approximate: fraction re-scored exactly
    // Stability (engine/screen/hull.hpp): energy above the lower convex hull of
    // reference phases, the property "e_above_hull" (eV/atom), and the discovery
    // metrics of Matbench Discovery against --labels.
    std::string hull_ref;                      // "FILE[:KEY]" (CSV formula + energy per atom, pymatgen JSON, ASE db)
    std::string hull_energy;                   // predicted formation energy per atom; empty: the first model named *formation-energy* or *eform*
    std::string label_kind = "formation";      // labels are "formation" energies per atom or "e_above_hull" values
    double stability_threshold = 0;            // eV/atom: stable when e_above_hull <= this
    bool hull_lp = false;                      // a linear program per candidate instead of the cached facets (a check)
    // A part of a sharded run (job-array task, MPI rank): only the records whose
    // stream position seq (0-based, over every record of the input or
    // generator, in the single run's order) has seq % shard_count ==
    // shard_index are parsed and predicted; the others are read and skipped.
    // With dedup, every part parses every record and computes its symmetry
    // key: a record that fails or is filtered before the key belongs to the
    // part of its position, one that gets a key to the part FNV-1a(key) %
    // shard_count names, so that all copies of a crystal meet in one part.
    // out_dir then receives a part (checkpoint.bin, all.rows, errors.rows),
    // and merge_screen_parts writes the outputs. shard_count 0 or 1: the whole run.
    std::uint32_t shard_index = 0, shard_count = 0;
    // Called on the screening thread after each checkpoint is saved (not
    // after the last one). Under mpirun, rank 0 merges the ranks' latest
    // checkpoints into DIR here (merge_options::interim).
    std::function<void()> on_checkpoint;
};

struct screen_counts {
    std::uint64_t inputs = 0, scored = 0, filtered = 0, duplicate = 0, failed = 0;
};

// Runs the screen, writing DIR/top.csv, DIR/summary.json, DIR/report.html
// (and DIR/all.csv, DIR/errors.csv). Throws xtalsieve::error for bad options.
screen_counts run_screen(const screen_options& opt);

// Writes into out_dir exactly the outputs the single run would have written
// (top.csv, all.csv, errors.csv, summary.json but its timings, report.html)
// from the part folders of a sharded run, given in any order. Throws
// xtalsieve::error when a part is missing, repeated, unfinished, or of another
// run (fingerprint of options, inputs and model SHA-256s). summary.json's
// command_line is the parts' (without --shard). `bytes_read`, if given,
// receives the bytes read from the parts.
struct merge_options {
    // Merge the parts' latest checkpoints while they still run: unfinished
    // parts are accepted, and out_dir receives top.csv, errors.csv,
    // summary.json (with "interim": true) and report.html exactly as a merge
    // of those checkpoints, but no all.csv (its rows stay in the parts until
    // the final merge) and no checkpoint.bin. Every part must have saved a
    // checkpoint.
    bool interim = false;
};

screen_counts merge_screen_parts(const std::vector<std::string>& parts, const std::string& out_dir,
                                 std::uint64_t* bytes_read = nullptr, merge_options mo = {});

}  // namespace xtalsieve
