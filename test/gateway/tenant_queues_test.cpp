// The per-tenant queues of the database pool: bounds, deadlines and the fair hand-off of
// free connections between tenants.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tenant_queues.hpp"

namespace udm::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using Queues = TenantQueues<int>;

const Clock::time_point kNow = Clock::time_point() + std::chrono::hours(1);
const Clock::time_point kLater = kNow + std::chrono::seconds(5);

// The tenants of the next n requests taken (each finished at once unless keep_running).
std::vector<std::string> take_tenants(Queues& queues, int n, bool keep_running = true) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        auto taken = queues.take();
        if (!taken)
            break;
        out.push_back(taken->tenant);
        if (!keep_running)
            queues.finished(taken->tenant);
    }
    return out;
}

TEST(TenantQueues, ATenantRunsAtMostItsMaximum) {
    Queues queues;
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(queues.push("a", 2, 100, 10, int(i), kLater));
    EXPECT_EQ(take_tenants(queues, 5), (std::vector<std::string>{"a", "a"}));
    EXPECT_FALSE(queues.runnable());
    EXPECT_EQ(queues.running(), 2u);
    EXPECT_EQ(queues.waiting(), 3u);
    queues.finished("a");
    EXPECT_TRUE(queues.runnable());
    auto next = queues.take();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->payload, 2);  // first come, first served within the tenant
}

TEST(TenantQueues, OneTenantsBacklogDoesNotDelayAnother) {
    // A queued 1,000 requests before B's one arrived; a pool of 1 shared connection.
    Queues queues;
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(queues.push("a", 10, 1000, 0, int(i), kLater));
    ASSERT_TRUE(queues.push("b", 10, 1000, 0, -1, kLater));
    auto first = queues.take();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->tenant, "a");
    queues.finished("a");
    // The next free connection goes to B, not to A's 999 others.
    auto second = queues.take();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->tenant, "b");
    EXPECT_EQ(second->payload, -1);
}

TEST(TenantQueues, FreeConnectionsGoRoundRobin) {
    Queues queues;
    for (int i = 0; i < 3; ++i) {
        for (const char* tenant : {"a", "b", "c"})
            ASSERT_TRUE(queues.push(tenant, 10, 100, 0, int(i), kLater));
    }
    EXPECT_EQ(take_tenants(queues, 9, /*keep_running=*/false),
              (std::vector<std::string>{"a", "b", "c", "a", "b", "c", "a", "b", "c"}));
    EXPECT_EQ(queues.tenants(), 0u);  // nothing kept of idle tenants
}

TEST(TenantQueues, ATenantAtItsMaximumIsSkipped) {
    Queues queues;
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(queues.push("a", 1, 100, 0, int(i), kLater));
    ASSERT_TRUE(queues.push("b", 5, 100, 0, 10, kLater));
    ASSERT_TRUE(queues.push("b", 5, 100, 0, 11, kLater));
    // A runs one; the others go to B although A waited first.
    EXPECT_EQ(take_tenants(queues, 5), (std::vector<std::string>{"a", "b", "b"}));
}

TEST(TenantQueues, TheQueueOfATenantIsBounded) {
    Queues queues;
    // Two connections free: two of A's requests start at once and do not count as waiting.
    for (int i = 0; i < 5; ++i)
        EXPECT_TRUE(queues.push("a", 2, 3, 2, int(i), kLater)) << i;
    EXPECT_FALSE(queues.push("a", 2, 3, 2, 5, kLater));
    // Another tenant's queue is its own.
    EXPECT_TRUE(queues.push("b", 2, 3, 2, 6, kLater));
    // A queue limit of 0: only what starts at once.
    Queues none;
    EXPECT_TRUE(none.push("a", 1, 0, 1, 0, kLater));
    EXPECT_FALSE(none.push("a", 1, 0, 1, 1, kLater));
}

TEST(TenantQueues, ExpiredRequestsLeaveEveryQueue) {
    Queues queues;
    ASSERT_TRUE(queues.push("a", 1, 10, 0, 1, kNow));
    ASSERT_TRUE(queues.push("b", 1, 10, 0, 2, kNow + std::chrono::seconds(1)));
    ASSERT_TRUE(queues.push("a", 1, 10, 0, 3, kNow + std::chrono::seconds(2)));
    EXPECT_EQ(queues.next_deadline(), kNow);
    EXPECT_EQ(queues.expire(kNow + std::chrono::seconds(1)), (std::vector<int>{1, 2}));
    EXPECT_EQ(queues.next_deadline(), kNow + std::chrono::seconds(2));
    EXPECT_EQ(queues.waiting(), 1u);
    EXPECT_EQ(queues.drain(), (std::vector<int>{3}));
    EXPECT_FALSE(queues.next_deadline());
    EXPECT_EQ(queues.tenants(), 0u);
}

TEST(TenantQueues, CountsPerTenant) {
    Queues queues;
    ASSERT_TRUE(queues.push("a", 1, 10, 0, 1, kLater));
    ASSERT_TRUE(queues.push("a", 1, 10, 0, 2, kLater));
    ASSERT_TRUE(queues.take());
    auto counts = queues.counts();
    ASSERT_EQ(counts.count("a"), 1u);
    EXPECT_EQ(counts["a"].running, 1u);
    EXPECT_EQ(counts["a"].waiting, 1u);
}

TEST(TenantQueues, ARaisedMaximumTakesEffectAtTheNextRequest) {
    Queues queues;
    ASSERT_TRUE(queues.push("a", 1, 10, 0, 1, kLater));
    ASSERT_TRUE(queues.push("a", 1, 10, 0, 2, kLater));
    ASSERT_TRUE(queues.take());
    EXPECT_FALSE(queues.runnable());
    ASSERT_TRUE(queues.push("a", 3, 10, 0, 3, kLater));
    EXPECT_EQ(take_tenants(queues, 5), (std::vector<std::string>{"a", "a"}));
}

}  // namespace
}  // namespace udm::gateway
