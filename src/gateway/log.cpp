// Leveled log lines on stderr.
#include "log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace udm::gateway {

namespace {

// Process-wide by nature: the level is set once from the configuration, and stderr is one.
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_write_mutex;

// The name written in front of each line.
const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::kDebug:
            return "debug";
        case LogLevel::kInfo:
            return "info";
        case LogLevel::kWarn:
            return "warn";
        case LogLevel::kError:
            return "error";
    }
    return "?";
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
    if (name == "debug")
        return LogLevel::kDebug;
    if (name == "info")
        return LogLevel::kInfo;
    if (name == "warn" || name == "warning")
        return LogLevel::kWarn;
    if (name == "error")
        return LogLevel::kError;
    return std::nullopt;
}

void set_log_level(LogLevel level) {
    g_level.store(static_cast<int>(level));
}

bool log_enabled(LogLevel level) {
    return static_cast<int>(level) >= g_level.load();
}

void log(LogLevel level, std::string_view message) {
    if (!log_enabled(level))
        return;
    auto now = std::chrono::system_clock::now();
    std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::lock_guard<std::mutex> lock(g_write_mutex);
    std::fprintf(stderr, "%s.%03dZ %s %.*s\n", stamp, static_cast<int>(millis), level_name(level),
                 static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
}

bool LogThrottle::allow(Clock::time_point now, std::size_t& suppressed) {
    if (written_ && now - last_ < interval_) {
        ++left_out_;
        return false;
    }
    written_ = true;
    last_ = now;
    suppressed = left_out_;
    left_out_ = 0;
    return true;
}

std::string loggable(std::string_view text, std::size_t max_bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    const std::size_t shown = std::min(text.size(), max_bytes);
    out.reserve(shown + 16);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c >= 0x7f || c == '\\') {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (shown < text.size())
        out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
}

}  // namespace udm::gateway
