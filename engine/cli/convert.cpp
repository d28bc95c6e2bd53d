#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "engine/cli/commands.hpp"
#include "engine/cli/model_args.hpp"
#include "xtalsieve/model.hpp"
#include "xtalsieve/model_store.hpp"

namespace xtalsieve::cli {

command add_convert(CLI::App& app) {
    struct convert_args {
        std::string model, atom_init, output;
    };
    auto a = std::make_shared<convert_args>();
    CLI::App* sub = app.add_subcommand("convert", "Write a checkpoint in the native .xtsw format");
    sub->add_option("--model", a->model, "Checkpoint path (.pth.tar, MatGL folder) or name such as cgcnn/band-gap, matgl/MEGNet-MP-2018.6.1-Eform")
        ->type_name("M")
        ->required()
        ->group(group_models);
    add_atom_init(*sub, a->atom_init);
    sub->add_option("--output", a->output, "The .xtsw file to write")->type_name("FILE")->required()->group(group_output);
    return [a] {
        auto ws = load_models({a->model}, a->atom_init);
        make_model(ws[0]);  // refuse to write weights the engine could not run
        save_native(ws[0], a->output);
        std::fprintf(stderr, "xtalsieve convert: wrote %s (%s, %zu tensors)\n", a->output.c_str(), ws[0].name.c_str(),
                     ws[0].tensors.size());
        return 0;
    };
}

command add_models(CLI::App& app) {
    app.add_subcommand("models", "List the official CGCNN models and the MatGL models in $XTALSIEVE_MODELS, with their outputs and units");
    return [] {
        for (const auto& n : official_models()) {
            std::string where;
            try {
                where = resolve_model(n, {.allow_download = false}).string();
            } catch (const std::exception&) {
                where = "(not found locally; downloaded on first use)";
            }
            std::printf("%-36s %s\n", n.c_str(), where.c_str());
        }
        // MatGL's pretrained_models layout: <dir>[/matgl]/<name>/model.json.
        std::set<std::string> seen;
        if (const char* env = std::getenv("XTALSIEVE_MODELS")) {
            std::stringstream ss(env);
            for (std::string d; std::getline(ss, d, ':');) {
                if (d.empty()) continue;
                for (const std::filesystem::path& dir : {std::filesystem::path(d), std::filesystem::path(d) / "matgl"}) {
                    std::error_code ec;
                    if (!std::filesystem::is_directory(dir, ec)) continue;
                    std::vector<std::filesystem::path> found;
                    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
                        if (std::filesystem::is_regular_file(e.path() / "model.json")) found.push_back(e.path());
                    std::sort(found.begin(), found.end());
                    for (const auto& f : found) {
                        const std::string name = "matgl/" + f.filename().string();
                        if (!seen.insert(name).second) continue;
                        std::string outs;
                        try {
                            auto m = make_model(load_weights(f));
                            const auto o = m->outputs(), u = m->units();
                            for (std::size_t i = 0; i < o.size(); ++i)
                                outs += (i ? ", " : "") + o[i] + (u[i].empty() ? "" : " (" + u[i] + ")");
                        } catch (const std::exception& e) {
                            outs = std::string("cannot load: ") + e.what();
                        }
                        std::printf("%-36s %s\n%-36s   outputs: %s\n", name.c_str(), (f / "model.json").c_str(), "", outs.c_str());
                    }
                }
            }
        }
        return 0;
    };
}

}  // namespace xtalsieve::cli
