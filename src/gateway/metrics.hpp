// The gateway's metrics and their Prometheus text exposition (format 0.0.4).
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tenant_queues.hpp"

namespace udm::gateway {

// Counters, gauges and the delivery-latency histogram, updated from any thread.
class Metrics {
  public:
    // Upper bounds (seconds) of the commit-to-delivery latency histogram buckets.
    static constexpr std::array<double, 13> kLatencyBuckets = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    // A WebSocket connection of tenant opened (+1) or closed (-1).
    void add_connections(std::string_view tenant, int delta);
    // A WebSocket connection not admitted to a tenant yet (its connection_init not accepted)
    // opened (+1) or closed or admitted (-1). Unlabelled: its tenant may not exist.
    void add_awaiting_init(int delta);
    // Subscriptions of tenant started (+n) or ended (-n).
    void add_subscriptions(std::string_view tenant, int delta);
    // One event message written to a subscriber of tenant; latency from the commit, if known.
    void event_delivered(std::string_view tenant, std::optional<double> latency_seconds);
    // A tenant's schema was rebuilt (successfully) after a model change.
    void schema_rebuilt();
    // The database listener connected again after losing its connection.
    void db_reconnected();
    // Whether the database listener is connected now.
    void set_db_connected(bool connected);
    // How many Citus workers the database listener is listening on for udm_data now.
    void set_db_worker_signal_connections(std::size_t count);
    // A connection was closed because its outgoing queue overflowed.
    void slow_consumer_closed();
    // A tenant's data feed fell behind the outbox's retention and skipped to the end.
    void data_resynced();
    // Client connections: an HTTP connection opened (+1) or closed or upgraded (-1).
    void add_http_connections(int delta);
    // Which kind of client connection a count is of.
    enum class ConnectionKind { kHttp, kWebSocket };
    // A connection was closed without an answer because it waited (for a request, or for
    // connection_init) while --max-idle-http-connections (--max-pending-connections) newer
    // ones did.
    void connection_evicted(ConnectionKind kind);
    // A connection was closed because its request (HTTP) or connection_init (WebSocket) did
    // not come in time.
    void connection_timed_out(ConnectionKind kind);
    // A WebSocket upgrade was refused with 503 at --max-connections.
    void connection_refused();
    // An accept failed (out of file descriptors, say); the listener retries after a pause.
    void accept_failed();
    // An HTTP request was refused for its size: 413 (body) or 431 (request line and headers).
    void request_too_large(unsigned status);
    // The things of a batch of events were read for one thing selection (udm.graphql_things);
    // failed when the read failed.
    void things_read(bool failed);

    // An HTTP GraphQL request answered with status; with_errors when its body has GraphQL
    // errors (a refused request, a request error or a field error).
    void graphql_http_answered(unsigned status, bool with_errors);
    // Where render() reads the database pool's state: connections open, in use, requests
    // waiting, requests refused (queue full or timed out) ever.
    struct PoolGauges {
        std::size_t open = 0;
        std::size_t in_use = 0;
        std::size_t waiting = 0;
        std::uint64_t refused = 0;
    };
    void set_pool_source(std::function<PoolGauges()> source);

    // The label value of the tenants beyond max_tenant_series (tenant names start with a
    // letter, so no tenant has it).
    static constexpr std::string_view kOtherTenants = "_other";
    // How many tenants get label sets of their own in the per-tenant request metrics: the
    // first ones answered; the requests of any later one are summed under kOtherTenants.
    void set_max_tenant_series(std::size_t count);
    // A GraphQL request of tenant that passed authentication (over HTTP, or a query or
    // mutation over WebSocket) was answered: its HTTP status (429 over its rate, 503 no
    // connection in time or the queue full; over WebSocket the status HTTP would have had),
    // whether it carried errors, and the seconds from its arrival at the tenant to its answer.
    void tenant_request_answered(std::string_view tenant, unsigned status, bool with_errors,
                                 double seconds);
    // Where render() reads each tenant's requests running on and waiting for a connection.
    void set_tenant_pool_source(std::function<std::map<std::string, TenantQueueCounts>()> source);

    // The exposition text of every metric.
    std::string render() const;

  private:
    struct TenantValues {
        std::int64_t connections = 0;
        std::int64_t subscriptions = 0;
        std::uint64_t delivered = 0;
    };
    // The GraphQL requests of one tenant (or of kOtherTenants).
    struct TenantRequests {
        std::uint64_t requests = 0;
        std::uint64_t errors = 0;
        std::uint64_t rate_limited = 0;  // 429
        std::uint64_t unavailable = 0;   // 503
        std::array<std::uint64_t, 15> buckets{};
        double seconds = 0;
    };
    // Upper bounds (seconds) of the request-duration histogram buckets.
    static constexpr std::array<double, 15> kRequestBuckets = {
        0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60};

    mutable std::mutex mutex_;
    std::map<std::string, TenantValues, std::less<>> tenants_;
    std::int64_t awaiting_init_ = 0;
    std::uint64_t schema_rebuilds_ = 0;
    std::uint64_t db_reconnects_ = 0;
    bool db_connected_ = false;
    std::size_t db_worker_signal_connections_ = 0;
    std::uint64_t slow_consumers_ = 0;
    std::uint64_t data_resyncs_ = 0;
    std::uint64_t thing_reads_ = 0;
    std::uint64_t thing_read_failures_ = 0;
    std::int64_t http_connections_ = 0;
    std::array<std::uint64_t, 2> evicted_{};    // by ConnectionKind
    std::array<std::uint64_t, 2> timed_out_{};  // by ConnectionKind
    std::uint64_t refused_connections_ = 0;
    std::uint64_t accept_failures_ = 0;
    std::map<unsigned, std::uint64_t> too_large_by_status_;
    std::map<unsigned, std::uint64_t> graphql_http_by_status_;
    std::uint64_t graphql_http_errors_ = 0;
    std::function<PoolGauges()> pool_source_;
    std::function<std::map<std::string, TenantQueueCounts>()> tenant_pool_source_;
    std::size_t max_tenant_series_ = 1000;
    std::map<std::string, TenantRequests, std::less<>> tenant_requests_;
    std::array<std::uint64_t, kLatencyBuckets.size()> bucket_counts_{};
    std::uint64_t latency_count_ = 0;
    double latency_sum_ = 0;

    // The values of tenant, created at zero. Caller holds mutex_.
    TenantValues& tenant_values(std::string_view tenant);
    // Appends the per-tenant request metrics, with pools the pool's counts. Caller holds
    // mutex_.
    void render_tenant_requests(std::string& out,
                                const std::map<std::string, TenantQueueCounts>& pools) const;
    // The label value tenant's requests are counted under. Caller holds mutex_.
    std::string_view series_of(std::string_view tenant) const;
};

// A float as Prometheus reads it: shortest round-trip form, "+Inf", "-Inf" or "NaN".
std::string format_metric_value(double value);

// A label value with backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace udm::gateway
