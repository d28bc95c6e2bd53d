// Readers that split a byte stream into records, one per format (private to
// io/). Each holds at most one record in memory; a record over the byte limit
// comes back as an error record and the reader goes on with the next one.
#pragma once
#include <memory>
#include <string>

#include "io/byte_stream.hpp"
#include "xtalsieve/input.hpp"

namespace xtalsieve::io {

struct stream_source {
    std::unique_ptr<byte_stream> bytes;
    std::string where;  // the file, or archive!member, for messages and record.source
    std::string stem;   // file name without extensions: the id of a lone record
};

// What every line-based splitter keeps: where the lines come from, the lines,
// the byte limit per record, and the number of records handed out.
class line_splitter : public record_reader {
public:
    line_splitter(stream_source src, const input_options& opt)
        : where_(std::move(src.where)), stem_(std::move(src.stem)), lines_(std::move(src.bytes), opt.max_record_bytes),
          limit_(opt.max_record_bytes) {}

protected:
    std::string where_, stem_;
    line_stream lines_;
    std::size_t limit_;
    std::size_t index_ = 0;
};

// A line "data_NAME" (leading blanks allowed) opens a CIF data block; the
// name runs up to whitespace.
bool cif_data_header(std::string_view line, std::string& name);

// CIF: one record per structure data block: id = stem when the file has one
// structure block, `<stem>:<block>` when it has several; blocks without atom
// sites come back marked non_structure (see cif_blocks.cpp).
std::unique_ptr<record_reader> make_cif_stream_reader(stream_source src, const input_options& opt);

// Extended XYZ: one record per frame (id from `id=` in the comment line, else stem:frame).
std::unique_ptr<record_reader> make_xyz_stream_reader(stream_source src, const input_options& opt);

// pymatgen JSON: JSON lines, or one document (a structure or entry, a list of
// them, or {"entries": [...]}) whose items are split without parsing the whole.
std::unique_ptr<record_reader> make_json_stream_reader(stream_source src, const input_options& opt, bool lines);

// CDVAE-style CSV with a `cif` column (id = material_id or id).
std::unique_ptr<record_reader> make_csv_stream_reader(stream_source src, const input_options& opt);

// A file that is one record (POSCAR/CONTCAR).
std::unique_ptr<record_reader> make_whole_stream_reader(stream_source src, const input_options& opt, std::string format);

// Read errors (a broken compressed stream) become one error record, after
// which the reader ends.
std::unique_ptr<record_reader> guard_stream_reader(std::unique_ptr<record_reader> in, std::string where, std::string stem);

// The reader for a format name (cif, extxyz, json, jsonl, csv, poscar).
std::unique_ptr<record_reader> make_stream_reader(const std::string& format, stream_source src, const input_options& opt);

// An error record of a stream.
inline void stream_error(record& r, const std::string& where, std::string id, std::size_t index, std::size_t line,
                         const std::string& format, const std::string& why) {
    r = record{};
    r.source = where;
    r.id = std::move(id);
    r.index = index;
    r.line = line;
    r.format = format;
    r.error = where + (line ? " line " + std::to_string(line) : std::string()) + ": " + why;
}

inline std::string too_large(std::size_t limit) {
    return "record larger than the limit of " + std::to_string(limit >> 20) + " MiB (input_options.max_record_bytes)";
}

}  // namespace xtalsieve::io
