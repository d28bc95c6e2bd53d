#include <charconv>
#include <cmath>
#include <sstream>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/formats.hpp"

namespace xtalsieve {

namespace {

std::vector<std::string_view> tokens(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        const std::size_t s = i;
        while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i > s) out.push_back(line.substr(s, i - s));
    }
    return out;
}

bool to_double(std::string_view s, double& v) {
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool to_count(std::string_view s, long& v) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && v >= 0;
}

}  // namespace

structure read_poscar(std::string_view text, const std::string& id, const std::vector<std::string>& species) {
    std::vector<std::string_view> lines;
    for (std::size_t p = 0; p <= text.size();) {
        std::size_t e = text.find('\n', p);
        if (e == std::string_view::npos) e = text.size();
        std::string_view l = text.substr(p, e - p);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        lines.push_back(l);
        p = e + 1;
    }
    auto fail = [&](std::size_t line, const std::string& why) -> structure {
        throw error(id + ": line " + std::to_string(line + 1) + ": " + why);
    };
    if (lines.size() < 8) throw error(id + ": truncated POSCAR (fewer than 8 lines)");
    structure s;
    s.id = id;
    const auto sc = tokens(lines[1]);
    double scale;
    if (sc.empty() || !to_double(sc[0], scale) || !std::isfinite(scale) || scale == 0) fail(1, "bad scale factor");
    for (int k = 0; k < 3; ++k) {
        const auto t = tokens(lines[2 + k]);
        if (t.size() < 3) fail(2 + k, "a lattice vector needs 3 numbers");
        for (int c = 0; c < 3; ++c)
            if (!to_double(t[c], s.lattice[k][c]) || !std::isfinite(s.lattice[k][c])) fail(2 + k, "bad lattice number");
    }
    const double v0 = std::abs(cell_volume(s));
    if (!(v0 > 1e-9)) throw error(id + ": zero-volume cell");
    const double f = scale > 0 ? scale : std::cbrt(-scale / v0);  // negative scale: target volume
    for (auto& row : s.lattice)
        for (double& x : row) x *= f;

    std::size_t ln = 5;
    auto t = tokens(lines[ln]);
    std::vector<std::string> names;
    long dummy;
    if (!t.empty() && !to_count(t[0], dummy)) {  // VASP 5 symbols line
        for (auto x : t) names.emplace_back(x);
        ++ln;
        if (ln >= lines.size()) fail(ln, "missing atom counts");
        t = tokens(lines[ln]);
    } else if (!species.empty()) {
        names = species;
    } else {  // VASP 4: symbols from the comment line
        for (auto x : tokens(lines[0])) names.emplace_back(x);
    }
    std::vector<long> counts;
    for (auto x : t) {
        long c;
        if (!to_count(x, c)) break;
        counts.push_back(c);
    }
    if (counts.empty()) fail(ln, "bad atom counts");
    if (names.size() < counts.size())
        throw error(id + ": " + std::to_string(counts.size()) + " species counts but " + std::to_string(names.size()) +
                    " species names (VASP 4 file: pass --species)");
    long total = 0;
    for (long c : counts) total += c;
    if (total <= 0) fail(ln, "no atoms");
    if (total > 100000) fail(ln, "more than 100000 atoms");
    ++ln;
    if (ln < lines.size() && !lines[ln].empty() && (lines[ln][0] == 'S' || lines[ln][0] == 's')) ++ln;  // selective dynamics
    if (ln >= lines.size()) fail(ln, "missing Direct/Cartesian line");
    const char mode = lines[ln].empty() ? ' ' : lines[ln].find_first_not_of(" \t") == std::string_view::npos
                                                    ? ' '
                                                    : lines[ln][lines[ln].find_first_not_of(" \t")];
    const bool cart = mode == 'C' || mode == 'c' || mode == 'K' || mode == 'k';
    if (!cart && mode != 'D' && mode != 'd') fail(ln, "expected Direct or Cartesian");
    ++ln;
    if (lines.size() < ln + static_cast<std::size_t>(total)) throw error(id + ": truncated POSCAR (fewer coordinates than atoms)");
    // Inverse lattice for Cartesian input.
    const auto& L = s.lattice;
    const auto inv = inverse_lattice(L);
    for (std::size_t sp = 0; sp < counts.size(); ++sp) {
        const int z = atomic_number(names[sp].substr(0, names[sp].find_first_of("_/")));
        if (!z) throw error(id + ": unknown element '" + names[sp] + "'");
        for (long a = 0; a < counts[sp]; ++a, ++ln) {
            const auto c = tokens(lines[ln]);
            vec3 p;
            if (c.size() < 3) fail(ln, "a position needs 3 numbers");
            for (int k = 0; k < 3; ++k)
                if (!to_double(c[k], p[k]) || !std::isfinite(p[k])) fail(ln, "bad coordinate");
            if (cart) {
                vec3 q{};
                for (int k = 0; k < 3; ++k) p[k] *= f;
                for (int j = 0; j < 3; ++j) q[j] = p[0] * inv[0][j] + p[1] * inv[1][j] + p[2] * inv[2][j];
                p = q;
            }
            s.frac.push_back(p);
            s.numbers.push_back(z);
        }
    }
    return s;
}

}  // namespace xtalsieve
