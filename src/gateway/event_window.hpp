// The recent events of one tenant, shared by all its connections: the database thread
// appends them once, every connection takes them from its own cursor at the pace its socket
// drains. Bounded: the feed reads the outbox only as far as room() allows, so a burst waits
// in the outbox (which is durable) instead of in memory, and a connection that stops taking
// events is found by overdue() and cut off.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol.hpp"

namespace udm::gateway {

class Subscriber;  // a connection (hub.hpp)

// One event as the connections of its tenant take it.
struct WindowEvent {
    std::uint64_t seq = 0;  // 1, 2, 3, ... in the order the feed appended the events
    EventKind kind = EventKind::kThingChanged;
    std::shared_ptr<const nlohmann::json> root_value;  // shared by every connection
    double committed_at = 0;                           // seconds since the epoch
    std::chrono::steady_clock::time_point appended;    // when the feed appended it
};

// A tenant's window of events. Thread-safe; no call blocks on anything but its mutex.
class EventWindow {
  public:
    using Clock = std::chrono::steady_clock;

    // A connection's place in the window. Opaque outside the window; its state is guarded
    // by the window's mutex.
    class Reader {
      private:
        friend class EventWindow;
        std::uint64_t cursor = 0;         // seq of the next event to take
        bool subscribed = false;          // holds events back only while it has subscriptions
        bool idle = false;                // took everything and waits for a wake-up
        bool cut = false;                 // cut off: its connection is being closed
        bool removed = false;             // remove_reader() was called
        std::size_t index = 0;            // its place in readers_
        std::weak_ptr<Subscriber> owner;  // handed back by append(), overdue(), close_all()
    };

    // What take() hands a reader.
    struct Taken {
        std::vector<WindowEvent> events;  // oldest first, at most the number asked for
        bool cut = false;                 // the reader was cut off: close the connection
    };

    // A window holding at most capacity events that some reader has not taken yet (more
    // only while appends go beyond room()), numbering them from first_seq (at least 1).
    explicit EventWindow(std::size_t capacity, std::uint64_t first_seq = 1);

    // A new reader for a connection (held by weak_ptr: the window never keeps it alive).
    std::shared_ptr<Reader> add_reader(const std::shared_ptr<Subscriber>& owner);
    // Forgets a reader (its connection closed); it no longer holds events back.
    void remove_reader(const std::shared_ptr<Reader>& reader);

    // The reader starts a subscription: returns the seq its events start from (events
    // appended from now on). Its first subscription moves its cursor to that point.
    std::uint64_t subscribe(const std::shared_ptr<Reader>& reader);
    // The reader has no subscription left: it no longer holds events back.
    void unsubscribe(const std::shared_ptr<Reader>& reader);

    // Appends one event; returns the connections of the readers that were idle, to be woken
    // (each is returned once until it takes again).
    std::vector<std::shared_ptr<Subscriber>> append(
        EventKind kind, std::shared_ptr<const nlohmann::json> root_value, double committed_at,
        Clock::time_point now);
    // How many events may be appended before the slowest subscribed reader holds more than
    // capacity events it has not taken. Forgets the events every reader has taken.
    std::size_t room();

    // Up to max events after the reader's cursor, which moves past them. None left: the
    // reader is marked idle and append() returns it for a wake-up.
    Taken take(const std::shared_ptr<Reader>& reader, std::size_t max);

    // Cuts off the subscribed readers whose oldest event not taken was appended before
    // deadline, and returns their connections (to be closed as slow consumers). They no
    // longer hold events back.
    std::vector<std::shared_ptr<Subscriber>> overdue(Clock::time_point deadline);
    // Cuts off every reader (the tenant is gone) and returns their connections.
    std::vector<std::shared_ptr<Subscriber>> close_all();

    // The seq the next appended event gets.
    std::uint64_t next_seq() const;
    // Events kept (appended and not yet taken by every reader).
    std::size_t size() const;
    // Readers added and not removed.
    std::size_t readers() const;

  private:
    mutable std::mutex mutex_;
    const std::size_t capacity_;
    std::deque<WindowEvent> events_;  // seq events_.front().seq ... next_seq_ - 1
    std::uint64_t next_seq_ = 1;
    std::vector<std::shared_ptr<Reader>> readers_;
    std::vector<std::shared_ptr<Reader>> idle_;  // readers to wake on the next append

    // Drops the events every subscribed reader has taken (mutex held).
    void trim_locked();
    // The oldest seq a subscribed reader has not taken, or next_seq_ (mutex held).
    std::uint64_t low_water_locked() const;
    // Marks reader cut off and unsubscribed; returns its connection if still alive.
    static std::shared_ptr<Subscriber> cut_locked(Reader& reader);
};

}  // namespace udm::gateway
