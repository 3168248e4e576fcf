// Dates and timestamps in rules: parsing literals (YYYY-MM-DD, RFC 3339), relative bounds
// (now/today with offsets), resolving them at a given time with month-end clamping, and
// min/max of date and timestamp attributes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "udm/core/model.hpp"
#include "udm/core/rules.hpp"
#include "udm/core/rules_internal.hpp"

namespace udm::rules {
namespace {

constexpr std::int64_t kSecond = 1000000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

std::int64_t day(const char* s) {
    auto d = parse_date(s);
    EXPECT_TRUE(d.has_value()) << s;
    return d.value_or(0);
}

std::int64_t ts(const char* s) {
    auto t = parse_timestamp(s);
    EXPECT_TRUE(t.has_value()) << s;
    return t.value_or(0);
}

std::string date_text(std::int64_t days) {
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

// The bound text resolved at now, as YYYY-MM-DD for dates and "YYYY-MM-DD +micros of day"
// for timestamps.
std::string resolved(DataType type, const char* bound, std::int64_t now) {
    auto b = parse_bound(type, bound);
    EXPECT_TRUE(b.has_value()) << bound;
    if (!b)
        return "invalid";
    const std::int64_t v = resolve_bound(*b, type, now);
    if (type == DataType::kDate)
        return date_text(v);
    const std::int64_t d = v >= 0 ? v / kDay : -((-v + kDay - 1) / kDay);
    const std::int64_t rest = v - d * kDay;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s %02lld:%02lld:%02lld.%06lld", date_text(d).c_str(),
                  static_cast<long long>(rest / kHour), static_cast<long long>(rest / kMinute % 60),
                  static_cast<long long>(rest / kSecond % 60),
                  static_cast<long long>(rest % kSecond));
    return buf;
}

// --- parse_date ---------------------------------------------------------------------------------

TEST(ParseDate, DaysSince2000) {
    struct Case {
        const char* text;
        std::int64_t days;
    };
    const Case cases[] = {
        {"2000-01-01", 0},       {"2000-01-02", 1},       {"1999-12-31", -1},
        {"2000-03-01", 60},      {"2001-01-01", 366},     {"1970-01-01", -10957},
        {"2024-03-15", 8840},    {"0001-01-01", -730119}, {"9999-12-31", 2921939},
        {"1600-02-29", -146038}, {"2400-02-29", 146156},
    };
    for (const Case& c : cases)
        EXPECT_EQ(parse_date(c.text), c.days) << c.text;
}

TEST(ParseDate, LeapYears) {
    for (const char* s :
         {"2000-02-29", "2024-02-29", "1600-02-29", "2400-02-29", "1996-02-29", "0004-02-29"}) {
        EXPECT_TRUE(parse_date(s).has_value()) << s;
    }
    for (const char* s :
         {"1900-02-29", "2100-02-29", "2023-02-29", "2200-02-29", "2024-02-30", "2000-02-30"}) {
        EXPECT_FALSE(parse_date(s).has_value()) << s;
    }
    EXPECT_EQ(day("2024-03-01") - day("2024-02-28"), 2);
    EXPECT_EQ(day("2023-03-01") - day("2023-02-28"), 1);
    EXPECT_EQ(day("2100-03-01") - day("2100-02-28"), 1);
}

TEST(ParseDate, EveryMonthEnd) {
    const int last[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; ++m) {
        char ok[32], bad[32];
        std::snprintf(ok, sizeof ok, "2023-%02d-%02d", m, last[m - 1]);
        std::snprintf(bad, sizeof bad, "2023-%02d-%02d", m, last[m - 1] + 1);
        EXPECT_TRUE(parse_date(ok).has_value()) << ok;
        EXPECT_FALSE(parse_date(bad).has_value()) << bad;
    }
}

TEST(ParseDate, RejectsAnythingElse) {
    for (const std::string& s : {std::string(""),
                                 std::string("2024-01-1"),
                                 std::string("2024-1-01"),
                                 std::string("24-01-01"),
                                 std::string("2024-00-01"),
                                 std::string("2024-13-01"),
                                 std::string("2024-01-00"),
                                 std::string("2024-01-32"),
                                 std::string("2024/01/01"),
                                 std::string("2024-01-01 "),
                                 std::string(" 2024-01-01"),
                                 std::string("2024-01-01T00:00:00Z"),
                                 std::string("+2024-01-01"),
                                 std::string("-002-01-01"),
                                 std::string("2024-0a-01"),
                                 std::string("２０２４-01-01"),
                                 std::string("2024-01-0\xC2"),
                                 std::string("2024-01-01\0", 11),
                                 std::string("2024_01_01"),
                                 std::string("20240101"),
                                 std::string("today")}) {
        EXPECT_FALSE(parse_date(s).has_value()) << s;
    }
}

TEST(ParseDate, RoundTripsThroughTheCivilCalendar) {
    for (std::int64_t z = day("0001-01-01"); z <= day("9999-12-31"); z += 97) {
        std::int64_t y;
        unsigned m, d;
        civil_from_days(z, y, m, d);
        ASSERT_EQ(days_from_civil(y, m, d), z);
        ASSERT_EQ(parse_date(date_text(z)), z) << date_text(z);
    }
    // Consecutive days across a leap day and a year end.
    EXPECT_EQ(date_text(day("2024-02-28") + 1), "2024-02-29");
    EXPECT_EQ(date_text(day("2024-02-29") + 1), "2024-03-01");
    EXPECT_EQ(date_text(day("1999-12-31") + 1), "2000-01-01");
}

TEST(DaysFromCivil, OutsideTheDateLiteralRange) {
    std::int64_t y;
    unsigned m, d;
    for (std::int64_t z : {std::int64_t{-2000000}, std::int64_t{-730120}, std::int64_t{5000000}}) {
        civil_from_days(z, y, m, d);
        EXPECT_EQ(days_from_civil(y, m, d), z) << z;
    }
    civil_from_days(-730120, y, m, d);  // the day before 0001-01-01 is 0000-12-31 (1 BC)
    EXPECT_EQ(y, 0);
    EXPECT_EQ(m, 12u);
    EXPECT_EQ(d, 31u);
}

// --- parse_timestamp ----------------------------------------------------------------------------

TEST(ParseTimestamp, MicrosecondsSince2000Utc) {
    struct Case {
        const char* text;
        std::int64_t micros;
    };
    const Case cases[] = {
        {"2000-01-01T00:00:00Z", 0},
        {"2000-01-01T00:00:00+00:00", 0},
        {"2000-01-01T00:00:00-00:00", 0},
        {"2000-01-01T01:00:00+01:00", 0},
        {"1999-12-31T23:00:00-01:00", 0},
        {"2000-01-01T00:00:00+05:30", -(5 * kHour + 30 * kMinute)},
        {"2000-01-01T00:00:00-23:59", 23 * kHour + 59 * kMinute},
        {"2000-01-01T00:00:01Z", kSecond},
        {"1999-12-31T23:59:59Z", -kSecond},
        {"2024-03-15T12:00:00Z", 8840 * kDay + 12 * kHour},
        {"1970-01-01T00:00:00Z", -10957 * kDay},
        {"2024-03-01T00:30:00+01:00",
         8825 * kDay + 23 * kHour + 30 * kMinute},  // 2024-02-29T23:30Z
        {"9999-12-31T23:59:59Z", 2921939 * kDay + kDay - kSecond},
        {"0001-01-01T00:00:00Z", -730119 * kDay},
    };
    for (const Case& c : cases)
        EXPECT_EQ(parse_timestamp(c.text), c.micros) << c.text;
}

TEST(ParseTimestamp, FractionsOfASecond) {
    struct Case {
        const char* fraction;
        std::int64_t micros;
    };
    const Case cases[] = {
        {".0", 0},
        {".5", 500000},
        {".05", 50000},
        {".000001", 1},
        {".123456", 123456},
        {".1234567", 123456},
        {".9999999", 999999},
        {".000000000000000000001", 0},
        {".10", 100000},
        {".999999", 999999},
    };
    for (const Case& c : cases) {
        const std::string text = std::string("2000-01-01T00:00:00") + c.fraction + "Z";
        EXPECT_EQ(parse_timestamp(text), c.micros) << text;
    }
    EXPECT_EQ(parse_timestamp("1999-12-31T23:59:59.5Z"), -kSecond / 2);
    EXPECT_EQ(parse_timestamp("2000-01-01T00:00:00.25+00:01"), 250000 - kMinute);
}

TEST(ParseTimestamp, SeparatorsAndCase) {
    const std::int64_t t = ts("2024-02-29T12:34:56Z");
    for (const char* s :
         {"2024-02-29t12:34:56z", "2024-02-29 12:34:56Z", "2024-02-29T12:34:56+00:00",
          "2024-02-29T14:34:56+02:00", "2024-02-29T02:34:56-10:00"}) {
        EXPECT_EQ(parse_timestamp(s), t) << s;
    }
}

TEST(ParseTimestamp, LeapSecondIsTheNextSecond) {
    EXPECT_EQ(parse_timestamp("2016-12-31T23:59:60Z"), ts("2017-01-01T00:00:00Z"));
    EXPECT_FALSE(parse_timestamp("2016-12-31T23:59:61Z").has_value());
}

TEST(ParseTimestamp, RejectsAnythingElse) {
    for (const std::string& s : {
             std::string(""),
             std::string("2024-02-29"),
             std::string("2024-02-29T12:00:00"),    // no offset
             std::string("2024-02-29T12:00Z"),      // no seconds
             std::string("2024-02-29T12:00:00.Z"),  // empty fraction
             std::string("2024-02-29T24:00:00Z"),
             std::string("2024-02-29T12:60:00Z"),
             std::string("2024-02-29T12:00:61Z"),
             std::string("2023-02-29T12:00:00Z"),  // no such day
             std::string("2024-02-29X12:00:00Z"),
             std::string("2024-02-29T12:00:00+0530"),
             std::string("2024-02-29T12:00:00+05"),
             std::string("2024-02-29T12:00:00+05:3"),
             std::string("2024-02-29T12:00:00+24:00"),
             std::string("2024-02-29T12:00:00+05:60"),
             std::string("2024-02-29T12:00:00+5:30"),
             std::string("2024-02-29T12:00:00 +05:30"),
             std::string("2024-02-29T12:00:00Z "),
             std::string("2024-02-29T12:00:00ZZ"),
             std::string("2024-02-29T12:00:00+05:30Z"),
             std::string("2024-02-29T1:00:00Z"),
             std::string("2024-02-29T12:0a:00Z"),
             std::string("2024-02-29T12:00:00,5Z"),
             std::string("2024-02-29T12:00:00.5.5Z"),
             std::string("2024-02-29T12:00:00UTC"),
             std::string("2024-02-29T12:00:00\0Z", 21),
             std::string("now"),
         }) {
        EXPECT_FALSE(parse_timestamp(s).has_value()) << s;
    }
}

// --- parse_bound --------------------------------------------------------------------------------

TEST(ParseBound, Literals) {
    auto d = parse_bound(DataType::kDate, "2024-02-29");
    ASSERT_TRUE(d.has_value());
    EXPECT_FALSE(d->relative);
    EXPECT_EQ(d->literal, day("2024-02-29"));
    auto t = parse_bound(DataType::kTimestamp, "2024-02-29T12:00:00+01:00");
    ASSERT_TRUE(t.has_value());
    EXPECT_FALSE(t->relative);
    EXPECT_EQ(t->literal, ts("2024-02-29T11:00:00Z"));
    // Each type takes its own literal form only.
    EXPECT_FALSE(parse_bound(DataType::kDate, "2024-02-29T12:00:00Z").has_value());
    EXPECT_FALSE(parse_bound(DataType::kTimestamp, "2024-02-29").has_value());
}

TEST(ParseBound, RelativeOffsets) {
    struct Case {
        DataType type;
        const char* text;
        bool today;
        std::int32_t months;
        std::int64_t micros;
    };
    const Case cases[] = {
        {DataType::kDate, "now", false, 0, 0},
        {DataType::kDate, "today", true, 0, 0},
        {DataType::kDate, "now-18y", false, -216, 0},
        {DataType::kDate, "today+30d", true, 0, 30 * kDay},
        {DataType::kDate, "today-2w", true, 0, -14 * kDay},
        {DataType::kDate, "now+1mo", false, 1, 0},
        {DataType::kDate, "now-1y+6mo-3d", false, -6, -3 * kDay},
        {DataType::kDate, "today+0d", true, 0, 0},
        {DataType::kDate, "now+007d", false, 0, 7 * kDay},
        {DataType::kTimestamp, "now-1h", false, 0, -kHour},
        {DataType::kTimestamp, "now+30min", false, 0, 30 * kMinute},
        {DataType::kTimestamp, "now-10s", false, 0, -10 * kSecond},
        {DataType::kTimestamp, "today+1d-1s", true, 0, kDay - kSecond},
        {DataType::kTimestamp, "now+1y+1mo+1w+1d+1h+1min+1s", false, 13,
         8 * kDay + kHour + kMinute + kSecond},
        {DataType::kTimestamp, "now+1h+1h+1h", false, 0, 3 * kHour},
    };
    for (const Case& c : cases) {
        auto b = parse_bound(c.type, c.text);
        ASSERT_TRUE(b.has_value()) << c.text;
        EXPECT_TRUE(b->relative) << c.text;
        EXPECT_EQ(b->today, c.today) << c.text;
        EXPECT_EQ(b->months, c.months) << c.text;
        EXPECT_EQ(b->micros, c.micros) << c.text;
    }
}

TEST(ParseBound, HoursMinutesAndSecondsAreForTimestampsOnly) {
    for (const char* text : {"now-1h", "now+5min", "today-30s"}) {
        EXPECT_TRUE(parse_bound(DataType::kTimestamp, text).has_value()) << text;
        EXPECT_FALSE(parse_bound(DataType::kDate, text).has_value()) << text;
    }
}

TEST(ParseBound, RejectsAnythingElse) {
    for (DataType t : {DataType::kDate, DataType::kTimestamp}) {
        for (const std::string& text :
             {std::string(""),         std::string("now-"),     std::string("now+"),
              std::string("now-d"),    std::string("now18y"),   std::string("now-18"),
              std::string("now-18Y"),  std::string("now-18x"),  std::string("now-18years"),
              std::string("now-18 y"), std::string("now -18y"), std::string("now-18y "),
              std::string("Now"),      std::string("NOW"),      std::string("tomorrow"),
              std::string("nowish"),   std::string("todays"),   std::string("yesterday"),
              std::string("now--1d"),  std::string("now+-1d"),  std::string("now-1.5d"),
              std::string("now-1m"),   std::string("now-1mon"), std::string("now-1d\0", 7),
              std::string("now*2")}) {
            EXPECT_FALSE(parse_bound(t, text).has_value()) << model::type_name(t) << " " << text;
        }
    }
}

TEST(ParseBound, LongNumbersAndHugeOffsetsAreRejected) {
    for (DataType t : {DataType::kDate, DataType::kTimestamp}) {
        // Offsets up to 10,000 years either way.
        for (const char* ok : {"now+10000y", "now-10000y", "now+120000mo", "today-3660000d",
                               "now+500000w", "now-5000y-5000y", "now+10000y+3660000d"}) {
            EXPECT_TRUE(parse_bound(t, ok).has_value()) << ok;
        }
        for (const char* bad :
             {"now+10001y", "now-120001mo", "now+3660001d", "now+999999999d", "now-999999999w",
              "now+999999999y", "now+999999999mo+999999999mo+999999999mo", "now-5000y-5001y",
              "now+1000000000d", "now+99999999999999999999d", "now+3000000d+3000000d"}) {
            EXPECT_FALSE(parse_bound(t, bad).has_value()) << bad;
        }
    }
    EXPECT_FALSE(parse_bound(DataType::kTimestamp, "now+999999999h").has_value());
    EXPECT_FALSE(
        parse_bound(
            DataType::kTimestamp,
            "now-999999999min-999999999min-999999999min-999999999min-999999999min-999999999min")
            .has_value());
    EXPECT_TRUE(
        parse_bound(DataType::kTimestamp, "now+87600000h").has_value());  // 10,000 years of hours
    EXPECT_TRUE(parse_bound(DataType::kTimestamp, "now-999999999s").has_value());  // about 32 years
}

// --- resolve_bound ------------------------------------------------------------------------------

TEST(ResolveBound, LiteralsIgnoreNow) {
    auto d = *parse_bound(DataType::kDate, "2024-02-29");
    EXPECT_EQ(resolve_bound(d, DataType::kDate, 0), day("2024-02-29"));
    EXPECT_EQ(resolve_bound(d, DataType::kDate, ts("2099-01-01T00:00:00Z")), day("2024-02-29"));
    auto t = *parse_bound(DataType::kTimestamp, "2024-02-29T12:00:00Z");
    EXPECT_EQ(resolve_bound(t, DataType::kTimestamp, -123456789), ts("2024-02-29T12:00:00Z"));
}

TEST(ResolveBound, NowAndTodayForTimestamps) {
    const std::int64_t now = ts("2024-03-15T12:34:56.789Z");
    EXPECT_EQ(resolved(DataType::kTimestamp, "now", now), "2024-03-15 12:34:56.789000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "today", now), "2024-03-15 00:00:00.000000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "today+1d", now), "2024-03-16 00:00:00.000000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "now-1h", now), "2024-03-15 11:34:56.789000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "now+30min", now), "2024-03-15 13:04:56.789000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "now-57s", now), "2024-03-15 12:33:59.789000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "now+13h", now), "2024-03-16 01:34:56.789000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "now-2w", now), "2024-03-01 12:34:56.789000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "now-18y", now), "2006-03-15 12:34:56.789000");
    EXPECT_EQ(resolved(DataType::kTimestamp, "today-1s", now), "2024-03-14 23:59:59.000000");
}

