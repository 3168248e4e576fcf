// GraphQL over HTTP (the graphql-over-http draft) at /graphql/<tenant>: reading a request
// (GET or POST), content negotiation, and the status of a response. No I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "graphql_call.hpp"
#include "http_routes.hpp"
#include "persisted_queries.hpp"

namespace udm::gateway {

// The media type of a GraphQL response.
enum class GraphqlMediaType {
    kGraphqlResponseJson,  // application/graphql-response+json: the status tells request errors
    kJson,                 // application/json: 200 for every well-formed GraphQL response
};

// The media type to answer with for an Accept header value (empty: none given): the
// acceptable one of higher q; application/json for */*, application/* and no header;
// nullopt when neither is acceptable (406).
std::optional<GraphqlMediaType> negotiate_graphql_media_type(std::string_view accept);

// Bounds on a request (the body is bounded while it is read).
struct GraphqlHttpLimits {
    std::size_t max_query_bytes = 256 * 1024;  // the core parser's bound
};

// A request read from HTTP, to run.
struct GraphqlHttpRequest {
    GraphqlMediaType media_type = GraphqlMediaType::kJson;
    std::string query;
    std::optional<std::string> variables;  // the JSON text of an object, as the client wrote it
    std::optional<std::string> operation_name;
};

// The request of a GET or POST to /graphql/<tenant> (not a WebSocket upgrade), or the
// response refusing it: 405 for another method or a mutation over GET, 406, 415 for a POST
// that is not application/json, 400 for a body or parameters that are not a GraphQL
// request. The token is checked before (authenticate_request). With persisted, the
// persistedQuery extension (automatic persisted queries) is served from and into it: a hash
// it does not hold is a 200 with PERSISTED_QUERY_NOT_FOUND, a hash that is not the query's
// a 400.
std::variant<GraphqlHttpRequest, Response> read_graphql_request(
    const Request& request, const GraphqlHttpLimits& limits = {},
    PersistedQueries* persisted = nullptr);

// The response for udm.graphql's answer body (a GraphQL response in JSON): 200, or with
// application/graphql-response+json 400 when it has no "data" (the request failed
// validation).
Response graphql_result_response(const Request& request, GraphqlMediaType type, std::string body);

// A response {"errors":[{"message", "extensions": {"code"[, "sqlstate"]}}]} with status.
Response graphql_error_response(const Request& request, GraphqlMediaType type, http::status status,
                                const std::string& message, const std::string& code,
                                const std::string& sqlstate = "");

// How a failed database call is reported: the HTTP status, the gateway's message, the
// GraphQL error code, the SQLSTATE (may be empty), and whether to send Retry-After: 1.
struct GraphqlFailure {
    http::status status;
    std::string message;
    std::string code;
    std::string sqlstate;
    bool retry = false;
};

// The report of a failed database call (see graphql_failure_response).
GraphqlFailure describe_graphql_failure(const GraphqlCallResult& failure);

// The response for a failed database call: 503 with Retry-After for a lost connection, lack
// of resources or a transaction rolled back (class 40: serialization failure, deadlock), 504
// for a statement canceled (57014, statement_timeout), 400 for a value refused (class 22),
// 404 for a tenant dropped meanwhile (42704), 500 otherwise. The message is the gateway's
// own, never PostgreSQL's.
Response graphql_failure_response(const Request& request, GraphqlMediaType type,
                                  const GraphqlCallResult& failure);

// 503 with Retry-After (seconds, at least 1) when the pool could not take a request.
Response graphql_busy_response(const Request& request, GraphqlMediaType type,
                               const std::string& message, std::chrono::milliseconds retry_after);

// 429 with Retry-After (seconds, at least 1) for a request over its tenant's
// requests_per_second (RATE_LIMITED).
Response graphql_rate_limited_response(const Request& request, GraphqlMediaType type,
                                       std::int64_t requests_per_second,
                                       std::chrono::milliseconds retry_after);

// The message of a request refused over its tenant's requests_per_second.
std::string rate_limited_message(std::int64_t requests_per_second);

// Whether a GraphQL response text has a "data" member.
bool graphql_response_has_data(std::string_view body);

// The decoded value of an application/x-www-form-urlencoded component ('+' is a space), or
// nullopt when a %-escape is malformed.
std::optional<std::string> url_decode(std::string_view text);

}  // namespace udm::gateway
