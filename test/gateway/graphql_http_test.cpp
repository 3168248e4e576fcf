// GraphQL over HTTP without I/O: content negotiation, reading GET and POST requests, the
// status of responses and of database failures, and the connection pool's queue.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "db_pool.hpp"
#include "graphql_http.hpp"

namespace udm::gateway {
namespace {

using Media = GraphqlMediaType;

TEST(GraphqlHttp, AcceptChoosesTheMediaType) {
    EXPECT_EQ(negotiate_graphql_media_type(""), Media::kJson);
    EXPECT_EQ(negotiate_graphql_media_type("*/*"), Media::kJson);
    EXPECT_EQ(negotiate_graphql_media_type("application/*"), Media::kJson);
    EXPECT_EQ(negotiate_graphql_media_type("application/json"), Media::kJson);
    EXPECT_EQ(negotiate_graphql_media_type("application/graphql-response+json"),
              Media::kGraphqlResponseJson);
    EXPECT_EQ(negotiate_graphql_media_type("Application/GraphQL-Response+JSON; charset=utf-8"),
              Media::kGraphqlResponseJson);
    // The draft's recommended header for clients that accept both.
    EXPECT_EQ(
        negotiate_graphql_media_type("application/graphql-response+json, application/json;q=0.9"),
        Media::kGraphqlResponseJson);
    EXPECT_EQ(
        negotiate_graphql_media_type("application/graphql-response+json;q=0.5, application/json"),
        Media::kJson);
    EXPECT_EQ(negotiate_graphql_media_type("application/json, application/graphql-response+json"),
              Media::kGraphqlResponseJson);
    // Named beats a wildcard of the same q.
    EXPECT_EQ(negotiate_graphql_media_type("*/*, application/graphql-response+json"),
              Media::kGraphqlResponseJson);
    EXPECT_EQ(negotiate_graphql_media_type("text/html, */*;q=0.1"), Media::kJson);
    // A more specific range with q=0 excludes the type even under a wildcard.
    EXPECT_EQ(negotiate_graphql_media_type("*/*, application/json;q=0"),
              Media::kGraphqlResponseJson);
    for (const char* refused : {"text/html", "application/xml", "application/json;q=0",
                                "application/graphql-response+json;q=0, application/json;q=0",
                                "text/*", "application/json;q=x"}) {
        EXPECT_EQ(negotiate_graphql_media_type(refused), std::nullopt) << refused;
    }
}

// A POST of body to /graphql/acme with content type and accept (none when empty).
Request post(const std::string& body, const std::string& content_type = "application/json",
             const std::string& accept = "") {
    Request request{http::verb::post, "/graphql/acme", 11};
    if (!content_type.empty())
        request.set(http::field::content_type, content_type);
    if (!accept.empty())
        request.set(http::field::accept, accept);
    request.body() = body;
    request.prepare_payload();
    return request;
}

// A GET of /graphql/acme?<query string>.
Request get(const std::string& query_string, const std::string& accept = "") {
    Request request{http::verb::get, "/graphql/acme?" + query_string, 11};
    if (!accept.empty())
        request.set(http::field::accept, accept);
    return request;
}

// The status of a refused request; 0 when it was accepted.
unsigned refusal(const Request& request) {
    auto read = read_graphql_request(request);
    if (auto* response = std::get_if<Response>(&read))
        return response->result_int();
    return 0;
}

TEST(GraphqlHttp, PersistedQueriesMissRegisterHitAndMismatch) {
    PersistedQueries store;
    const std::string query = "mutation { m }";
    const std::string hash = sha256_hex(query);
    const std::string ext = R"({"persistedQuery":{"version":1,"sha256Hash":")" + hash + R"("}})";
    auto read = [&store](const Request& request) {
        return read_graphql_request(request, {}, &store);
    };
    // Hash alone, not stored: a GraphQL error Apollo clients recognise, with 200.
    auto miss = read(post(R"({"extensions":)" + ext + "}"));
    ASSERT_TRUE(std::holds_alternative<Response>(miss));
    EXPECT_EQ(std::get<Response>(miss).result_int(), 200u);
    auto body = nlohmann::json::parse(std::get<Response>(miss).body());
    EXPECT_EQ(body["errors"][0]["message"], "PersistedQueryNotFound");
    EXPECT_EQ(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    // With the query: checked, kept and run; then the hash alone runs it.
    auto registered = read(post(R"({"query":")" + query + R"(","extensions":)" + ext + "}"));
    ASSERT_TRUE(std::holds_alternative<GraphqlHttpRequest>(registered));
    EXPECT_EQ(std::get<GraphqlHttpRequest>(registered).query, query);
    auto hit = read(post(R"({"extensions":)" + ext + "}"));
    ASSERT_TRUE(std::holds_alternative<GraphqlHttpRequest>(hit));
    EXPECT_EQ(std::get<GraphqlHttpRequest>(hit).query, query);
    // A stored mutation is still refused over GET.
    auto over_get = read(get("extensions=" + ext));
    ASSERT_TRUE(std::holds_alternative<Response>(over_get));
    EXPECT_EQ(std::get<Response>(over_get).result_int(), 405u);
    // A hash that is not the query's, and another version: 400.
    auto mismatch = read(post(R"({"query":"{ x }","extensions":)" + ext + "}"));
    ASSERT_TRUE(std::holds_alternative<Response>(mismatch));
    EXPECT_EQ(std::get<Response>(mismatch).result_int(), 400u);
    EXPECT_NE(std::get<Response>(mismatch).body().find("provided sha does not match query"),
              std::string::npos);
    auto version = read(
        post(R"({"extensions":{"persistedQuery":{"version":2,"sha256Hash":")" + hash + R"("}}})"));
    ASSERT_TRUE(std::holds_alternative<Response>(version));
    EXPECT_EQ(std::get<Response>(version).result_int(), 400u);
    // Without a store the extension is ignored, and the query is required.
    EXPECT_EQ(refusal(post(R"({"extensions":)" + ext + "}")), 400u);
}

TEST(GraphqlHttp, PostBodiesAreRead) {
    auto read = read_graphql_request(post(
        R"({"query": "query Q($n: BigInt) { x }", "variables": {"n": 12345678901234567890123},)"
        R"( "operationName": "Q", "extensions": {"persistedQuery": null}})"));
    ASSERT_TRUE(std::holds_alternative<GraphqlHttpRequest>(read));
    const auto& request = std::get<GraphqlHttpRequest>(read);
    EXPECT_EQ(request.query, "query Q($n: BigInt) { x }");
    // As the client wrote them: the number keeps its digits for jsonb.
    EXPECT_EQ(request.variables, R"({"n": 12345678901234567890123})");
    EXPECT_EQ(request.operation_name, "Q");
    EXPECT_EQ(request.media_type, Media::kJson);

    auto nulls = read_graphql_request(
        post(R"({"query":"{ x }","variables":null,"operationName":null,"extensions":null})"));
    ASSERT_TRUE(std::holds_alternative<GraphqlHttpRequest>(nulls));
    EXPECT_EQ(std::get<GraphqlHttpRequest>(nulls).variables, std::nullopt);
    EXPECT_EQ(std::get<GraphqlHttpRequest>(nulls).operation_name, std::nullopt);

    // A later member of the same name wins, as the parser decides.
    auto twice = read_graphql_request(
        post(R"({"query":"{ a }","variables":{"a":[1,"}"]} , "query":"{ b }"})"));
    ASSERT_TRUE(std::holds_alternative<GraphqlHttpRequest>(twice));
    EXPECT_EQ(std::get<GraphqlHttpRequest>(twice).query, "{ b }");
    EXPECT_EQ(std::get<GraphqlHttpRequest>(twice).variables, R"({"a":[1,"}"]})");
}

TEST(GraphqlHttp, MalformedPostsAre400) {
    for (const char* body :
         {"", "{", "[]", "\"x\"", R"({"variables": {}})", R"({"query": 1})", R"({"query": null})",
          R"({"query": "{ x }", "variables": []})", R"({"query": "{ x }", "variables": "{}"})",
          R"({"query": "{ x }", "operationName": 1})", R"({"query": "{ x }", "extensions": []})",
          R"({"query": "{ x\u0000 }"})"}) {
        Request request = post(body);
        auto read = read_graphql_request(request);
        ASSERT_TRUE(std::holds_alternative<Response>(read)) << body;
        const Response& response = std::get<Response>(read);
        EXPECT_EQ(response.result_int(), 400) << body;
        auto json = nlohmann::json::parse(response.body());
        EXPECT_EQ(json["errors"][0]["extensions"]["code"], "BAD_REQUEST") << body;
        EXPECT_FALSE(json.contains("data"));
    }
    std::string deep = R"({"query": "{ x }", "variables": {"a": )" + std::string(100, '[') +
                       std::string(100, ']') + "}}";
    EXPECT_EQ(refusal(post(deep)), 400u);
    GraphqlHttpLimits limits;
    limits.max_query_bytes = 10;
    auto long_query = read_graphql_request(post(R"({"query": "{ abcdefghijk }"})"), limits);
    ASSERT_TRUE(std::holds_alternative<Response>(long_query));
    EXPECT_EQ(std::get<Response>(long_query).result_int(), 400);
}

TEST(GraphqlHttp, ContentTypeAcceptAndMethod) {
    const std::string body = R"({"query": "{ x }"})";
    EXPECT_EQ(refusal(post(body)), 0u);
    EXPECT_EQ(refusal(post(body, "application/json; charset=UTF-8")), 0u);
    EXPECT_EQ(refusal(post(body, "APPLICATION/JSON")), 0u);
    for (const char* type :
         {"", "text/plain", "application/graphql", "application/json; charset=latin1",
          "application/x-www-form-urlencoded", "application/jsonx"}) {
        EXPECT_EQ(refusal(post(body, type)), 415u) << type;
    }
    EXPECT_EQ(refusal(post(body, "application/json", "text/html")), 406u);
    // 406 before 415: the answer could not be written in any case.
    EXPECT_EQ(refusal(post(body, "text/plain", "text/html")), 406u);
    for (http::verb verb : {http::verb::put, http::verb::delete_, http::verb::head,
                            http::verb::patch, http::verb::options}) {
        Request request = post(body);
        request.method(verb);
        auto read = read_graphql_request(request);
        ASSERT_TRUE(std::holds_alternative<Response>(read));
        EXPECT_EQ(std::get<Response>(read).result_int(), 405);
        EXPECT_EQ(std::get<Response>(read)[http::field::allow], "GET, POST");
    }
    auto typed =
        read_graphql_request(post(body, "application/json", "application/graphql-response+json"));
    ASSERT_TRUE(std::holds_alternative<GraphqlHttpRequest>(typed));
    EXPECT_EQ(std::get<GraphqlHttpRequest>(typed).media_type, Media::kGraphqlResponseJson);
}

TEST(GraphqlHttp, GetReadsTheQueryStringAndRefusesMutations) {
    auto read = read_graphql_request(
        get("query=query+Q(%24id%3A+ID!)+%7B+x+%7D&variables=%7B%22id%22%3A%221%22%7D&"
            "operationName=Q&other=1"));
    ASSERT_TRUE(std::holds_alternative<GraphqlHttpRequest>(read));
    EXPECT_EQ(std::get<GraphqlHttpRequest>(read).query, "query Q($id: ID!) { x }");
    EXPECT_EQ(std::get<GraphqlHttpRequest>(read).variables, R"({"id":"1"})");
    EXPECT_EQ(std::get<GraphqlHttpRequest>(read).operation_name, "Q");

    for (const char* mutation : {"query=mutation+%7B+x+%7D",
                                 "query=mutation+M+%7B+x+%7D+query+Q+%7B+y+%7D&operationName=M"}) {
        auto refused = read_graphql_request(get(mutation));
        ASSERT_TRUE(std::holds_alternative<Response>(refused)) << mutation;
        EXPECT_EQ(std::get<Response>(refused).result_int(), 405);
        EXPECT_EQ(std::get<Response>(refused)[http::field::allow], "POST");
    }
    // A query of a document that also has a mutation, a subscription, or a document that
    // does not parse: the database answers (with errors where there are some).
    EXPECT_EQ(refusal(get("query=mutation+M+%7B+x+%7D+query+Q+%7B+y+%7D&operationName=Q")), 0u);
    EXPECT_EQ(refusal(get("query=mutation+M+%7B+x+%7D+query+Q+%7B+y+%7D")), 0u);
    EXPECT_EQ(refusal(get("query=subscription+%7B+x+%7D")), 0u);
    EXPECT_EQ(refusal(get("query=%7B")), 0u);

    EXPECT_EQ(refusal(get("")), 400u);
    EXPECT_EQ(refusal(get("variables=%7B%7D")), 400u);
    EXPECT_EQ(refusal(get("query=%7B+x+%7D&query=%7B+y+%7D")), 400u);
    EXPECT_EQ(refusal(get("query=%zz")), 400u);
    EXPECT_EQ(refusal(get("query=%7B+x+%7D&variables=%5B%5D")), 400u);
    EXPECT_EQ(refusal(get("query=%7B+x+%7D&variables=nope")), 400u);
    EXPECT_EQ(refusal(get("query=%7B+x+%7D", "text/plain")), 406u);
}

TEST(GraphqlHttp, UrlDecoding) {
    EXPECT_EQ(url_decode("a+b%20c%2B%e2%82%AC"), "a b c+\xe2\x82\xac");
    EXPECT_EQ(url_decode(""), "");
    EXPECT_EQ(url_decode("%"), std::nullopt);
    EXPECT_EQ(url_decode("%4"), std::nullopt);
    EXPECT_EQ(url_decode("%g0"), std::nullopt);
}

TEST(GraphqlHttp, ResponseStatusFollowsTheMediaType) {
    Request request = post("{}");
    const std::string with_data = R"({"data": {"x": 1}, "errors": [{"message": "m"}]})";
    const std::string without = R"({"errors": [{"message": "Cannot query field"}]})";
    Response ok = graphql_result_response(request, Media::kGraphqlResponseJson, with_data);
    EXPECT_EQ(ok.result_int(), 200);
    EXPECT_EQ(ok[http::field::content_type], "application/graphql-response+json; charset=utf-8");
    EXPECT_EQ(ok.body(), with_data + "\n");
    EXPECT_EQ(graphql_result_response(request, Media::kGraphqlResponseJson, without).result_int(),
              400);
    EXPECT_EQ(graphql_result_response(request, Media::kJson, without).result_int(), 200);
    EXPECT_EQ(graphql_result_response(request, Media::kJson, without)[http::field::content_type],
              "application/json; charset=utf-8");
    EXPECT_EQ(graphql_result_response(request, Media::kGraphqlResponseJson,
                                      R"({"data": null, "errors": []})")
                  .result_int(),
              200);

    EXPECT_TRUE(graphql_response_has_data(R"( {"data": null})"));
    EXPECT_TRUE(graphql_response_has_data(R"({"errors": [], "data": {}})"));
    EXPECT_FALSE(graphql_response_has_data(R"({"errors": [{"message": "\"data\""}]})"));
    EXPECT_FALSE(graphql_response_has_data("not json"));
}

