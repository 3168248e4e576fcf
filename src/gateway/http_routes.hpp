// The gateway's HTTP surface: which route a target is, and the responses that need no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include "auth.hpp"
#include "graphql_engine.hpp"

namespace udm::gateway {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What a request target addresses.
struct Route {
    enum class Kind { kHealth, kMetrics, kSchema, kGraphql, kNotFound };
    Kind kind = Kind::kNotFound;
    std::string tenant;  // for kSchema and kGraphql: a valid tenant name
};

// The route of a target (query string ignored); a tenant name that breaks udm's naming
// rule is kNotFound.
Route route_of(std::string_view target);

// A small JSON response {"error": message} (or the body given) with status.
Response json_response(const Request& request, http::status status, const std::string& body);

// GET /healthz: 200 {"status":"ok","database":"connected"} or 503.
Response health_response(const Request& request, bool database_connected);

// GET /metrics: the exposition text.
Response metrics_response(const Request& request, std::string text);

// GET /graphql/<tenant>/schema.graphql: the SDL with ETag "<version>", or 304 when
// If-None-Match names that version.
Response schema_response(const Request& request, const TenantSchema& schema);

// Who may read tenant's SDL: the request's Authorization "Bearer <jwt>" checked as a
// connection_init token is (HS256, exp/nbf with leeway seconds, claim tenant). Two
// Authorization headers are refused as a bad token rather than guessed between.
AuthDecision authenticate_request(const Request& request, std::string_view secret,
                                  std::string_view tenant, double now, double leeway);

// The answer to a refused decision (RFC 6750): 401 with WWW-Authenticate: Bearer
// realm="udm-gateway" (and error="invalid_token" when there was a token), or 403 with
// error="insufficient_scope" for a valid token of another tenant.
Response auth_refused_response(const Request& request, const AuthDecision& decision);

// Makes response the answer to a HEAD request: the headers it has for GET, Content-Length
// included, without the body. Other methods' responses are left as they are.
void strip_body_for_head(const Request& request, Response& response);

// 405 with the Allow header.
Response method_not_allowed(const Request& request);

// Why a WebSocket upgrade request is malformed (RFC 6455 4.2.1: one Sec-WebSocket-Key that
// is the base64 of 16 bytes, one Sec-WebSocket-Version that is 13), or nullopt.
std::optional<std::string> websocket_upgrade_violation(const Request& request);

// 400 for a malformed WebSocket upgrade, with Sec-WebSocket-Version: 13 (RFC 6455 4.4).
Response bad_upgrade_response(const Request& request, const std::string& why);

// 431 (request header fields too large) or 413 (body too large), closing the connection:
// the rest of the request was not read.
Response request_too_large_response(http::status status);

// Whether an If-None-Match header value matches the entity tag (weak comparison, "*").
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace udm::gateway
