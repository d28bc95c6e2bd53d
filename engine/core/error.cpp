#include "xtalsieve/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace xtalsieve {

void abort_invariant(const char* file, int line, const char* expr) {
    std::fprintf(stderr, "xtalsieve: internal invariant violated at %s:%d: %s\n", file, line, expr);
    std::abort();
}

}  // namespace xtalsieve
