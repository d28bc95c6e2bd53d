// The model registry: architecture key -> factory. A new architecture is a new
// folder in engine/models/ plus one line in the table below.
#include <functional>
#include <string>

#include "engine/cpu/cgcnn_cpu.hpp"
#include "engine/cpu/isa.hpp"
#include "engine/models/cgcnn/params.hpp"
#include "engine/models/m3gnet/m3gnet.hpp"
#include "engine/models/megnet/megnet.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/model.hpp"

namespace xtalsieve {

namespace {

std::unique_ptr<model> make_cgcnn_model(const model_weights& w, const model_options& opt) {
    auto p = std::make_shared<const cgcnn::params>(cgcnn::prepare(w));
    return cpu::make_cgcnn(std::move(p), opt.mode, opt.isa);
}

struct entry {
    const char* arch;
    std::unique_ptr<model> (*make)(const model_weights&, const model_options&);
};

constexpr entry registry[] = {
    {"cgcnn", &make_cgcnn_model},
    {"megnet", &megnet::make},
    {"m3gnet", &m3gnet::make},
};

}  // namespace

std::vector<std::string> cpu_isa_paths() {
    std::vector<std::string> out;
    for (cpu::isa i : cpu::supported_isas()) out.emplace_back(cpu::isa_name(i));
    return out;
}

std::unique_ptr<model> make_model(const model_weights& w, const model_options& opt) {
    // One check for every family: this build has the CPU backend only.
    if (opt.device == device_kind::cuda)
        throw error("--device cuda: xtalsieve was not built with CUDA (the CUDA backend is not available in this build)");
    for (const entry& e : registry)
        if (w.arch == e.arch) return e.make(w, opt);
    throw error(w.name + ": unknown model architecture '" + w.arch + "'");
}

}  // namespace xtalsieve
