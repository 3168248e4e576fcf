// Prometheus text exposition of the gateway's metrics.
#include <gtest/gtest.h>

#include "metrics.hpp"

namespace udm::gateway {
namespace {

// Whether text has this exact line.
bool has_line(const std::string& text, const std::string& line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, GaugesAndCountersPerTenant) {
    Metrics m;
    m.add_connections("acme", 1);
    m.add_connections("acme", 1);
    m.add_connections("acme", -1);
    m.add_subscriptions("acme", 3);
    m.event_delivered("acme", std::nullopt);
    m.schema_rebuilt();
    m.db_reconnected();
    m.set_db_connected(true);
    m.set_db_worker_signal_connections(2);
    std::string text = m.render();
    EXPECT_TRUE(has_line(text, "# TYPE udm_gateway_connections gauge"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections{tenant=\"acme\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_subscriptions{tenant=\"acme\"} 3"));
    EXPECT_TRUE(has_line(text, "# TYPE udm_gateway_events_delivered_total counter"));
    EXPECT_TRUE(has_line(text, "udm_gateway_events_delivered_total{tenant=\"acme\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_schema_rebuilds_total 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_db_reconnects_total 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_db_connected 1"));
    EXPECT_TRUE(has_line(text, "# TYPE udm_gateway_db_worker_signal_connections gauge"));
    EXPECT_TRUE(has_line(text, "udm_gateway_db_worker_signal_connections 2"));
}

TEST(Metrics, ConnectionsAwaitingInitAreUnlabelled) {
    Metrics m;
    std::string text = m.render();
    EXPECT_TRUE(has_line(text, "# TYPE udm_gateway_connections_awaiting_init gauge"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_awaiting_init 0"));
    m.add_awaiting_init(1);
    m.add_awaiting_init(1);
    m.add_awaiting_init(-1);  // one admitted to its tenant
    m.add_connections("acme", 1);
    text = m.render();
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_awaiting_init 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections{tenant=\"acme\"} 1"));
}

TEST(Metrics, ConnectionFaultsAreCountedByKind) {
    Metrics m;
    std::string text = m.render();
    // Every series is there from the start, so that a rate over it needs no first event.
    EXPECT_TRUE(has_line(text, "udm_gateway_http_connections 0"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_evicted_total{kind=\"http\"} 0"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_timed_out_total{kind=\"websocket\"} 0"));
    EXPECT_TRUE(has_line(text, "udm_gateway_http_requests_too_large_total{status=\"431\"} 0"));
    m.add_http_connections(1);
    m.add_http_connections(1);
    m.add_http_connections(-1);
    m.connection_evicted(Metrics::ConnectionKind::kHttp);
    m.connection_evicted(Metrics::ConnectionKind::kHttp);
    m.connection_evicted(Metrics::ConnectionKind::kWebSocket);
    m.connection_timed_out(Metrics::ConnectionKind::kHttp);
    m.connection_timed_out(Metrics::ConnectionKind::kWebSocket);
    m.connection_refused();
    m.accept_failed();
    m.request_too_large(413);
    m.request_too_large(431);
    m.request_too_large(431);
    text = m.render();
    EXPECT_TRUE(has_line(text, "# TYPE udm_gateway_http_connections gauge"));
    EXPECT_TRUE(has_line(text, "udm_gateway_http_connections 1"));
    EXPECT_TRUE(has_line(text, "# TYPE udm_gateway_connections_evicted_total counter"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_evicted_total{kind=\"http\"} 2"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_evicted_total{kind=\"websocket\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_timed_out_total{kind=\"http\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_timed_out_total{kind=\"websocket\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_connections_refused_total 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_accept_failures_total 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_http_requests_too_large_total{status=\"413\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_http_requests_too_large_total{status=\"431\"} 2"));
}

TEST(Metrics, LatencyHistogramIsCumulative) {
    Metrics m;
    m.event_delivered("t", 0.003);
    m.event_delivered("t", 0.2);
    m.event_delivered("t", 30);
    m.event_delivered("t", -1);  // clock skew counts as 0
    std::string text = m.render();
    EXPECT_TRUE(has_line(text, "# TYPE udm_gateway_delivery_latency_seconds histogram"));
    EXPECT_TRUE(has_line(text, "udm_gateway_delivery_latency_seconds_bucket{le=\"0.001\"} 1"));
    EXPECT_TRUE(has_line(text, "udm_gateway_delivery_latency_seconds_bucket{le=\"0.005\"} 2"));
    EXPECT_TRUE(has_line(text, "udm_gateway_delivery_latency_seconds_bucket{le=\"0.25\"} 3"));
    EXPECT_TRUE(has_line(text, "udm_gateway_delivery_latency_seconds_bucket{le=\"10\"} 3"));
    EXPECT_TRUE(has_line(text, "udm_gateway_delivery_latency_seconds_bucket{le=\"+Inf\"} 4"));
    EXPECT_TRUE(has_line(text, "udm_gateway_delivery_latency_seconds_count 4"));
    EXPECT_TRUE(has_line(text, "udm_gateway_delivery_latency_seconds_sum 30.203"));
}

TEST(Metrics, EveryLineIsACommentOrASample) {
    Metrics m;
    m.add_connections("a", 1);
    std::string text = m.render();
    ASSERT_EQ(text.back(), '\n');
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        std::string line = text.substr(start, end - start);
        EXPECT_TRUE(line.rfind("# HELP udm_gateway_", 0) == 0 ||
                    line.rfind("# TYPE udm_gateway_", 0) == 0 || line.rfind("udm_gateway_", 0) == 0)
            << line;
        start = end + 1;
    }
}

TEST(Metrics, NumberAndLabelFormatting) {
    EXPECT_EQ(format_metric_value(0.1), "0.1");
    EXPECT_EQ(format_metric_value(2.5), "2.5");
    EXPECT_EQ(format_metric_value(42), "42");
    EXPECT_EQ(format_metric_value(1.0 / 0.0), "+Inf");
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(Metrics, GraphqlHttpRequestsAndThePool) {
    Metrics metrics;
    std::string none = metrics.render();
    EXPECT_EQ(none.find("udm_gateway_db_pool_in_use"), std::string::npos);
    metrics.graphql_http_answered(200, false);
    metrics.graphql_http_answered(200, true);
    metrics.graphql_http_answered(503, true);
    metrics.set_pool_source([] { return Metrics::PoolGauges{3, 2, 5, 7}; });
    std::string text = metrics.render();
    for (const char* line :
         {"udm_gateway_graphql_http_requests_total{status=\"200\"} 2\n",
          "udm_gateway_graphql_http_requests_total{status=\"503\"} 1\n",
          "udm_gateway_graphql_http_errors_total 2\n", "udm_gateway_db_pool_connections 3\n",
          "udm_gateway_db_pool_in_use 2\n", "udm_gateway_db_pool_waiting 5\n",
          "udm_gateway_db_pool_refused_total 7\n"}) {
        EXPECT_NE(text.find(line), std::string::npos) << line;
    }
}

}  // namespace
}  // namespace udm::gateway
