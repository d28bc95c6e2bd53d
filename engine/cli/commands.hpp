// Subcommands of the `xtalsieve` executable. Each returns the exit status.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "xtalsieve/input.hpp"
#include "xtalsieve/model.hpp"

namespace xtalsieve::cli {

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A minimal flag parser: --name value, repeated flags collected in order.
class flags {
public:
    flags(const std::vector<std::string>& args, const std::vector<std::string>& valued,
          const std::vector<std::string>& switches = {});
    std::vector<std::string> all(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;
    bool has(const std::string& name) const;
    std::string required(const std::string& name) const;
    long integer(const std::string& name, long fallback) const;

private:
    std::vector<std::pair<std::string, std::string>> kv_;
};

// "" -> exact; "table" -> the tabulated bond filter. Anything else is a usage error.
precision parse_precision(const std::string& s);
// "cpu" (default) or "cuda[:N]".
void parse_device(const std::string& s, model_options& m);

// The input flags that predict and screen share.
inline const std::vector<std::string> input_flags = {"format", "species", "select", "disorder", "max-record-mb"};
// --format, --species A,B, --select key=value, --disorder, --max-record-mb N.
input_options parse_input_options(const flags& f);

int predict(const std::vector<std::string>& args);
int convert(const std::vector<std::string>& args);
int models(const std::vector<std::string>& args);
int bench(const std::vector<std::string>& args);
int screen(const std::vector<std::string>& args, const std::string& command_line);

}  // namespace xtalsieve::cli
