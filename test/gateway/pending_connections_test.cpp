// The connections awaiting their connection_init (or, in another instance, HTTP connections
// waiting for a request): bounded, the oldest evicted for a new one.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "pending_connections.hpp"

namespace udm::gateway {
namespace {

// A connection that records its eviction.
struct Fake : PendingConnection {
    bool evicted = false;
    void evict() override { evicted = true; }
};

TEST(PendingConnections, TheOldestIsEvictedForANewOne) {
    PendingConnections pending(2);
    auto a = std::make_shared<Fake>();
    auto b = std::make_shared<Fake>();
    auto c = std::make_shared<Fake>();
    std::shared_ptr<PendingConnection> evicted;
    PendingConnections::Ticket ta = pending.enter(a, evicted);
    EXPECT_FALSE(evicted);
    EXPECT_TRUE(ta);
    PendingConnections::Ticket tb = pending.enter(b, evicted);
    EXPECT_FALSE(evicted);
    EXPECT_EQ(pending.size(), 2u);
    PendingConnections::Ticket tc = pending.enter(c, evicted);
    EXPECT_EQ(evicted, a);
    EXPECT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending.evictions(), 1u);
    // The evicted connection's ticket is held until released (an HTTP session evicted while
    // a request came tells so by it), and gives back nothing: its place is c's now.
    EXPECT_TRUE(ta);
    ta.release();
    EXPECT_FALSE(ta);
    EXPECT_EQ(pending.size(), 2u);
    // An authenticated connection leaves; the next newcomer evicts nobody.
    tb.release();
    EXPECT_EQ(pending.size(), 1u);
    auto d = std::make_shared<Fake>();
    PendingConnections::Ticket td = pending.enter(d, evicted);
    EXPECT_FALSE(evicted);
}

TEST(PendingConnections, AFloodHoldsNoMoreThanTheBound) {
    // Issue #15: connections that never send connection_init each held a slot for 3 s.
    PendingConnections pending(16);
    std::vector<std::shared_ptr<Fake>> flood;
    std::vector<PendingConnections::Ticket> tickets;
    int evictions = 0;
    for (int i = 0; i < 1000; ++i) {
        flood.push_back(std::make_shared<Fake>());
        std::shared_ptr<PendingConnection> evicted;
        tickets.push_back(pending.enter(flood.back(), evicted));
        if (evicted)
            ++evictions;
        ASSERT_LE(pending.size(), 16u);
    }
    EXPECT_EQ(evictions, 1000 - 16);
    // Gone connections (destroyed without releasing) are skipped, not evicted.
    flood.clear();
    auto fresh = std::make_shared<Fake>();
    std::shared_ptr<PendingConnection> evicted;
    PendingConnections::Ticket t = pending.enter(fresh, evicted);
    EXPECT_FALSE(evicted);
    tickets.clear();
    EXPECT_EQ(pending.size(), 1u);
}

TEST(PendingConnections, TheOldestLiveOneCanBeTakenOut) {
    // What the listener does when it is out of file descriptors.
    PendingConnections pending(4);
    EXPECT_EQ(pending.take_oldest(), nullptr);
    auto gone = std::make_shared<Fake>();
    auto a = std::make_shared<Fake>();
    auto b = std::make_shared<Fake>();
    std::shared_ptr<PendingConnection> evicted;
    PendingConnections::Ticket tg = pending.enter(gone, evicted);
    PendingConnections::Ticket ta = pending.enter(a, evicted);
    PendingConnections::Ticket tb = pending.enter(b, evicted);
    gone.reset();  // destroyed without releasing: skipped
    EXPECT_EQ(pending.take_oldest(), a);
    EXPECT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending.evictions(), 1u);
    ta.release();  // gives back nothing
    EXPECT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending.take_oldest(), b);
    EXPECT_EQ(pending.take_oldest(), nullptr);
}

}  // namespace
}  // namespace udm::gateway
