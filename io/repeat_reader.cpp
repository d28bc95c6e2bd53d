#include "xtalsieve/repeat_reader.hpp"

#include <string>

#include "xtalsieve/error.hpp"

namespace xtalsieve {

namespace {

class repeat_reader final : public record_reader {
public:
    repeat_reader(std::filesystem::path path, std::size_t total, input_options opt)
        : path_(std::move(path)), total_(total), opt_(std::move(opt)), inner_(open_input(path_, opt_)) {}

    bool next(record& r) override {
        if (produced_ >= total_) return false;
        while (!inner_->next(r)) {
            if (produced_in_pass_ == 0) throw error(path_.string() + ": input holds no records to repeat");
            inner_ = open_input(path_, opt_);
            ++pass_;
            produced_in_pass_ = 0;
        }
        if (pass_ > 0) r.id += "#" + std::to_string(pass_);
        ++produced_;
        ++produced_in_pass_;
        return true;
    }

private:
    std::filesystem::path path_;
    std::size_t total_;
    input_options opt_;
    std::unique_ptr<record_reader> inner_;
    std::size_t produced_ = 0, produced_in_pass_ = 0, pass_ = 0;
};

}  // namespace

std::unique_ptr<record_reader> open_repeated(const std::filesystem::path& path, std::size_t total,
                                             const input_options& opt) {
    return std::make_unique<repeat_reader>(path, total, opt);
}

}  // namespace xtalsieve
