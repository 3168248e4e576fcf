// Tenants' limits in the gateway: parsing udm.tenant_limits, the token bucket with an
// injected clock, subscription counts, and following changes of limits.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "metrics.hpp"
#include "pg_text_array.hpp"
#include "tenant_limits.hpp"

namespace udm::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const Clock::time_point kStart = Clock::time_point() + std::chrono::hours(1);

TEST(TenantLimits, ParsesWhatUdmReturns) {
    auto limits = parse_tenant_limits(
        R"({"work_mem": 2048, "max_connections": 3, "max_rows_per_page": 50,
            "max_subscriptions": 7, "statement_timeout": 500, "requests_per_second": 20})");
    ASSERT_TRUE(limits);
    EXPECT_EQ(limits->max_connections, 3);
    EXPECT_EQ(limits->statement_timeout_ms, 500);
    EXPECT_EQ(limits->work_mem_kb, 2048);
    EXPECT_EQ(limits->max_rows_per_page, 50);
    EXPECT_EQ(limits->requests_per_second, 20);
    EXPECT_EQ(limits->max_subscriptions, 7);
}

TEST(TenantLimits, DefaultsAreUdms) {
    TenantLimits limits = default_tenant_limits();
    EXPECT_EQ(limits.max_connections, 10);
    EXPECT_EQ(limits.statement_timeout_ms, 30000);
    EXPECT_EQ(limits.work_mem_kb, 4096);
    EXPECT_EQ(limits.requests_per_second, 1000);
    EXPECT_EQ(limits.max_subscriptions, 1000);
    EXPECT_EQ(limits, TenantLimits{});
}

TEST(TenantLimits, BadValuesKeepTheirDefaultAndAreNamed) {
    std::vector<std::string> problems;
    auto limits = parse_tenant_limits(
        R"({"max_connections": 0, "statement_timeout": "5s", "work_mem": 1.5,
            "requests_per_second": 1e3, "max_subscriptions": 0, "cpu": 2})",
        &problems);
    ASSERT_TRUE(limits);
    EXPECT_EQ(limits->max_connections, 10);          // below the range
    EXPECT_EQ(limits->statement_timeout_ms, 30000);  // not a number
    EXPECT_EQ(limits->work_mem_kb, 4096);            // not whole
    EXPECT_EQ(limits->requests_per_second, 1000);    // 1e3 is a whole number
    EXPECT_EQ(limits->max_subscriptions, 0);         // 0 is allowed
    // The three bad ones and the missing max_rows_per_page; "cpu" is not the gateway's.
    EXPECT_EQ(problems.size(), 4u);
    EXPECT_FALSE(parse_tenant_limits("[1]"));
    EXPECT_FALSE(parse_tenant_limits("not json"));
}

TEST(TokenBucket, BurstIsOneSecondsWorthThenTheRate) {
    TokenBucket bucket(10, kStart);
    for (int i = 0; i < 10; ++i)
        EXPECT_FALSE(bucket.take(kStart)) << i;
    auto wait = bucket.take(kStart);
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, milliseconds(100));
    // One token per 100 ms.
    EXPECT_TRUE(bucket.take(kStart + milliseconds(50)));
    EXPECT_FALSE(bucket.take(kStart + milliseconds(100)));
    EXPECT_TRUE(bucket.take(kStart + milliseconds(100)));
    // A long pause fills it to the burst, not beyond.
    const auto later = kStart + std::chrono::seconds(60);
    for (int i = 0; i < 10; ++i)
        EXPECT_FALSE(bucket.take(later)) << i;
    EXPECT_TRUE(bucket.take(later));
}

TEST(TokenBucket, AClockGoingBackEarnsNothing) {
    TokenBucket bucket(1, kStart);
    EXPECT_FALSE(bucket.take(kStart));
    EXPECT_TRUE(bucket.take(kStart - std::chrono::seconds(5)));
}

TEST(TokenBucket, ANewRateKeepsTheTokensUpToItsBurst) {
    TokenBucket bucket(100, kStart);
    bucket.set_rate(2, kStart);
    EXPECT_FALSE(bucket.take(kStart));
    EXPECT_FALSE(bucket.take(kStart));
    auto wait = bucket.take(kStart);
    ASSERT_TRUE(wait);
    EXPECT_EQ(*wait, milliseconds(500));
}

TEST(TenantGate, SubscriptionsAreCountedAgainstTheLimit) {
    TenantLimits limits;
    limits.max_subscriptions = 2;
    TenantGate gate(limits, kStart);
    EXPECT_TRUE(gate.reserve_subscription());
    EXPECT_TRUE(gate.reserve_subscription());
    EXPECT_FALSE(gate.reserve_subscription());
    gate.release_subscriptions(1);
    EXPECT_TRUE(gate.reserve_subscription());
    gate.release_subscriptions(5);  // never below zero
    EXPECT_EQ(gate.subscriptions(), 0u);
    limits.max_subscriptions = 0;
    gate.set_limits(limits, kStart);
    EXPECT_FALSE(gate.reserve_subscription());
}

