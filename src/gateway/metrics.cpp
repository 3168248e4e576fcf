// Metrics of the gateway in Prometheus text format 0.0.4.
#include "metrics.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>

namespace udm::gateway {

Metrics::TenantValues& Metrics::tenant_values(std::string_view tenant) {
    auto it = tenants_.find(tenant);
    if (it == tenants_.end())
        it = tenants_.emplace(std::string(tenant), TenantValues{}).first;
    return it->second;
}

void Metrics::add_connections(std::string_view tenant, int delta) {
    std::lock_guard<std::mutex> lock(mutex_);
    tenant_values(tenant).connections += delta;
}

void Metrics::add_awaiting_init(int delta) {
    std::lock_guard<std::mutex> lock(mutex_);
    awaiting_init_ += delta;
}

void Metrics::add_subscriptions(std::string_view tenant, int delta) {
    std::lock_guard<std::mutex> lock(mutex_);
    tenant_values(tenant).subscriptions += delta;
}

void Metrics::event_delivered(std::string_view tenant, std::optional<double> latency_seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++tenant_values(tenant).delivered;
    if (!latency_seconds)
        return;
    // Clock skew between database and gateway can make it negative: count it as 0.
    double latency = std::max(0.0, *latency_seconds);
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (latency <= kLatencyBuckets[i])
            ++bucket_counts_[i];
    }
    ++latency_count_;
    latency_sum_ += latency;
}

void Metrics::schema_rebuilt() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++schema_rebuilds_;
}

void Metrics::db_reconnected() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++db_reconnects_;
}

void Metrics::set_db_connected(bool connected) {
    std::lock_guard<std::mutex> lock(mutex_);
    db_connected_ = connected;
}

void Metrics::set_db_worker_signal_connections(std::size_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    db_worker_signal_connections_ = count;
}

void Metrics::slow_consumer_closed() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++slow_consumers_;
}

void Metrics::data_resynced() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++data_resyncs_;
}

void Metrics::add_http_connections(int delta) {
    std::lock_guard<std::mutex> lock(mutex_);
    http_connections_ += delta;
}

void Metrics::connection_evicted(ConnectionKind kind) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++evicted_[static_cast<std::size_t>(kind)];
}

void Metrics::connection_timed_out(ConnectionKind kind) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++timed_out_[static_cast<std::size_t>(kind)];
}

void Metrics::connection_refused() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++refused_connections_;
}

void Metrics::accept_failed() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++accept_failures_;
}

void Metrics::request_too_large(unsigned status) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++too_large_by_status_[status];
}

void Metrics::things_read(bool failed) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++thing_reads_;
    if (failed)
        ++thing_read_failures_;
}

void Metrics::graphql_http_answered(unsigned status, bool with_errors) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++graphql_http_by_status_[status];
    if (with_errors)
        ++graphql_http_errors_;
}

void Metrics::set_pool_source(std::function<PoolGauges()> source) {
    std::lock_guard<std::mutex> lock(mutex_);
    pool_source_ = std::move(source);
}

void Metrics::set_tenant_pool_source(
    std::function<std::map<std::string, TenantQueueCounts>()> source) {
    std::lock_guard<std::mutex> lock(mutex_);
    tenant_pool_source_ = std::move(source);
}

void Metrics::set_max_tenant_series(std::size_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    max_tenant_series_ = count;
}

std::string_view Metrics::series_of(std::string_view tenant) const {
    auto found = tenant_requests_.find(tenant);
    if (found != tenant_requests_.end())
        return found->first;
    // Counted without kOtherTenants' own entry.
    std::size_t own = tenant_requests_.size() - tenant_requests_.count(kOtherTenants);
    return own < max_tenant_series_ ? tenant : kOtherTenants;
}

void Metrics::tenant_request_answered(std::string_view tenant, unsigned status, bool with_errors,
                                      double seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string_view series = series_of(tenant);
    auto found = tenant_requests_.find(series);
    if (found == tenant_requests_.end())
        found = tenant_requests_.emplace(std::string(series), TenantRequests{}).first;
    TenantRequests& values = found->second;
    ++values.requests;
    if (with_errors)
        ++values.errors;
    if (status == 429)
        ++values.rate_limited;
    if (status == 503)
        ++values.unavailable;
    seconds = std::max(0.0, seconds);
    for (std::size_t i = 0; i < kRequestBuckets.size(); ++i) {
        if (seconds <= kRequestBuckets[i])
            ++values.buckets[i];
    }
    values.seconds += seconds;
}

