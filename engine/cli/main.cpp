// The `xtalsieve` command line.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "engine/cli/commands.hpp"
#include "xtalsieve/error.hpp"

namespace {

const char* usage =
    "xtalsieve — screen crystal structures with graph neural networks\n"
    "\n"
    "usage:\n"
    "  xtalsieve predict --model M [--model M2 ...] --input PATH [--output FILE.csv]\n"
    "                    [--atom-init atom_init.json] [--threads N] [--batch-atoms N] [--approx table]\n"
    "                    [--device cpu|cuda[:N]] [input options]\n"
    "  xtalsieve convert --model M --output FILE.xtsw [--atom-init atom_init.json]\n"
    "  xtalsieve bench   [--model M ...] --input PATH [--repeat-to N] [--threads N] [--output FILE]\n"
    "  xtalsieve screen  (--model M ... | --ensemble NAME=M1,M2,...) (--input PATH | --generate perovskite[:A=..;B=..;X=..])\n"
    "                    --out DIR [--top K] [--objective \"P min|max\"] [--risk L] [--where \"P < v\"] ...\n"
    "                    [--elements contains:O|excludes:Pb|only:Ba,Ti,O] [--max-atoms N] [--spacegroups 221,...]\n"
    "                    [--dedup] [--labels FILE[:COLUMN|:KEY]] [--all] [--resume] [--log-json] [--threads N]\n"
    "                    [--approx table [--audit-exact F]] [input options]\n"
    "  xtalsieve models\n"
    "  xtalsieve version\n"
    "\n"
    "M is a checkpoint path (.pth.tar or .xtsw) or a name such as cgcnn/formation-energy-per-atom,\n"
    "looked up in $XTALSIEVE_MODELS (colon-separated folders), then the user cache.\n"
    "PATH is a file, a compressed file (.gz .bz2 .xz .zst), a .tar/.zip, or a folder walked recursively, of:\n"
    "  CIF (every data block), POSCAR/CONTCAR/*.vasp, extended XYZ (every frame), pymatgen JSON/JSON lines\n"
    "  (Structure, ComputedStructureEntry, lists, {\"entries\": [...]}), ASE SQLite *.db, CDVAE CSV (`cif` column).\n"
    "  Every file is read as a stream. input options: --format cif|poscar|extxyz|json|jsonl|db|csv,\n"
    "  --species A,B,... (VASP 4 POSCAR), --select key=value (ASE db), --disorder error|skip|majority (CIF),\n"
    "  --max-record-mb N (a larger record is refused, default 256).\n"
    "--labels takes a CSV with an id or material_id column, or an ASE database and a column or key-value pair.\n"
    "Exit status: 0 all predicted, 3 some inputs failed (see FILE.errors.csv), 2 usage error.\n";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        std::fputs(usage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string cmd = args[0];
    args.erase(args.begin());
    try {
        if (cmd == "predict") return xtalsieve::cli::predict(args);
        if (cmd == "convert") return xtalsieve::cli::convert(args);
        if (cmd == "models") return xtalsieve::cli::models(args);
        if (cmd == "bench") return xtalsieve::cli::bench(args);
        if (cmd == "screen") {
            std::string line = "xtalsieve";
            for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
            return xtalsieve::cli::screen(args, line);
        }
        if (cmd == "version") {
            std::puts("xtalsieve 0.1.0");
            return 0;
        }
        std::fprintf(stderr, "xtalsieve: unknown command '%s'\n\n%s", cmd.c_str(), usage);
        return 2;
    } catch (const xtalsieve::cli::usage_error& e) {
        std::fprintf(stderr, "xtalsieve %s: %s\n(see xtalsieve --help)\n", cmd.c_str(), e.what());
        return 2;
    } catch (const xtalsieve::error& e) {
        std::fprintf(stderr, "xtalsieve %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "xtalsieve %s: unexpected error: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}
