// Pieces shared by the rule checker, compiler and evaluator (not part of the core API).
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "udm/core/rules.hpp"

namespace udm::rules {

// Longest pattern accepted, and the memory RE2 may use for one.
inline constexpr std::size_t kMaxPatternLength = 4096;
inline constexpr int64_t kPatternMaxMem =
    8 << 20;  // Unicode classes need more than 1 MiB for the fast DFA

// The options every pattern is compiled with: UTF-8, no logging, bounded memory.
re2::RE2::Options pattern_options();
// Why RE2 refuses a pattern, or nullopt when it compiles.
std::optional<std::string> pattern_error(const std::string& pattern);

// A min/max bound of a date or timestamp attribute: a literal or now/today[+-N unit]...
std::optional<TimeBound> parse_bound(DataType type, std::string_view text);
// The bound's value for a date (days) or timestamp (microseconds) attribute at time now
// (microseconds since 2000-01-01 UTC).
std::int64_t resolve_bound(const TimeBound& b, DataType type, std::int64_t now);

// Number of UTF-8 characters in s (bytes that do not continue a character).
std::int64_t utf8_length(std::string_view s) noexcept;
// True when s is empty or only white space.
bool is_blank(std::string_view s) noexcept;
// True when s has the format.
bool has_format(Format f, std::string_view s) noexcept;

// Days since 2000-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept;

}  // namespace udm::rules