// Limits of tenants held in memory, as udm's functions would return them.
class FakeLimitsSource : public LimitsSource {
  public:
    std::map<std::string, std::int64_t> versions;
    std::map<std::string, std::string> limits;
    int version_queries = 0;
    int limits_queries = 0;
    bool fail = false;

    std::set<std::string> unreachable;  // their Citus worker is down

    std::map<std::string, std::optional<std::int64_t>> limits_versions(
        const std::vector<std::string>& tenants) override {
        ++version_queries;
        if (fail)
            throw LimitsQueryError("function udm.tenant_state does not exist");
        std::map<std::string, std::optional<std::int64_t>> out;
        for (const auto& tenant : tenants) {
            if (unreachable.count(tenant))
                out[tenant] = std::nullopt;
            else if (versions.count(tenant))
                out[tenant] = versions[tenant];
        }
        return out;
    }
    std::optional<std::string> tenant_limits(const std::string& tenant) override {
        ++limits_queries;
        if (!limits.count(tenant))
            return std::nullopt;
        return limits[tenant];
    }
};

TEST(TenantLimitsFollower, LoadsAndFollowsChanges) {
    Clock::time_point now = kStart;
    TenantLimitsRegistry registry([&now] { return now; });
    TenantLimitsFollower follower(registry);
    FakeLimitsSource source;
    source.versions["acme"] = 1;
    source.limits["acme"] = R"({"requests_per_second": 2, "max_connections": 1})";
    follower.load("acme", source);
    EXPECT_EQ(registry.version("acme"), 1);
    auto gate = registry.gate("acme");
    EXPECT_EQ(gate->limits().requests_per_second, 2);
    EXPECT_FALSE(gate->admit_request(now));
    EXPECT_FALSE(gate->admit_request(now));
    EXPECT_TRUE(gate->admit_request(now));

    // A signal of a model change (no limits_version) and one of the version held: no read.
    follower.on_notification("udm_schema", R"({"tenant": "acme", "version": 4})");
    follower.on_notification("udm_schema",
                             R"({"tenant": "acme", "version": 4, "limits_version": 1})");
    follower.on_notification("udm_data", R"({"tenant": "acme", "limits_version": 2})");
    follower.refresh_signalled(source);
    EXPECT_EQ(source.limits_queries, 1);

    source.versions["acme"] = 2;
    source.limits["acme"] = R"({"requests_per_second": 50, "max_connections": 4})";
    follower.on_notification("udm_schema",
                             R"({"tenant": "acme", "version": 4, "limits_version": 2})");
    follower.refresh_signalled(source);
    EXPECT_EQ(registry.version("acme"), 2);
    // The same gate: sessions holding it see the change.
    EXPECT_EQ(gate->limits().max_connections, 4);
    EXPECT_EQ(gate->limits().requests_per_second, 50);
}

TEST(TenantLimitsFollower, ForgedSignalsCostOneVersionQuery) {
    TenantLimitsRegistry registry;
    TenantLimitsFollower follower(registry);
    FakeLimitsSource source;
    source.versions["acme"] = 1;
    source.limits["acme"] = "{}";
    follower.load("acme", source);
    const int reads = source.limits_queries;
    for (int i = 0; i < 100; ++i) {
        follower.on_notification(
            "udm_schema", R"({"tenant": "acme", "limits_version": )" + std::to_string(i + 5) + "}");
        follower.on_notification("udm_schema", R"({"tenant": "nobody", "limits_version": 9})");
    }
    const int queries = source.version_queries;
    follower.refresh_signalled(source);
    EXPECT_EQ(source.version_queries, queries + 1);
    EXPECT_EQ(source.limits_queries, reads);  // the version did not move
}

TEST(TenantLimitsFollower, PollReadsMovedVersionsAndForgetsDroppedTenants) {
    TenantLimitsRegistry registry;
    TenantLimitsFollower follower(registry);
    FakeLimitsSource source;
    source.versions = {{"a", 1}, {"b", 1}};
    source.limits = {{"a", R"({"work_mem": 1024})"}, {"b", "{}"}};
    follower.load("a", source);
    follower.load("b", source);
    source.versions["a"] = 0;  // dropped and created again: a version other than the one held
    source.limits["a"] = R"({"work_mem": 2048})";
    source.versions.erase("b");
    follower.refresh_all(source);
    EXPECT_EQ(registry.gate("a")->limits().work_mem_kb, 2048);
    EXPECT_EQ(registry.tenants(), (std::vector<std::string>{"a"}));
}

