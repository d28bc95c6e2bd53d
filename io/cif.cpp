#include "xtalsieve/cif.hpp"

#include <spglib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <string>
#include <vector>

#include "xtalsieve/elements.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve {

namespace {

// ASCII classification without the C locale's function calls (the hot path).
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
inline char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// ---- Tokenizer -------------------------------------------------------------
// CIF 1.1 tokens over the text: bare words, 'quoted' and "quoted" strings (a
// quote closes only when followed by whitespace), ;text fields; (a line that
// starts with ';'), and # comments. Tokens are views into the text.
struct token {
    std::string_view text;
    bool quoted = false;
};

class tokenizer {
public:
    explicit tokenizer(std::string_view s) : s_(s) {}

    bool next(token& t) {
        for (;;) {
            while (pos_ < s_.size() && is_space(s_[pos_])) {
                if (s_[pos_] == '\n') ++line_;
                ++pos_;
            }
            if (pos_ >= s_.size()) return false;
            if (s_[pos_] == '#') {
                while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
                continue;
            }
            break;
        }
        const char c = s_[pos_];
        const bool at_line_start = pos_ == 0 || s_[pos_ - 1] == '\n' || s_[pos_ - 1] == '\r';
        if (c == ';' && at_line_start) {
            const std::size_t start = pos_ + 1;
            std::size_t p = start;
            for (;;) {
                const std::size_t nl = s_.find('\n', p);
                if (nl == std::string_view::npos) throw error("unterminated ;text field; at line " + std::to_string(line_));
                ++line_;
                if (nl + 1 < s_.size() && s_[nl + 1] == ';') {
                    t = {s_.substr(start, nl - start), true};
                    pos_ = nl + 2;
                    return true;
                }
                p = nl + 1;
            }
        }
        if (c == '\'' || c == '"') {
            std::size_t p = pos_ + 1;
            for (;;) {
                if (p >= s_.size() || s_[p] == '\n') throw error("unterminated quoted string at line " + std::to_string(line_));
                if (s_[p] == c && (p + 1 >= s_.size() || is_space(s_[p + 1]))) break;
                ++p;
            }
            t = {s_.substr(pos_ + 1, p - pos_ - 1), true};
            pos_ = p + 1;
            return true;
        }
        const std::size_t start = pos_;
        while (pos_ < s_.size() && !is_space(s_[pos_])) ++pos_;
        t = {s_.substr(start, pos_ - start), false};
        return true;
    }

    std::size_t line() const { return line_; }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

bool iequals_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower_ascii(s[i]) != prefix[i]) return false;
    return true;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower_ascii(c);
    return out;
}

// One data block, flat: every value is a view into the text, in file order;
// an item names a tag and where its values lie (a loop column is strided).
// No per-tag allocation: a thread's block is reused from file to file.
struct column {
    const std::string_view* first = nullptr;
    std::size_t stride = 1, count = 0;
    explicit operator bool() const { return count > 0; }
    std::size_t size() const { return count; }
    std::string_view operator[](std::size_t i) const { return first[i * stride]; }
    std::string_view front() const { return first[0]; }
};

bool iequals(std::string_view s, std::string_view lower_tag) {
    return s.size() == lower_tag.size() && iequals_prefix(s, lower_tag);
}

struct block {
    struct item {
        std::string_view tag;  // as written (CIF tags are case-insensitive)
        std::size_t offset, stride, count;
    };
    std::vector<item> items;
    std::vector<std::string_view> values;

    void clear() {
        items.clear();
        values.clear();
    }
    // The values of a tag given in lower case; empty when absent or a loop
    // without rows. A tag given twice: the later one wins.
    column get(std::string_view lower_tag) const {
        for (auto it = items.rbegin(); it != items.rend(); ++it)
            if (iequals(it->tag, lower_tag))
                return it->count ? column{values.data() + it->offset, it->stride, it->count} : column{};
        return {};
    }
};

