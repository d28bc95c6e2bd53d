// Options shared by several subcommands, and the checks CLI11 cannot express.
#include <sstream>

#include "engine/cli/commands.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::cli {

CLI::Validator decimal_integer() {
    return CLI::Validator(
        [](std::string& s) -> std::string {
            const std::size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
            if (i == s.size() || s.find_first_not_of("0123456789", i) != std::string::npos)
                return "'" + s + "' is not an integer";
            // Leading zeros would make CLI11 read octal.
            const std::size_t first = s.find_first_not_of('0', i);
            s.erase(i, (first == std::string::npos ? s.size() - 1 : first) - i);
            return "";
        },
        "");
}

namespace {

// CLI11's NonNegativeNumber and PositiveNumber print their range as a
// 300-digit double; this says the bound in words.
CLI::Validator at_least(long min) {
    return CLI::Validator(
        [min](std::string& s) -> std::string {
            if (auto bad = decimal_integer()(s); !bad.empty()) return bad;
            long v = 0;
            if (!CLI::detail::lexical_cast(s, v)) return "'" + s + "' is out of range";
            return v < min ? "must be at least " + std::to_string(min) + ", got " + s : "";
        },
        "");
}

}  // namespace

void add_input_options(CLI::App& sub, input_args& a) {
    sub.add_option("--format", a.format, "Override format detection: cif|poscar|extxyz|json|jsonl|db|csv (also xyz, vasp)")
        ->type_name("FMT")
        ->group(group_input);
    sub.add_option("--species", a.species, "Species of a VASP 4 POSCAR, comma-separated (else its comment line)")
        ->type_name("A,B,...")
        ->group(group_input);
    sub.add_option("--select", a.select, "Only the rows of an ASE database with this key-value pair")
        ->type_name("KEY=VALUE")
        ->group(group_input);
    sub.add_option("--disorder", a.disorder, "Partially occupied CIF sites: error|skip|majority")
        ->type_name("POLICY")
        ->group(group_input);
    sub.add_option("--max-record-mb", a.max_record_mb, "Refuse a record larger than this (MiB, 1 to 1048576), the stream goes on")
        ->type_name("MIB")
        ->transform(decimal_integer())
        ->check(CLI::Range(1L, 1L << 20).description(""))  // the help names the range
        ->group(group_input);
}

input_options input_args::get() const {
    input_options o;
    o.format = format;
    o.select = select;
    o.disorder = disorder;
    std::stringstream ss(species);
    for (std::string x; std::getline(ss, x, ',');)
        if (!x.empty()) o.species.push_back(x);
    o.max_record_bytes = static_cast<std::size_t>(max_record_mb) << 20;
    return o;
}

void add_atom_init(CLI::App& sub, std::string& path) {
    sub.add_option("--atom-init", path, "atom_init.json for every model (default: the one beside each checkpoint)")
        ->type_name("FILE")
        ->group(group_models);
}

void add_fidelity(CLI::App& sub, std::string& fidelity) {
    sub.add_option("--fidelity", fidelity,
                   "Multi-fidelity MatGL models (MEGNet band gap): pbe, gllbsc, hse or scan, comma-separated "
                   "(default: one column per fidelity)")
        ->type_name("F")
        ->group(group_models);
}

void add_threads(CLI::App& sub, int& threads) {
    sub.add_option("--threads", threads, "Worker threads (0: one per core)")
        ->type_name("N")
        ->check(at_least(0))
        ->group(group_performance);
}

void add_batch_atoms(CLI::App& sub, std::size_t& batch_atoms) {
    sub.add_option("--batch-atoms", batch_atoms, "Atoms per inference batch (atoms)")
        ->type_name("N")
        ->check(at_least(1))
        ->group(group_performance);
}

void add_approx(CLI::App& sub, std::string& approx) {
    sub.add_option("--approx", approx, "Bond filter: exact, or table (tabulated, faster, approximate)")
        ->type_name("MODE")
        ->check(CLI::IsMember({"exact", "table"}))
        ->group(group_performance);
}

void add_device(CLI::App& sub, std::string& device) {
    sub.add_option("--device", device, "Backend: cpu or cuda[:N]")->type_name("DEV")->group(group_performance);
}

void add_max_images(CLI::App& sub, double& limit) {
    sub.add_option("--max-images-per-atom", limit,
                   "Refuse a structure whose neighbour search would visit more periodic images per atom "
                   "(density bound; 0: the default, 20000)")
        ->type_name("N")
        ->check(CLI::NonNegativeNumber)
        ->group(group_performance);
}

void add_isa(CLI::App& sub, std::string& isa) {
    // Unknown names are usage errors here; a path this CPU cannot run is the
    // engine's error when the model is built (it never falls back silently).
    sub.add_option("--isa", isa, "CPU kernel path: avx512|avx2|portable (default: $XTALSIEVE_ISA, else the best this CPU runs)")
        ->type_name("PATH")
        ->check(CLI::IsMember({"avx512", "avx2", "portable"}))
        ->group(group_performance);
}

void parse_device(const std::string& s, model_options& m) {
    // The library's parser (set_device); on the command line a bad value is a usage error.
    try {
        set_device(m, s);
    } catch (const error&) {
        throw usage_error("--device expects cpu or cuda[:N], got '" + s + "'");
    }
}

precision parse_precision(const std::string& s) {
    if (s.empty() || s == "exact") return precision::exact;
    if (s == "table") return precision::table;
    throw usage_error("--approx expects 'table' (or 'exact'), got '" + s + "'");
}

}  // namespace xtalsieve::cli
