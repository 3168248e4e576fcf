// The WebSocket connections of every tenant and the window of events each tenant's
// connections take from: the database thread publishes an event once per tenant, and wakes
// the connections that were waiting for one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "event_sink.hpp"
#include "event_window.hpp"
#include "subscriber.hpp"

namespace udm::gateway {

// A connection's membership of its tenant's window.
struct Membership {
    std::shared_ptr<EventWindow> window;
    std::shared_ptr<EventWindow::Reader> reader;
};

// The tenants' windows and their connections, held by weak_ptr: the hub never keeps a
// connection alive, and a closing connection never waits for it.
class Hub : public EventSink {
  public:
    // window_capacity: events a tenant's slowest subscriber may have waiting
    // (--queue-limit).
    explicit Hub(std::size_t window_capacity);

    // Wakes connections on threads of ioc from now on, in `lanes` strands: a lane wakes its
    // share of the connections one after the other, running each one's work at once where
    // its strand is free instead of one handler per connection posted from the database
    // thread (scripts/bench_gateway, docs/benchmarks.md). Without it, connections are woken
    // from the publishing thread. Call before the first join.
    void fan_out_on(boost::asio::io_context& ioc, std::size_t lanes);

    // Registers a connection not admitted to a tenant yet (its connection_init not
    // accepted): it is asked to close at shutdown, and takes no events.
    void arrive(const std::shared_ptr<Subscriber>& subscriber);
    // Registers a connection of tenant (one that arrived no longer counts as waiting).
    Membership join(const std::string& tenant, const std::shared_ptr<Subscriber>& subscriber);
    // Removes a connection (it closed), admitted or not; its tenant's window forgets it.
    void leave(const std::string& tenant, const Subscriber* subscriber,
               const Membership& membership);

    // Appends an event to tenant's window and wakes its waiting connections.
    void publish(const std::string& tenant, EventKind kind,
                 std::shared_ptr<const nlohmann::json> root_value, double committed_at) override;
    // Room in tenant's window (unbounded while it has no connection).
    std::size_t room(const std::string& tenant) override;
    // Cuts off every connection of tenant with 4403 and why.
    void tenant_gone(const std::string& tenant, const std::string& why) override;

    // Cuts off the connections whose oldest waiting event was published more than timeout
    // before now (closed with 1008 "slow consumer"); returns how many.
    std::size_t sweep(std::chrono::steady_clock::time_point now,
                      std::chrono::steady_clock::duration timeout);
    // Asks every connection to close with 1001, and any that arrives or joins from now on.
    void shut_down_all();
    // Registered connections, all tenants and those not admitted yet.
    std::size_t size() const;

  private:
    using Lane = boost::asio::strand<boost::asio::io_context::executor_type>;
    // A tenant's window and its connections.
    struct Tenant {
        std::shared_ptr<EventWindow> window;
        std::unordered_map<const Subscriber*, std::weak_ptr<Subscriber>> subscribers;
    };

    const std::size_t window_capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Tenant> tenants_;
    // Connections not admitted to a tenant yet.
    std::unordered_map<const Subscriber*, std::weak_ptr<Subscriber>> arrivals_;
    std::size_t size_ = 0;
    bool shutting_down_ = false;
    // Windows number their events from a base of their own, so that a seq is never reused in
    // the process (rendered texts are cached by seq).
    std::uint64_t next_window_base_ = 1;
    std::vector<Lane> lanes_;
    std::size_t next_lane_ = 0;

    // The window of tenant, or null.
    std::shared_ptr<EventWindow> window_of(const std::string& tenant) const;
    // Wakes connections, spread over the lanes.
    void wake(std::vector<std::shared_ptr<Subscriber>> subscribers);
    // The live connections of every tenant and those not admitted yet.
    std::vector<std::shared_ptr<Subscriber>> all() const;
};

}  // namespace udm::gateway
