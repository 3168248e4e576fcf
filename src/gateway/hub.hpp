// The WebSocket connections of every tenant, and the fan-out of events to them.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "event_sink.hpp"

namespace udm::gateway {

// A connection as the hub sees it. Both calls come from other threads and must only post
// work onto the connection's own strand.
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
    mutable std::mutex mutex_;
    std::unordered_map<std::string,
                       std::unordered_map<const Subscriber*, std::weak_ptr<Subscriber>>>
        tenants_;
    std::size_t size_ = 0;

    // The live connections of tenant, or of every tenant when tenant is null.
    std::vector<std::shared_ptr<Subscriber>> snapshot(const std::string* tenant) const;
};

}  // namespace udm::gateway
