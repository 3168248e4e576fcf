// Queries and mutations of things over graphql-transport-ws (handed to the database and
// answered later) and automatic persisted queries, driven without sockets or database.
#include <gtest/gtest.h>

#include "engine_core.hpp"
#include "persisted_queries.hpp"
#include "protocol.hpp"

namespace udm::gateway {
namespace {

using nlohmann::json;

const json kShop = json::parse(R"({
  "attributes": {"name": {"type": "text"}},
  "classes": {"product": {"attributes": {"name": {}}}}
})");

const std::string kProducts = "{ productCollection { totalCount } }";

// A handler over the core engine whose auth accepts everything, with a persisted query store.
class WsOperationsTest : public ::testing::Test {
  protected:
    std::shared_ptr<const TenantSchema> schema = core_engine_builder()(kShop, 3);
    PersistedQueries persisted{PersistedQueries::Limits{3, 1000, 200}};
    ProtocolHandler handler{
        ProtocolHandler::Context{[](const json&) {
                                     return AuthDecision{AuthOutcome::kAccepted, {}};
                                 },
                                 [this] { return schema; }, nullptr, 100,
                                 ProtocolHandler::kDefaultMaxResponseBytes, &persisted, 2}};

    void SetUp() override {
        ASSERT_TRUE(handler.on_message(R"({"type":"connection_init"})").acknowledged);
    }
    ProtocolEffects subscribe(const std::string& id, const json& payload) {
        return handler.on_message(
            json{{"id", id}, {"type", "subscribe"}, {"payload", payload}}.dump());
    }
    static json frame(const ProtocolEffects& effects, std::size_t i) {
        return json::parse(effects.frames.at(i));
    }
};

TEST_F(WsOperationsTest, AQueryOfThingsIsHandedToTheDatabaseAndAnsweredOnce) {
    auto effects = subscribe(
        "q", {{"query", kProducts}, {"variables", {{"x", 1}}}, {"operationName", nullptr}});
    EXPECT_TRUE(effects.frames.empty());
    ASSERT_TRUE(effects.database);
    EXPECT_EQ(effects.database->id, "q");
    EXPECT_EQ(effects.database->query, kProducts);
    EXPECT_EQ(effects.database->variables, std::optional<std::string>(R"({"x":1})"));
    EXPECT_FALSE(effects.database->operation_name);
    EXPECT_EQ(handler.database_operation_count(), 1u);
    EXPECT_EQ(handler.subscription_count(), 0u);

    DatabaseAnswer answer;
    answer.ok = true;
    answer.body = R"({"data": {"productCollection": {"totalCount": 2}}})";
    auto answered = handler.on_database_answer("q", answer);
    ASSERT_EQ(answered.frames.size(), 2u);
    EXPECT_EQ(frame(answered, 0),
              json::parse(R"({"id":"q","type":"next","payload":)" + answer.body + "}"));
    EXPECT_EQ(frame(answered, 1), json({{"id", "q"}, {"type", "complete"}}));
    EXPECT_EQ(handler.database_operation_count(), 0u);
    // Answered once: a second answer is dropped.
    EXPECT_TRUE(handler.on_database_answer("q", answer).frames.empty());
}

TEST_F(WsOperationsTest, AMutationFailureIsANextWithAGraphqlError) {
    auto effects = subscribe("m", {{"query",
                                    "mutation { deleteFromProductCollection { "
                                    "affectedCount } }"}});
    ASSERT_TRUE(effects.database);
    DatabaseAnswer answer;
    answer.message = "Too many requests wait for the database; try again.";
    answer.code = "SERVICE_UNAVAILABLE";
    auto answered = handler.on_database_answer("m", answer);
    ASSERT_EQ(answered.frames.size(), 2u);
    json next = frame(answered, 0);
    EXPECT_EQ(next["type"], "next");
    EXPECT_EQ(next["payload"]["errors"][0]["message"], answer.message);
    EXPECT_EQ(next["payload"]["errors"][0]["extensions"], json({{"code", "SERVICE_UNAVAILABLE"}}));
    EXPECT_EQ(frame(answered, 1)["type"], "complete");
}

TEST_F(WsOperationsTest, ACompleteWhileRunningDropsTheAnswer) {
    ASSERT_TRUE(subscribe("q", {{"query", kProducts}}).database);
    auto completed = handler.on_message(R"({"id":"q","type":"complete"})");
    EXPECT_TRUE(completed.frames.empty());
    EXPECT_EQ(completed.subscriptions_delta, 0);
    DatabaseAnswer answer;
    answer.ok = true;
    answer.body = "{}";
    EXPECT_TRUE(handler.on_database_answer("q", answer).frames.empty());
    // The id is free again.
    EXPECT_TRUE(subscribe("q", {{"query", kProducts}}).database);
    handler.drop_subscriptions();
    EXPECT_TRUE(handler.on_database_answer("q", answer).frames.empty());
}

TEST_F(WsOperationsTest, AnIdIsTakenWhileItsOperationRuns) {
    ASSERT_TRUE(subscribe("a", {{"query", kProducts}}).database);
    EXPECT_EQ(subscribe("a", {{"query", kProducts}}).close->code,
              close_code::kSubscriberAlreadyExists);
}

TEST_F(WsOperationsTest, OperationsBeyondTheBoundAreErrors) {
    ASSERT_TRUE(subscribe("a", {{"query", kProducts}}).database);
    ASSERT_TRUE(subscribe("b", {{"query", kProducts}}).database);
    auto refused = subscribe("c", {{"query", kProducts}});
    EXPECT_FALSE(refused.database);
    ASSERT_EQ(refused.frames.size(), 1u);
    EXPECT_EQ(frame(refused, 0)["type"], "error");
    EXPECT_NE(frame(refused, 0)["payload"][0]["message"].get<std::string>().find("at most 2"),
              std::string::npos);
    // Plain fields are still answered by the gateway at once.
    auto plain = subscribe("d", {{"query", "{ schemaVersion }"}});
    EXPECT_FALSE(plain.database);
    ASSERT_EQ(plain.frames.size(), 2u);
    EXPECT_EQ(frame(plain, 0)["payload"], json::parse(R"({"data":{"schemaVersion":3}})"));
}

TEST_F(WsOperationsTest, PersistedQueriesMissRegisterAndHit) {
    const std::string hash = sha256_hex(kProducts);
    json extensions{{"persistedQuery", {{"version", 1}, {"sha256Hash", hash}}}};
    auto miss = subscribe("1", {{"extensions", extensions}});
    ASSERT_EQ(miss.frames.size(), 1u);
    EXPECT_EQ(frame(miss, 0)["type"], "error");
    EXPECT_EQ(frame(miss, 0)["payload"][0],
              json({{"message", "PersistedQueryNotFound"},
                    {"extensions", {{"code", "PERSISTED_QUERY_NOT_FOUND"}}}}));
    EXPECT_FALSE(miss.close);
    auto registered = subscribe("2", {{"query", kProducts}, {"extensions", extensions}});
    ASSERT_TRUE(registered.database);
    // An empty query with the hash is the hash alone.
    auto hit = subscribe("3", {{"query", ""}, {"extensions", extensions}});
    ASSERT_TRUE(hit.database);
    EXPECT_EQ(hit.database->query, kProducts);
    auto mismatch = subscribe("4", {{"query", "{ schemaVersion }"}, {"extensions", extensions}});
    ASSERT_EQ(mismatch.frames.size(), 1u);
    EXPECT_EQ(frame(mismatch, 0)["payload"][0]["message"], "provided sha does not match query");
}

TEST(Sha256Hex, KnownDigests) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(PersistedQueries, ResolvesChecksAndBoundsTheStore) {
    PersistedQueries store{PersistedQueries::Limits{2, 10, 8}};
    auto ext = [](const std::string& hash, json version = 1) {
        return json{{"persistedQuery", {{"version", version}, {"sha256Hash", hash}}}};
    };
    auto refusal = [](const PersistedQueryOutcome& o) {
        return std::get_if<PersistedQueryRefusal>(&o);
    };
    // Without the extension: the query as given, or no query.
    EXPECT_EQ(std::get<std::string>(store.resolve(nullptr, std::string("{ a }"))), "{ a }");
    ASSERT_NE(refusal(store.resolve(nullptr, std::nullopt)), nullptr);

    json a = ext(sha256_hex("{ a }"));
    auto miss = store.resolve(&a, std::nullopt);
    ASSERT_NE(refusal(miss), nullptr);
    EXPECT_EQ(refusal(miss)->kind, PersistedQueryRefusal::Kind::kNotFound);
    EXPECT_EQ(refusal(miss)->code, "PERSISTED_QUERY_NOT_FOUND");
    EXPECT_EQ(std::get<std::string>(store.resolve(&a, std::string("{ a }"))), "{ a }");
    EXPECT_EQ(std::get<std::string>(store.resolve(&a, std::nullopt)), "{ a }");
    // Uppercase hex names the same query.
    std::string upper = sha256_hex("{ a }");
    for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    json a_upper = ext(upper);
    EXPECT_EQ(std::get<std::string>(store.resolve(&a_upper, std::nullopt)), "{ a }");
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(store.bytes(), 5u);

    // Refusals of the request.
    auto mismatch = store.resolve(&a, std::string("{ b }"));
    ASSERT_NE(refusal(mismatch), nullptr);
    EXPECT_EQ(refusal(mismatch)->kind, PersistedQueryRefusal::Kind::kBadRequest);
    EXPECT_EQ(refusal(mismatch)->message, "provided sha does not match query");
    json v2 = ext(sha256_hex("{ a }"), 2);
    EXPECT_NE(refusal(store.resolve(&v2, std::string("{ a }"))), nullptr);
    json short_hash = ext("abc");
    EXPECT_NE(refusal(store.resolve(&short_hash, std::nullopt)), nullptr);
    json not_object{{"persistedQuery", "x"}};
    EXPECT_NE(refusal(store.resolve(&not_object, std::nullopt)), nullptr);

    // Bounded: a query over max_query_bytes runs but is not kept; a full store is emptied.
    std::string long_query = "{ abcdef }";
    json l = ext(sha256_hex(long_query));
    EXPECT_EQ(std::get<std::string>(store.resolve(&l, long_query)), long_query);
    EXPECT_NE(refusal(store.resolve(&l, std::nullopt)), nullptr);
    json b = ext(sha256_hex("{ b }"));
    store.resolve(&b, std::string("{ b }"));  // 10 bytes: at the byte bound
    EXPECT_EQ(store.size(), 2u);
    json c = ext(sha256_hex("{ c }"));
    store.resolve(&c, std::string("{ c }"));  // over both bounds: emptied, then kept
    EXPECT_EQ(store.size(), 1u);
    EXPECT_EQ(store.bytes(), 5u);
    EXPECT_NE(refusal(store.resolve(&a, std::nullopt)), nullptr);
    EXPECT_EQ(std::get<std::string>(store.resolve(&c, std::nullopt)), "{ c }");
}

}  // namespace
}  // namespace udm::gateway
