// Subcommands of the `xtalsieve` executable, parsed with CLI11.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>

#include "xtalsieve/input.hpp"
#include "xtalsieve/model.hpp"

namespace xtalsieve::cli {

// A bad value found after parsing (exit status 2, like CLI11's own errors).
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Help groups; every command names and orders them alike.
inline const std::string group_input = "input";
inline const std::string group_models = "models";
inline const std::string group_screening = "screening";
inline const std::string group_output = "output";
inline const std::string group_performance = "performance";

// Runs a subcommand once the command line has been parsed; returns the exit status.
using command = std::function<int()>;

// Each adds its subcommand and options to `app` and returns what runs it. The
// options write into state owned by the returned function.
command add_predict(CLI::App& app);
command add_convert(CLI::App& app);
command add_models(CLI::App& app);
command add_bench(CLI::App& app);
command add_structures(CLI::App& app);
// command_line is recorded in summary.json.
command add_screen(CLI::App& app, const std::string& command_line);
// `xtalsieve merge PART... --out DIR`: the outputs of a sharded screen.
command add_merge(CLI::App& app);

// MPI (engine/cli/mpi.cpp; a no-op without -DXTALSIEVE_MPI): started only when
// a launcher (mpirun, srun) says so in the environment, so that a plain
// `xtalsieve screen` never initialises MPI.
struct mpi_world {
    int rank = 0, size = 1;
    bool active = false;
};
mpi_world mpi_start();
void mpi_barrier();
// Ends every rank of the job (a rank that fails makes the job fail loudly).
[[noreturn]] void mpi_abort(int code);
void mpi_finish();
bool mpi_built();

// --format, --species, --select, --disorder, --max-record-mb: the input options
// that predict and screen share.
struct input_args {
    std::string format, species, select, disorder = "error";
    long max_record_mb = 256;
    input_options get() const;
};
void add_input_options(CLI::App& sub, input_args& a);

// An option given once per value and repeatable, values kept in order. CLI11
// would otherwise let a vector option swallow the words after it.
inline CLI::Option* repeatable(CLI::Option* o) {
    if (o->get_default_str() == "[]") o->default_str("");  // "=[]" in --help says nothing
    return o->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// Integer options read decimal only, as the hand-written parser did: CLI11
// would read "010" as octal and "0x10" as hexadecimal.
CLI::Validator decimal_integer();

// Options several commands share, with one wording for all.
void add_atom_init(CLI::App& sub, std::string& path);
void add_fidelity(CLI::App& sub, std::string& fidelity);
void add_threads(CLI::App& sub, int& threads);
void add_batch_atoms(CLI::App& sub, std::size_t& batch_atoms);
void add_approx(CLI::App& sub, std::string& approx);
void add_device(CLI::App& sub, std::string& device);
void add_isa(CLI::App& sub, std::string& isa);
void add_max_images(CLI::App& sub, double& limit);

// "exact" or "table" (checked by add_approx).
precision parse_precision(const std::string& s);
// "cpu" (default) or "cuda[:N]".
void parse_device(const std::string& s, model_options& m);

}  // namespace xtalsieve::cli
