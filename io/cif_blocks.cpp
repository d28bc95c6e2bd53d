// CIF files as a stream of data blocks.
#include <string>

#include "io/record_streams.hpp"

namespace xtalsieve::io {

namespace {

class cif_stream_reader final : public line_splitter {
public:
    using line_splitter::line_splitter;

    bool next(record& r) override {
        if (done_) return false;
        if (!started_) {
            started_ = true;
            fill();
            if (!next_.header) {  // one block (or none): the file is the record, id = stem
                done_ = true;
                emit(r, cur_, stem_, 1);
                return true;
            }
        } else {
            if (!cur_.header) {
                done_ = true;
                return false;
            }
            if (!eof_) fill();
        }
        emit(r, cur_, cur_.name, cur_.line);
        cur_ = std::move(next_);
        next_ = {};
        return true;
    }

private:
    struct block {
        std::string text, name;
        std::size_t line = 0;
        bool header = false, too_big = false;
    };

    void append(block& b, std::string_view l) {
        if (b.too_big) return;
        if (b.text.size() + l.size() + 1 > limit_ || lines_.cut()) {
            b.too_big = true;
            std::string().swap(b.text);
            return;
        }
        b.text.append(l);
        b.text.push_back('\n');
    }

    // Lines into cur_ until a data_ header that opens another block (the head
    // of next_) or the end. ;text fields; may hold lines that look like headers.
    void fill() {
        std::string_view l;
        std::string name;
        while (lines_.next(l)) {
            bool header = false;
            if (!l.empty() && l[0] == ';') in_text_ = !in_text_;
            else if (!in_text_) header = cif_data_header(l, name);
            if (header && cur_.header) {
                next_.header = true;
                next_.name = name;
                next_.line = lines_.number();
                append(next_, l);
                return;
            }
            if (header) {
                cur_.header = true;
                cur_.name = name;
                cur_.line = lines_.number();
            }
            append(cur_, l);
        }
        eof_ = true;
    }

    void emit(record& r, block& b, const std::string& id, std::size_t line) {
        if (b.too_big) {
            stream_error(r, where_, id, index_++, line, "cif", too_large(limit_));
            return;
        }
        r = record{};
        r.source = where_;
        r.id = id;
        r.index = index_++;
        r.line = line;
        r.format = "cif";
        r.text = std::move(b.text);
    }

    block cur_, next_;
    bool started_ = false, done_ = false, eof_ = false, in_text_ = false;
};

}  // namespace

// A line "data_NAME" (leading blanks allowed); the name up to whitespace.
bool cif_data_header(std::string_view l, std::string& name) {
    const std::size_t b = l.find_first_not_of(" \t");
    if (b == std::string_view::npos || l.size() - b <= 5) return false;
    static constexpr char tag[] = "data";
    for (int k = 0; k < 4; ++k)
        if ((l[b + k] | 0x20) != tag[k]) return false;
    if (l[b + 4] != '_') return false;
    std::string_view n = l.substr(b + 5);
    n = n.substr(0, n.find_first_of(" \t\r"));
    name.assign(n);
    return true;
}

std::unique_ptr<record_reader> make_cif_stream_reader(stream_source src, const input_options& opt) {
    return std::make_unique<cif_stream_reader>(std::move(src), opt);
}

}  // namespace xtalsieve::io