TEST(ResolveBound, NowAndTodayForDates) {
    for (const char* at :
         {"2024-03-15T00:00:00Z", "2024-03-15T12:00:00Z", "2024-03-15T23:59:59.999999Z"}) {
        const std::int64_t now = ts(at);
        EXPECT_EQ(resolved(DataType::kDate, "now", now), "2024-03-15") << at;
        EXPECT_EQ(resolved(DataType::kDate, "today", now), "2024-03-15") << at;
        EXPECT_EQ(resolved(DataType::kDate, "today+30d", now), "2024-04-14") << at;
        EXPECT_EQ(resolved(DataType::kDate, "now-18y", now), "2006-03-15") << at;
        EXPECT_EQ(resolved(DataType::kDate, "now+1w", now), "2024-03-22") << at;
        EXPECT_EQ(resolved(DataType::kDate, "today-1y+6mo-3d", now), "2023-09-12") << at;
    }
    // "now" is a UTC moment: 23:30 at -02:00 is already the next day.
    EXPECT_EQ(resolved(DataType::kDate, "now", ts("2024-03-15T23:30:00-02:00")), "2024-03-16");
}

TEST(ResolveBound, MonthEndsAreClamped) {
    struct Case {
        const char* now;
        const char* bound;
        const char* expected;
    };
    const Case cases[] = {
        {"2024-01-31", "now+1mo", "2024-02-29"},   {"2023-01-31", "now+1mo", "2023-02-28"},
        {"2024-03-31", "now-1mo", "2024-02-29"},   {"2024-03-31", "now+1mo", "2024-04-30"},
        {"2024-05-31", "now-1mo", "2024-04-30"},   {"2024-08-31", "now+1mo", "2024-09-30"},
        {"2024-01-30", "now+1mo", "2024-02-29"},   {"2024-01-29", "now+1mo", "2024-02-29"},
        {"2024-01-28", "now+1mo", "2024-02-28"},   {"2024-02-29", "now+1y", "2025-02-28"},
        {"2024-02-29", "now-1y", "2023-02-28"},    {"2024-02-29", "now+4y", "2028-02-29"},
        {"2024-02-29", "now-100y", "1924-02-29"},  {"2000-02-29", "now+100y", "2100-02-28"},
        {"2024-12-31", "now+2mo", "2025-02-28"},   {"2024-01-31", "now-2mo", "2023-11-30"},
        {"2024-01-15", "now-13mo", "2022-12-15"},  {"2024-01-15", "now+12mo", "2025-01-15"},
        {"2024-01-31", "today+1mo", "2024-02-29"}, {"2000-01-01", "now-1mo", "1999-12-01"},
        {"2000-03-31", "now-1mo", "2000-02-29"},   {"1900-03-31", "now-1mo", "1900-02-28"},
    };
    for (const Case& c : cases) {
        const std::int64_t now = day(c.now) * kDay + 9 * kHour;
        EXPECT_EQ(resolved(DataType::kDate, c.bound, now), c.expected) << c.now << " " << c.bound;
        // Timestamps clamp the same way and keep the time of day (now) or midnight (today).
        const bool today = std::string(c.bound).rfind("today", 0) == 0;
        EXPECT_EQ(resolved(DataType::kTimestamp, c.bound, now),
                  std::string(c.expected) + (today ? " 00:00:00.000000" : " 09:00:00.000000"))
            << c.now << " " << c.bound;
    }
}

