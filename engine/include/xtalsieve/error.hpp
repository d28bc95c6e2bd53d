// xtalsieve/error.hpp — the project's exception and invariant checks.
//
// User errors (bad input, bad checkpoint, bad flag) throw xtalsieve::error with
// a message that names the file, record and reason. Broken internal invariants
// abort with file and line through XS_ASSERT: they are bugs, not user errors.
#pragma once
#include <stdexcept>
#include <string>

namespace xtalsieve {

class error : public std::runtime_error {
public:
    explicit error(const std::string& what) : std::runtime_error(what) {}
};

[[noreturn]] void abort_invariant(const char* file, int line, const char* expr);

}  // namespace xtalsieve

#define XS_ASSERT(cond) \
    ((cond) ? (void)0 : ::xtalsieve::abort_invariant(__FILE__, __LINE__, #cond))
