// The shared event window of a tenant: cursors, room, idle wake-ups, slow readers.
#include <gtest/gtest.h>

#include <thread>

#include "event_window.hpp"
#include "subscriber.hpp"

namespace udm::gateway {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = EventWindow::Clock;

// A connection that only counts what the window asks of it.
class Probe : public Subscriber {
  public:
    void wake() override { ++wakes; }
    void shut_down() override {}
    void cut_off(CloseDecision) override {}
    int wakes = 0;
};

// The seqs of what a reader took.
std::vector<std::uint64_t> seqs(const EventWindow::Taken& taken) {
    std::vector<std::uint64_t> out;
    for (const auto& e : taken.events)
        out.push_back(e.seq);
    return out;
}

struct EventWindowTest : ::testing::Test {
    EventWindow window{5};
    Clock::time_point t0 = Clock::now();
    std::shared_ptr<Probe> a = std::make_shared<Probe>();
    std::shared_ptr<Probe> b = std::make_shared<Probe>();

    std::vector<std::shared_ptr<Subscriber>> append(Clock::time_point at) {
        return window.append(EventKind::kThingChanged, std::make_shared<const json>(json::object()),
                             0, at);
    }
};

TEST_F(EventWindowTest, ReadersTakeWhatWasAppendedAfterTheySubscribed) {
    auto ra = window.add_reader(a);
    append(t0);  // before any subscription: nobody gets it
    EXPECT_EQ(window.subscribe(ra), 2u);
    append(t0);
    append(t0);
    auto rb = window.add_reader(b);
    EXPECT_EQ(window.subscribe(rb), 4u);
    append(t0);
    EXPECT_EQ(seqs(window.take(ra, 10)), (std::vector<std::uint64_t>{2, 3, 4}));
    EXPECT_EQ(seqs(window.take(rb, 10)), (std::vector<std::uint64_t>{4}));
    EXPECT_TRUE(window.take(ra, 10).events.empty());
}

TEST_F(EventWindowTest, TakeHandsAtMostMaxInOrder) {
    auto ra = window.add_reader(a);
    window.subscribe(ra);
    for (int i = 0; i < 5; ++i)
        append(t0);
    EXPECT_EQ(seqs(window.take(ra, 2)), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(seqs(window.take(ra, 2)), (std::vector<std::uint64_t>{3, 4}));
    EXPECT_EQ(seqs(window.take(ra, 2)), (std::vector<std::uint64_t>{5}));
}

TEST_F(EventWindowTest, RoomIsBoundedByTheSlowestSubscribedReader) {
    auto ra = window.add_reader(a);
    auto rb = window.add_reader(b);
    EXPECT_EQ(window.room(), 5u);
    window.subscribe(ra);
    window.subscribe(rb);
    for (int i = 0; i < 5; ++i)
        append(t0);
    EXPECT_EQ(window.room(), 0u);
    window.take(ra, 10);
    EXPECT_EQ(window.room(), 0u) << "b has taken nothing";
    window.take(rb, 3);
    EXPECT_EQ(window.room(), 3u);
    EXPECT_EQ(window.size(), 2u) << "the events both took are gone";
    // A reader without subscriptions holds nothing back.
    window.unsubscribe(rb);
    EXPECT_EQ(window.room(), 5u);
    EXPECT_EQ(window.size(), 0u);
}

TEST_F(EventWindowTest, NobodySubscribedKeepsNothing) {
    window.add_reader(a);
    for (int i = 0; i < 20; ++i)
        append(t0);
    EXPECT_EQ(window.room(), 5u);
    EXPECT_EQ(window.size(), 0u);
}

TEST_F(EventWindowTest, AnIdleReaderIsWokenOnceByTheNextAppend) {
    auto ra = window.add_reader(a);
    auto rb = window.add_reader(b);
    window.subscribe(ra);
    window.subscribe(rb);
    EXPECT_TRUE(append(t0).empty()) << "nobody has asked yet";
    window.take(ra, 10);
    EXPECT_TRUE(window.take(ra, 10).events.empty());  // a is idle now
    auto woken = append(t0);
    ASSERT_EQ(woken.size(), 1u);
    EXPECT_EQ(woken[0].get(), a.get());
    EXPECT_TRUE(append(t0).empty()) << "woken once until it takes again";
    window.take(ra, 10);
    window.take(ra, 10);
    EXPECT_EQ(append(t0).size(), 1u);
}

TEST_F(EventWindowTest, OverdueCutsReadersWhoseOldestEventWaitedTooLong) {
    auto ra = window.add_reader(a);
    auto rb = window.add_reader(b);
    window.subscribe(ra);
    window.subscribe(rb);
    append(t0);
    append(t0 + 2s);
    window.take(ra, 1);  // a waits for the event of t0 + 2s, b for the one of t0
    EXPECT_TRUE(window.overdue(t0).empty());
    auto late = window.overdue(t0 + 1s);
    ASSERT_EQ(late.size(), 1u);
    EXPECT_EQ(late[0].get(), b.get());
    EXPECT_TRUE(window.take(rb, 10).cut);
    EXPECT_EQ(window.size(), 1u) << "b no longer holds the first event";
    EXPECT_FALSE(window.take(ra, 10).cut);
    // A reader that took everything is never overdue.
    EXPECT_TRUE(window.overdue(t0 + 10s).empty());
}

TEST_F(EventWindowTest, RemovedAndClosedReadersHoldNothingBack) {
    auto ra = window.add_reader(a);
    auto rb = window.add_reader(b);
    window.subscribe(ra);
    window.subscribe(rb);
    for (int i = 0; i < 5; ++i)
        append(t0);
    window.take(ra, 10);
    window.remove_reader(rb);
    EXPECT_EQ(window.readers(), 1u);
    EXPECT_EQ(window.room(), 5u);
    auto all = window.close_all();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_TRUE(window.take(ra, 10).cut);
    EXPECT_TRUE(window.close_all().empty());
}

TEST_F(EventWindowTest, ADeadConnectionIsNotWoken) {
    auto ra = window.add_reader(a);
    window.subscribe(ra);
    window.take(ra, 10);
    a.reset();
    EXPECT_TRUE(append(t0).empty());
}

// One appender and two takers on threads: every reader gets every event once, in order.
TEST(EventWindowThreads, EveryEventOnceInOrder) {
    EventWindow window(64);
    constexpr std::uint64_t kEvents = 20000;
    std::vector<std::shared_ptr<Probe>> probes{std::make_shared<Probe>(),
                                               std::make_shared<Probe>()};
    std::vector<std::shared_ptr<EventWindow::Reader>> readers;
    for (auto& p : probes) {
        readers.push_back(window.add_reader(p));
        window.subscribe(readers.back());
    }
    std::vector<std::thread> takers;
    std::vector<char> ok(readers.size(), 1);  // not vector<bool>: its bits share words
    for (std::size_t r = 0; r < readers.size(); ++r) {
        takers.emplace_back([&, r] {
            std::uint64_t expected = 1;
            while (expected <= kEvents) {
                auto taken = window.take(readers[r], 7);
                for (const auto& e : taken.events)
                    ok[r] = ok[r] && e.seq == expected++;
                if (taken.events.empty())
                    std::this_thread::yield();
            }
        });
    }
    for (std::uint64_t i = 0; i < kEvents;) {
        if (window.room() == 0) {
            std::this_thread::yield();
            continue;
        }
        window.append(EventKind::kThingChanged, nullptr, 0, Clock::now());
        ++i;
        EXPECT_LE(window.size(), 64u);
    }
    for (auto& t : takers)
        t.join();
    EXPECT_TRUE(ok[0]);
    EXPECT_TRUE(ok[1]);
}

}  // namespace
}  // namespace udm::gateway