TEST(ResolveBound, MonthsComeBeforeDays) {
    const std::int64_t now = ts("2024-01-31T00:00:00Z");
    // Jan 31 + 1 month = Feb 29, then - 1 day = Feb 28, whatever the order written.
    EXPECT_EQ(resolved(DataType::kDate, "now+1mo-1d", now), "2024-02-28");
    EXPECT_EQ(resolved(DataType::kDate, "now-1d+1mo", now), "2024-02-28");
    EXPECT_EQ(resolved(DataType::kDate, "now+1y-12mo", now), "2024-01-31");
}

TEST(ResolveBound, BeforeTheEpochRoundsDown) {
    const std::int64_t now = ts("1999-12-31T12:00:00Z");  // negative
    EXPECT_EQ(resolved(DataType::kDate, "now", now), "1999-12-31");
    EXPECT_EQ(resolved(DataType::kTimestamp, "today", now), "1999-12-31 00:00:00.000000");
    EXPECT_EQ(resolved(DataType::kDate, "now", -1), "1999-12-31");
    EXPECT_EQ(resolved(DataType::kDate, "now", 0), "2000-01-01");
    EXPECT_EQ(resolved(DataType::kTimestamp, "today", -1), "1999-12-31 00:00:00.000000");
    EXPECT_EQ(resolved(DataType::kDate, "now+1mo", ts("1969-01-31T23:00:00Z")), "1969-02-28");
}

