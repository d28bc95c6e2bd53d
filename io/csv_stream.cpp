// CDVAE-style CSV (an index column, material_id, cif, labels ...) as a stream
// of records; a quoted field may span lines.
#include <algorithm>
#include <string>
#include <vector>

#include "io/record_streams.hpp"
#include "xtalsieve/csv.hpp"
#include "xtalsieve/error.hpp"

namespace xtalsieve::io {

namespace {

// Whether a record is still inside a quoted field at the end of this line,
// following csv_reader's rules: a quote opens a field only at its start, and
// "" inside a quoted field is a quote.
bool still_quoted(std::string_view l, bool quoted) {
    bool field_empty = !quoted;
    for (std::size_t i = 0; i < l.size(); ++i) {
        const char c = l[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < l.size() && l[i + 1] == '"') ++i;
                else quoted = false;
            }
            field_empty = false;
        } else if (c == '"' && field_empty) {
            quoted = true;
        } else {
            field_empty = c == ',';
        }
    }
    return quoted;
}

class csv_stream_reader final : public line_splitter {
public:
    csv_stream_reader(stream_source src, const input_options& opt) : line_splitter(std::move(src), opt) {
        std::string text;
        std::size_t line = 0;
        std::vector<std::string> header;
        if (read_record(text, line) != got::record || !csv_reader(text).next(header))
            throw error(where_ + ": empty CSV file");
        for (std::size_t i = 0; i < header.size(); ++i) {
            if (header[i] == "cif") cif_col_ = static_cast<int>(i);
            if (header[i] == "material_id" || (id_col_ < 0 && header[i] == "id")) id_col_ = static_cast<int>(i);
        }
        if (cif_col_ < 0) throw error(where_ + ": CSV has no 'cif' column");
        n_cols_ = header.size();
    }

    bool next(record& r) override {
        if (done_) return false;
        std::string text;
        std::size_t line = 0;
        const got g = read_record(text, line);
        if (g == got::end) return false;
        const std::size_t k = index_++;
        const std::string fallback = "record " + std::to_string(k + 1);
        if (g == got::too_big) {
            stream_error(r, where_, fallback, k, line, "cif", too_large(limit_));
            return true;
        }
        std::vector<std::string>& f = fields_;
        try {
            csv_reader(text).next(f);
        } catch (const error& e) {
            stream_error(r, where_, fallback, k, line, "cif", e.what());
            done_ = true;  // an unterminated quote runs to the end of the file
            return true;
        }
        const std::string id =
            id_col_ >= 0 && static_cast<std::size_t>(id_col_) < f.size() && !f[id_col_].empty() ? f[id_col_] : fallback;
        const std::string at = " record " + std::to_string(k + 1) + " (line " + std::to_string(line) + "), id " + id + ": ";
        r = record{};
        r.source = where_;
        r.index = k;
        r.line = line;
        r.format = "cif";
        r.id = id;
        if (f.size() != n_cols_)
            r.error = where_ + at + std::to_string(f.size()) + " fields, header has " + std::to_string(n_cols_);
        else if (f[cif_col_].empty())
            r.error = where_ + at + "empty cif field";
        else
            r.text = std::move(f[cif_col_]);
        return true;
    }

private:
    enum class got { record, end, too_big };

    // The physical lines of the next record (blank lines between records are skipped).
    got read_record(std::string& text, std::size_t& line) {
        std::string_view l;
        do {
            if (!lines_.next(l)) return got::end;
        } while (l.empty() || l == "\r");
        line = lines_.number();
        bool too_big = false;
        bool quoted = false;
        for (;;) {
            if (!too_big && (lines_.cut() || text.size() + l.size() + 1 > limit_)) {
                too_big = true;
                std::string().swap(text);
            }
            if (!too_big) {
                text.append(l);
                text.push_back('\n');
            }
            quoted = still_quoted(l, quoted);
            if (!quoted || !lines_.next(l)) break;
        }
        return too_big ? got::too_big : got::record;
    }

    std::vector<std::string> fields_;
    int cif_col_ = -1, id_col_ = -1;
    std::size_t n_cols_ = 0;
    bool done_ = false;
};

}  // namespace

std::unique_ptr<record_reader> make_csv_stream_reader(stream_source src, const input_options& opt) {
    return std::make_unique<csv_stream_reader>(std::move(src), opt);
}

}  // namespace xtalsieve::io
