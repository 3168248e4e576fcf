// What every connection shares: settings, metrics, the hub, the schemas and the loader.
#pragma once

#include "config.hpp"
#include "connection_slots.hpp"
#include "hub.hpp"
#include "metrics.hpp"
#include "schema_cache.hpp"
#include "tenant_loader.hpp"

namespace udm::gateway {

// References to the long-lived parts of the server; they outlive every connection.
struct Services {
    const Config& config;
    Metrics& metrics;
    Hub& hub;
    SchemaCache& schemas;
    TenantLoader& loader;
    ConnectionSlots& slots;  // WebSocket connections, at most config.max_connections
};

}  // namespace udm::gateway
