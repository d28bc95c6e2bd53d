#include "xtalsieve/csv.hpp"

#include "xtalsieve/error.hpp"

namespace xtalsieve {

bool csv_reader::next(std::vector<std::string>& fields) {
    fields.clear();
    if (pos_ >= text_.size()) return false;
    line_ = next_line_;
    std::string field;
    bool quoted = false, any = false;
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (quoted) {
            if (c == '"') {
                if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                    field += '"';
                    pos_ += 2;
                    continue;
                }
                quoted = false;
                ++pos_;
                continue;
            }
            if (c == '\n') ++next_line_;
            field += c;
            ++pos_;
            continue;
        }
        if (c == '"' && field.empty()) {
            quoted = true;
            any = true;
            ++pos_;
            continue;
        }
        if (c == ',') {
            fields.push_back(std::move(field));
            field.clear();
            any = true;
            ++pos_;
            continue;
        }
        if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
            ++pos_;
            continue;
        }
        if (c == '\n') {
            ++pos_;
            ++next_line_;
            fields.push_back(std::move(field));
            return true;
        }
        field += c;
        any = true;
        ++pos_;
    }
    if (quoted) throw error("unterminated quoted field starting on line " + std::to_string(line_));
    if (any || !field.empty()) fields.push_back(std::move(field));
    return !fields.empty();
}

}  // namespace xtalsieve
