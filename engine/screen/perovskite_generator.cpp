#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "engine/screen/perovskite_rules.hpp"
#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/generator.hpp"

namespace xtalsieve {

namespace {

struct radii_row {
    double ionic, atomic;
};
constexpr radii_row radii[] = {
#include "engine/screen/radii_table.inc"
};

std::vector<int> parse_set(const std::string& list, const std::string& spec) {
    std::vector<int> out;
    std::stringstream ss(list);
    std::string sym;
    while (std::getline(ss, sym, ',')) {
        if (sym.empty()) continue;
        const int z = atomic_number(sym);
        if (!z) throw error("generator '" + spec + "': unknown element '" + sym + "'");
        out.push_back(z);
    }
    if (out.empty()) throw error("generator '" + spec + "': empty element set");
    return out;
}

std::vector<int> symbols(std::initializer_list<const char*> l) {
    std::vector<int> out;
    for (const char* s : l) out.push_back(atomic_number(s));
    return out;
}

class perovskite_reader final : public record_reader {
public:
    perovskite_reader(std::vector<int> a, std::vector<int> b, std::vector<int> x, generator_options opt)
        : a_(std::move(a)), b_(std::move(b)), x_(std::move(x)), opt_(opt) {}

    std::vector<std::string> descriptor_names() const override { return {"t"}; }

    bool next(record& r) override {
        const std::size_t total = a_.size() * b_.size() * x_.size();
        while (k_ < total) {
            const std::size_t k = k_++;
            const int za = a_[k / (b_.size() * x_.size())], zb = b_[(k / x_.size()) % b_.size()],
                      zx = x_[k % x_.size()];
            if (za == zb || za == zx || zb == zx) continue;
            const double ra = ionic_radius(za), rb = ionic_radius(zb), rx = ionic_radius(zx);
            const double a = std::max(2 * (rb + rx), std::sqrt(2.0) * (ra + rx));
            const std::string sa(element_symbol(za)), sb(element_symbol(zb)), sx(element_symbol(zx));
            r = record{};
            r.id = sa + sb + sx + "3";
            r.source = "generate:perovskite";
            r.index = index_++;
            r.format = "cif";
            char cell[256];
            std::snprintf(cell, sizeof cell,
                          "data_%s\n_cell_length_a %.6f\n_cell_length_b %.6f\n_cell_length_c %.6f\n"
                          "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n",
                          r.id.c_str(), a, a, a);
            r.text = cell;
            r.text += "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                      "_atom_site_fract_z\n";
            r.text += sa + "1 " + sa + " 0 0 0\n" + sb + "1 " + sb + " 0.5 0.5 0.5\n";
            r.text += sx + "1 " + sx + " 0.5 0.5 0\n" + sx + "2 " + sx + " 0.5 0 0.5\n" + sx + "3 " + sx + " 0 0.5 0.5\n";
            if (!(a > 0)) r.error = r.id + ": no tabulated ionic radius for an element";
            // Every candidate is emitted, the ruled-out ones marked, so the
            // screen accounts for all of them (inputs = scored + filtered + ...).
            const perovskite_ions ions = assess_perovskite(za, zb, zx);
            r.descriptors = {ions.t};
            if (opt_.charge_balance && !ions.charge_balanced) r.filtered = "charge balance";
            else if (std::isnan(ions.t)) r.filtered = "tolerance factor: no Shannon radii";
            else if (!(ions.t >= opt_.tolerance_min && ions.t <= opt_.tolerance_max)) r.filtered = "tolerance factor";
            return true;
        }
        return false;
    }

private:
    std::vector<int> a_, b_, x_;
    generator_options opt_;
    std::size_t k_ = 0, index_ = 0;
};

}  // namespace

double ionic_radius(int z) { return z >= 1 && z <= max_atomic_number ? radii[z - 1].ionic : 0.0; }

std::unique_ptr<record_reader> open_generator(const std::string& spec, generator_options opt) {
    if (!(opt.tolerance_min <= opt.tolerance_max))
        throw error("tolerance window: expected LO <= HI, got " + std::to_string(opt.tolerance_min) + ":" +
                    std::to_string(opt.tolerance_max));
    const auto colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    if (kind != "perovskite") throw error("unknown generator '" + kind + "' (available: perovskite)");
    std::vector<int> a = symbols({"Li", "Na", "K", "Rb", "Cs", "Mg", "Ca", "Sr", "Ba", "Pb", "La", "Ce", "Pr", "Nd",
                                  "Sm", "Gd", "Y", "Bi", "Ag", "Tl"});
    std::vector<int> b = symbols({"Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Zr", "Nb", "Mo", "Ru", "Rh",
                                  "Pd", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Al", "Ga", "In", "Sn", "Sb", "Ge",
                                  "Sc", "Mg"});
    std::vector<int> x = symbols({"O", "F", "S", "Cl", "N"});
    if (colon != std::string::npos) {
        std::stringstream ss(spec.substr(colon + 1));
        std::string part;
        while (std::getline(ss, part, ';')) {
            if (part.size() < 3 || part[1] != '=')
                throw error("generator '" + spec + "': expected A=..;B=..;X=.., got '" + part + "'");
            auto set = parse_set(part.substr(2), spec);
            if (part[0] == 'A') a = set;
            else if (part[0] == 'B') b = set;
            else if (part[0] == 'X') x = set;
            else throw error("generator '" + spec + "': unknown site '" + part.substr(0, 1) + "'");
        }
    }
    return std::make_unique<perovskite_reader>(std::move(a), std::move(b), std::move(x), opt);
}

}  // namespace xtalsieve
