// pymatgen JSON as a stream of records: JSON lines, or a document whose items
// (a top-level list, or the "entries" list of an Alexandria file) are cut out
// one at a time, so that a multi-gigabyte document is never held whole.
#include <nlohmann/json.hpp>

#include <string>

#include "io/record_streams.hpp"

namespace xtalsieve::io {

namespace {

// The id of a structure or entry, found by walking the text of its keys
// without building it: material_id or entry_id, then data.{material_id,
// mat_id, id}, then properties.{material_id, id}, then
// structure.properties.{material_id, id}. The JSON is checked
// later, when the record is parsed (in parallel); a value that cannot be
// walked here gives no id.
class id_scanner {
public:
    explicit id_scanner(std::string_view s) : s_(s) {}

    std::string id() {
        std::string_view top[2], data[3], own_props;
        if (!object({{"material_id", &top[0]}, {"entry_id", &top[1]}, {"data", &data_}, {"structure", &structure_},
                     {"properties", &own_props}}))
            return {};
        for (auto v : top)
            if (is_string(v)) return unquote(v);
        if (!data_.empty() && sub(data_).object({{"material_id", &data[0]}, {"mat_id", &data[1]}, {"id", &data[2]}}))
            for (auto v : data)
                if (is_string(v)) return unquote(v);
        // A Structure's own properties (as `xtalsieve structures` and current
        // pymatgen write them), then an entry's structure's properties.
        if (std::string p = properties_id(own_props); !p.empty()) return p;
        std::string_view properties;
        if (!structure_.empty() && sub(structure_).object({{"properties", &properties}}))
            return properties_id(properties);
        return {};
    }

private:
    // properties.material_id, else properties.id.
    static std::string properties_id(std::string_view properties) {
        std::string_view v[2];
        if (properties.empty() || !sub(properties).object({{"material_id", &v[0]}, {"id", &v[1]}})) return {};
        for (auto x : v)
            if (!x.empty()) return is_string(x) ? unquote(x) : std::string(x);
        return {};
    }

    struct want {
        std::string_view key;
        std::string_view* value;
    };

    static id_scanner sub(std::string_view v) { return id_scanner(v); }
    static bool is_string(std::string_view v) { return v.size() >= 2 && v.front() == '"'; }
    static std::string unquote(std::string_view v) {
        if (v.find('\\') == std::string_view::npos) return std::string(v.substr(1, v.size() - 2));
        try {
            return nlohmann::json::parse(v).get<std::string>();
        } catch (const std::exception&) {
            return {};
        }
    }

    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool string_end() {  // at an opening quote: past the closing one
        for (++i_; i_ < s_.size(); ++i_) {
            if (s_[i_] == '\\') ++i_;
            else if (s_[i_] == '"') {
                ++i_;
                return true;
            }
        }
        return false;
    }
    bool value() {
        if (i_ >= s_.size()) return false;
        if (s_[i_] == '"') return string_end();
        if (s_[i_] == '{' || s_[i_] == '[') {
            int depth = 0;
            while (i_ < s_.size()) {
                const char c = s_[i_];
                if (c == '"') {
                    if (!string_end()) return false;
                    continue;
                }
                ++i_;
                if (c == '{' || c == '[') ++depth;
                else if ((c == '}' || c == ']') && --depth == 0) return true;
            }
            return false;
        }
        const std::size_t start = i_;
        while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && s_[i_] != ' ' && s_[i_] != '\n') ++i_;
        return i_ > start;
    }
    // The values of the wanted keys of an object (the last one given wins).
    bool object(std::initializer_list<want> wanted) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '{') return false;
        ++i_;
        for (;;) {
            ws();
            if (i_ >= s_.size()) return false;
            if (s_[i_] == '}') return true;
            if (s_[i_] == ',') {
                ++i_;
                continue;
            }
            if (s_[i_] != '"') return false;
            const std::size_t k0 = i_ + 1;
            if (!string_end()) return false;
            const std::string_view key = s_.substr(k0, i_ - 1 - k0);
            ws();
            if (i_ >= s_.size() || s_[i_] != ':') return false;
            ++i_;
            ws();
            const std::size_t v0 = i_;
            if (!value()) return false;
            for (const want& w : wanted)
                if (key == w.key) *w.value = s_.substr(v0, i_ - v0);
        }
    }

    std::string_view s_;
    std::size_t i_ = 0;
    std::string_view data_, structure_;
};

