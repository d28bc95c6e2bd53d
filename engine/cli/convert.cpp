#include <cstdio>

#include "engine/cli/commands.hpp"
#include "engine/cli/model_args.hpp"
#include "xtalsieve/model.hpp"
#include "xtalsieve/model_store.hpp"

namespace xtalsieve::cli {

int convert(const std::vector<std::string>& args) {
    const flags f(args, {"model", "output", "atom-init"});
    const std::string output = f.required("output");
    auto ws = load_models({f.required("model")}, f.get("atom-init"));
    make_model(ws[0]);  // refuse to write weights the engine could not run
    save_native(ws[0], output);
    std::fprintf(stderr, "xtalsieve convert: wrote %s (%s, %zu tensors)\n", output.c_str(), ws[0].name.c_str(),
                 ws[0].tensors.size());
    return 0;
}

int models(const std::vector<std::string>& args) {
    const flags f(args, {});
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
}

}  // namespace xtalsieve::cli
