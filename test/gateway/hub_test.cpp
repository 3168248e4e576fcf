// The hub: tenants' windows, waking, slow consumers, tenants that are gone.
#include <gtest/gtest.h>

#include "hub.hpp"

namespace udm::gateway {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A connection that records what the hub asks of it.
class Recorded : public Subscriber {
  public:
    void wake() override { ++wakes; }
    void shut_down() override { ++shut_downs; }
    void cut_off(CloseDecision decision) override { cuts.push_back(decision); }
    int wakes = 0;
    int shut_downs = 0;
    std::vector<CloseDecision> cuts;
};

std::shared_ptr<const json> event(int n) {
    return std::make_shared<const json>(json{{"n", n}});
}

TEST(Hub, ATenantsEventsWakeItsWaitingConnectionsOnly) {
    Hub hub(100);
    auto a = std::make_shared<Recorded>();
    auto b = std::make_shared<Recorded>();
    Membership ma = hub.join("acme", a);
    Membership mb = hub.join("beta", b);
    EXPECT_NE(ma.window, mb.window);
    EXPECT_EQ(hub.size(), 2u);
    ma.window->subscribe(ma.reader);
    EXPECT_TRUE(ma.window->take(ma.reader, 10).events.empty());  // waiting now
    hub.publish("acme", EventKind::kThingChanged, event(1), 0);
    hub.publish("nobody", EventKind::kThingChanged, event(2), 0);  // no window: dropped
    EXPECT_EQ(a->wakes, 1);
    EXPECT_EQ(b->wakes, 0);
    auto taken = ma.window->take(ma.reader, 10);
    ASSERT_EQ(taken.events.size(), 1u);
    EXPECT_EQ((*taken.events[0].root_value)["n"], 1);
    hub.leave("acme", a.get(), ma);
    hub.leave("beta", b.get(), mb);
    EXPECT_EQ(hub.size(), 0u);
    EXPECT_EQ(hub.room("acme"), std::numeric_limits<std::size_t>::max());
}

TEST(Hub, RoomFollowsTheSlowestSubscriber) {
    Hub hub(3);
    auto a = std::make_shared<Recorded>();
    Membership m = hub.join("acme", a);
    m.window->subscribe(m.reader);
    EXPECT_EQ(hub.room("acme"), 3u);
    for (int i = 0; i < 3; ++i)
        hub.publish("acme", EventKind::kThingChanged, event(i), 0);
    EXPECT_EQ(hub.room("acme"), 0u);
    m.window->take(m.reader, 2);
    EXPECT_EQ(hub.room("acme"), 2u);
}

TEST(Hub, WindowsOfOneTenantOverTimeNeverReuseASeq) {
    Hub hub(10);
    auto a = std::make_shared<Recorded>();
    Membership first = hub.join("acme", a);
    std::uint64_t seq = first.window->subscribe(first.reader);
    hub.leave("acme", a.get(), first);  // the last one: the window goes
    Membership second = hub.join("acme", a);
    EXPECT_NE(first.window, second.window);
    EXPECT_GT(second.window->subscribe(second.reader), seq);
}

TEST(Hub, SweepCutsSlowConsumersWith1008) {
    Hub hub(100);
    auto slow = std::make_shared<Recorded>();
    auto fast = std::make_shared<Recorded>();
    Membership ms = hub.join("acme", slow);
    Membership mf = hub.join("acme", fast);
    ms.window->subscribe(ms.reader);
    mf.window->subscribe(mf.reader);
    hub.publish("acme", EventKind::kThingChanged, event(1), 0);
    mf.window->take(mf.reader, 10);
    EXPECT_EQ(hub.sweep(Clock::now(), 1h), 0u);
    EXPECT_EQ(hub.sweep(Clock::now() + 2s, 1s), 1u);
    ASSERT_EQ(slow->cuts.size(), 1u);
    EXPECT_EQ(slow->cuts[0].code, 1008);
    EXPECT_EQ(slow->cuts[0].reason, "slow consumer");
    EXPECT_TRUE(fast->cuts.empty());
}

TEST(Hub, TenantGoneCutsItsConnectionsWith4403) {
    Hub hub(100);
    auto a = std::make_shared<Recorded>();
    auto b = std::make_shared<Recorded>();
    Membership ma = hub.join("acme", a);
    Membership mb = hub.join("beta", b);
    hub.tenant_gone("acme", "tenant dropped");
    ASSERT_EQ(a->cuts.size(), 1u);
    EXPECT_EQ(a->cuts[0].code, 4403);
    EXPECT_EQ(a->cuts[0].reason, "tenant dropped");
    EXPECT_TRUE(b->cuts.empty());
    EXPECT_EQ(hub.size(), 1u);
    // The connection's own leave afterwards changes nothing, also once the tenant is back.
    Membership again = hub.join("acme", std::make_shared<Recorded>());
    hub.leave("acme", a.get(), ma);
    EXPECT_EQ(hub.size(), 2u);
    hub.shut_down_all();
    EXPECT_EQ(b->shut_downs, 1);
}

TEST(Hub, ConnectionsNotAdmittedYetAreShutDownButTakeNoEvents) {
    Hub hub(100);
    auto waiting = std::make_shared<Recorded>();
    auto admitted = std::make_shared<Recorded>();
    auto gone = std::make_shared<Recorded>();
    hub.arrive(waiting);
    hub.arrive(admitted);
    hub.arrive(gone);
    EXPECT_EQ(hub.size(), 3u);
    EXPECT_EQ(hub.room("acme"), std::numeric_limits<std::size_t>::max());  // no window
    Membership m = hub.join("acme", admitted);
    EXPECT_EQ(hub.size(), 3u);  // moved, not counted twice
    hub.leave("acme", gone.get(), Membership{});
    EXPECT_EQ(hub.size(), 2u);
    m.window->subscribe(m.reader);
    EXPECT_TRUE(m.window->take(m.reader, 10).events.empty());
    hub.publish("acme", EventKind::kThingChanged, event(1), 0);
    hub.tenant_gone("acme", "tenant dropped");
    EXPECT_EQ(admitted->wakes, 1);
    EXPECT_EQ(admitted->cuts.size(), 1u);
    EXPECT_EQ(waiting->wakes, 0);
    EXPECT_TRUE(waiting->cuts.empty());
    EXPECT_EQ(hub.size(), 1u);
    hub.shut_down_all();
    EXPECT_EQ(waiting->shut_downs, 1);
    EXPECT_EQ(gone->shut_downs, 0);
    hub.leave("acme", waiting.get(), Membership{});
    EXPECT_EQ(hub.size(), 0u);
    // Arriving or admitted after the shutdown began: asked to close at once.
    auto late = std::make_shared<Recorded>();
    hub.arrive(late);
    EXPECT_EQ(late->shut_downs, 1);
    Membership lm = hub.join("acme", late);
    EXPECT_EQ(late->shut_downs, 2);
    hub.leave("acme", late.get(), lm);
    EXPECT_EQ(hub.size(), 0u);
}

}  // namespace
}  // namespace udm::gateway