// Reads the first data block into b; stops at the next data_ header.
void read_first_block(std::string_view text, const std::string& id, block& b) {
    tokenizer tz(text);
    token t;
    b.clear();
    bool in_block = false;
    auto is_keyword = [](const token& k) {
        if (k.quoted || k.text.size() < 5) return false;
        switch (lower_ascii(k.text[0])) {  // most tokens are numbers: one comparison
            case 'd': return iequals_prefix(k.text, "data_");
            case 'l': return iequals_prefix(k.text, "loop_");
            case 'g': return iequals_prefix(k.text, "global_");
            case 's': return iequals_prefix(k.text, "save_") || iequals_prefix(k.text, "stop_");
            default: return false;
        }
    };
    auto is_tag = [](const token& k) { return !k.quoted && !k.text.empty() && k.text[0] == '_'; };
    bool have = tz.next(t);
    while (have) {
        if (!t.quoted && iequals_prefix(t.text, "data_")) {
            if (in_block) break;
            in_block = true;
            have = tz.next(t);
            continue;
        }
        if (!in_block) {  // text before the first data_ header
            have = tz.next(t);
            continue;
        }
        if (!t.quoted && iequals_prefix(t.text, "loop_")) {
            const std::size_t first_item = b.items.size();
            have = tz.next(t);
            while (have && is_tag(t)) {
                b.items.push_back({t.text, 0, 0, 0});
                have = tz.next(t);
            }
            const std::size_t ncols = b.items.size() - first_item;
            if (ncols == 0) throw error(id + ": loop_ without tags at line " + std::to_string(tz.line()));
            const std::size_t start = b.values.size();
            while (have && !is_tag(t) && !is_keyword(t)) {
                b.values.push_back(t.text);
                have = tz.next(t);
            }
            const std::size_t k = b.values.size() - start;
            if (k % ncols != 0)
                throw error(id + ": loop of " + lower(b.items[first_item].tag) + " has " + std::to_string(k) +
                            " values, not a multiple of " + std::to_string(ncols) + " columns");
            for (std::size_t c = 0; c < ncols; ++c) b.items[first_item + c] = {b.items[first_item + c].tag, start + c, ncols, k / ncols};
            continue;
        }
        if (is_tag(t)) {
            const std::string_view tag = t.text;
            token v;
            if (!tz.next(v) || (!v.quoted && (is_keyword(v) || (!v.text.empty() && v.text[0] == '_'))))
                throw error(id + ": tag " + lower(tag) + " has no value");
            b.items.push_back({tag, b.values.size(), 1, 1});
            b.values.push_back(v.text);
            have = tz.next(t);
            continue;
        }
        // A stray value outside a loop: tolerated, as pymatgen does.
        have = tz.next(t);
    }
    if (!in_block) throw error(id + ": no data_ block (empty or not a CIF file)");
}

// ---- Numbers ---------------------------------------------------------------

// pymatgen's str2float: drops a "(uncertainty)" suffix; "." is 0; "?" is unknown.
bool cif_number(std::string_view s, double& out) {
    if (auto p = s.find('('); p != std::string_view::npos) s = s.substr(0, p);
    if (s == ".") {
        out = 0;
        return true;
    }
    if (s.empty() || s == "?") return false;
    // from_chars rejects a leading '+', which Python's float() accepts.
    if (s[0] == '+') s.remove_prefix(1);
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
        // Python also accepts nan / inf spellings; accept them so that the
        // caller reports a non-finite value rather than a parse error.
        const std::string l = lower(s);
        if (l == "nan" || l == "-nan") out = NAN;
        else if (l == "inf" || l == "infinity") out = INFINITY;
        else if (l == "-inf" || l == "-infinity") out = -INFINITY;
        else return false;
    }
    return true;
}

double required_number(const block& b, const std::string& tag, const std::string& id) {
    const auto v = b.get(tag);
    if (!v) throw error(id + ": missing " + tag);
    double x;
    if (!cif_number(v.front(), x)) throw error(id + ": " + tag + " is not a number ('" + std::string(v.front()) + "')");
    if (!std::isfinite(x)) throw error(id + ": " + tag + " is not finite");
    return x;
}

// ---- Symmetry operations ---------------------------------------------------

struct symop {
    double rot[3][3] = {};
    double trans[3] = {};

    vec3 apply(const vec3& p) const {
        vec3 out;
        for (int i = 0; i < 3; ++i) out[i] = rot[i][0] * p[0] + rot[i][1] * p[1] + rot[i][2] * p[2] + trans[i];
        return out;
    }
};

