#include "xtalsieve/repeat_reader.hpp"

#include <string>

#include "xtalsieve/error.hpp"

namespace xtalsieve {

namespace {

class repeat_reader final : public record_reader {
public:
    repeat_reader(std::function<std::unique_ptr<record_reader>()> open, std::size_t total, std::string what)
        : open_(std::move(open)), total_(total), what_(std::move(what)), inner_(open_()) {}

    std::vector<std::string> descriptor_names() const override { return inner_->descriptor_names(); }

    bool next(record& r) override {
        if (produced_ >= total_) return false;
        while (!inner_->next(r)) {
            if (produced_in_pass_ == 0) throw error(what_ + ": input holds no records to repeat");
            inner_ = open_();
            ++pass_;
            produced_in_pass_ = 0;
        }
        if (pass_ > 0) r.id += "#" + std::to_string(pass_);
        ++produced_;
        ++produced_in_pass_;
        return true;
    }

private:
    std::function<std::unique_ptr<record_reader>()> open_;
    std::size_t total_;
    std::string what_;
    std::unique_ptr<record_reader> inner_;
    std::size_t produced_ = 0, produced_in_pass_ = 0, pass_ = 0;
};

}  // namespace

std::unique_ptr<record_reader> open_repeated(const std::filesystem::path& path, std::size_t total,
                                             const input_options& opt) {
    return std::make_unique<repeat_reader>([path, opt] { return open_input(path, opt); }, total, path.string());
}

std::unique_ptr<record_reader> open_repeated(std::function<std::unique_ptr<record_reader>()> open, std::size_t total,
                                             std::string what) {
    return std::make_unique<repeat_reader>(std::move(open), total, std::move(what));
}

}  // namespace xtalsieve