// A record of one JSON value, with the id from the value, else the fallback.
void json_record(record& r, const std::string& where, std::string text, const std::string& fallback, std::size_t index,
                 std::size_t line) {
    r = record{};
    r.source = where;
    r.format = "pymatgen-json";
    r.index = index;
    r.line = line;
    const std::string id = id_scanner(text).id();
    r.id = id.empty() ? fallback : id;
    r.text = std::move(text);
}

class jsonl_stream_reader final : public line_splitter {
public:
    using line_splitter::line_splitter;

    bool next(record& r) override {
        std::string_view l;
        do {
            if (!lines_.next(l)) return false;
        } while (l.find_first_not_of(" \t\r") == std::string_view::npos);
        const std::size_t k = index_++;
        if (lines_.cut() || l.size() > limit_) {
            stream_error(r, where_, stem_ + ":" + std::to_string(k), k, lines_.number(), "pymatgen-json", too_large(limit_));
            return true;
        }
        json_record(r, where_, std::string(l), stem_ + ":" + std::to_string(k), k, lines_.number());
        return true;
    }
};

class json_doc_reader final : public record_reader {
public:
    json_doc_reader(stream_source src, const input_options& opt)
        : where_(std::move(src.where)), stem_(std::move(src.stem)), in_(std::move(src.bytes)), limit_(opt.max_record_bytes) {}

    bool next(record& r) override {
        for (;;) {
            switch (state_) {
                case state::done: return false;
                case state::start: {
                    if (in_.peek() == 0xEF) {  // UTF-8 byte order mark
                        in_.get();
                        in_.get();
                        in_.get();
                    }
                    skip_ws();
                    const int c = in_.peek();
                    if (c == '[') {
                        in_.get();
                        state_ = state::items;
                        continue;
                    }
                    if (c == '{') {
                        if (open_object(r)) return true;
                        continue;
                    }
                    return fail(r, c < 0 ? "empty JSON document" : "not a JSON object or list");
                }
                case state::items: {
                    skip_ws();
                    int c = in_.peek();
                    if (c == ',' && k_ > 0) {
                        in_.get();
                        skip_ws();
                        c = in_.peek();
                    }
                    if (c == ']') {
                        in_.get();
                        state_ = in_entries_ ? state::rest_of_object : state::trailing;
                        continue;
                    }
                    if (c < 0) return fail(r, "the document ends inside its list of structures (truncated?)");
                    const std::size_t line = in_.line(), k = k_++;
                    std::string text;
                    bool too_big = false;
                    const auto got = capture(text, too_big);
                    if (got == cap::eof) return fail(r, "the document ends inside a structure (truncated?)");
                    const std::string fallback = stem_ + ":" + std::to_string(k);
                    if (got == cap::bad) {
                        stream_error(r, where_, fallback, k, line, "pymatgen-json", "invalid JSON: expected a value");
                        state_ = state::done;
                        return true;
                    }
                    if (too_big) stream_error(r, where_, fallback, k, line, "pymatgen-json", too_large(limit_));
                    else json_record(r, where_, std::move(text), fallback, k, line);
                    return true;
                }
                case state::rest_of_object: {  // after "entries": the wrapper's other keys
                    skip_ws();
                    const int c = in_.peek();
                    if (c == '}') {
                        in_.get();
                        state_ = state::trailing;
                        continue;
                    }
                    if (c == ',') {
                        in_.get();
                        continue;
                    }
                    std::string key;
                    bool big = false;
                    if (c != '"' || capture(key, big) != cap::ok || !colon()) return fail(r, "invalid JSON after the entries");
                    std::string ignored;
                    if (capture(ignored, big) != cap::ok) return fail(r, "invalid JSON after the entries");
                    continue;
                }
                case state::trailing: {
                    state_ = state::done;
                    skip_ws();
                    if (in_.peek() >= 0) return fail(r, "unexpected text after the JSON document");
                    return false;
                }
            }
        }
    }

private:
    enum class state { start, items, rest_of_object, trailing, done };
    enum class cap { ok, eof, bad };

