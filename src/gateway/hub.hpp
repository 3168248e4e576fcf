// The WebSocket connections of every tenant, and the fan-out of events to them.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "event_sink.hpp"

namespace udm::gateway {

// A connection as the hub sees it. Both calls may come from any thread and must only run
// work on the connection's own strand (deliver may run it at once when the caller is a
// thread of the connection's io_context and the strand is free).
class Subscriber {
public:
    virtual ~Subscriber() = default;
    // Hands over one event of the connection's tenant.
    virtual void deliver(EventKind kind, std::shared_ptr<const nlohmann::json> root_value,
                         double committed_at) = 0;
    // Asks the connection to close with 1001 (the server is shutting down).
    virtual void shut_down() = 0;
};

// Per-tenant registry of connections held by weak_ptr, so a closing connection never waits
// for the hub and the hub never keeps a connection alive.
class Hub : public EventSink {
public:
    // Fans events out on threads of ioc from now on, in `lanes` strands: each connection is
    // in one lane, and a lane hands an event to its connections one after the other. The
    // delivery then runs on the connection's strand directly where it is free, instead of
    // one handler per connection posted from the database thread (see scripts/bench_gateway
    // in docs/benchmarks.md). Without it, publish delivers from the calling thread. Call
    // before the first join.
    void fan_out_on(boost::asio::io_context& ioc, std::size_t lanes);
    // Registers a connection of tenant.
    void join(const std::string& tenant, const std::shared_ptr<Subscriber>& subscriber);
    // Removes a connection of tenant (called when it closes or is destroyed).
    void leave(const std::string& tenant, const Subscriber* subscriber);
    // Hands an event to every live connection of tenant.
    void publish(const std::string& tenant, EventKind kind,
                 std::shared_ptr<const nlohmann::json> root_value, double committed_at) override;
    // Asks every connection to close with 1001.
    void shut_down_all();
    // Registered connections, all tenants.
    std::size_t size() const;

private:
    using Lane = boost::asio::strand<boost::asio::io_context::executor_type>;
    // A registered connection and the lane it is delivered in.
    struct Entry {
        std::weak_ptr<Subscriber> subscriber;
        std::size_t lane = 0;
    };

    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::unordered_map<const Subscriber*, Entry>> tenants_;
    std::size_t size_ = 0;
    std::vector<Lane> lanes_;
    std::size_t next_lane_ = 0;

    // The live connections of tenant (of every tenant when tenant is null), of one lane or
    // of all lanes when lane is null.
    std::vector<std::shared_ptr<Subscriber>> snapshot(const std::string* tenant,
                                                      const std::size_t* lane = nullptr) const;
};

}  // namespace udm::gateway
