// Where the change feed hands the events it read: the hub in the server, a recorder in tests.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "protocol.hpp"

namespace udm::gateway {

// Receives the events of each tenant, in order, from the database thread.
class EventSink {
  public:
    virtual ~EventSink() = default;
    // One event: its kind, its root value (shared by every subscriber) and its commit time
    // in seconds since the epoch.
    virtual void publish(const std::string& tenant, EventKind kind,
                         std::shared_ptr<const nlohmann::json> root_value, double committed_at) = 0;
    // How many data events of tenant may be published now: the sink keeps a bounded number
    // per tenant until its slowest subscriber took them, and the feed reads no further ahead
    // in the outbox (the rest waits there, durably).
    virtual std::size_t room(const std::string& tenant) {
        (void)tenant;
        return std::numeric_limits<std::size_t>::max();
    }
    // The tenant was dropped (or dropped and created anew): its subscribers are cut off.
    virtual void tenant_gone(const std::string& tenant, const std::string& why) {
        (void)tenant;
        (void)why;
    }
};

}  // namespace udm::gateway