// Parses "x, y, z" / "-y,x-y,z+1/3" / "1/2+x,..." the way pymatgen's
// SymmOp.from_xyz_string does: per component, terms [+-][number[/number]]x|y|z
// and a translation [+-]number[/number].
bool parse_symop(std::string_view s, symop& op) {
    std::string t;
    for (char c : s)
        if (!std::isspace(static_cast<unsigned char>(c))) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    int comp = 0;
    std::size_t i = 0;
    auto parse_num = [&](std::size_t& p, double& v) {
        const std::size_t st = p;
        while (p < t.size() && (std::isdigit(static_cast<unsigned char>(t[p])) || t[p] == '.')) ++p;
        if (p == st) return false;
        const auto r = std::from_chars(t.data() + st, t.data() + p, v);
        return r.ec == std::errc() && r.ptr == t.data() + p && std::isfinite(v);
    };
    while (i <= t.size()) {
        if (i == t.size() || t[i] == ',') {
            ++comp;
            ++i;
            if (comp > 3) return false;
            continue;
        }
        if (comp > 2) return false;
        double sign = 1;
        if (t[i] == '+' || t[i] == '-') {
            sign = t[i] == '-' ? -1 : 1;
            ++i;
        }
        double num = 1, den = 1;
        bool has_num = parse_num(i, num);
        if (i < t.size() && t[i] == '/') {
            ++i;
            if (!parse_num(i, den) || den == 0) return false;
        }
        if (i < t.size() && t[i] >= 'x' && t[i] <= 'z') {
            op.rot[comp][t[i] - 'x'] = sign * (num / den);
            ++i;
        } else if (has_num) {
            op.trans[comp] = (num / den) * sign;
        } else {
            return false;
        }
    }
    return comp == 3;
}

double wrap(double x) { return x - std::floor(x); }

std::string squeeze(std::string_view v) {
    std::string o;
    for (char c : v)
        if (!std::isspace(static_cast<unsigned char>(c)) && c != '_') o += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

// The spglib Hall number for a block that gives its space group only by Hall
// symbol, Hermann-Mauguin symbol (with an optional :1/:2/:H/:R setting) or
// number; 0 when it gives none (or none is recognised).
int hall_number_of(const block& b) {
    for (const char* tag : {"_symmetry_space_group_name_hall", "_space_group_name_hall"})
        if (const auto v = b.get(tag)) {
            const std::string want = squeeze(v.front());
            for (int h = 1; h <= 530; ++h)
                if (squeeze(spg_get_spacegroup_type(h).hall_symbol) == want) return h;
        }
    for (const char* tag : {"_symmetry_space_group_name_h-m", "_space_group_name_h-m_alt"})
        if (const auto v = b.get(tag)) {
            std::string_view hm = v.front();
            std::string choice;
            if (const auto c = hm.find(':'); c != std::string_view::npos) {
                choice = squeeze(hm.substr(c + 1));
                hm = hm.substr(0, c);
            }
            const std::string want = squeeze(hm);
            for (int h = 1; h <= 530; ++h) {
                const SpglibSpacegroupType t = spg_get_spacegroup_type(h);
                if ((squeeze(t.international_full) == want || squeeze(t.international_short) == want) &&
                    (choice.empty() || squeeze(t.choice) == choice))
                    return h;
            }
        }
    for (const char* tag : {"_symmetry_int_tables_number", "_space_group_it_number"})
        if (const auto v = b.get(tag)) {
            double n;
            if (cif_number(v.front(), n) && n >= 1 && n <= 230)
                for (int h = 1; h <= 530; ++h)
                    if (spg_get_spacegroup_type(h).number == static_cast<int>(n)) return h;
        }
    return 0;
}

// pymatgen's in_coord_list_pbc: every component within atol after removing
// whole cell translations (numpy rounds half to even).
bool same_site_pbc(const vec3& a, const vec3& b, double atol) {
    for (int k = 0; k < 3; ++k) {
        double d = a[k] - b[k];
        d -= std::nearbyint(d);
        if (!(std::abs(d) < atol)) return false;
    }
    return true;
}

// Points in the unit cell, found again within atol under periodic boundaries
// (the test is same_site_pbc). Few points: a scan in insertion order. Many: a
// hash of 1/1024-wide bins (wider than atol), probing the 27 bins around a
// query, so that merging the sites of a large P1 cell is linear, not quadratic.
class pbc_set {
public:
    explicit pbc_set(double atol) : atol_(atol) {}

    void clear() {
        pts_.clear();
        keys_.clear();
        next_.clear();
        head_.clear();
    }
    std::size_t size() const { return pts_.size(); }

    // The first inserted point within atol of q, or -1.
    long find_first(const vec3& q) const {
        if (head_.empty()) {
            for (std::size_t i = 0; i < pts_.size(); ++i)
                if (same_site_pbc(pts_[i], q, atol_)) return static_cast<long>(i);
            return -1;
        }
        long best = -1;
        const bin b = bin_of(q);
        for (int dx = -1; dx <= 1; ++dx)
            for (int dy = -1; dy <= 1; ++dy)
                for (int dz = -1; dz <= 1; ++dz) {
                    const std::uint32_t key = pack((b.x + dx) & mask, (b.y + dy) & mask, (b.z + dz) & mask);
                    for (long i = head_[slot(key)]; i >= 0; i = next_[i])
                        if (keys_[i] == key && (best < 0 || i < best) && same_site_pbc(pts_[i], q, atol_)) best = i;
                }
        return best;
    }

    void insert(const vec3& q) {
        pts_.push_back(q);
        const bin b = bin_of(q);
        keys_.push_back(pack(b.x, b.y, b.z));
        next_.push_back(-1);
        if (head_.empty() && pts_.size() < linear_limit) return;
        if (pts_.size() * 2 > head_.size()) rehash();
        else link(pts_.size() - 1);
    }

private:
    static constexpr int bits = 10, mask = (1 << bits) - 1;
    static constexpr std::size_t linear_limit = 32;
    struct bin {
        int x, y, z;
    };
    static bin bin_of(const vec3& q) {
        int c[3];
        for (int k = 0; k < 3; ++k) {
            const double w = q[k] - std::floor(q[k]);
            c[k] = static_cast<int>(w * (1 << bits)) & mask;  // w == 1.0 after rounding: bin 0, as it should
        }
        return {c[0], c[1], c[2]};
    }
    static std::uint32_t pack(int x, int y, int z) {
        return static_cast<std::uint32_t>(x) | static_cast<std::uint32_t>(y) << bits | static_cast<std::uint32_t>(z) << (2 * bits);
    }
    std::size_t slot(std::uint32_t key) const {
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & (head_.size() - 1);
    }
    void link(std::size_t i) {
        long& h = head_[slot(keys_[i])];
        next_[i] = h;
        h = static_cast<long>(i);
    }
    void rehash() {
        std::size_t n = 64;
        while (n < pts_.size() * 4) n *= 2;
        head_.assign(n, -1);
        for (std::size_t i = 0; i < pts_.size(); ++i) link(i);
    }

    double atol_;
    std::vector<vec3> pts_;
    std::vector<std::uint32_t> keys_;
    std::vector<long> next_, head_;
};

}  // namespace

