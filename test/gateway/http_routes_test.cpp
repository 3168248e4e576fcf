// Routes, ETags and the I/O-free HTTP responses.
#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "fake_engine.hpp"
#include "http_routes.hpp"
#include "jwt.hpp"

namespace udm::gateway {
namespace {

TEST(Routes, KnownPathsAndTenantNames) {
    EXPECT_EQ(route_of("/healthz").kind, Route::Kind::kHealth);
    EXPECT_EQ(route_of("/metrics?x=1").kind, Route::Kind::kMetrics);
    Route schema = route_of("/graphql/acme/schema.graphql");
    EXPECT_EQ(schema.kind, Route::Kind::kSchema);
    EXPECT_EQ(schema.tenant, "acme");
    Route ws = route_of("/graphql/acme_2");
    EXPECT_EQ(ws.kind, Route::Kind::kGraphql);
    EXPECT_EQ(ws.tenant, "acme_2");
    for (const char* bad :
         {"/graphql/", "/graphql/Acme", "/graphql/1acme", "/graphql/a-b", "/graphql/acme/",
          "/graphql/acme/other", "/graphql/../etc", "/", "/graphql"}) {
        EXPECT_EQ(route_of(bad).kind, Route::Kind::kNotFound) << bad;
    }
    EXPECT_EQ(route_of("/graphql/" + std::string(49, 'a')).kind, Route::Kind::kNotFound);
    EXPECT_EQ(route_of("/graphql/" + std::string(48, 'a')).kind, Route::Kind::kGraphql);
}

// An upgrade request of the WebSocket handshake with key and version.
Request upgrade_request(const char* key, const char* version = "13") {
    Request request{http::verb::get, "/graphql/acme", 11};
    request.set(http::field::connection, "Upgrade");
    request.set(http::field::upgrade, "websocket");
    if (key)
        request.set(http::field::sec_websocket_key, key);
    if (version)
        request.set(http::field::sec_websocket_version, version);
    return request;
}

TEST(Routes, WebSocketUpgradesNeedAKeyOf16BytesAndVersion13) {
    // Issue #15: "Sec-WebSocket-Key: !!" was accepted with 101.
    EXPECT_EQ(websocket_upgrade_violation(upgrade_request("dGhlIHNhbXBsZSBub25jZQ==")),
              std::nullopt);
    for (const char* bad :
         {"!!", "", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25j!Q==",
          "dGhlIHNhbXBsZSBub25jZQ===", "dGhlIHNhbXBsZSBub25jZSBsb25nZXI="}) {
        EXPECT_EQ(websocket_upgrade_violation(upgrade_request(bad)),
                  "Sec-WebSocket-Key is not the base64 of 16 bytes")
            << bad;
    }
    EXPECT_EQ(websocket_upgrade_violation(upgrade_request(nullptr)),
              "one Sec-WebSocket-Key header is required");
    Request twice = upgrade_request("dGhlIHNhbXBsZSBub25jZQ==");
    twice.insert(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    EXPECT_EQ(websocket_upgrade_violation(twice), "one Sec-WebSocket-Key header is required");
    for (const char* version : {"8", "", "13, 8", "130"}) {
        EXPECT_EQ(websocket_upgrade_violation(upgrade_request("dGhlIHNhbXBsZSBub25jZQ==", version)),
                  "Sec-WebSocket-Version must be 13")
            << version;
    }
    EXPECT_EQ(websocket_upgrade_violation(upgrade_request("dGhlIHNhbXBsZSBub25jZQ==", nullptr)),
              "Sec-WebSocket-Version must be 13");

    Response response = bad_upgrade_response(upgrade_request("!!"), "why");
    EXPECT_EQ(response.result(), http::status::bad_request);
    EXPECT_EQ(response[http::field::sec_websocket_version], "13");
    EXPECT_EQ(response.body(), "{\"error\":\"why\"}\n");
}

TEST(Routes, OversizedRequestsAreAnsweredAndClosed) {
    Response header = request_too_large_response(http::status::request_header_fields_too_large);
    EXPECT_EQ(header.result_int(), 431);
    EXPECT_FALSE(header.keep_alive());
    EXPECT_EQ(header.body(), "{\"error\":\"request header fields too large\"}\n");
    Response body = request_too_large_response(http::status::payload_too_large);
    EXPECT_EQ(body.result_int(), 413);
    EXPECT_FALSE(body.keep_alive());
}

TEST(Routes, ETagMatching) {
    EXPECT_TRUE(etag_matches("\"7\"", "\"7\""));
    EXPECT_TRUE(etag_matches("W/\"7\"", "\"7\""));
    EXPECT_TRUE(etag_matches("\"1\", \"7\"", "\"7\""));
    EXPECT_TRUE(etag_matches("*", "\"7\""));
    EXPECT_FALSE(etag_matches("\"17\"", "\"7\""));
    EXPECT_FALSE(etag_matches("7", "\"7\""));
    EXPECT_FALSE(etag_matches("", "\"7\""));
}

TEST(Responses, SchemaWithETagAnd304) {
    auto schema = testing::fake_schema_builder()(nlohmann::json::object(), 42);
    Request request{http::verb::get, "/graphql/acme/schema.graphql", 11};
    Response ok = schema_response(request, *schema);
    EXPECT_EQ(ok.result(), http::status::ok);
    EXPECT_EQ(ok[http::field::etag], "\"42\"");
    EXPECT_EQ(ok[http::field::content_type], "application/graphql; charset=utf-8");
    EXPECT_EQ(ok.body(), schema->sdl());
    request.set(http::field::if_none_match, "\"42\"");
    Response not_modified = schema_response(request, *schema);
    EXPECT_EQ(not_modified.result(), http::status::not_modified);
    EXPECT_TRUE(not_modified.body().empty());
}

TEST(Responses, HealthAndMethodNotAllowed) {
    Request request{http::verb::get, "/healthz", 11};
    EXPECT_EQ(health_response(request, true).result(), http::status::ok);
    Response down = health_response(request, false);
    EXPECT_EQ(down.result(), http::status::service_unavailable);
    EXPECT_NE(down.body().find("\"disconnected\""), std::string::npos);
    Response not_allowed = method_not_allowed(request);
    EXPECT_EQ(not_allowed.result(), http::status::method_not_allowed);
    EXPECT_EQ(not_allowed[http::field::allow], "GET, HEAD");
}

TEST(Responses, TheSchemaIsPrivateToItsTenant) {
    auto schema = testing::fake_schema_builder()(nlohmann::json::object(), 42);
    Request request{http::verb::get, "/graphql/acme/schema.graphql", 11};
    EXPECT_EQ(schema_response(request, *schema)[http::field::cache_control], "private, no-cache");
    request.set(http::field::if_none_match, "\"42\"");
    EXPECT_EQ(schema_response(request, *schema)[http::field::cache_control], "private, no-cache");
}

TEST(Responses, HeadHasTheHeadersOfGetWithoutTheBody) {
    auto schema = testing::fake_schema_builder()(nlohmann::json::object(), 42);
    Request head{http::verb::head, "/graphql/acme/schema.graphql", 11};
    Response response = schema_response(head, *schema);
    strip_body_for_head(head, response);
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_TRUE(response.body().empty());
    EXPECT_EQ(response[http::field::content_length], std::to_string(schema->sdl().size()));
    EXPECT_EQ(response[http::field::etag], "\"42\"");
    head.set(http::field::if_none_match, "\"42\"");
    Response not_modified = schema_response(head, *schema);
    strip_body_for_head(head, not_modified);
    EXPECT_EQ(not_modified.result(), http::status::not_modified);
    EXPECT_EQ(not_modified.count(http::field::content_length), 0u);
    // GET keeps its body.
    Request get{http::verb::get, "/graphql/acme/schema.graphql", 11};
    Response full = schema_response(get, *schema);
    strip_body_for_head(get, full);
    EXPECT_EQ(full.body(), schema->sdl());
}

const std::string kSecret = "0123456789abcdef0123456789abcdef";
constexpr double kNow = 1700000000;

// A GET of acme's SDL with the given Authorization headers.
Request sdl_request(std::initializer_list<std::string> authorizations) {
    Request request{http::verb::get, "/graphql/acme/schema.graphql", 11};
    for (const std::string& value : authorizations)
        request.insert(http::field::authorization, value);
    return request;
}

TEST(SchemaAuth, TheBearerTokenOfTheTenantIsAccepted) {
    std::string acme = sign_hs256({{"tenant", "acme"}, {"exp", kNow + 60}}, kSecret);
    AuthDecision decision =
        authenticate_request(sdl_request({"Bearer " + acme}), kSecret, "acme", kNow, 30);
    EXPECT_EQ(decision.outcome, AuthOutcome::kAccepted);
    EXPECT_EQ(decision.expires_at, kNow + 90);
    EXPECT_EQ(
        authenticate_request(sdl_request({"bearer " + acme}), kSecret, "acme", kNow, 0).outcome,
        AuthOutcome::kAccepted);
}

TEST(SchemaAuth, RefusalsAndTheirAnswers) {
    std::string acme = sign_hs256({{"tenant", "acme"}, {"exp", kNow + 60}}, kSecret);
    const std::string unauthorized = R"(Bearer realm="udm-gateway")";
    const std::string invalid = R"(Bearer realm="udm-gateway", error="invalid_token")";
    const std::string forbidden = R"(Bearer realm="udm-gateway", error="insufficient_scope")";
    std::vector<std::tuple<std::string, Request, http::status, std::string>> cases = {
        {"no header", sdl_request({}), http::status::unauthorized, unauthorized},
        {"another scheme", sdl_request({"Basic YWxhZGRpbjpvcGVuc2VzYW1l"}),
         http::status::unauthorized, unauthorized},
        {"Bearer without a token", sdl_request({"Bearer "}), http::status::unauthorized,
         unauthorized},
        {"not a JWT", sdl_request({"Bearer hello"}), http::status::unauthorized, invalid},
        {"wrong secret", sdl_request({"Bearer " + sign_hs256({{"tenant", "acme"}}, kSecret + "x")}),
         http::status::unauthorized, invalid},
        {"expired beyond the leeway",
         sdl_request({"Bearer " + sign_hs256({{"tenant", "acme"}, {"exp", kNow - 31}}, kSecret)}),
         http::status::unauthorized, invalid},
        {"not yet valid",
         sdl_request({"Bearer " + sign_hs256({{"tenant", "acme"}, {"nbf", kNow + 31}}, kSecret)}),
         http::status::unauthorized, invalid},
        {"no tenant claim", sdl_request({"Bearer " + sign_hs256({{"sub", "x"}}, kSecret)}),
         http::status::unauthorized, invalid},
        {"two headers", sdl_request({"Bearer " + acme, "Bearer " + acme}),
         http::status::unauthorized, invalid},
        {"another tenant's token",
         sdl_request({"Bearer " + sign_hs256({{"tenant", "other"}}, kSecret)}),
         http::status::forbidden, forbidden},
    };
    for (auto& [name, request, status, challenge] : cases) {
        AuthDecision decision = authenticate_request(request, kSecret, "acme", kNow, 30);
        ASSERT_NE(decision.outcome, AuthOutcome::kAccepted) << name;
        Response response = auth_refused_response(request, decision);
        EXPECT_EQ(response.result(), status) << name;
        EXPECT_EQ(response[http::field::www_authenticate], challenge) << name;
        EXPECT_EQ(response[http::field::content_type], "application/json") << name;
    }
}

TEST(SchemaAuth, TheLeewayIsTheCallers) {
    Request request =
        sdl_request({"Bearer " + sign_hs256({{"tenant", "acme"}, {"exp", kNow - 10}}, kSecret)});
    EXPECT_EQ(authenticate_request(request, kSecret, "acme", kNow, 30).outcome,
              AuthOutcome::kAccepted);
    EXPECT_EQ(authenticate_request(request, kSecret, "acme", kNow, 0).outcome,
              AuthOutcome::kUnauthorized);
}

}  // namespace
}  // namespace udm::gateway
