// The pause and the rate-limited warning after failed accepts, and the open-file limit check.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include "fd_limit.hpp"
#include "listener.hpp"

namespace udm::gateway {
namespace {

using std::chrono::milliseconds;
using Clock = AcceptBackoff::Clock;

TEST(AcceptBackoff, WaitsBeforeRetryingAndTheWaitGrowsToACap) {
    AcceptBackoff backoff;
    Clock::time_point t{};
    EXPECT_EQ(backoff.failed(t).delay, milliseconds(100));
    EXPECT_EQ(backoff.failed(t).delay, milliseconds(200));
    EXPECT_EQ(backoff.failed(t).delay, milliseconds(400));
    EXPECT_EQ(backoff.failed(t).delay, milliseconds(800));
    EXPECT_EQ(backoff.failed(t).delay, milliseconds(1000));
    EXPECT_EQ(backoff.failed(t).delay, milliseconds(1000));
    // An accepted connection ends the streak: the next failure waits the shortest time again.
    backoff.succeeded(t);
    EXPECT_EQ(backoff.failed(t).delay, milliseconds(100));
}

TEST(AcceptBackoff, WarnsAtMostOncePerIntervalWithTheCountLeftOut) {
    AcceptBackoff backoff;
    Clock::time_point t{};
    AcceptBackoff::Step first = backoff.failed(t);
    EXPECT_TRUE(first.warn);
    EXPECT_EQ(first.suppressed, 0u);
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(backoff.failed(t + milliseconds(100 * i)).warn);
    AcceptBackoff::Step later = backoff.failed(t + AcceptBackoff::kLogInterval);
    EXPECT_TRUE(later.warn);
    EXPECT_EQ(later.suppressed, 5u);
    EXPECT_FALSE(backoff.failed(t + AcceptBackoff::kLogInterval + milliseconds(1)).warn);
}

TEST(AcceptBackoff, ASuccessReportsTheFailuresLeftOutOnlyWhenALineIsDue) {
    AcceptBackoff backoff;
    Clock::time_point t{};
    backoff.failed(t);
    backoff.failed(t + milliseconds(100));
    backoff.failed(t + milliseconds(300));
    // Too soon after the warning: the two are carried into the next line.
    EXPECT_EQ(backoff.succeeded(t + milliseconds(400)), 0u);
    AcceptBackoff::Step next = backoff.failed(t + milliseconds(500));
    EXPECT_FALSE(next.warn);
    EXPECT_EQ(backoff.succeeded(t + milliseconds(1500)), 3u);
    // Nothing left to report; a new failure after the interval warns with nothing left out.
    EXPECT_EQ(backoff.succeeded(t + milliseconds(3000)), 0u);
    AcceptBackoff::Step again = backoff.failed(t + milliseconds(3000));
    EXPECT_TRUE(again.warn);
    EXPECT_EQ(again.suppressed, 0u);
}

TEST(FdLimit, WarnsWhenTheLimitIsBelowTheConnectionsAndTheMargin) {
    EXPECT_FALSE(fd_limit_warning(20000, 10000));
    EXPECT_FALSE(fd_limit_warning(10000 + kFdMargin, 10000));
    auto warning = fd_limit_warning(10000 + kFdMargin - 1, 10000);
    ASSERT_TRUE(warning);
    EXPECT_NE(warning->find("--max-connections 10000"), std::string::npos) << *warning;
    EXPECT_NE(warning->find("the open-file limit is 10127"), std::string::npos) << *warning;
    EXPECT_TRUE(fd_limit_warning(64, 10000));
    EXPECT_FALSE(fd_limit_warning(RLIM_INFINITY, 1000000));
}

TEST(FdLimit, RaisesTheSoftLimitToTheHardOne) {
    rlimit original{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
    if (original.rlim_max == RLIM_INFINITY || original.rlim_max < 2)
        GTEST_SKIP();
    rlimit lowered = original;
    lowered.rlim_cur = original.rlim_max / 2;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
    FdLimits limits = raise_fd_limit();
    rlimit now{};
    getrlimit(RLIMIT_NOFILE, &now);
    setrlimit(RLIMIT_NOFILE, &original);
    ASSERT_TRUE(limits.known);
    EXPECT_EQ(limits.soft_before, original.rlim_max / 2);
    EXPECT_EQ(limits.soft, original.rlim_max);
    EXPECT_EQ(now.rlim_cur, original.rlim_max);
}

}  // namespace
}  // namespace udm::gateway
