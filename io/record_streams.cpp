// The stream reader for a format, and the readers that are not splitters.
#include "io/record_streams.hpp"

#include "xtalsieve/error.hpp"

namespace xtalsieve::io {

namespace {

// A file that is one record: read to its end, up to the byte limit.
class whole_stream_reader final : public record_reader {
public:
    whole_stream_reader(stream_source src, const input_options& opt, std::string format)
        : src_(std::move(src)), limit_(opt.max_record_bytes), format_(std::move(format)) {}

    bool next(record& r) override {
        if (done_) return false;
        done_ = true;
        std::string text;
        char buf[1 << 16];
        for (std::size_t n; (n = src_.bytes->read(buf, sizeof buf)) > 0;) {
            if (text.size() + n > limit_) {
                stream_error(r, src_.where, src_.stem, 0, 0, format_, too_large(limit_));
                return true;
            }
            text.append(buf, n);
        }
        r = record{};
        r.source = src_.where;
        r.id = src_.stem;
        r.line = 1;
        r.format = format_;
        r.text = std::move(text);
        return true;
    }

private:
    stream_source src_;
    std::size_t limit_;
    std::string format_;
    bool done_ = false;
};

class guarded_reader final : public record_reader {
public:
    guarded_reader(std::unique_ptr<record_reader> in, std::string where, std::string stem)
        : in_(std::move(in)), where_(std::move(where)), stem_(std::move(stem)) {}

    bool next(record& r) override {
        if (failed_) return false;
        try {
            if (!in_->next(r)) return false;
            ++count_;
            return true;
        } catch (const error& e) {
            failed_ = true;
            const std::string what = e.what();
            stream_error(r, where_, stem_ + ":" + std::to_string(count_), count_, 0, "cif",
                         what.rfind(where_, 0) == 0 ? what.substr(where_.size() + 2) : what);
            if (count_ > 0) r.error += " (after " + std::to_string(count_) + " records)";
            return true;
        }
    }

private:
    std::unique_ptr<record_reader> in_;
    std::string where_, stem_;
    std::size_t count_ = 0;
    bool failed_ = false;
};

}  // namespace

std::unique_ptr<record_reader> make_whole_stream_reader(stream_source src, const input_options& opt, std::string format) {
    return std::make_unique<whole_stream_reader>(std::move(src), opt, std::move(format));
}

std::unique_ptr<record_reader> guard_stream_reader(std::unique_ptr<record_reader> in, std::string where, std::string stem) {
    return std::make_unique<guarded_reader>(std::move(in), std::move(where), std::move(stem));
}

std::unique_ptr<record_reader> make_stream_reader(const std::string& format, stream_source src, const input_options& opt) {
    std::string where = src.where, stem = src.stem;
    std::unique_ptr<record_reader> r;
    if (format == "cif") r = make_cif_stream_reader(std::move(src), opt);
    else if (format == "extxyz") r = make_xyz_stream_reader(std::move(src), opt);
    else if (format == "json" || format == "jsonl") r = make_json_stream_reader(std::move(src), opt, format == "jsonl");
    else if (format == "csv") r = make_csv_stream_reader(std::move(src), opt);
    else if (format == "poscar") r = make_whole_stream_reader(std::move(src), opt, "poscar");
    else throw error(where + ": no reader for format '" + format + "'");
    return guard_stream_reader(std::move(r), std::move(where), std::move(stem));
}

}  // namespace xtalsieve::io
