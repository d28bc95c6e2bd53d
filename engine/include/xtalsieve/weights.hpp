// xtalsieve/weights.hpp — model parameters as loaded from a checkpoint.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace xtalsieve {

// A dense float32 tensor, row-major (see graph.hpp for the layout convention).
struct tensor {
    std::vector<std::int64_t> shape;
    std::vector<float> data;

    std::int64_t numel() const;
    std::int64_t dim(int i) const { return shape.at(static_cast<std::size_t>(i)); }
};

// Everything needed to run one trained model, independent of the file it came from.
struct model_weights {
    std::string arch = "cgcnn";                  // architecture key in the model registry
    std::string name;                            // model name: checkpoint file stem
    std::map<std::string, tensor> tensors;       // state_dict names, e.g. "convs.0.fc_full.weight"
    std::map<std::string, double> hparams;       // atom_fea_len, n_conv, h_fea_len, n_h, classification (0/1), ...
    std::map<std::string, std::string> meta;     // free text: task, source path, checksum ...
    double norm_mean = 0.0;                      // regression: prediction = out * std + mean
    double norm_std = 1.0;
    // Element table: atom_init[z] is the feature vector of atomic number z
    // (row 0 unused). Shape [max_atomic_number + 1, feature_len]; rows of
    // elements absent from atom_init.json are empty-marked in atom_init_known.
    tensor atom_init;
    std::vector<std::uint8_t> atom_init_known;   // [max_atomic_number + 1]

    const tensor& at(const std::string& key) const;  // throws xtalsieve::error naming the key
    double hparam(const std::string& key) const;     // throws when absent
};

struct load_options {
    // atom_init.json to use; empty: look beside the checkpoint.
    std::filesystem::path atom_init;
    // MatGL multi-fidelity models (the MEGNet band gap): the fidelities to
    // output, comma-separated names from pbe, gllbsc, hse, scan; empty: all,
    // one output column each.
    std::string fidelity;
};

// Loads a PyTorch checkpoint (legacy or zip serialization) or a native .xtsw file.
// Throws xtalsieve::error naming the file and the reason.
model_weights load_weights(const std::filesystem::path& path, const load_options& opt = {});

// Reads atom_init.json into w.atom_init / w.atom_init_known.
void load_atom_init(const std::filesystem::path& json_path, model_weights& w);

}  // namespace xtalsieve

namespace xtalsieve {

// Writes w in the native, versioned, memory-mappable format (see
// weights/native_format.hpp for the byte layout). Throws on I/O failure.
void save_native(const model_weights& w, const std::filesystem::path& path);

}  // namespace xtalsieve