TEST(GraphqlHttp, DatabaseFailuresMapToStatusesWithoutSql) {
    Request request = post("{}");
    auto status_of = [&](const std::string& sqlstate, bool lost = false) {
        GraphqlCallResult failure;
        failure.sqlstate = sqlstate;
        failure.connection_lost = lost;
        failure.message = "relation \"tenant_acme.tc_secret\" does not exist: SELECT ...";
        Response response = graphql_failure_response(request, Media::kJson, failure);
        EXPECT_EQ(response.body().find("tc_secret"), std::string::npos);
        auto json = nlohmann::json::parse(response.body());
        EXPECT_FALSE(json.contains("data"));
        if (!sqlstate.empty()) {
            EXPECT_EQ(json["errors"][0]["extensions"]["sqlstate"], sqlstate);
        }
        return response.result_int();
    };
    EXPECT_EQ(status_of("", true), 503u);
    EXPECT_EQ(status_of("08006"), 503u);
    EXPECT_EQ(status_of("57P01"), 503u);
    EXPECT_EQ(status_of("53200"), 503u);
    EXPECT_EQ(status_of("40001"), 503u);
    EXPECT_EQ(status_of("40P01"), 503u);
    EXPECT_EQ(status_of("57014"), 504u);
    EXPECT_EQ(status_of("42704"), 404u);
    EXPECT_EQ(status_of("22P02"), 400u);
    EXPECT_EQ(status_of("42501"), 500u);
    EXPECT_EQ(status_of("XX000"), 500u);
    GraphqlCallResult timeout;
    timeout.sqlstate = "57014";
    auto json =
        nlohmann::json::parse(graphql_failure_response(request, Media::kJson, timeout).body());
    EXPECT_EQ(json["errors"][0]["extensions"]["code"], "TIMEOUT");

    Response busy = graphql_busy_response(request, Media::kGraphqlResponseJson, "busy",
                                          std::chrono::milliseconds(1500));
    EXPECT_EQ(busy.result_int(), 503);
    EXPECT_EQ(busy[http::field::retry_after], "2");
    EXPECT_EQ(graphql_busy_response(request, Media::kJson, "busy",
                                    std::chrono::milliseconds(1))[http::field::retry_after],
              "1");
}

