// Where the change feed hands the events it read: the hub in the server, a recorder in tests.
#pragma once

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
                         std::shared_ptr<const nlohmann::json> root_value,
                         double committed_at) = 0;
};

}  // namespace udm::gateway
