#include <algorithm>
#include <sstream>

#include "engine/cli/commands.hpp"

namespace xtalsieve::cli {

flags::flags(const std::vector<std::string>& args, const std::vector<std::string>& valued,
             const std::vector<std::string>& switches) {
    auto in = [](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        std::string value;
        bool inline_value = false;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = a.substr(eq + 1);
            a = a.substr(0, eq);
            inline_value = true;
        }
        if (a.rfind("--", 0) != 0) throw usage_error("unexpected argument '" + a + "'");
        const std::string name = a.substr(2);
        if (in(switches, name)) {
            kv_.emplace_back(name, "1");
        } else if (in(valued, name)) {
            if (!inline_value) {
                if (i + 1 >= args.size()) throw usage_error("--" + name + " needs a value");
                value = args[++i];
            }
            kv_.emplace_back(name, value);
        } else {
            throw usage_error("unknown option --" + name);
        }
    }
}

std::vector<std::string> flags::all(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : kv_)
        if (k == name) out.push_back(v);
    return out;
}

std::string flags::get(const std::string& name, const std::string& fallback) const {
    auto v = all(name);
    return v.empty() ? fallback : v.back();
}

bool flags::has(const std::string& name) const { return !all(name).empty(); }

std::string flags::required(const std::string& name) const {
    if (!has(name)) throw usage_error("--" + name + " is required");
    return get(name);
}

long flags::integer(const std::string& name, long fallback) const {
    if (!has(name)) return fallback;
    const std::string v = get(name);
    try {
        std::size_t pos = 0;
        long x = std::stol(v, &pos);
        if (pos != v.size()) throw 0;
        return x;
    } catch (...) {
        throw usage_error("--" + name + " expects an integer, got '" + v + "'");
    }
}

void parse_device(const std::string& s, model_options& m) {
    if (s.empty() || s == "cpu") {
        m.device = device_kind::cpu;
        return;
    }
    if (s.rfind("cuda", 0) == 0) {
        m.device = device_kind::cuda;
        if (s.size() > 4) {
            if (s[4] != ':') throw usage_error("--device expects cpu or cuda[:N], got '" + s + "'");
            try {
                m.device_index = std::stoi(s.substr(5));
            } catch (...) {
                throw usage_error("--device expects cpu or cuda[:N], got '" + s + "'");
            }
        }
        return;
    }
    throw usage_error("--device expects cpu or cuda[:N], got '" + s + "'");
}

input_options parse_input_options(const flags& f) {
    input_options o;
    o.format = f.get("format");
    o.select = f.get("select");
    o.disorder = f.get("disorder", "error");
    if (f.has("species")) {
        std::stringstream ss(f.get("species"));
        for (std::string x; std::getline(ss, x, ',');)
            if (!x.empty()) o.species.push_back(x);
    }
    if (f.has("max-record-mb")) {
        const long mb = f.integer("max-record-mb", 0);
        if (mb <= 0 || mb > (1L << 20)) throw usage_error("--max-record-mb expects a size in MiB between 1 and 1048576");
        o.max_record_bytes = static_cast<std::size_t>(mb) << 20;
    }
    return o;
}

precision parse_precision(const std::string& s) {
    if (s.empty() || s == "exact") return precision::exact;
    if (s == "table") return precision::table;
    throw usage_error("--approx expects 'table' (or 'exact'), got '" + s + "'");
}

}  // namespace xtalsieve::cli