// A TCP port that accepts connections (the kernel completes them) and never answers.
class SilentServer {
  public:
    SilentServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(fd_, 16);
        socklen_t length = sizeof address;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
    }
    ~SilentServer() { ::close(fd_); }
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = 0;
};

// Refusals collected from the pool's threads.
struct Refusals {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<PoolRefusal> got;

    void add(PoolRefusal refusal) {
        std::lock_guard<std::mutex> lock(mutex);
        got.push_back(refusal);
        changed.notify_all();
    }
    bool wait_for(std::size_t count, std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, timeout, [&] { return got.size() >= count; });
    }
};

TEST(DbPool, QueueFullTimedOutAndStoppedWithoutWaitingForTheDatabase) {
    SilentServer server;
    DbPool::Options options;
    options.conninfo = "host=127.0.0.1 port=" + std::to_string(server.port()) +
                       " connect_timeout=30 dbname=x user=x";
    options.max_connections = 1;
    options.queue_limit = 1;
    options.queue_timeout = std::chrono::milliseconds(200);
    DbPool pool(options);
    Refusals refusals;
    std::atomic<int> ran{0};
    auto submit = [&] {
        pool.submit(
            "acme", 10, [&](PGconn*) { ++ran; }, [&](PoolRefusal r) { refusals.add(r); });
    };
    submit();  // the worker connects to a server that never answers
    for (int i = 0; i < 100 && pool.stats().in_use == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(pool.stats().in_use, 1u);
    submit();  // waits
    submit();  // the queue is full
    ASSERT_TRUE(refusals.wait_for(1, std::chrono::seconds(5)));
    EXPECT_EQ(refusals.got[0], PoolRefusal::kQueueFull);
    EXPECT_EQ(pool.stats().waiting, 1u);
    ASSERT_TRUE(refusals.wait_for(2, std::chrono::seconds(5)));
    EXPECT_EQ(refusals.got[1], PoolRefusal::kTimedOut);
    EXPECT_EQ(pool.stats().waiting, 0u);
    EXPECT_EQ(pool.stats().refused, 2u);

    submit();  // waits again, then the pool stops
    const auto started = std::chrono::steady_clock::now();
    pool.stop();
    // Not the 30 s of connect_timeout: the attempt is abandoned.
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    ASSERT_TRUE(refusals.wait_for(4, std::chrono::seconds(1)));
    EXPECT_EQ(refusals.got[2], PoolRefusal::kStopping);
    EXPECT_EQ(refusals.got[3], PoolRefusal::kStopping);
    EXPECT_EQ(ran.load(), 0);
    submit();
    ASSERT_TRUE(refusals.wait_for(5, std::chrono::seconds(1)));
    EXPECT_EQ(refusals.got[4], PoolRefusal::kStopping);
}

TEST(DbPool, AnUnreachableDatabaseIsUnavailable) {
    int port = 0;
    {
        SilentServer server;  // bound, then closed: nothing listens on the port
        port = server.port();
    }
    DbPool::Options options;
    options.conninfo = "host=127.0.0.1 port=" + std::to_string(port) + " dbname=x user=x";
    options.max_connections = 2;
    DbPool pool(options);
    Refusals refusals;
    // A port nobody listens on: connection refused at once.
    pool.submit(
        "acme", 10, [](PGconn*) {}, [&](PoolRefusal r) { refusals.add(r); });
    ASSERT_TRUE(refusals.wait_for(1, std::chrono::seconds(5)));
    EXPECT_EQ(refusals.got[0], PoolRefusal::kUnavailable);
    EXPECT_EQ(pool.stats().open, 0u);
}

TEST(DbPool, ATenantAtItsMaximumWaitsInItsOwnQueueAndAnotherRuns) {
    SilentServer server;
    DbPool::Options options;
    options.conninfo = "host=127.0.0.1 port=" + std::to_string(server.port()) +
                       " connect_timeout=30 dbname=x user=x";
    options.max_connections = 2;
    options.queue_limit = 1;
    options.queue_timeout = std::chrono::seconds(30);
    DbPool pool(options);
    Refusals refusals;
    auto submit = [&](const std::string& tenant, std::size_t max) {
        pool.submit(
            tenant, max, [](PGconn*) {}, [&](PoolRefusal r) { refusals.add(r); });
    };
    submit("a", 1);  // A's one connection: connecting to a server that never answers
    submit("a", 1);  // waits although a connection of the pool is free
    submit("a", 1);  // A's queue (1) is full
    ASSERT_TRUE(refusals.wait_for(1, std::chrono::seconds(5)));
    EXPECT_EQ(refusals.got[0], PoolRefusal::kQueueFull);
    submit("b", 1);  // B takes the free connection at once
    for (int i = 0; i < 200 && pool.stats().in_use < 2; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto counts = pool.tenant_counts();
    SCOPED_TRACE("a " + std::to_string(counts["a"].running) + "/" +
                 std::to_string(counts["a"].waiting) + ", b " +
                 std::to_string(counts["b"].running) + "/" + std::to_string(counts["b"].waiting) +
                 ", refusals " + std::to_string(refusals.got.size()) + ", in use " +
                 std::to_string(pool.stats().in_use));
    EXPECT_EQ(counts["a"].running, 1u);
    EXPECT_EQ(counts["a"].waiting, 1u);
    EXPECT_EQ(counts["b"].running, 1u);
    EXPECT_EQ(counts["b"].waiting, 0u);
    pool.stop();
    ASSERT_TRUE(refusals.wait_for(4, std::chrono::seconds(5)));
    EXPECT_TRUE(pool.tenant_counts().empty());
}

}  // namespace
}  // namespace udm::gateway