TEST(TenantLimitsFollower, ATenantWhoseWorkerIsDownKeepsItsGateAndLimits) {
    TenantLimitsRegistry registry;
    TenantLimitsFollower follower(registry);
    FakeLimitsSource source;
    source.versions = {{"a", 1}};
    source.limits = {{"a", R"({"work_mem": 1024})"}};
    follower.load("a", source);
    const auto gate = registry.gate("a");
    source.unreachable = {"a"};
    follower.refresh_all(source);
    // Not forgotten: new sessions share the gate (and its counts) with the old ones.
    EXPECT_EQ(registry.tenants(), (std::vector<std::string>{"a"}));
    EXPECT_EQ(registry.gate("a"), gate);
    EXPECT_EQ(registry.gate("a")->limits().work_mem_kb, 1024);
    EXPECT_EQ(registry.version("a"), 1);
    source.unreachable.clear();
    source.versions["a"] = 2;
    source.limits["a"] = R"({"work_mem": 2048})";
    follower.refresh_all(source);
    EXPECT_EQ(registry.gate("a")->limits().work_mem_kb, 2048);
}

TEST(TenantLimitsFollower, AFailingQueryLeavesTheDefaults) {
    TenantLimitsRegistry registry;
    TenantLimitsFollower follower(registry);
    FakeLimitsSource source;
    source.fail = true;
    follower.load("acme", source);
    EXPECT_FALSE(registry.version("acme"));
    EXPECT_EQ(registry.gate("acme")->limits(), default_tenant_limits());
    // The next poll that succeeds reads them.
    source.fail = false;
    source.versions["acme"] = 3;
    source.limits["acme"] = R"({"requests_per_second": 7})";
    follower.refresh_all(source);
    EXPECT_EQ(registry.version("acme"), 3);
    EXPECT_EQ(registry.gate("acme")->limits().requests_per_second, 7);
}

// Whether text has this exact line.
bool has_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(TenantMetrics, CountsPerTenantWithABoundedNumberOfLabelSets) {
    Metrics metrics;
    metrics.set_max_tenant_series(2);
    metrics.tenant_request_answered("a", 200, false, 0.003);
    metrics.tenant_request_answered("a", 429, true, 0.0001);
    metrics.tenant_request_answered("b", 503, true, 0.5);
    metrics.tenant_request_answered("c", 200, false, 0.01);
    metrics.tenant_request_answered("d", 429, true, 0.01);
    metrics.set_tenant_pool_source([] {
        return std::map<std::string, TenantQueueCounts>{
            {"a", {1, 2}}, {"c", {1, 0}}, {"d", {0, 3}}};
    });
    const std::string text = metrics.render();
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_requests_total{tenant=\"a\"} 2"));
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_rate_limited_total{tenant=\"a\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_errors_total{tenant=\"a\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_unavailable_total{tenant=\"b\"} 1"));
    // c and d came after the bound: summed as _other.
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_requests_total{tenant=\"_other\"} 2"));
    EXPECT_EQ(text.find("tenant=\"c\""), std::string::npos);
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_db_in_use{tenant=\"a\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_db_waiting{tenant=\"a\"} 2"));
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_db_in_use{tenant=\"_other\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_db_waiting{tenant=\"_other\"} 3"));
    EXPECT_TRUE(has_line(text, "udm_gateway_tenant_db_in_use{tenant=\"b\"} 0"));
    EXPECT_TRUE(has_line(
        text, "udm_gateway_tenant_request_duration_seconds_bucket{tenant=\"a\",le=\"0.001\"} 1"));
    EXPECT_TRUE(has_line(
        text, "udm_gateway_tenant_request_duration_seconds_bucket{tenant=\"a\",le=\"0.005\"} 2"));
    EXPECT_TRUE(
        has_line(text, "udm_gateway_tenant_request_duration_seconds_count{tenant=\"b\"} 1"));
    EXPECT_TRUE(has_line(text, "# TYPE udm_gateway_tenant_request_duration_seconds histogram"));
}

}  // namespace
}  // namespace udm::gateway

// The text[] literal both udm.tenant_state readers send: every element quoted, quotes and
// backslashes escaped, so no name can end an element or add one.
TEST(TextArray, QuotesAndEscapesEveryElement) {
    EXPECT_EQ(udm::gateway::text_array({}), "{}");
    EXPECT_EQ(udm::gateway::text_array({"acme", "b"}), R"({"acme","b"})");
    EXPECT_EQ(udm::gateway::text_array({R"(a"},{"x)", R"(b\)", "NULL"}),
              R"({"a\"},{\"x","b\\","NULL"})");
}