structure read_cif(std::string_view text, const std::string& id, disorder_policy disorder) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) throw error(id + ": empty file");
    thread_local block b;
    try {
        read_first_block(text, id, b);
    } catch (const error& e) {
        const std::string w = e.what();
        throw error(w.rfind(id + ":", 0) == 0 ? w : id + ": " + w);
    }

    structure s;
    s.id = id;
    // Neither sites nor a cell: a publication or profile block, not a structure.
    const auto fx = b.get("_atom_site_fract_x");  // looked up once, used for the sites below
    if (!fx && !b.get("_atom_site_cartn_x") && !b.get("_cell_length_a"))
        throw error(id + ": missing atom sites and cell (no _atom_site_fract_x/y/z, no _cell_length_a): not a "
                         "structure block");
    const double a = required_number(b, "_cell_length_a", id);
    const double bl = required_number(b, "_cell_length_b", id);
    const double c = required_number(b, "_cell_length_c", id);
    const double al = required_number(b, "_cell_angle_alpha", id);
    const double be = required_number(b, "_cell_angle_beta", id);
    const double ga = required_number(b, "_cell_angle_gamma", id);
    if (!(a > 0 && bl > 0 && c > 0)) throw error(id + ": cell lengths must be positive");
    if (!(al > 0 && al < 180 && be > 0 && be < 180 && ga > 0 && ga < 180))
        throw error(id + ": cell angles must lie strictly between 0 and 180 degrees");
    s.lattice = lattice_from_parameters(a, bl, c, al, be, ga);

    std::vector<symop> ops;
    for (const char* tag : {"_symmetry_equiv_pos_as_xyz", "_symmetry_equiv_pos_as_xyz_",
                            "_space_group_symop_operation_xyz", "_space_group_symop_operation_xyz_"}) {
        const auto v = b.get(tag);
        if (!v) continue;
        std::vector<symop> parsed;
        bool ok = true;
        for (std::size_t i = 0; i < v.size(); ++i) {
            symop op;
            if (!parse_symop(v[i], op)) {
                ok = false;
                break;
            }
            parsed.push_back(op);
        }
        if (ok) {
            ops = std::move(parsed);
            break;
        }
    }
    if (ops.empty()) {
        // A modulated structure in superspace notation (x1 ... x4): the average
        // 3-D structure, from the first three coordinates of each operation.
        // Where those involve x4 the average is not a 3-D space group: refused.
        if (const auto v = b.get("_space_group_symop_ssg_operation_algebraic")) {
            for (std::size_t i = 0; i < v.size(); ++i) {
                std::string t(v[i]);
                std::vector<std::string> comps(1);
                for (char ch : t) {
                    if (ch == ',') comps.emplace_back();
                    else comps.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                }
                if (comps.size() < 4)
                    throw error(id + ": superspace operation '" + t + "' has fewer than four coordinates");
                std::string three;
                for (int k = 0; k < 3; ++k) {
                    const std::string& c = comps[k];
                    for (std::size_t q = 0; q < c.size(); ++q) {
                        if (c[q] == 'x' && q + 1 < c.size() && c[q + 1] >= '1' && c[q + 1] <= '9') {
                            if (c[q + 1] > '3')
                                throw error(id + ": superspace operation '" + t +
                                            "' mixes the internal coordinate into x, y, z: no average 3-D structure");
                            three += static_cast<char>('x' + (c[q + 1] - '1'));
                            ++q;
                        } else {
                            three += c[q];
                        }
                    }
                    if (k < 2) three += ',';
                }
                symop op;
                if (!parse_symop(three, op)) throw error(id + ": cannot read superspace operation '" + t + "'");
                ops.push_back(op);
            }
            if (!ops.empty())
                s.warnings.push_back("modulated structure (superspace operations): the average 3-D structure was used");
        }
    }
    if (ops.empty()) {
        // No operation loop: the space group by symbol or number, from spglib's tables.
        if (const int hall = hall_number_of(b); hall > 1) {
            int rot[192][3][3];
            double trans[192][3];
            const int n = spg_get_symmetry_from_database(rot, trans, hall);
            for (int k = 0; k < n; ++k) {
                symop op;
                for (int i = 0; i < 3; ++i) {
                    for (int j = 0; j < 3; ++j) op.rot[i][j] = rot[k][i][j];
                    op.trans[i] = trans[k][i];
                }
                ops.push_back(op);
            }
        }
    }
    if (ops.empty()) {
        symop identity;
        for (int i = 0; i < 3; ++i) identity.rot[i][i] = 1;
        ops.push_back(identity);
    }

    const auto labels = b.get("_atom_site_label");
    const auto types = b.get("_atom_site_type_symbol");
    const auto fy = b.get("_atom_site_fract_y");
    const auto fz = b.get("_atom_site_fract_z");
    const auto occ = b.get("_atom_site_occupancy");
    if (!fx || !fy || !fz) {
        if (b.get("_atom_site_cartn_x")) throw error(id + ": only Cartesian site coordinates given (not supported)");
        throw error(id + ": no fractional site coordinates (_atom_site_fract_x/y/z)");
    }
    const column names = labels ? labels : types;
    if (!names) throw error(id + ": no _atom_site_label or _atom_site_type_symbol");
    const std::size_t n = names.size();
    if (fx.size() != n || fy.size() != n || fz.size() != n || (types && types.size() != n) ||
        (occ && occ.size() != n))
        throw error(id + ": site columns differ in length");

    // Sites in file order, merged when a symmetry image of one lands on an
    // earlier one (pymatgen merges their compositions: disorder).
    struct site {
        vec3 coord;
        int z;
        double occupancy;
        bool mixed = false;
        double first_occupancy = 1;
        std::vector<std::pair<int, double>> species;  // after a merge: (Z, occupancy) in file order
    };
    // The same ceiling as every other reader, checked before memory is spent.
    constexpr std::size_t max_atoms = 100000;
    if (n > max_atoms) throw error(id + ": " + std::to_string(n) + " sites is more than the limit of 100000 atoms");
    std::vector<site> sites;
    sites.reserve(n);
    s.frac.reserve(n);
    s.numbers.reserve(n);
    pbc_set placed(1e-4);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string_view sym = types ? types[i] : labels[i];
        if (sym.substr(0, 2) == "OH") continue;  // pymatgen drops hydroxyl labels
        const int z = types ? element_from_type_symbol(sym) : element_from_label(sym);
        if (z == 0)
            throw error(id + ": unknown element " + std::string(types ? "type symbol" : "label") + " '" +
                        std::string(sym) + "' at site " + std::to_string(i + 1));
        vec3 p;
        const column* cols[3] = {&fx, &fy, &fz};
        for (int k = 0; k < 3; ++k) {
            if (!cif_number((*cols[k])[i], p[k]))
                throw error(id + ": site " + std::to_string(i + 1) + " has a bad coordinate '" +
                            std::string((*cols[k])[i]) + "'");
            if (!std::isfinite(p[k]))
                throw error(id + ": site " + std::to_string(i + 1) + " has a non-finite coordinate");
            // Finite-precision thirds (0.3333, 0.66667) become exact before
            // symmetry is applied, as in pymatgen.
            for (double third : {1.0 / 3.0, 2.0 / 3.0})
                if (std::abs(1 - p[k] / third) < 1e-4) p[k] = third;
        }
        double o = 1;
        if (occ && !cif_number(occ[i], o)) o = 1;
        if (!(o > 0)) continue;
        // The earliest site that any image of this one lands on.
        long first = -1;
        for (const symop& op : ops) {
            const long k = placed.find_first(op.apply(p));
            if (k >= 0 && (first < 0 || k < first)) first = k;
        }
        if (first >= 0) {
            site& other = sites[static_cast<std::size_t>(first)];
            if (other.z != z) other.mixed = true;
            if (other.species.empty()) other.species.emplace_back(other.z, other.first_occupancy);
            other.occupancy += o;
            other.species.emplace_back(z, o);
        } else {
            sites.push_back({p, z, o, false, o, {}});
            placed.insert(p);
        }
    }
    if (sites.empty()) throw error(id + ": no atomic sites");

    // Expand each site by every operation, keeping new positions only. Sites
    // of one element keep file order (then operation order), which is the
    // order pymatgen produces within an element.
    for (site& st : sites) {
        if (!st.mixed && st.occupancy == 1.0) continue;
        if (disorder == disorder_policy::skip) throw disorder_skipped(id + ": disordered structure (skipped by --disorder skip)");
        if (disorder == disorder_policy::error)
            throw error(id + ": partial occupancy (disordered structure) is not supported (see --disorder)");
        // Majority: the species with the largest total occupancy on the site, first on ties.
        if (st.species.empty()) st.species.emplace_back(st.z, st.first_occupancy);
        std::vector<std::pair<int, double>> totals;
        for (const auto& sp : st.species) {
            const int zz = sp.first;  // a plain local: clang 14 cannot capture structured bindings
            auto it = std::find_if(totals.begin(), totals.end(), [zz](const auto& t) { return t.first == zz; });
            if (it == totals.end()) totals.push_back(sp);
            else it->second += sp.second;
        }
        auto best = totals.begin();
        for (auto it = totals.begin(); it != totals.end(); ++it)
            if (it->second > best->second) best = it;
        st.z = best->first;
        st.occupancy = 1.0;
        st.mixed = false;
    }
    std::vector<bool> done(sites.size(), false);
    pbc_set coords(1e-4);
    for (std::size_t g = 0; g < sites.size(); ++g) {
        if (done[g]) continue;
        coords.clear();  // all positions of this element
        for (std::size_t h = g; h < sites.size(); ++h) {
            if (done[h] || sites[h].z != sites[g].z) continue;
            done[h] = true;
            for (const symop& op : ops) {
                vec3 q = op.apply(sites[h].coord);
                for (double& x : q) x = wrap(x);
                if (coords.find_first(q) < 0) {
                    if (s.size() >= max_atoms)
                        throw error(id + ": more than the limit of 100000 atoms after applying the symmetry operations");
                    coords.insert(q);
                    s.frac.push_back(q);
                    s.numbers.push_back(sites[g].z);
                }
            }
        }
    }
    return s;
}

}  // namespace xtalsieve