    void skip_ws() {
        for (int c = in_.peek(); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = in_.peek()) in_.get();
    }

    bool colon() {
        skip_ws();
        if (in_.peek() != ':') return false;
        in_.get();
        skip_ws();
        return true;
    }

    // One JSON value, copied into out without being checked (the JSON
    // library checks it); past the byte limit it is skipped instead and
    // too_big is set.
    cap capture(std::string& out, bool& too_big) {
        skip_ws();
        int c = in_.peek();
        if (c < 0) return cap::eof;
        auto put = [&](int ch) {
            if (too_big) return;
            if (out.size() >= limit_) {
                too_big = true;
                std::string().swap(out);
                return;
            }
            out.push_back(static_cast<char>(ch));
        };
        if (c == '{' || c == '[' || c == '"') {
            int depth = 0;
            bool in_string = false, escaped = false;
            for (;;) {
                const int ch = in_.get();
                if (ch < 0) return cap::eof;
                put(ch);
                if (in_string) {
                    if (escaped) escaped = false;
                    else if (ch == '\\') escaped = true;
                    else if (ch == '"') {
                        in_string = false;
                        if (depth == 0) return cap::ok;
                    }
                    continue;
                }
                if (ch == '"') in_string = true;
                else if (ch == '{' || ch == '[') ++depth;
                else if ((ch == '}' || ch == ']') && --depth == 0) return cap::ok;
            }
        }
        std::size_t n = 0;
        for (; c >= 0 && c != ',' && c != ']' && c != '}' && c != ' ' && c != '\t' && c != '\n' && c != '\r'; c = in_.peek()) {
            put(in_.get());
            ++n;
        }
        return n ? cap::ok : cap::bad;
    }

    // A top-level object: a structure or entry (one record), or a wrapper
    // whose "entries" list holds the records. True when r was filled.
    bool open_object(record& r) {
        const std::size_t line = in_.line();
        std::string obj;
        bool too_big = false;
        in_.get();
        obj.push_back('{');
        for (;;) {
            skip_ws();
            const int c = in_.peek();
            if (c == '}') {
                in_.get();
                obj.push_back('}');
                state_ = state::trailing;
                k_ = 1;
                if (too_big) stream_error(r, where_, stem_, 0, line, "pymatgen-json", too_large(limit_));
                else json_record(r, where_, std::move(obj), stem_, 0, line);
                return true;
            }
            if (c == ',') {
                in_.get();
                obj.push_back(',');
                continue;
            }
            if (c < 0) return fail(r, "the document ends inside its top-level object (truncated?)");
            std::string key;
            bool key_big = false;
            if (c != '"' || capture(key, key_big) != cap::ok || !colon()) return fail(r, "invalid JSON: expected a key");
            if (key == "\"entries\"" && in_.peek() == '[') {
                in_.get();
                in_entries_ = true;
                state_ = state::items;
                return false;
            }
            if (!too_big) obj += key + ':';
            const auto got = capture(obj, too_big);
            if (got == cap::eof) return fail(r, "the document ends inside its top-level object (truncated?)");
            if (got == cap::bad) return fail(r, "invalid JSON: expected a value");
        }
    }

    bool fail(record& r, const std::string& why) {
        const std::size_t k = k_++;
        stream_error(r, where_, k == 0 ? stem_ : stem_ + ":" + std::to_string(k), k, in_.line(), "pymatgen-json", why);
        state_ = state::done;
        return true;
    }

    std::string where_, stem_;
    char_stream in_;
    std::size_t limit_;
    state state_ = state::start;
    bool in_entries_ = false;
    std::size_t k_ = 0;
};

}  // namespace

std::unique_ptr<record_reader> make_json_stream_reader(stream_source src, const input_options& opt, bool lines) {
    if (lines) return std::make_unique<jsonl_stream_reader>(std::move(src), opt);
    return std::make_unique<json_doc_reader>(std::move(src), opt);
}

}  // namespace xtalsieve::io