TEST(ResolveBound, TheLargestOffsets) {
    const std::int64_t now = ts("2024-03-15T12:00:00Z");
    EXPECT_EQ(resolved(DataType::kDate, "now+10000y", now), "12024-03-15");
    EXPECT_EQ(resolved(DataType::kDate, "now-10000y", now), "-7976-03-15");
    EXPECT_EQ(resolve_bound(*parse_bound(DataType::kTimestamp, "today+3660000d"),
                            DataType::kTimestamp, now),
              (day("2024-03-15") + 3660000) * kDay);
}

// --- min and max of dates and timestamps --------------------------------------------------------

// A class with one attribute "x" of type and rules.
CompiledClass compiled(const char* type, const std::string& rules) {
    Json doc;
    doc["attributes"]["x"]["type"] = type;
    doc["attributes"]["x"]["rules"] = Json::parse(rules);
    doc["classes"]["c"]["attributes"]["x"] = Json::object();
    model::Model m = model::parse_model(doc);
    check_model_rules(m);
    return compile(m, m.classes.at("c"));
}

// The rules value breaks at now, space-separated.
std::string broken(const CompiledClass& c, const char* value, std::int64_t now) {
    std::vector<Violation> out;
    auto values = values_from_json(c, Json{{"x", value}}, out);
    evaluate(c, values, now, out);
    std::string rules;
    for (const Violation& v : out) {
        EXPECT_FALSE(v.message.find(value) != std::string::npos) << v.message;
        rules += (rules.empty() ? "" : " ") + v.rule;
    }
    return rules;
}

