#include "cuda/backend.hpp"

#include <string>

#include "cuda/cgcnn_cuda.hpp"
#include "cuda/m3gnet_cuda.hpp"
#include "cuda/megnet_cuda.hpp"
#include "engine/models/cgcnn/params.hpp"
#include "engine/models/m3gnet/params.hpp"
#include "engine/models/megnet/params.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::gpu {

std::unique_ptr<model> make_model(const model_weights& w, const model_options& opt) {
    if (w.arch == "cgcnn") {
        if (opt.mode != precision::exact)
            throw error(w.name + ": --device cuda: --approx table has no CUDA implementation (the GPU computes the bond block exactly; use --approx exact or --device cpu)");
        return make_cgcnn(std::make_shared<const cgcnn::params>(cgcnn::prepare(w)), opt.device_index);
    }
    if (w.arch == "megnet") return make_megnet(std::make_shared<const megnet::params>(megnet::prepare(w)), opt.device_index);
    if (w.arch == "m3gnet") return make_m3gnet(std::make_shared<const m3gnet::params>(m3gnet::prepare(w)), opt.device_index);
    throw error(w.name + ": --device cuda: unknown model architecture '" + w.arch + "'");
}

}  // namespace xtalsieve::gpu
