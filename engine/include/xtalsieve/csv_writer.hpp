// xtalsieve/csv_writer.hpp — writing CSV fields.
#pragma once
#include <string>
#include <string_view>

namespace xtalsieve {

// Quotes a field when it holds a comma, quote, CR or LF (RFC 4180).
std::string csv_field(std::string_view s);

// A number as CSV text: shortest round-trip-safe form with 9 significant digits.
std::string csv_number(double x);

}  // namespace xtalsieve
