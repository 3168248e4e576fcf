// What every connection shares: settings, metrics, the hub, the schemas and the loader.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>

#include "config.hpp"
#include "connection_slots.hpp"
#include "db_pool.hpp"
#include "hub.hpp"
#include "metrics.hpp"
#include "pending_connections.hpp"
#include "persisted_queries.hpp"
#include "schema_cache.hpp"
#include "tenant_limits.hpp"
#include "tenant_loader.hpp"
#include "thing_selections.hpp"

namespace udm::gateway {

// References to the long-lived parts of the server; they outlive every connection.
struct Services {
    const Config& config;
    Metrics& metrics;
    Hub& hub;
    SchemaCache& schemas;
    TenantLoader& loader;
    ConnectionSlots& slots;         // WebSocket connections, at most config.max_connections
    PendingConnections& pending;    // those not authenticated yet (pending_connections_limit)
    PendingConnections& idle_http;  // HTTP connections without a request being served (bounded)
    DbPool& db_pool;                // connections of GraphQL requests (HTTP and WebSocket)
    PersistedQueries& persisted_queries;  // automatic persisted queries, of every tenant
    ThingSelections& thing_selections;    // the thing-selecting subscriptions of each tenant
    TenantLimitsRegistry& limits;         // each loaded tenant's limits, bucket, subscriptions
};

// Calls done with kReady at once if tenant is loaded; otherwise has the loader load it and
// calls done with the outcome on executor (the loader answers on the database thread).
template <class Executor>
void when_tenant_loaded(Services& services, const std::string& tenant, const Executor& executor,
                        std::function<void(LoadOutcome)> done) {
    if (services.schemas.get(tenant)) {
        done(LoadOutcome::kReady);
        return;
    }
    services.loader.request_tenant(tenant, [executor, done = std::move(done)](LoadOutcome outcome) {
        boost::asio::post(executor, [done, outcome] { done(outcome); });
    });
}

}  // namespace udm::gateway
