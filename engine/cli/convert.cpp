#include <cstdio>
#include <memory>

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
    sub->add_option("--model", a->model, "Checkpoint path (.pth.tar) or name such as cgcnn/band-gap")
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
    app.add_subcommand("models", "List the official models and where each is found locally");
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
        return 0;
    };
}

}  // namespace xtalsieve::cli
