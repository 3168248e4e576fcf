// Per-tenant limits: defaults, ranges, merging of partial changes, role statements.
#include "udm/core/tenant_limits.hpp"

#include <gtest/gtest.h>

#include "error_of.hpp"

namespace udm::limits {
namespace {

using nlohmann::json;
using test::error_of;

TEST(TenantLimits, DefaultsWhenNothingIsStored) {
    const json e = effective(json::object());
    EXPECT_EQ(e.size(), definitions().size());
    EXPECT_EQ(e["max_connections"], 10);
    EXPECT_EQ(e["statement_timeout"], 30000);
    EXPECT_EQ(e["work_mem"], 4096);
    EXPECT_EQ(e["max_rows_per_page"], 1000);
    EXPECT_EQ(e["requests_per_second"], 1000);
    EXPECT_EQ(e["max_subscriptions"], 1000);
    EXPECT_EQ(effective(nullptr), e);
}

TEST(TenantLimits, EveryDefaultIsWithinItsRange) {
    for (const Definition& d : definitions()) {
        EXPECT_LE(d.min, d.def) << d.key;
        EXPECT_LE(d.def, d.max) << d.key;
    }
}

TEST(TenantLimits, PartialChangesMerge) {
    json stored = merge(json::object(), {{"max_connections", 20}});
    EXPECT_EQ(stored, json({{"max_connections", 20}}));
    stored = merge(stored, {{"work_mem", 8192}});
    EXPECT_EQ(stored, json({{"max_connections", 20}, {"work_mem", 8192}}));
    EXPECT_EQ(effective(stored)["max_connections"], 20);
    EXPECT_EQ(effective(stored)["statement_timeout"], 30000);
}

TEST(TenantLimits, NullRestoresTheDefault) {
    json stored = merge(json::object(), {{"max_connections", 20}, {"work_mem", 8192}});
    stored = merge(stored, {{"max_connections", nullptr}});
    EXPECT_EQ(stored, json({{"work_mem", 8192}}));
    EXPECT_EQ(effective(stored)["max_connections"], 10);
    EXPECT_EQ(merge(stored, json::object()), stored);
}

TEST(TenantLimits, RangeBoundsAreInclusive) {
    EXPECT_EQ(merge(json::object(), {{"max_connections", 1}})["max_connections"], 1);
    EXPECT_EQ(merge(json::object(), {{"max_connections", 500}})["max_connections"], 500);
    EXPECT_EQ(merge(json::object(), {{"max_subscriptions", 0}})["max_subscriptions"], 0);
    // A whole number written as a JSON float is a whole number.
    EXPECT_EQ(merge(json::object(), json::parse(R"({"work_mem": 1e3})"))["work_mem"], 1000);
}

TEST(TenantLimits, OutOfRangeNamesTheKeyAndTheRange) {
    const Error e = error_of([] { merge(json::object(), {{"max_connections", 0}}); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_EQ(std::string(e.what()), "invalid value for tenant limit \"max_connections\"");
    EXPECT_EQ(e.detail(),
              "\"max_connections\" must be a whole number from 1 to 500 (connections).");
    EXPECT_EQ(e.hint(), "Use null to restore its default, 10.");
    EXPECT_STREQ(error_of([] {
                     merge(json::object(), {{"max_connections", 501}});
                 }).sqlstate(),
                 "22023");
    EXPECT_STREQ(error_of([] {
                     merge(json::object(), json::parse(R"({"work_mem": 18446744073709551615})"));
                 }).sqlstate(),
                 "22023");
    EXPECT_STREQ(error_of([] {
                     merge(json::object(), json::parse(R"({"statement_timeout": -1})"));
                 }).sqlstate(),
                 "22023");
}

TEST(TenantLimits, OnlyWholeNumbersAreValues) {
    for (const char* bad :
         {R"({"work_mem": 4096.5})", R"({"work_mem": "4096"})", R"({"work_mem": true})",
          R"({"work_mem": [4096]})", R"({"work_mem": {"kB": 4096}})", R"({"work_mem": 1e300})"}) {
        const Error e = error_of([&] { merge(json::object(), json::parse(bad)); });
        EXPECT_STREQ(e.sqlstate(), "22023") << bad;
        EXPECT_EQ(std::string(e.what()), "invalid value for tenant limit \"work_mem\"") << bad;
    }
}

TEST(TenantLimits, UnknownKeysAreRefusedAndNothingMerges) {
    const json stored = {{"work_mem", 8192}};
    const Error e = error_of([&] { merge(stored, {{"work_mem", 100}, {"cpu", 2}}); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_EQ(std::string(e.what()), "unknown tenant limit \"cpu\"");
    EXPECT_NE(e.detail().find("max_connections, statement_timeout, work_mem"), std::string::npos);
    // A key that is not a plain name is not echoed.
    const Error odd = error_of([&] { merge(stored, {{"x\"; DROP", 1}}); });
    EXPECT_EQ(std::string(odd.what()), "unknown tenant limit");
}

TEST(TenantLimits, LimitsMustBeAnObject) {
    for (const json& bad : {json::array(), json(5), json("x"), json(nullptr)}) {
        EXPECT_STREQ(error_of([&] { merge(json::object(), bad); }).sqlstate(), "22023");
    }
}

TEST(TenantLimits, BadStoredLimitsAreReportedNotUsed) {
    EXPECT_STREQ(error_of([] { effective({{"work_mem", 1}}); }).sqlstate(), "22023");
    EXPECT_STREQ(error_of([] { effective({{"nope", 1}}); }).sqlstate(), "22023");
    EXPECT_STREQ(error_of([] { effective(json::array()); }).sqlstate(), "22023");
}

TEST(TenantLimits, LenientValueNeverThrowsAndClamps) {
    bool bad = true;
    EXPECT_EQ(lenient_value(json::object(), "max_rows_per_page", &bad), 1000);
    EXPECT_FALSE(bad);
    EXPECT_EQ(lenient_value(json(nullptr), "max_rows_per_page", &bad), 1000);
    EXPECT_FALSE(bad);
    // Another key bad or unknown: this one is still read.
    EXPECT_EQ(lenient_value({{"max_rows_per_page", 50}, {"nope", 1}, {"work_mem", 1}},
                            "max_rows_per_page", &bad),
              50);
    EXPECT_FALSE(bad);
    EXPECT_EQ(lenient_value({{"max_rows_per_page", 0}}, "max_rows_per_page", &bad), 1);
    EXPECT_TRUE(bad);
    EXPECT_EQ(lenient_value({{"max_rows_per_page", 99999999}}, "max_rows_per_page", &bad), 10000);
    EXPECT_TRUE(bad);
    EXPECT_EQ(
        lenient_value({{"max_rows_per_page", 18446744073709551615ull}}, "max_rows_per_page", &bad),
        10000);
    EXPECT_TRUE(bad);
    EXPECT_EQ(lenient_value({{"max_rows_per_page", -5}}, "max_rows_per_page", &bad), 1);
    EXPECT_TRUE(bad);
    EXPECT_EQ(lenient_value({{"max_rows_per_page", 1e300}}, "max_rows_per_page", &bad), 10000);
    EXPECT_TRUE(bad);
    EXPECT_EQ(lenient_value({{"max_rows_per_page", 20.0}}, "max_rows_per_page", &bad), 20);
    EXPECT_FALSE(bad);
    EXPECT_EQ(lenient_value({{"max_rows_per_page", "20"}}, "max_rows_per_page", &bad), 1000);
    EXPECT_TRUE(bad);
    EXPECT_EQ(lenient_value(json::array(), "max_rows_per_page", &bad), 1000);
    EXPECT_TRUE(bad);
}

TEST(TenantLimits, RoleStatementsQuoteTheRoleAndCarryTheValues) {
    const auto sts =
        role_statements(naming::tenant_names("acme"),
                        effective({{"max_connections", 12}, {"statement_timeout", 5000}}));
    ASSERT_EQ(sts.size(), 3u);
    EXPECT_EQ(sts[0], "ALTER ROLE \"tenant_acme_role\" CONNECTION LIMIT 12");
    EXPECT_EQ(sts[1], "ALTER ROLE \"tenant_acme_role\" SET statement_timeout = 5000");
    EXPECT_EQ(sts[2], "ALTER ROLE \"tenant_acme_role\" SET work_mem = 4096");
}

}  // namespace
}  // namespace udm::limits
