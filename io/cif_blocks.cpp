// CIF files as a stream of data blocks.
#include <string>

#include "io/record_streams.hpp"

namespace xtalsieve::io {

namespace {

// True for a tag line that gives atom site coordinates: what makes a data
// block a structure (publication, powder-profile and other blocks have none).
bool site_coordinate_tag(std::string_view l) {
    // Called for every line of a block until one matches: a cheap test first.
    if (l.size() < 17) return false;
    std::size_t b = 0;
    if (l[0] != '_') {  // values and most other lines end here
        if (l[0] != ' ' && l[0] != '\t') return false;
        while (b < l.size() && (l[b] == ' ' || l[b] == '\t')) ++b;
    }
    // "_atom_site_fract_" / "_atom_site_cartn_": '_', 'a', then 'f' or 'c' at offset 11.
    if (l.size() - b < 17 || l[b] != '_' || (l[b + 1] | 0x20) != 'a' ||
        ((l[b + 11] | 0x20) != 'f' && (l[b + 11] | 0x20) != 'c'))
        return false;
    l = l.substr(b);
    for (std::string_view tag : {std::string_view("_atom_site_fract_"), std::string_view("_atom_site_cartn_")}) {
        if (l.size() < tag.size()) continue;
        bool same = true;
        for (std::size_t k = 0; k < tag.size() && same; ++k) same = (l[k] | 0x20) == (tag[k] | 0x20);
        if (same) return true;
    }
    return false;
}

// Blocks of a CIF file, and which of them are structures.
//
// Ids: a file with one structure block is one candidate with id = file stem;
// a file with several gives `<stem>:<block name>` for each. Blocks without
// atom site coordinates (data_global, publication and powder-profile blocks)
// come back as records marked non_structure (counted, never predicted) — but
// only in a file that has at least one structure block: a file with none is
// one ordinary record (the first block, or the whole file when it has no
// data_ line) so that its parse fails with a reason instead of vanishing.
//
// To know whether a file has one structure block or several, the reader looks
// ahead to the second structure block; non-structure blocks met on the way
// are queued as their names only, so at most two structure blocks are held.
class cif_stream_reader final : public line_splitter {
public:
    using line_splitter::line_splitter;

    bool next(record& r) override {
        if (!started_) {
            started_ = true;
            start();
        }
        if (!queue_.empty()) {
            emit(r, queue_.front());
            queue_.erase(queue_.begin());
            return true;
        }
        if (!has_pending_) return false;
        emit(r, pending_);
        pending_ = {};
        has_pending_ = false;
        if (!eof_) {
            // The next structure block, with the non-structure blocks before it.
            block b;
            while (read_block(b)) {
                if (b.has_sites) {
                    pending_ = std::move(b);
                    has_pending_ = true;
                    break;
                }
                queue_.push_back(name_only(b));
                b = {};
            }
        }
        return true;
    }

private:
    struct block {
        std::string text, name;
        std::size_t line = 0;
        bool header = false, too_big = false, has_sites = false, non_structure = false;
    };

    static block name_only(const block& b) {
        block n;
        n.name = b.name;
        n.line = b.line;
        n.header = true;
        n.non_structure = true;
        return n;
    }

    // Reads up to the second structure block to learn the id scheme.
    void start() {
        std::vector<block> before;  // blocks before the first structure block
        block first;
        block b;
        while (read_block(b)) {
            if (b.has_sites) {
                first = std::move(b);
                break;
            }
            before.push_back(std::move(b));
            b = {};
        }
        if (!first.has_sites) {
            // No structure block at all: the first block (or the headerless
            // text) is the one record, and fails with a reason when parsed.
            // An empty file is one empty record ("empty file").
            if (!before.empty()) pending_ = std::move(before.front());
            pending_.name.clear();  // id = stem
            has_pending_ = true;
            eof_ = true;
            return;
        }
        for (const block& nb : before) queue_.push_back(name_only(nb));
        std::vector<block> between;  // non-structure blocks after the first structure
        block second;
        b = {};
        while (read_block(b)) {
            if (b.has_sites) {
                second = std::move(b);
                break;
            }
            between.push_back(name_only(b));
            b = {};
        }
        multi_ = second.has_sites;
        if (!multi_) first.name.clear();  // the file's only structure: id = stem
        queue_.push_back(std::move(first));
        for (block& nb : between) queue_.push_back(std::move(nb));
        if (multi_) {
            pending_ = std::move(second);
            has_pending_ = true;
        }
    }

    void append(block& b, std::string_view l) {
        if (!in_text_ && !b.has_sites && site_coordinate_tag(l)) b.has_sites = true;
        if (b.too_big) return;
        if (b.text.size() + l.size() + 1 > limit_ || lines_.cut()) {
            b.too_big = true;
            std::string().swap(b.text);
            return;
        }
        b.text.append(l);
        b.text.push_back('\n');
    }

    // The next block into b: lines up to (not including) the next data_
    // header; ;text fields; may hold lines that look like headers. A header
    // line read ahead is kept in head_. False at the end of the file.
    bool read_block(block& b) {
        if (eof_ && !have_head_) return false;
        b.text.reserve(last_size_);  // blocks of a file are alike: one allocation, no regrowth
        if (have_head_) {
            b.header = true;
            b.name = head_name_;
            b.line = head_line_;
            append(b, head_);
            have_head_ = false;
        }
        std::string_view l;
        std::string name;
        bool any = b.header;
        while (lines_.next(l)) {
            bool header = false;
            if (!l.empty() && l[0] == ';') in_text_ = !in_text_;
            else if (!in_text_) header = cif_data_header(l, name);
            if (header && b.header) {
                have_head_ = true;
                head_.assign(l);
                head_name_ = name;
                head_line_ = lines_.number();
                last_size_ = b.text.size();
                return true;
            }
            if (header) {
                b.header = true;
                b.name = name;
                b.line = lines_.number();
            }
            any = true;
            append(b, l);
        }
        eof_ = true;
        return any;
    }

    void emit(record& r, block& b) {
        const std::string id = b.name.empty() ? stem_ : stem_ + ":" + b.name;
        const std::size_t line = b.line ? b.line : 1;
        if (b.too_big && !b.non_structure) {
            stream_error(r, where_, id, index_++, line, "cif", too_large(limit_));
            return;
        }
        r = record{};
        r.source = where_;
        r.id = id;
        r.index = index_++;
        r.line = line;
        r.format = "cif";
        r.non_structure = b.non_structure;
        if (!b.non_structure) r.text = std::move(b.text);
    }

    std::vector<block> queue_;  // blocks to hand out before pending_
    block pending_;             // the next structure block (or the lone record)
    bool has_pending_ = false;
    bool started_ = false, eof_ = false, in_text_ = false, multi_ = false;
    bool have_head_ = false;
    std::string head_, head_name_;
    std::size_t head_line_ = 0;
    std::size_t last_size_ = 0;  // text size of the last block read
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
