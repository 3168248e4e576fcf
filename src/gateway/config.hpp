// The gateway's settings, from command-line flags and UDM_GATEWAY_* environment variables.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "log.hpp"

namespace udm::gateway {

// Everything the gateway is told at start-up.
struct Config {
    std::string listen_address = "127.0.0.1";
    std::uint16_t port = 4040;  // 0: any free port (the log says which)
    std::string database_url;   // empty: libpq takes PGHOST, PGPORT, ... from the environment
    std::string jwt_secret;
    // Allowed disagreement of the token issuer's clock and ours on exp and nbf.
    std::chrono::milliseconds jwt_leeway{30000};
    std::chrono::milliseconds init_timeout{3000};
    // An HTTP request's header and body must arrive within this of the connection or of the
    // previous answer; else the connection is closed.
    std::chrono::milliseconds request_timeout{30000};
    // Events kept per tenant until its slowest subscriber took them (further ones wait in
    // the outbox), and messages queued per connection.
    std::size_t queue_limit = 10000;
    // A connection whose oldest waiting event waited longer is closed as a slow consumer.
    std::chrono::milliseconds slow_consumer_timeout{5000};
    std::size_t max_connections = 10000;
    // Connections not authenticated yet (no accepted connection_init); 0: derived from
    // max_connections (pending_connections_limit()). The oldest is evicted for a new one.
    std::size_t max_pending_connections = 0;
    // HTTP connections without a request being served (waiting for one, reading one, or
    // lingering after the last answer). The oldest is evicted for a new one.
    std::size_t max_idle_http_connections = 1024;
    std::size_t max_subscriptions = 100;  // per connection
    // Distinct subscriptions selecting their events' thing, per tenant.
    std::size_t max_thing_selections = 100;
    // Largest response built for a client (unless the SDL alone is larger, see
    // ProtocolHandler::response_budget), and bytes of answers queued per connection.
    std::size_t max_response_bytes = 8u << 20;
    std::size_t max_queued_bytes = 16u << 20;
    LogLevel log_level = LogLevel::kInfo;
    std::chrono::milliseconds poll_interval{2000};
    std::chrono::milliseconds rebuild_interval{250};
    unsigned threads = 2;
    // The pool of database connections of GraphQL requests: connections at most (shared by
    // the tenants, each held to its max_connections), requests of one tenant waiting for one
    // at most, how long one waits before it gets 503, and how long a connection stays open
    // unused.
    std::size_t max_db_connections = 10;
    std::size_t db_queue_limit = 1000;
    std::chrono::milliseconds db_queue_timeout{5000};
    std::chrono::milliseconds db_idle_timeout{60000};
    // Tenants with label sets of their own in /metrics; the others are summed as "_other".
    std::size_t metrics_max_tenants = 1000;
    // Largest body of a POST /graphql/<tenant> (other requests: 8 KiB).
    std::size_t max_request_bytes = 1u << 20;
    // Whether clients may query __schema and __type (off: refused, as graphql-js's
    // NoSchemaIntrospectionCustomRule refuses them).
    bool introspection = true;
};

// How many connections may wait for their connection_init at once: max_pending_connections,
// or else a quarter of max_connections, at least 16 (all of them when fewer) and at most 1024.
std::size_t pending_connections_limit(const Config& config);

// Where the parser reads the environment and files (injected so tests need neither).
struct ConfigSources {
    std::function<std::optional<std::string>(const std::string& name)> getenv;
    std::function<std::optional<std::string>(const std::string& path)> read_file;
};

// A parsed configuration, a request for --help, or an error message for the user.
struct ConfigResult {
    std::optional<Config> config;
    bool help = false;
    std::string error;
};

// The sources of the real process: ::getenv and the file system.
ConfigSources process_sources();

// Parses args (without argv[0]); flags win over environment variables.
ConfigResult parse_config(const std::vector<std::string>& args, const ConfigSources& sources);

// The --help text.
std::string usage();

}  // namespace udm::gateway
