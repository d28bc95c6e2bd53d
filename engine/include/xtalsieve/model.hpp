// xtalsieve/model.hpp — a trained model ready to run on graph batches.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "xtalsieve/graph.hpp"
#include "xtalsieve/weights.hpp"

namespace xtalsieve {

enum class device_kind { cpu, cuda };

enum class precision {
    exact,  // fp32 as the reference computes it (default)
    table,  // approximate: the bond filter W_bond * gaussians(d) read from a table
            // sampled every 0.002 Å and interpolated linearly, instead of computed
};

struct model_options {
    device_kind device = device_kind::cpu;
    int device_index = 0;
    precision mode = precision::exact;
    // CPU instruction-set path: "avx512", "avx2", "portable", or empty for the
    // environment variable XTALSIEVE_ISA, else the best the CPU supports. A
    // structure's results are bit-identical on one path whatever its batch;
    // paths agree to about 1e-6 relative.
    std::string isa;
};

// A model bound to a backend. One instance may be used by one thread at a time;
// make one per worker thread (they share nothing mutable).
class model {
public:
    virtual ~model() = default;
    virtual const std::string& name() const = 0;
    // The model's output columns, in order: usually one, named name(); the
    // multi-fidelity band gap has one per fidelity.
    virtual std::vector<std::string> outputs() const { return {name()}; }
    // Unit of each output ("eV/atom", "eV", "log10(GPa)", "" for P(class 1) ...).
    virtual std::vector<std::string> units() const { return std::vector<std::string>(outputs().size()); }
    // True for classifiers: predictions are P(class 1).
    virtual bool classification() const = 0;
    // outputs().size() numbers per structure of the batch, row-major in batch
    // order ([n_structures, n_outputs]): the regression target in the
    // checkpoint's units (denormalized), or P(class 1).
    virtual void predict(const graph_batch& batch, std::span<double> out) = 0;
    // The graph recipe this model needs (layout, cutoffs, neighbour cap).
    virtual graph_options graph() const = 0;
    // An upper bound on atoms per batch that keeps this model's scratch
    // memory small (M3GNet holds ~2,000 triplets per atom); 0: no bound of
    // its own. Results do not depend on it (batch invariance).
    virtual std::size_t max_batch_atoms() const { return 0; }
    // The same for three-body triplets per batch (0: no bound). Dense cells
    // have several times the usual triplets per atom, and a worker's scratch
    // keeps the size of the largest batch it has run, so an atom bound alone
    // lets memory creep up with every denser batch a long stream brings.
    virtual std::size_t max_batch_triplets() const { return 0; }
};

// Sets o.device and o.device_index from "cpu", "cuda" or "cuda:N" (empty:
// cpu), the --device syntax of the CLI, the C API and the Python module.
// Throws xtalsieve::error for anything else. Whether this build has a CUDA
// backend is make_model's question, not this one's.
void set_device(model_options& o, std::string_view spec);

// The CPU kernel paths this CPU can run, best first ("avx512", "avx2",
// "portable"): the values model_options::isa accepts here.
std::vector<std::string> cpu_isa_paths();

// Builds the model named by w.arch from the registry. Throws xtalsieve::error
// for an unknown architecture, a missing tensor or a shape mismatch.
std::unique_ptr<model> make_model(const model_weights& w, const model_options& opt = {});

}  // namespace xtalsieve