std::string format_metric_value(double value) {
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    char buffer[32];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
        // Shortest form that reads back exactly, preferring "10" over "1e+01".
        if (std::strtod(buffer, nullptr) == value && std::strchr(buffer, 'e') == nullptr)
            break;
    }
    return buffer;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

namespace {

// Appends the HELP and TYPE lines of a metric.
void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// Appends one sample line; labels is empty or already formatted as {k="v"}.
void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
    out.append(name).append(labels).append(" ").append(format_metric_value(value)).append("\n");
}

// The label set {tenant="..."}.
std::string tenant_label(std::string_view tenant) {
    return "{tenant=\"" + escape_label_value(tenant) + "\"}";
}

}  // namespace

void Metrics::render_tenant_requests(std::string& out,
                                     const std::map<std::string, TenantQueueCounts>& pools) const {
    // The pool's gauges under the same label sets as the counters: a tenant without a label
    // set of its own is summed under kOtherTenants.
    std::map<std::string, TenantQueueCounts, std::less<>> gauges;
    for (const auto& [tenant, values] : tenant_requests_)
        gauges[tenant];
    for (const auto& [tenant, counts] : pools) {
        auto found = tenant_requests_.find(tenant);
        TenantQueueCounts& sum =
            gauges[found != tenant_requests_.end() ? tenant : std::string(kOtherTenants)];
        sum.running += counts.running;
        sum.waiting += counts.waiting;
    }
    header(out, "udm_gateway_tenant_db_in_use", "gauge",
           "Database connections running a GraphQL request of the tenant.");
    for (const auto& [tenant, counts] : gauges) {
        sample(out, "udm_gateway_tenant_db_in_use", tenant_label(tenant),
               static_cast<double>(counts.running));
    }
    header(out, "udm_gateway_tenant_db_waiting", "gauge",
           "GraphQL requests of the tenant waiting for a database connection.");
    for (const auto& [tenant, counts] : gauges) {
        sample(out, "udm_gateway_tenant_db_waiting", tenant_label(tenant),
               static_cast<double>(counts.waiting));
    }
    struct Counter {
        const char* name;
        const char* help;
        std::uint64_t TenantRequests::*field;
    };
    for (const Counter& counter : {
             Counter{"udm_gateway_tenant_requests_total",
                     "GraphQL requests of the tenant (HTTP, and queries and mutations over "
                     "WebSocket) answered after authentication.",
                     &TenantRequests::requests},
             Counter{"udm_gateway_tenant_errors_total",
                     "GraphQL requests of the tenant whose answer carries errors.",
                     &TenantRequests::errors},
             Counter{"udm_gateway_tenant_rate_limited_total",
                     "GraphQL requests of the tenant refused over its requests_per_second (429).",
                     &TenantRequests::rate_limited},
             Counter{"udm_gateway_tenant_unavailable_total",
                     "GraphQL requests of the tenant answered 503: its queue full, no connection "
                     "in time, the database unavailable.",
                     &TenantRequests::unavailable},
         }) {
        header(out, counter.name, "counter", counter.help);
        for (const auto& [tenant, values] : tenant_requests_) {
            sample(out, counter.name, tenant_label(tenant),
                   static_cast<double>(values.*(counter.field)));
        }
    }
    header(out, "udm_gateway_tenant_request_duration_seconds", "histogram",
           "Time from a GraphQL request's arrival at its tenant to its answer.");
    for (const auto& [tenant, values] : tenant_requests_) {
        const std::string escaped = escape_label_value(tenant);
        for (std::size_t i = 0; i < kRequestBuckets.size(); ++i) {
            sample(out, "udm_gateway_tenant_request_duration_seconds_bucket",
                   "{tenant=\"" + escaped + "\",le=\"" + format_metric_value(kRequestBuckets[i]) +
                       "\"}",
                   static_cast<double>(values.buckets[i]));
        }
        sample(out, "udm_gateway_tenant_request_duration_seconds_bucket",
               "{tenant=\"" + escaped + "\",le=\"+Inf\"}", static_cast<double>(values.requests));
        sample(out, "udm_gateway_tenant_request_duration_seconds_sum", tenant_label(tenant),
               values.seconds);
        sample(out, "udm_gateway_tenant_request_duration_seconds_count", tenant_label(tenant),
               static_cast<double>(values.requests));
    }
}