TEST(TimeRules, DateLiteralBounds) {
    CompiledClass c = compiled("date", R"({"min": "2024-01-01", "max": "2024-12-31"})");
    const std::int64_t now = ts("2030-01-01T00:00:00Z");
    EXPECT_EQ(broken(c, "2023-12-31", now), "min");
    EXPECT_EQ(broken(c, "2024-01-01", now), "");
    EXPECT_EQ(broken(c, "2024-02-29", now), "");
    EXPECT_EQ(broken(c, "2024-12-31", now), "");
    EXPECT_EQ(broken(c, "2025-01-01", now), "max");
    EXPECT_EQ(broken(c, "0001-01-01", now), "min");
    EXPECT_EQ(broken(c, "9999-12-31", now), "max");
}

TEST(TimeRules, MessagesNameTheBound) {
    CompiledClass c = compiled("date", R"({"min": "2024-01-01", "max": "2024-12-31"})");
    std::vector<Violation> out;
    evaluate(c, values_from_json(c, Json{{"x", "2023-01-01"}}, out), 0, out);
    evaluate(c, values_from_json(c, Json{{"x", "2025-01-01"}}, out), 0, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].message, "must not be before 2024-01-01");
    EXPECT_EQ(out[1].message, "must not be after 2024-12-31");
}

