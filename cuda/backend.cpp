#include "cuda/backend.hpp"

#include <string>

#include "cuda/cgcnn_cuda.hpp"
#include "cuda/megnet_cuda.hpp"
#include "engine/models/cgcnn/params.hpp"
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
    // Said plainly rather than running on the CPU behind the user's back.
    if (w.arch == "m3gnet")
        throw error(w.name + ": --device cuda: the M3GNet family has no CUDA implementation yet (CGCNN and MEGNet run "
                             "on the GPU); use --device cpu");
    throw error(w.name + ": --device cuda: unknown model architecture '" + w.arch + "'");
}

}  // namespace xtalsieve::gpu
