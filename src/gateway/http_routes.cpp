// Routes and I/O-free responses of the gateway's HTTP endpoints.
#include "http_routes.hpp"

#include <iterator>

#include <nlohmann/json.hpp>

#include "udm/core/naming.hpp"

namespace udm::gateway {

namespace {

constexpr std::string_view kServerName = "udm-gateway";
constexpr std::string_view kChallenge = R"(Bearer realm="udm-gateway")";
constexpr std::string_view kGraphqlPrefix = "/graphql/";
constexpr std::string_view kSchemaSuffix = "/schema.graphql";
// Revalidated on every use (the ETag makes that cheap), and stored by no shared cache: the SDL
// is one tenant's, behind its token.
constexpr std::string_view kSchemaCacheControl = "private, no-cache";

// A std::string_view as Beast's string_view (Boost's in Boost 1.74).
boost::beast::string_view beast_view(std::string_view text) {
    return {text.data(), text.size()};
}

// A response of status with the common headers set.
Response base_response(const Request& request, http::status status, std::string_view type,
                       std::string body) {
    Response response{status, request.version()};
    response.set(http::field::server, beast_view(kServerName));
    response.set(http::field::content_type, beast_view(type));
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

// Whether name is a tenant name by udm's rule.
bool valid_tenant(std::string_view name) {
    return !udm::naming::tenant_name_violation(name);
}

}  // namespace

Route route_of(std::string_view target) {
    target = target.substr(0, target.find('?'));
    if (target == "/healthz")
        return {Route::Kind::kHealth, {}};
    if (target == "/metrics")
        return {Route::Kind::kMetrics, {}};
    if (target.substr(0, kGraphqlPrefix.size()) != kGraphqlPrefix)
        return {};
    std::string_view rest = target.substr(kGraphqlPrefix.size());
    Route::Kind kind = Route::Kind::kGraphql;
    if (rest.size() > kSchemaSuffix.size() &&
        rest.substr(rest.size() - kSchemaSuffix.size()) == kSchemaSuffix) {
        rest = rest.substr(0, rest.size() - kSchemaSuffix.size());
        kind = Route::Kind::kSchema;
    }
    if (!valid_tenant(rest))
        return {};
    return {kind, std::string(rest)};
}

Response json_response(const Request& request, http::status status, const std::string& body) {
    return base_response(request, status, "application/json", body + "\n");
}

Response health_response(const Request& request, bool database_connected) {
    nlohmann::json body{{"status", database_connected ? "ok" : "unavailable"},
                        {"database", database_connected ? "connected" : "disconnected"}};
    return json_response(request,
                         database_connected ? http::status::ok : http::status::service_unavailable,
                         body.dump());
}

Response metrics_response(const Request& request, std::string text) {
    return base_response(request, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                         std::move(text));
}

std::optional<std::string> websocket_upgrade_violation(const Request& request) {
    auto keys = request.equal_range(http::field::sec_websocket_key);
    if (keys.first == keys.second || std::next(keys.first) != keys.second) {
        return std::string("one Sec-WebSocket-Key header is required");
    }
    // 16 bytes are 22 base64 characters and "==".
    const auto key = keys.first->value();
    bool base64 = key.size() == 24 && key[22] == '=' && key[23] == '=';
    for (std::size_t i = 0; base64 && i < 22; ++i) {
        const char c = key[i];
        base64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/';
    }
    if (!base64)
        return std::string("Sec-WebSocket-Key is not the base64 of 16 bytes");
    auto versions = request.equal_range(http::field::sec_websocket_version);
    if (versions.first == versions.second || std::next(versions.first) != versions.second ||
        versions.first->value() != "13") {
        return std::string("Sec-WebSocket-Version must be 13");
    }
    return std::nullopt;
}

Response bad_upgrade_response(const Request& request, const std::string& why) {
    Response response =
        json_response(request, http::status::bad_request, nlohmann::json{{"error", why}}.dump());
    response.set(http::field::sec_websocket_version, "13");
    return response;
}

Response request_too_large_response(http::status status) {
    Request none;
    Response response = json_response(none, status,
                                      status == http::status::request_header_fields_too_large
                                          ? R"({"error":"request header fields too large"})"
                                          : R"({"error":"request body too large"})");
    response.keep_alive(false);
    return response;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    std::size_t start = 0;
    while (start <= if_none_match.size()) {
        std::size_t comma = if_none_match.find(',', start);
        std::string_view item = if_none_match.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (item.substr(0, 2) == "W/")
            item.remove_prefix(2);
        if (item == "*" || item == etag)
            return true;
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    return false;
}

Response schema_response(const Request& request, const TenantSchema& schema) {
    std::string etag = "\"" + std::to_string(schema.version()) + "\"";
    auto if_none_match = request.find(http::field::if_none_match);
    if (if_none_match != request.end() &&
        etag_matches(std::string_view(if_none_match->value().data(), if_none_match->value().size()),
                     etag)) {
        Response response{http::status::not_modified, request.version()};
        response.set(http::field::server, beast_view(kServerName));
        response.set(http::field::etag, etag);
        response.set(http::field::cache_control, beast_view(kSchemaCacheControl));
        response.keep_alive(request.keep_alive());
        return response;
    }
    Response response = base_response(request, http::status::ok,
                                      "application/graphql; charset=utf-8", schema.sdl());
    response.set(http::field::etag, etag);
    response.set(http::field::cache_control, beast_view(kSchemaCacheControl));
    return response;
}

AuthDecision authenticate_request(const Request& request, std::string_view secret,
                                  std::string_view tenant, double now, double leeway) {
    auto count = request.count(http::field::authorization);
    if (count == 0) {
        AuthDecision decision;
        decision.reason = "no Authorization header";
        return decision;
    }
    if (count > 1) {
        AuthDecision decision;
        decision.reason = "more than one Authorization header";
        decision.token_given = true;
        return decision;
    }
    auto value = request[http::field::authorization];
    std::string token = bearer_token(std::string_view(value.data(), value.size()));
    AuthDecision decision = authenticate_token(token, secret, tenant, now, leeway);
    if (token.empty())
        decision.reason = "no bearer token in the Authorization header";
    return decision;
}

Response auth_refused_response(const Request& request, const AuthDecision& decision) {
    std::string challenge(kChallenge);
    if (decision.outcome == AuthOutcome::kForbidden) {
        Response response =
            json_response(request, http::status::forbidden, R"({"error":"forbidden"})");
        response.set(http::field::www_authenticate, challenge + R"(, error="insufficient_scope")");
        return response;
    }
    Response response =
        json_response(request, http::status::unauthorized, R"({"error":"unauthorized"})");
    // RFC 6750 3.1: no error code when the request carried no authentication at all.
    if (decision.token_given)
        challenge += R"(, error="invalid_token")";
    response.set(http::field::www_authenticate, challenge);
    return response;
}

void strip_body_for_head(const Request& request, Response& response) {
    if (request.method() != http::verb::head)
        return;
    // Set from the body before it goes: HEAD says what GET would send (RFC 9110 9.3.2).
    if (!response.has_content_length() && !response.body().empty()) {
        response.content_length(response.body().size());
    }
    response.body().clear();
}

Response method_not_allowed(const Request& request) {
    Response response = json_response(request, http::status::method_not_allowed,
                                      R"({"error":"method not allowed"})");
    response.set(http::field::allow, "GET, HEAD");
    return response;
}

}  // namespace udm::gateway
