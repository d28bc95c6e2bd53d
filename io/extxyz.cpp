#include <charconv>
#include <cmath>
#include <map>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"
#include "xtalsieve/formats.hpp"

namespace xtalsieve {

namespace {

bool to_double(std::string_view s, double& v) {
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::string_view line_at(std::string_view text, std::size_t& pos) {
    std::size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) e = text.size();
    std::string_view l = text.substr(pos, e - pos);
    pos = e + 1;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
}

// key=value pairs of the comment line: values bare, "double quoted", or {braced}.
std::map<std::string, std::string> header_pairs(std::string_view h, const std::string& id) {
    std::map<std::string, std::string> out;
    std::size_t i = 0;
    while (i < h.size()) {
        while (i < h.size() && std::isspace(static_cast<unsigned char>(h[i]))) ++i;
        if (i >= h.size()) break;
        std::size_t s = i;
        while (i < h.size() && h[i] != '=' && !std::isspace(static_cast<unsigned char>(h[i]))) ++i;
        std::string key(h.substr(s, i - s));
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (i >= h.size() || h[i] != '=') {  // a bare flag
            out[key] = "T";
            continue;
        }
        ++i;
        std::string value;
        if (i < h.size() && (h[i] == '"' || h[i] == '{' || h[i] == '[')) {
            const char close = h[i] == '"' ? '"' : (h[i] == '{' ? '}' : ']');
            const std::size_t e = h.find(close, i + 1);
            if (e == std::string_view::npos) throw error(id + ": unterminated value of '" + key + "' in the header");
            value = std::string(h.substr(i + 1, e - i - 1));
            i = e + 1;
        } else {
            s = i;
            while (i < h.size() && !std::isspace(static_cast<unsigned char>(h[i]))) ++i;
            value = std::string(h.substr(s, i - s));
        }
        out[key] = value;
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i <= s.size()) {
        std::size_t e = sep == ' ' ? s.find_first_of(" \t,", i) : s.find(sep, i);
        if (e == std::string_view::npos) e = s.size();
        if (e > i) out.push_back(s.substr(i, e - i));
        i = e + 1;
    }
    return out;
}

}  // namespace

std::string extxyz_frame_id(std::string_view frame) {
    std::size_t pos = 0;
    line_at(frame, pos);
    if (pos >= frame.size()) return {};
    try {
        const auto kv = header_pairs(line_at(frame, pos), "");
        for (const char* k : {"id", "material_id", "unique_id"})
            if (auto it = kv.find(k); it != kv.end() && !it->second.empty()) return it->second;
    } catch (const error&) {
    }
    return {};
}

structure read_extxyz_frame(std::string_view frame, const std::string& id) {
    std::size_t pos = 0;
    const std::string_view count_line = line_at(frame, pos);
    long n = 0;
    {
        auto t = count_line.substr(count_line.find_first_not_of(" \t") == std::string_view::npos ? count_line.size()
                                                                                                   : count_line.find_first_not_of(" \t"));
        t = t.substr(0, t.find_first_of(" \t"));
        const auto r = std::from_chars(t.data(), t.data() + t.size(), n);
        if (r.ec != std::errc() || r.ptr != t.data() + t.size() || n <= 0)
            throw error(id + ": first line must be the number of atoms, got '" + std::string(count_line) + "'");
        if (n > 100000) throw error(id + ": " + std::to_string(n) + " atoms is more than the limit of 100000");
    }
    if (pos >= frame.size()) throw error(id + ": truncated frame (no header line)");
    const auto kv = header_pairs(line_at(frame, pos), id);
    structure s;
    s.id = id;
    auto lat = kv.find("lattice");
    if (lat == kv.end()) throw error(id + ": frame has no Lattice= (not periodic; cannot build a crystal graph)");
    const auto lv = split(lat->second, ' ');
    if (lv.size() != 9) throw error(id + ": Lattice needs 9 numbers");
    for (int k = 0; k < 9; ++k)
        if (!to_double(lv[k], s.lattice[k / 3][k % 3]) || !std::isfinite(s.lattice[k / 3][k % 3]))
            throw error(id + ": bad Lattice number '" + std::string(lv[k]) + "'");
    if (auto pbc = kv.find("pbc"); pbc != kv.end()) {
        for (auto x : split(pbc->second, ' '))
            if (x == "F" || x == "f" || x == "False" || x == "false" || x == "0")
                throw error(id + ": pbc is not periodic in every direction");
    }
    // Properties=name:type:cols:... -> columns of species and positions.
    std::string props = "species:S:1:pos:R:3";
    if (auto p = kv.find("properties"); p != kv.end()) props = p->second;
    const auto pp = split(props, ':');
    if (pp.size() % 3) throw error(id + ": malformed Properties");
    int col = 0, species_col = -1, pos_col = -1, z_col = -1;
    for (std::size_t i = 0; i < pp.size(); i += 3) {
        int width = 0;
        std::from_chars(pp[i + 2].data(), pp[i + 2].data() + pp[i + 2].size(), width);
        if (width <= 0 || width > 64) throw error(id + ": bad column count in Properties");
        if (pp[i] == "species") species_col = col;
        else if (pp[i] == "pos" && width == 3) pos_col = col;
        else if (pp[i] == "Z") z_col = col;
        col += width;
    }
    if ((species_col < 0 && z_col < 0) || pos_col < 0) throw error(id + ": Properties lacks species and pos");
    const double det = cell_volume(s);
    if (!(std::abs(det) > 1e-9)) throw error(id + ": zero-volume cell");
    const auto& L = s.lattice;
    const auto inv = inverse_lattice(L);
    for (long a = 0; a < n; ++a) {
        if (pos >= frame.size()) throw error(id + ": truncated frame (" + std::to_string(a) + " of " + std::to_string(n) + " atoms)");
        const auto t = split(line_at(frame, pos), ' ');
        if (static_cast<int>(t.size()) < col)
            throw error(id + ": atom " + std::to_string(a + 1) + " has " + std::to_string(t.size()) + " columns, expected " + std::to_string(col));
        int z = 0;
        if (species_col >= 0) z = atomic_number(t[species_col]);
        else std::from_chars(t[z_col].data(), t[z_col].data() + t[z_col].size(), z);
        if (z < 1 || z > max_atomic_number)
            throw error(id + ": atom " + std::to_string(a + 1) + ": unknown element '" +
                        std::string(t[species_col >= 0 ? species_col : z_col]) + "'");
        vec3 c;
        for (int k = 0; k < 3; ++k)
            if (!to_double(t[pos_col + k], c[k]) || !std::isfinite(c[k]))
                throw error(id + ": atom " + std::to_string(a + 1) + ": bad position");
        vec3 f;
        for (int j = 0; j < 3; ++j) f[j] = c[0] * inv[0][j] + c[1] * inv[1][j] + c[2] * inv[2][j];
        s.frac.push_back(f);
        s.numbers.push_back(z);
    }
    return s;
}

}  // namespace xtalsieve
