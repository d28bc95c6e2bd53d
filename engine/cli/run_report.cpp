#include "engine/cli/run_report.hpp"

#include <cstdio>
#include <filesystem>

#include "xtalsieve/csv_writer.hpp"

namespace xtalsieve::cli {

run_report::run_report(std::string command, std::string errors_path)
    : command_(std::move(command)), errors_path_(std::move(errors_path)) {}

void run_report::skipped(const std::string& message) {
    ++skipped_;
    std::fprintf(stderr, "%s: %s\n", command_.c_str(), message.c_str());
}

void run_report::warning(const std::string& id, const std::string& message) {
    std::fprintf(stderr, "%s: %s: warning: %s\n", command_.c_str(), id.c_str(), message.c_str());
}

void run_report::failed(const std::string& id, const std::string& source, std::size_t line, const std::string& reason) {
    ++failed_;
    std::fprintf(stderr, "%s: %s\n", command_.c_str(), reason.c_str());
    if (errors_path_.empty()) return;
    if (!errors_.is_open()) {
        errors_.open(errors_path_, std::ios::binary | std::ios::trunc);
        errors_ << "id,source,reason\n";
    }
    const std::string where = line ? source + ":" + std::to_string(line) : source;
    errors_ << csv_field(id) << ',' << csv_field(where) << ',' << csv_field(reason) << '\n';
}

int run_report::finish(const char* done) {
    if (!errors_path_.empty() && !errors_.is_open()) std::filesystem::remove(errors_path_);
    std::fprintf(stderr, "%s: %zu %s, %zu skipped, %zu failed%s", command_.c_str(), ok_, done, skipped_, failed_,
                 failed_ && !errors_path_.empty() ? (" (see " + errors_path_ + ")").c_str() : "");
    if (non_structure_) std::fprintf(stderr, "; %zu CIF blocks without atom sites ignored", non_structure_);
    std::fputc('\n', stderr);
    return failed_ ? 3 : 0;
}

}  // namespace xtalsieve::cli
