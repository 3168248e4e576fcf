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
    // A connection was closed because its outgoing queue overflowed.
    void slow_consumer_closed();
    // A tenant's data feed fell behind the outbox's retention and skipped to the end.
    void data_resynced();
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

    // The exposition text of every metric.
    std::string render() const;

  private:
    struct TenantValues {
        std::int64_t connections = 0;
        std::int64_t subscriptions = 0;
        std::uint64_t delivered = 0;
    };

    mutable std::mutex mutex_;
    std::map<std::string, TenantValues, std::less<>> tenants_;
    std::int64_t awaiting_init_ = 0;
    std::uint64_t schema_rebuilds_ = 0;
    std::uint64_t db_reconnects_ = 0;
    bool db_connected_ = false;
    std::uint64_t slow_consumers_ = 0;
    std::uint64_t data_resyncs_ = 0;
    std::uint64_t thing_reads_ = 0;
    std::uint64_t thing_read_failures_ = 0;
    std::map<unsigned, std::uint64_t> graphql_http_by_status_;
    std::uint64_t graphql_http_errors_ = 0;
    std::function<PoolGauges()> pool_source_;
    std::array<std::uint64_t, kLatencyBuckets.size()> bucket_counts_{};
    std::uint64_t latency_count_ = 0;
    double latency_sum_ = 0;

    // The values of tenant, created at zero. Caller holds mutex_.
    TenantValues& tenant_values(std::string_view tenant);
};

// A float as Prometheus reads it: shortest round-trip form, "+Inf", "-Inf" or "NaN".
std::string format_metric_value(double value);

// A label value with backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace udm::gateway
