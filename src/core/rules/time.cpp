// Dates and timestamps: parsing literals and relative bounds, calendar arithmetic.
#include <cctype>
#include <cstdlib>

#include "udm/core/rules_internal.hpp"

namespace udm::rules {

namespace {

constexpr std::int64_t kMicrosPerSecond = 1000000;
constexpr std::int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
// Relative offsets reach at most 10,000 years either way (in months, and in microseconds for
// w, d, h, min, s), so resolving a bound cannot overflow.
constexpr std::int64_t kMaxOffsetMonths = 10000 * 12;
constexpr std::int64_t kMaxOffsetMicros = 10000 * 366 * kMicrosPerDay;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size())
        return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i])))
            return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

bool leap(std::int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Adds months to a day number, clamping the day to the end of the month (Jan 31 + 1 month
// is Feb 28 or 29), as PostgreSQL's interval arithmetic does.
std::int64_t add_months(std::int64_t days, std::int32_t months) {
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    std::int64_t total = y * 12 + (m - 1) + months;
    y = total >= 0 ? total / 12 : -((-total + 11) / 12);
    m = static_cast<unsigned>(total - y * 12) + 1;
    d = std::min(d, days_in_month(y, m));
    return days_from_civil(y, m, d);
}

}  // namespace

// Howard Hinnant's algorithms, shifted to PostgreSQL's epoch 2000-01-01 (day 10957 of 1970).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468 - 10957;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
    z += 719468 + 10957;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

std::optional<std::int64_t> parse_date(std::string_view s) {
    int y, m, d;
    if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4, y) ||
        !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) {
        return std::nullopt;
    }
    if (m < 1 || m > 12 || d < 1 ||
        static_cast<unsigned>(d) > days_in_month(y, static_cast<unsigned>(m))) {
        return std::nullopt;
    }
    return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::optional<std::int64_t> parse_timestamp(std::string_view s) {
    if (s.size() < 20)
        return std::nullopt;
    auto date = parse_date(s.substr(0, 10));
    int hh, mm, ss;
    if (!date || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hh) ||
        s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' || !digits(s, 17, 2, ss) || hh > 23 ||
        mm > 59 || ss > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::int64_t frac = 0;
    if (pos < s.size() && s[pos] == '.') {
        std::int64_t scale = 100000;
        std::size_t start = ++pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
            if (scale > 0)
                frac += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start)
            return std::nullopt;
    }
    std::int64_t offset = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh, om;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = (oh * 3600 + om * 60) * kMicrosPerSecond * (s[pos] == '+' ? 1 : -1);
        pos += 6;
    } else {
        return std::nullopt;  // RFC 3339 requires the offset
    }
    if (pos != s.size())
        return std::nullopt;
    return *date * kMicrosPerDay + ((hh * 60 + mm) * 60 + ss) * kMicrosPerSecond + frac - offset;
}

std::optional<TimeBound> parse_bound(DataType type, std::string_view text) {
    TimeBound b;
    if (text.rfind("now", 0) == 0 || text.rfind("today", 0) == 0) {
        b.relative = true;
        b.today = text[0] == 't';
        std::size_t pos = b.today ? 5 : 3;
        while (pos < text.size()) {
            const int sign = text[pos] == '+' ? 1 : text[pos] == '-' ? -1 : 0;
            if (sign == 0)
                return std::nullopt;
            std::size_t start = ++pos;
            std::int64_t n = 0;
            while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) &&
                   pos - start < 9) {
                n = n * 10 + (text[pos++] - '0');
            }
            if (pos == start)
                return std::nullopt;
            std::size_t unit_start = pos;
            while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos])))
                ++pos;
            const std::string_view unit = text.substr(unit_start, pos - unit_start);
            std::int64_t per_month = 0, per_micro = 0;  // the unit in months or in microseconds
            if (unit == "y") {
                per_month = 12;
            } else if (unit == "mo") {
                per_month = 1;
            } else if (unit == "w") {
                per_micro = 7 * kMicrosPerDay;
            } else if (unit == "d") {
                per_micro = kMicrosPerDay;
            } else if (unit == "h" && type == DataType::kTimestamp) {
                per_micro = 3600 * kMicrosPerSecond;
            } else if (unit == "min" && type == DataType::kTimestamp) {
                per_micro = 60 * kMicrosPerSecond;
            } else if (unit == "s" && type == DataType::kTimestamp) {
                per_micro = kMicrosPerSecond;
            } else {
                return std::nullopt;
            }
            // Checked before multiplying: n * unit could overflow.
            if ((per_month && n > kMaxOffsetMonths / per_month) ||
                (per_micro && n > kMaxOffsetMicros / per_micro)) {
                return std::nullopt;
            }
            const std::int64_t total_months = b.months + sign * n * per_month;
            b.micros += sign * n * per_micro;
            if (total_months < -kMaxOffsetMonths || total_months > kMaxOffsetMonths ||
                b.micros < -kMaxOffsetMicros || b.micros > kMaxOffsetMicros) {
                return std::nullopt;
            }
            b.months = static_cast<std::int32_t>(total_months);
        }
        return b;
    }
    auto literal = type == DataType::kDate ? parse_date(text) : parse_timestamp(text);
    if (!literal)
        return std::nullopt;
    b.literal = *literal;
    return b;
}

std::int64_t resolve_bound(const TimeBound& b, DataType type, std::int64_t now) {
    if (!b.relative)
        return b.literal;
    auto floor_div = [](std::int64_t a, std::int64_t n) {
        return a >= 0 ? a / n : -((-a + n - 1) / n);
    };
    std::int64_t day = floor_div(now, kMicrosPerDay);
    const std::int64_t time_of_day = b.today ? 0 : now - day * kMicrosPerDay;
    if (b.months != 0)
        day = add_months(day, b.months);
    const std::int64_t moment = day * kMicrosPerDay + time_of_day + b.micros;
    return type == DataType::kDate ? floor_div(moment, kMicrosPerDay) : moment;
}

}  // namespace udm::rules