TEST(TimeRules, AtLeast18YearsOld) {
    CompiledClass c = compiled("date", R"({"max": "today-18y", "min": "today-150y"})");
    const std::int64_t now = ts("2024-03-15T12:00:00Z");
    EXPECT_EQ(broken(c, "2006-03-15", now), "");  // 18 today
    EXPECT_EQ(broken(c, "2006-03-14", now), "");
    EXPECT_EQ(broken(c, "2006-03-16", now), "max");  // 18 tomorrow
    EXPECT_EQ(broken(c, "1874-03-15", now), "");
    EXPECT_EQ(broken(c, "1874-03-14", now), "min");
    // Born on a leap day: 18 on March 1 of a common year, as PostgreSQL's date - interval
    // '18 years' has it (Feb 28 minus 18 years is Feb 28).
    EXPECT_EQ(broken(c, "2024-02-29", ts("2042-02-28T08:00:00Z")), "max");
    EXPECT_EQ(broken(c, "2024-02-29", ts("2042-03-01T00:00:00Z")), "");
}

TEST(TimeRules, RelativeDateWindow) {
    CompiledClass c = compiled("date", R"({"min": "today", "max": "today+30d"})");
    const std::int64_t now = ts("2024-03-15T23:59:59Z");
    EXPECT_EQ(broken(c, "2024-03-14", now), "min");
    EXPECT_EQ(broken(c, "2024-03-15", now), "");
    EXPECT_EQ(broken(c, "2024-04-14", now), "");
    EXPECT_EQ(broken(c, "2024-04-15", now), "max");
}

