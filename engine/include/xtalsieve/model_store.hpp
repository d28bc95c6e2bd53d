// xtalsieve/model_store.hpp — finding a model by name.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace xtalsieve {

struct resolve_options {
    bool allow_download = true;  // fetch official checkpoints into the user cache
};

// Resolves a model argument to a checkpoint file:
//  - an existing file path is returned as is;
//  - a MatGL folder (holding model.json) resolves to its model.json;
//  - a name "cgcnn/<stem>", "matgl/<stem>" (or a bare "<stem>") is looked up as
//    <stem>.xtsw, <stem>.pth.tar or <stem>/model.json in each directory of
//    $XTALSIEVE_MODELS (colon-separated, also in its cgcnn/ and matgl/ subfolders), then in $XDG_CACHE_HOME/xtalsieve/cgcnn
//    (default ~/.cache/xtalsieve/cgcnn), then, for the eight official CGCNN
//    names, downloaded from the CGCNN repository pinned to a commit, verified
//    by SHA-256 and kept in the cache (with atom_init.json).
// Throws xtalsieve::error saying where it looked and how to set XTALSIEVE_MODELS.
std::filesystem::path resolve_model(const std::string& name_or_path,
                                    const resolve_options& opt = {});

// SHA-256 of a file, lower-case hex. Throws xtalsieve::error if unreadable.
std::string file_sha256(const std::filesystem::path& p);

// The official CGCNN model names ("cgcnn/band-gap", ...).
std::vector<std::string> official_models();

}  // namespace xtalsieve
