// Routes, ETags and the I/O-free HTTP responses.
#include <gtest/gtest.h>

#include "fake_engine.hpp"
#include "http_routes.hpp"

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
    for (const char* bad : {"/graphql/", "/graphql/Acme", "/graphql/1acme", "/graphql/a-b",
                            "/graphql/acme/", "/graphql/acme/other", "/graphql/../etc",
                            "/", "/graphql"}) {
        EXPECT_EQ(route_of(bad).kind, Route::Kind::kNotFound) << bad;
    }
    EXPECT_EQ(route_of("/graphql/" + std::string(49, 'a')).kind, Route::Kind::kNotFound);
    EXPECT_EQ(route_of("/graphql/" + std::string(48, 'a')).kind, Route::Kind::kGraphql);
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
    EXPECT_EQ(not_allowed[http::field::allow], "GET");
}

}  // namespace
}  // namespace udm::gateway
