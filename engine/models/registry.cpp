// The model registry: architecture key -> factory. A new architecture is a new
// folder in engine/models/ plus one line in the table below.
#include <functional>
#include <string>
#include <string_view>

#include "engine/cpu/cgcnn_cpu.hpp"
#include "engine/cpu/isa.hpp"
#include "engine/models/cgcnn/params.hpp"
#include "engine/models/m3gnet/m3gnet.hpp"
#include "engine/models/megnet/megnet.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/model.hpp"
#include "xtalsieve/backends.hpp"
#ifdef XTALSIEVE_HAVE_CUDA
#include "cuda/backend.hpp"
#include "cuda/device.hpp"
#endif

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

bool cuda_built() {
#ifdef XTALSIEVE_HAVE_CUDA
    return true;
#else
    return false;
#endif
}

std::string cuda_status() {
#ifdef XTALSIEVE_HAVE_CUDA
    std::string why;
    const int n = gpu::device_count(&why);
    return "built (CGCNN only); " + (n > 0 ? std::to_string(n) + " device(s)" : "no usable device (" + why + ")");
#else
    return "not built (-DXTALSIEVE_CUDA=ON)";
#endif
}

void set_device(model_options& o, std::string_view spec) {
    const auto bad = [&] { return error("device: expected cpu or cuda[:N], got '" + std::string(spec) + "'"); };
    if (spec.empty() || spec == "cpu") {
        o.device = device_kind::cpu;
        o.device_index = 0;
        return;
    }
    if (spec.substr(0, 4) != "cuda") throw bad();
    int index = 0;
    if (spec.size() > 4) {
        if (spec[4] != ':' || spec.size() == 5 || spec.size() > 9) throw bad();
        for (char c : spec.substr(5)) {
            if (c < '0' || c > '9') throw bad();
            index = index * 10 + (c - '0');
        }
    }
    o.device = device_kind::cuda;
    o.device_index = index;
}

std::vector<std::string> cpu_isa_paths() {
    std::vector<std::string> out;
    for (cpu::isa i : cpu::supported_isas()) out.emplace_back(cpu::isa_name(i));
    return out;
}

std::unique_ptr<model> make_model(const model_weights& w, const model_options& opt) {
    // One check for every family: the CUDA backend (cuda/, -DXTALSIEVE_CUDA=ON)
    // says itself which families it implements.
    if (opt.device == device_kind::cuda) {
#ifdef XTALSIEVE_HAVE_CUDA
        return gpu::make_model(w, opt);
#else
        throw error("--device cuda: xtalsieve was not built with CUDA (the CUDA backend is not available in this build)");
#endif
    }
    for (const entry& e : registry)
        if (w.arch == e.arch) return e.make(w, opt);
    throw error(w.name + ": unknown model architecture '" + w.arch + "'");
}

}  // namespace xtalsieve
