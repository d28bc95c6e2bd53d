// Extended XYZ files as a stream of frames.
#include <charconv>
#include <string>

#include "io/record_streams.hpp"
#include "xtalsieve/formats.hpp"

namespace xtalsieve::io {

namespace {

constexpr long max_frame_atoms = 100000;

class xyz_stream_reader final : public line_splitter {
public:
    using line_splitter::line_splitter;

    bool next(record& r) override {
        if (done_) return false;
        std::string_view l;
        do {
            if (!lines_.next(l)) {
                done_ = true;
                return false;
            }
        } while (l.find_first_not_of(" \t\r") == std::string_view::npos);  // blank lines between frames
        const std::size_t start = lines_.number();
        const std::size_t k = index_++;
        const std::string fallback = stem_ + ":" + std::to_string(k);
        std::string_view t = l.substr(l.find_first_not_of(" \t"));
        t = t.substr(0, t.find_first_of(" \t\r"));
        long n = -1;
        const auto res = std::from_chars(t.data(), t.data() + t.size(), n);
        if (res.ec != std::errc() || res.ptr != t.data() + t.size() || n < 0) {
            // Without the count the frame boundaries are lost: the rest of the
            // file is this one bad record.
            done_ = true;
            stream_error(r, where_, fallback, k, start, "extxyz",
                         "expected the number of atoms of a frame, got '" + std::string(t.substr(0, 40)) +
                             "' (the rest of the file is not read)");
            return true;
        }
        if (n > max_frame_atoms) {
            for (long i = 0; i <= n && lines_.next(l); ++i) {
            }
            stream_error(r, where_, fallback, k, start, "extxyz",
                         "a frame of " + std::to_string(n) + " atoms is more than the limit of 100000");
            return true;
        }
        std::string text;
        bool too_big = false;
        auto add = [&](std::string_view line) {
            if (too_big || text.size() + line.size() + 1 > limit_ || lines_.cut()) {
                too_big = true;
                return;
            }
            text.append(line);
            text.push_back('\n');
        };
        add(l);
        for (long i = 0; i <= n && lines_.next(l); ++i) add(l);  // comment line and atoms; short at a truncated end
        if (too_big) {
            stream_error(r, where_, fallback, k, start, "extxyz", too_large(limit_));
            return true;
        }
        r = record{};
        r.source = where_;
        r.index = k;
        r.line = start;
        r.format = "extxyz";
        const std::string named = extxyz_frame_id(text);
        r.id = named.empty() ? fallback : named;
        r.text = std::move(text);
        return true;
    }

private:
    bool done_ = false;
};

}  // namespace

std::unique_ptr<record_reader> make_xyz_stream_reader(stream_source src, const input_options& opt) {
    return std::make_unique<xyz_stream_reader>(std::move(src), opt);
}

}  // namespace xtalsieve::io
