// What predict and structures tell the user about a run: one line on stderr
// per failed or skipped record, failures also in FILE.errors.csv (created on
// the first failure, id,source,reason), and a closing count.
#pragma once
#include <cstddef>
#include <fstream>
#include <string>

namespace xtalsieve::cli {

class run_report {
public:
    // command names the lines ("xtalsieve predict"); errors_path empty: no file.
    run_report(std::string command, std::string errors_path);

    void ok() { ++ok_; }
    void non_structure() { ++non_structure_; }  // a CIF block without atom sites
    void skipped(const std::string& message);
    void warning(const std::string& id, const std::string& message);
    void failed(const std::string& id, const std::string& source, std::size_t line, const std::string& reason);

    // Removes an errors file no failure needed, prints the closing line with
    // `done` as the verb ("predicted", "written"); the exit status: 3 when a
    // record failed, else 0.
    int finish(const char* done);

private:
    std::string command_, errors_path_;
    std::ofstream errors_;
    std::size_t ok_ = 0, skipped_ = 0, failed_ = 0, non_structure_ = 0;
};

}  // namespace xtalsieve::cli
