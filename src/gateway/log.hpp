// Leveled log lines on stderr, one line per call, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace udm::gateway {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// The level named "debug", "info", "warn" or "error", or nullopt.
std::optional<LogLevel> parse_log_level(std::string_view name);

// Sets the lowest level written (process-wide: there is one stderr).
void set_log_level(LogLevel level);

// Whether lines of this level are written.
bool log_enabled(LogLevel level);

// Writes "<UTC time> <level> <message>" when the level is enabled.
void log(LogLevel level, std::string_view message);

// Shorthands for log(LogLevel::..., message).
inline void log_debug(std::string_view m) { log(LogLevel::kDebug, m); }
inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warn(std::string_view m) { log(LogLevel::kWarn, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

}  // namespace udm::gateway