TEST(TimeRules, TheSameValueAtAnotherTime) {
    CompiledClass c = compiled("date", R"({"min": "today"})");
    EXPECT_EQ(broken(c, "2024-03-15", ts("2024-03-15T23:59:59.999999Z")), "");
    EXPECT_EQ(broken(c, "2024-03-15", ts("2024-03-16T00:00:00Z")), "min");
}

TEST(TimeRules, MonthEndClampingInEvaluation) {
    CompiledClass c = compiled("date", R"({"max": "today+1mo"})");
    EXPECT_EQ(broken(c, "2024-02-29", ts("2024-01-31T10:00:00Z")), "");
    EXPECT_EQ(broken(c, "2024-03-01", ts("2024-01-31T10:00:00Z")), "max");
    EXPECT_EQ(broken(c, "2023-02-28", ts("2023-01-31T10:00:00Z")), "");
    EXPECT_EQ(broken(c, "2023-03-01", ts("2023-01-31T10:00:00Z")), "max");
}

TEST(TimeRules, TimestampLiteralBoundsWithOffsets) {
    CompiledClass c =
        compiled("timestamp",
                 R"({"min": "2024-03-15T09:00:00+01:00", "max": "2024-03-15T17:00:00.5-05:00"})");
    const std::int64_t now = 0;
    EXPECT_EQ(broken(c, "2024-03-15T07:59:59.999999Z", now), "min");
    EXPECT_EQ(broken(c, "2024-03-15T08:00:00Z", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T09:00:00+01:00", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T03:00:00-05:00", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T02:59:59-05:00", now), "min");
    EXPECT_EQ(broken(c, "2024-03-15T22:00:00.5Z", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T22:00:00.500001Z", now), "max");
    EXPECT_EQ(broken(c, "2024-03-16T00:00:01+02:00", now), "max");
}

TEST(TimeRules, TimestampRelativeBounds) {
    CompiledClass c = compiled("timestamp", R"({"min": "now-1h", "max": "now+5min"})");
    const std::int64_t now = ts("2024-03-15T12:00:00Z");
    EXPECT_EQ(broken(c, "2024-03-15T10:59:59Z", now), "min");
    EXPECT_EQ(broken(c, "2024-03-15T11:00:00Z", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T12:05:00Z", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T12:05:00.000001Z", now), "max");
    EXPECT_EQ(broken(c, "2024-03-15T13:05:00+01:00", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T13:05:01+01:00", now), "max");
}

TEST(TimeRules, TimestampsFromTheStartOfToday) {
    CompiledClass c = compiled("timestamp", R"({"min": "today", "max": "today+1d-1s"})");
    const std::int64_t now = ts("2024-03-15T18:00:00Z");
    EXPECT_EQ(broken(c, "2024-03-14T23:59:59Z", now), "min");
    EXPECT_EQ(broken(c, "2024-03-15T00:00:00Z", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T23:59:59Z", now), "");
    EXPECT_EQ(broken(c, "2024-03-15T23:59:59.5Z", now), "max");
}

TEST(TimeRules, NullsAndTypeErrorsAreNotCompared) {
    CompiledClass c = compiled("date", R"({"min": "today"})");
    std::vector<Violation> out;
    evaluate(c, values_from_json(c, Json::object(), out), ts("2024-03-15T00:00:00Z"), out);
    EXPECT_TRUE(out.empty());
    evaluate(c, values_from_json(c, Json{{"x", "2000-02-30"}}, out), ts("2024-03-15T00:00:00Z"),
             out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].rule, "type");
}

}  // namespace
}  // namespace udm::rules