std::string Metrics::render() const {
    std::function<PoolGauges()> source;
    std::function<std::map<std::string, TenantQueueCounts>()> tenant_source;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        source = pool_source_;
        tenant_source = tenant_pool_source_;
    }
    // Read before taking mutex_: the pool has a lock of its own.
    std::optional<PoolGauges> pool;
    if (source)
        pool = source();
    std::map<std::string, TenantQueueCounts> tenant_pools;
    if (tenant_source)
        tenant_pools = tenant_source();
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    header(out, "udm_gateway_connections", "gauge", "Open WebSocket connections per tenant.");
    for (const auto& [tenant, values] : tenants_) {
        sample(out, "udm_gateway_connections", tenant_label(tenant),
               static_cast<double>(values.connections));
    }
    header(out, "udm_gateway_connections_awaiting_init", "gauge",
           "Open WebSocket connections whose connection_init is not accepted yet.");
    sample(out, "udm_gateway_connections_awaiting_init", "", static_cast<double>(awaiting_init_));
    header(out, "udm_gateway_http_connections", "gauge",
           "Open HTTP connections (not upgraded to a WebSocket).");
    sample(out, "udm_gateway_http_connections", "", static_cast<double>(http_connections_));
    static constexpr std::array<const char*, 2> kKinds = {"{kind=\"http\"}",
                                                          "{kind=\"websocket\"}"};
    header(out, "udm_gateway_connections_evicted_total", "counter",
           "Connections closed for newer ones while they waited for a request (HTTP) or "
           "connection_init (WebSocket): more than --max-idle-http-connections (HTTP) or "
           "--max-pending-connections (WebSocket) waited.");
    for (std::size_t i = 0; i < kKinds.size(); ++i)
        sample(out, "udm_gateway_connections_evicted_total", kKinds[i],
               static_cast<double>(evicted_[i]));
    header(out, "udm_gateway_connections_timed_out_total", "counter",
           "Connections closed because their request (HTTP, --request-timeout) or "
           "connection_init (WebSocket, --connection-init-timeout) did not come in time.");
    for (std::size_t i = 0; i < kKinds.size(); ++i)
        sample(out, "udm_gateway_connections_timed_out_total", kKinds[i],
               static_cast<double>(timed_out_[i]));
    header(out, "udm_gateway_connections_refused_total", "counter",
           "WebSocket upgrades refused with 503 at --max-connections.");
    sample(out, "udm_gateway_connections_refused_total", "",
           static_cast<double>(refused_connections_));
    header(out, "udm_gateway_accept_failures_total", "counter",
           "Failed accepts (such as EMFILE: out of file descriptors), retried after a pause.");
    sample(out, "udm_gateway_accept_failures_total", "", static_cast<double>(accept_failures_));
    header(out, "udm_gateway_http_requests_too_large_total", "counter",
           "HTTP requests refused for their size: 413 (body), 431 (request line and headers).");
    for (unsigned status : {413u, 431u}) {
        auto it = too_large_by_status_.find(status);
        sample(out, "udm_gateway_http_requests_too_large_total",
               "{status=\"" + std::to_string(status) + "\"}",
               static_cast<double>(it == too_large_by_status_.end() ? 0 : it->second));
    }
    header(out, "udm_gateway_subscriptions", "gauge", "Active subscriptions per tenant.");
    for (const auto& [tenant, values] : tenants_) {
        sample(out, "udm_gateway_subscriptions", tenant_label(tenant),
               static_cast<double>(values.subscriptions));
    }
    header(out, "udm_gateway_events_delivered_total", "counter",
           "Event messages (next) written to subscribers, per tenant.");
    for (const auto& [tenant, values] : tenants_) {
        sample(out, "udm_gateway_events_delivered_total", tenant_label(tenant),
               static_cast<double>(values.delivered));
    }
    header(out, "udm_gateway_schema_rebuilds_total", "counter",
           "Tenant schemas rebuilt after model changes.");
    sample(out, "udm_gateway_schema_rebuilds_total", "", static_cast<double>(schema_rebuilds_));
    header(out, "udm_gateway_db_reconnects_total", "counter",
           "Reconnections of the database listener after a lost connection.");
    sample(out, "udm_gateway_db_reconnects_total", "", static_cast<double>(db_reconnects_));
    header(out, "udm_gateway_db_connected", "gauge",
           "1 when the database listener is connected, else 0.");
    sample(out, "udm_gateway_db_connected", "", db_connected_ ? 1 : 0);
    header(out, "udm_gateway_db_worker_signal_connections", "gauge",
           "Citus workers the database listener listens on for udm_data (0 without Citus).");
    sample(out, "udm_gateway_db_worker_signal_connections", "",
           static_cast<double>(db_worker_signal_connections_));
    header(out, "udm_gateway_slow_consumer_disconnects_total", "counter",
           "Connections closed because their outgoing queue overflowed.");
    sample(out, "udm_gateway_slow_consumer_disconnects_total", "",
           static_cast<double>(slow_consumers_));
    header(out, "udm_gateway_data_resyncs_total", "counter",
           "Times a tenant's data feed fell behind the outbox retention and skipped to the end.");
    sample(out, "udm_gateway_data_resyncs_total", "", static_cast<double>(data_resyncs_));
    header(out, "udm_gateway_thing_reads_total", "counter",
           "Reads of the things of a batch of data events for one thing selection "
           "(udm.graphql_things): one per batch and distinct selection, not per subscriber.");
    sample(out, "udm_gateway_thing_reads_total", "", static_cast<double>(thing_reads_));
    header(out, "udm_gateway_thing_read_failures_total", "counter",
           "Thing reads that failed; their events were delivered with thing: null and an error.");
    sample(out, "udm_gateway_thing_read_failures_total", "",
           static_cast<double>(thing_read_failures_));
    header(out, "udm_gateway_graphql_http_requests_total", "counter",
           "GraphQL requests over HTTP (GET and POST /graphql/<tenant>), per response status.");
    for (const auto& [status, count] : graphql_http_by_status_) {
        sample(out, "udm_gateway_graphql_http_requests_total",
               "{status=\"" + std::to_string(status) + "\"}", static_cast<double>(count));
    }
    header(out, "udm_gateway_graphql_http_errors_total", "counter",
           "GraphQL requests over HTTP whose response carries errors.");
    sample(out, "udm_gateway_graphql_http_errors_total", "",
           static_cast<double>(graphql_http_errors_));
    if (pool) {
        header(out, "udm_gateway_db_pool_connections", "gauge",
               "Open database connections of HTTP GraphQL requests.");
        sample(out, "udm_gateway_db_pool_connections", "", static_cast<double>(pool->open));
        header(out, "udm_gateway_db_pool_in_use", "gauge",
               "Database connections running an HTTP GraphQL request.");
        sample(out, "udm_gateway_db_pool_in_use", "", static_cast<double>(pool->in_use));
        header(out, "udm_gateway_db_pool_waiting", "gauge",
               "HTTP GraphQL requests waiting for a database connection.");
        sample(out, "udm_gateway_db_pool_waiting", "", static_cast<double>(pool->waiting));
        header(out, "udm_gateway_db_pool_refused_total", "counter",
               "HTTP GraphQL requests refused with 503: the queue was full or the wait too long.");
        sample(out, "udm_gateway_db_pool_refused_total", "", static_cast<double>(pool->refused));
    }
    render_tenant_requests(out, tenant_pools);
    header(out, "udm_gateway_delivery_latency_seconds", "histogram",
           "Time from the commit of a change to the delivery of its event message.");
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        sample(out, "udm_gateway_delivery_latency_seconds_bucket",
               "{le=\"" + format_metric_value(kLatencyBuckets[i]) + "\"}",
               static_cast<double>(bucket_counts_[i]));
    }
    sample(out, "udm_gateway_delivery_latency_seconds_bucket", "{le=\"+Inf\"}",
           static_cast<double>(latency_count_));
    sample(out, "udm_gateway_delivery_latency_seconds_sum", "", latency_sum_);
    sample(out, "udm_gateway_delivery_latency_seconds_count", "",
           static_cast<double>(latency_count_));
    return out;
}

}  // namespace udm::gateway
