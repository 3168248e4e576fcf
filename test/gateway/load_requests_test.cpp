// The queue of tenant loads without a database: one load per tenant however many ask, unknown
// tenants answered from memory for a while, a bound on the loads waiting.
#include <gtest/gtest.h>

#include <map>

#include "load_requests.hpp"

namespace udm::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = LoadRequests::Clock;

// Collects the answers given to requests, by a name of the request.
struct Answers {
    std::map<std::string, std::vector<LoadOutcome>> by_request;
    // A callback recording its outcome under name.
    LoadRequests::Done to(const std::string& name) {
        return [this, name](LoadOutcome outcome) { by_request[name].push_back(outcome); };
    }
    // The answers request name got.
    std::vector<LoadOutcome> of(const std::string& name) { return by_request[name]; }
};

const Clock::time_point t0 = Clock::now();

TEST(LoadRequests, RequestsForOneTenantShareOneLoad) {
    LoadRequests requests;
    Answers answers;
    EXPECT_TRUE(requests.add("acme", answers.to("a1"), t0));
    EXPECT_TRUE(requests.add("acme", answers.to("a2"), t0));
    EXPECT_TRUE(requests.add("beta", answers.to("b1"), t0));
    EXPECT_TRUE(requests.waiting());
    EXPECT_EQ(requests.take(10), (std::vector<std::string>{"acme", "beta"}));
    EXPECT_FALSE(requests.waiting());
    // While acme loads, another request joins it instead of queueing a second load.
    EXPECT_TRUE(requests.add("acme", answers.to("a3"), t0));
    EXPECT_TRUE(requests.take(10).empty());
    requests.finish("acme", LoadOutcome::kReady, t0);
    EXPECT_EQ(answers.of("a1"), std::vector<LoadOutcome>{LoadOutcome::kReady});
    EXPECT_EQ(answers.of("a2"), std::vector<LoadOutcome>{LoadOutcome::kReady});
    EXPECT_EQ(answers.of("a3"), std::vector<LoadOutcome>{LoadOutcome::kReady});
    EXPECT_TRUE(answers.of("b1").empty());
    requests.finish("beta", LoadOutcome::kUnavailable, t0);
    EXPECT_EQ(answers.of("b1"), std::vector<LoadOutcome>{LoadOutcome::kUnavailable});
}

TEST(LoadRequests, TakeHandsOutAtMostMaxOldestFirst) {
    LoadRequests requests;
    Answers answers;
    for (const char* t : {"a", "b", "c"})
        requests.add(t, answers.to(t), t0);
    EXPECT_EQ(requests.take(2), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(requests.waiting());
    EXPECT_EQ(requests.take(2), (std::vector<std::string>{"c"}));
}

TEST(LoadRequests, AnUnknownTenantIsAnsweredFromMemoryForAWhile) {
    LoadRequests requests(100, 3s);
    Answers answers;
    requests.add("nobody", answers.to("first"), t0);
    requests.take(10);
    requests.finish("nobody", LoadOutcome::kUnknownTenant, t0);
    EXPECT_EQ(answers.of("first"), std::vector<LoadOutcome>{LoadOutcome::kUnknownTenant});
    // Answered at once, no load queued.
    EXPECT_FALSE(requests.add("nobody", answers.to("again"), t0 + 2s));
    EXPECT_EQ(answers.of("again"), std::vector<LoadOutcome>{LoadOutcome::kUnknownTenant});
    EXPECT_FALSE(requests.waiting());
    // Later it may exist: asked again.
    EXPECT_TRUE(requests.add("nobody", answers.to("later"), t0 + 3s));
    EXPECT_EQ(requests.take(10), std::vector<std::string>{"nobody"});
    EXPECT_TRUE(answers.of("later").empty());
}

TEST(LoadRequests, TheUnknownTenantsRememberedAreBounded) {
    LoadRequests requests(100, 3s, 2);
    Answers answers;
    for (const char* t : {"x", "y", "z"}) {
        requests.add(t, answers.to(t), t0);
        requests.take(10);
        requests.finish(t, LoadOutcome::kUnknownTenant, t0);
    }
    // The oldest made room for the newest.
    EXPECT_TRUE(requests.add("x", answers.to("x2"), t0));
    EXPECT_FALSE(requests.add("z", answers.to("z2"), t0));
}

TEST(LoadRequests, BeyondTheBoundRequestsAreUnavailableAtOnce) {
    LoadRequests requests(2, 3s);
    Answers answers;
    EXPECT_TRUE(requests.add("a", answers.to("a"), t0));
    EXPECT_TRUE(requests.add("b", answers.to("b"), t0));
    EXPECT_FALSE(requests.add("c", answers.to("c"), t0));
    EXPECT_EQ(answers.of("c"), std::vector<LoadOutcome>{LoadOutcome::kUnavailable});
    // A tenant already waiting costs no further load: still joined.
    EXPECT_TRUE(requests.add("a", answers.to("a2"), t0));
    // Loads in progress count until they finish.
    requests.take(10);
    EXPECT_FALSE(requests.add("c", answers.to("c2"), t0));
    requests.finish("a", LoadOutcome::kReady, t0);
    EXPECT_TRUE(requests.add("c", answers.to("c3"), t0));
}

TEST(LoadRequests, FailAllAnswersTakenAndWaitingRequestsOnce) {
    LoadRequests requests;
    Answers answers;
    requests.add("a", answers.to("a"), t0);
    requests.add("b", answers.to("b"), t0);
    EXPECT_EQ(requests.take(1), std::vector<std::string>{"a"});
    requests.fail_all(LoadOutcome::kUnavailable);
    EXPECT_EQ(answers.of("a"), std::vector<LoadOutcome>{LoadOutcome::kUnavailable});
    EXPECT_EQ(answers.of("b"), std::vector<LoadOutcome>{LoadOutcome::kUnavailable});
    EXPECT_FALSE(requests.waiting());
    // The load of a that was under way ends later: nobody is answered twice.
    requests.finish("a", LoadOutcome::kReady, t0);
    EXPECT_EQ(answers.of("a").size(), 1u);
}

}  // namespace
}  // namespace udm::gateway
