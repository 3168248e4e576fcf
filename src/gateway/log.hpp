// Leveled log lines on stderr, one line per call, safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
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
inline void log_debug(std::string_view m) {
    log(LogLevel::kDebug, m);
}
inline void log_info(std::string_view m) {
    log(LogLevel::kInfo, m);
}
inline void log_warn(std::string_view m) {
    log(LogLevel::kWarn, m);
}
inline void log_error(std::string_view m) {
    log(LogLevel::kError, m);
}

// At most one line per interval about one kind of thing, counting the lines left out: for
// what a client or a database role can cause at any rate (bad notifications, failed accepts).
class LogThrottle {
  public:
    using Clock = std::chrono::steady_clock;

    explicit LogThrottle(Clock::duration interval = std::chrono::seconds(1))
        : interval_(interval) {}

    // Whether a line may be written at now; when it may, suppressed gets the number of lines
    // left out since the last one written.
    bool allow(Clock::time_point now, std::size_t& suppressed);

  private:
    Clock::duration interval_;
    bool written_ = false;
    Clock::time_point last_{};
    std::size_t left_out_ = 0;
};

// Untrusted text fit for a log line: at most max_bytes of it, control characters and
// non-ASCII bytes escaped (\xNN), and "... (N bytes)" when it was cut.
std::string loggable(std::string_view text, std::size_t max_bytes = 100);

}  // namespace udm::gateway
