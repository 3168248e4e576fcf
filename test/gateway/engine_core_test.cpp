// The adapter of the core's GraphQL engine (engine_core.cpp): schemas built from model
// documents as udm.model returns them, operations prepared, filtered and executed.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "engine_core.hpp"
#include "protocol.hpp"
#include "udm/core/graphql/schema.hpp"
#include "udm/core/model.hpp"

namespace udm::gateway {
namespace {

using nlohmann::json;

const json kShop = json::parse(R"({
  "attributes": {"name": {"type": "text", "rules": {"max_length": 200}},
                 "maker": {"type": "reference", "target": "company"}},
  "classes": {"company": {"attributes": {"name": {"required": true}}},
              "product": {"attributes": {"name": {}, "maker": {}}}}
})");

std::shared_ptr<const PreparedOperation> prepared(const TenantSchema& schema,
                                                  const std::string& doc,
                                                  const json& variables = json::object()) {
    PrepareResult result = schema.prepare(doc, variables, std::nullopt);
    if (auto* errors = std::get_if<std::vector<GraphQLError>>(&result)) {
        ADD_FAILURE() << doc << ": " << (*errors)[0].message;
        return nullptr;
    }
    return std::get<std::shared_ptr<const PreparedOperation>>(result);
}

TEST(EngineCore, BuildsTheSdlOfAModelDocument) {
    auto schema = core_engine_builder()(kShop, 7);
    EXPECT_EQ(schema->version(), 7);
    EXPECT_NE(schema->sdl().find("type Product {"), std::string::npos) << schema->sdl();
    EXPECT_NE(schema->sdl().find("makerId: ID"), std::string::npos);
    EXPECT_NE(schema->sdl().find("@constraint(maxLength: 200)"), std::string::npos);
}

// The SDL is printed when the schema is built; the type system requests are validated
// against is built once, by complete() or by the first of concurrent requests, and
// validates as if it had been built with the SDL.
TEST(EngineCore, TheTypeSystemIsBuiltOnceOnFirstUse) {
    const std::string expected =
        graphql::print_sdl(graphql::build_schema(model::parse_model(kShop)));
    for (const bool completed : {true, false}) {
        auto schema = core_engine_builder()(kShop, 3);
        EXPECT_EQ(schema->sdl(), expected);
        if (completed) {
            schema->complete();
            schema->complete();
        }
        std::vector<std::thread> threads;
        std::atomic<int> ok{0};
        for (int i = 0; i < 4; ++i) {
            threads.emplace_back([&, i] {
                PrepareResult r = schema->prepare(
                    "query($n: Int) { productCollection(first: $n) { totalCount } }",
                    json{{"n", i}}, std::nullopt);
                if (std::holds_alternative<std::shared_ptr<const PreparedOperation>>(r))
                    ++ok;
            });
        }
        for (std::thread& t : threads)
            t.join();
        EXPECT_EQ(ok.load(), 4);
        PrepareResult bad =
            schema->prepare("{ productCollection { nosuch } }", json::object(), std::nullopt);
        auto* errors = std::get_if<std::vector<GraphQLError>>(&bad);
        ASSERT_NE(errors, nullptr);
        EXPECT_NE((*errors)[0].message.find("nosuch"), std::string::npos);
        EXPECT_EQ(schema->sdl(), expected);
    }
}

// A large model's SDL is copied into a query's root value only for a query that selects it.
TEST(EngineCore, OnlyAQuerySelectingTheSdlNeedsIt) {
    auto schema = core_engine_builder()(kShop, 1);
    EXPECT_FALSE(prepared(*schema, "{ schemaVersion }")->selects_sdl());
    EXPECT_FALSE(prepared(*schema, "{ __typename }")->selects_sdl());
    EXPECT_TRUE(prepared(*schema, "{ schemaVersion text: sdl }")->selects_sdl());
    auto op = prepared(*schema, "{ v: schemaVersion }");
    EXPECT_EQ(op->execute(json{{"schemaVersion", 4}}).dump(), R"({"data":{"v":4}})");
}

TEST(EngineCore, ASubscriptionSelectingTheThingRendersTheThingReadForIt) {
    auto schema = core_engine_builder()(kShop, 1);
    const std::string doc =
        "subscription($o: [Operation!]) { productChanged(operations: $o) { id thing { name } } }";
    auto op = prepared(*schema, doc, json{{"o", {"INSERT"}}});
    ASSERT_TRUE(op);
    EXPECT_TRUE(op->is_subscription());
    EXPECT_FALSE(op->runs_in_database());
    auto selection = op->thing_selection();
    ASSERT_TRUE(selection);
    EXPECT_EQ(selection->class_name, "product");
    EXPECT_EQ(selection->query, doc);
    EXPECT_EQ(selection->variables, R"({"o":["INSERT"]})");
    // Equal requests, one selection; other variables, another.
    EXPECT_EQ(prepared(*schema, doc, json{{"o", {"INSERT"}}})->thing_selection()->key,
              selection->key);
    EXPECT_NE(prepared(*schema, doc, json{{"o", {"UPDATE"}}})->thing_selection()->key,
              selection->key);
    // Id-only subscriptions read nothing.
    EXPECT_FALSE(prepared(*schema, "subscription { productChanged { id } }")->thing_selection());
    EXPECT_FALSE(prepared(*schema, "subscription { thingChanged(class: \"product\") { id } }")
                     ->thing_selection());

    json event = {{"position", "1"},
                  {"operation", "INSERT"},
                  {"class", "product"},
                  {"id", "x"},
                  {"changedAttributes", json::array()},
                  {"time", "t"}};
    EXPECT_TRUE(op->matches(event));
    event["class"] = "company";
    EXPECT_FALSE(op->matches(event));
    event["class"] = "product";
    event[kThingsMember] = {{selection->key, {{"name", "anvil"}}}, {"other", {{"name", "no"}}}};
    EXPECT_EQ(op->execute(event).dump(),
              R"({"data":{"productChanged":{"id":"x","thing":{"name":"anvil"}}}})");
    event[kThingsMember] = {{selection->key, nullptr}};
    EXPECT_EQ(op->execute(event).dump(), R"({"data":{"productChanged":{"id":"x","thing":null}}})");
    event.erase(kThingsMember);
    event[kThingErrorsMember] = {
        {selection->key, {{"message", "Permission denied."}, {"code", "FORBIDDEN"}}}};
    EXPECT_EQ(op->execute(event).dump(),
              R"({"data":{"productChanged":{"id":"x","thing":null}},"errors":[{"message":)"
              R"("Permission denied.","locations":[{"line":1,"column":70}],"path":)"
              R"(["productChanged","thing"],"extensions":{"code":"FORBIDDEN"}}]})");
}

TEST(EngineCore, ABadModelDocumentThrows) {
    EXPECT_THROW(core_engine_builder()(json::parse(R"({"classes": {"Bad Name": {}}})"), 1),
                 std::exception);
}

TEST(EngineCore, ErrorsComeBackWithLocations) {
    auto schema = core_engine_builder()(kShop, 1);
    PrepareResult result =
        schema->prepare("subscription {\n  nope }", json::object(), std::nullopt);
    auto* errors = std::get_if<std::vector<GraphQLError>>(&result);
    ASSERT_NE(errors, nullptr);
    EXPECT_EQ((*errors)[0].message, "Cannot query field \"nope\" on type \"Subscription\".");
    EXPECT_EQ((*errors)[0].locations, (std::vector<std::pair<int, int>>{{2, 3}}));
}

TEST(EngineCore, QueriesAndMutationsOfThingsRunInTheDatabase) {
    auto schema = core_engine_builder()(kShop, 7);
    auto query = prepared(*schema, "{ schemaVersion\n  productCollection { totalCount } }");
    ASSERT_NE(query, nullptr);
    EXPECT_TRUE(query->runs_in_database());
    EXPECT_FALSE(query->is_subscription());
    auto mutation = prepared(*schema, "mutation { deleteFromProductCollection { affectedCount } }");
    ASSERT_NE(mutation, nullptr);
    EXPECT_TRUE(mutation->runs_in_database());
    // Plain fields and subscriptions stay in the gateway.
    EXPECT_FALSE(prepared(*schema, "{ schemaVersion sdl }")->runs_in_database());
    EXPECT_FALSE(prepared(*schema, "{ __schema { queryType { name } } }")->runs_in_database());
    EXPECT_FALSE(
        prepared(*schema, "subscription { schemaChanged { version } }")->runs_in_database());
    // Still validated in the gateway first.
    PrepareResult r =
        schema->prepare("{ productCollection { nope } }", json::object(), std::nullopt);
    ASSERT_NE(std::get_if<std::vector<GraphQLError>>(&r), nullptr);
}

TEST(EngineCore, ThingChangedFiltersByClassAndOperationAndKeepsSelectionOrder) {
    auto schema = core_engine_builder()(kShop, 1);
    auto op = prepared(
        *schema,
        "subscription ($ops: [Operation!]) { thingChanged(class: \"product\", operations: $ops)"
        " { t: __typename operation id } }",
        json{{"ops", {"UPDATE"}}});
    ASSERT_TRUE(op);
    EXPECT_TRUE(op->is_subscription());
    EXPECT_EQ(op->root_field(), "thingChanged");
    json update{
        {"position", "1"}, {"operation", "UPDATE"},         {"class", "product"},
        {"id", "x"},       {"changedAttributes", {"name"}}, {"time", "2026-11-22T10:00:00Z"}};
    json insert = update;
    insert["operation"] = "INSERT";
    json other = update;
    other["class"] = "company";
    EXPECT_TRUE(op->matches(update));
    EXPECT_FALSE(op->matches(insert));
    EXPECT_FALSE(op->matches(other));
    EXPECT_EQ(op->execute(update).dump(),
              R"({"data":{"thingChanged":{"t":"ThingEvent","operation":"UPDATE","id":"x"}}})");
}

TEST(EngineCore, SchemaChangedFiltersByClass) {
    auto schema = core_engine_builder()(kShop, 1);
    auto op =
        prepared(*schema, "subscription { schemaChanged(classes: [\"product\"]) { version } }");
    ASSERT_TRUE(op);
    EXPECT_EQ(op->root_field(), "schemaChanged");
    json touches{{"version", 2},
                 {"changes", {{{"kind", "class"}, {"change", "added"}, {"class", "product"}}}}};
    json elsewhere{{"version", 3},
                   {"changes", {{{"kind", "class"}, {"change", "added"}, {"class", "company"}}}}};
    EXPECT_TRUE(op->matches(touches));
    EXPECT_FALSE(op->matches(elsewhere));
}

TEST(EngineCore, AQueryIsNotASubscriptionAndMatchesNoEvent) {
    auto schema = core_engine_builder()(kShop, 4);
    auto op = prepared(*schema, "{ schemaVersion }");
    ASSERT_TRUE(op);
    EXPECT_FALSE(op->is_subscription());
    EXPECT_FALSE(op->matches(json::object()));
    EXPECT_EQ(op->execute(json{{"schemaVersion", 4}, {"sdl", schema->sdl()}}).dump(),
              R"({"data":{"schemaVersion":4}})");
}

TEST(EngineCore, IntrospectionIsAnsweredFromTheSchemaUnlessSwitchedOff) {
    auto schema = core_engine_builder()(kShop, 4);
    const std::string doc = "{ __type(name: \"Product\") { name fields { name } } }";
    auto op = prepared(*schema, doc);
    ASSERT_TRUE(op);
    EXPECT_FALSE(op->is_subscription());
    const std::string response = op->execute(json::object()).dump();
    EXPECT_EQ(response.rfind(R"({"data":{"__type":{"name":"Product","fields":[{"name":"id"},)", 0),
              0u)
        << response;
    // Not kept: an equal request prepares anew.
    EXPECT_NE(prepared(*schema, doc), op);

    auto off = core_engine_builder(EngineOptions{false})(kShop, 4);
    PrepareResult refused = off->prepare(doc, json::object(), std::nullopt);
    auto* errors = std::get_if<std::vector<GraphQLError>>(&refused);
    ASSERT_NE(errors, nullptr);
    EXPECT_EQ((*errors)[0].message,
              "GraphQL introspection has been disabled, but the requested query contained the "
              "field \"__type\".");
    EXPECT_TRUE(prepared(*off, "{ __typename schemaVersion }"));
}

TEST(EngineCore, EqualRequestsShareOneOperationThatRendersAnEventOnce) {
    auto schema = core_engine_builder()(kShop, 1);
    const std::string doc = "subscription ($c: String!) { thingChanged(class: $c) { id } }";
    auto a = prepared(*schema, doc, json{{"c", "product"}});
    auto b = prepared(*schema, doc, json{{"c", "product"}});
    auto other = prepared(*schema, doc, json{{"c", "company"}});
    EXPECT_EQ(a, b);
    EXPECT_NE(a, other);

    const json event{{"class", "product"}, {"id", "x"}};
    auto text = a->render(7, event);
    EXPECT_EQ(*text, R"({"data":{"thingChanged":{"id":"x"}}})");
    EXPECT_EQ(b->render(7, event), text);  // the same text, not an equal one
    // Another seq is another event: rendered anew, also in the slot of an older one.
    EXPECT_NE(a->render(8, event), text);
    EXPECT_EQ(*a->render(7 + 64, event), *text);
    EXPECT_NE(a->render(7, event), text);
    const json other_event{{"class", "product"}, {"id", "y"}};
    EXPECT_EQ(*a->render(9, other_event), R"({"data":{"thingChanged":{"id":"y"}}})");
    // seq 0 is not kept.
    EXPECT_NE(a->render(0, event), a->render(0, event));
}

TEST(EngineCore, BigRequestsAreNotShared) {
    auto schema = core_engine_builder()(kShop, 1);
    // A comment makes the document big without changing what it asks.
    const std::string doc =
        "subscription { thingChanged(class: \"product\") { id } } #" + std::string(20000, 'x');
    auto a = prepared(*schema, doc);
    auto b = prepared(*schema, doc);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_NE(a, b);
    const std::string small = "subscription { thingChanged(class: \"product\") { id } }";
    EXPECT_EQ(prepared(*schema, small), prepared(*schema, small));
}

}  // namespace
}  // namespace udm::gateway

namespace udm::gateway {
namespace {

// A connection of the protocol over the core's engine, acknowledged, with responses bounded
// to max_response_bytes.
struct BoundedConnection {
    std::shared_ptr<const TenantSchema> schema;
    ProtocolHandler handler;

    BoundedConnection(std::shared_ptr<const TenantSchema> s, std::size_t max_response_bytes)
        : schema(std::move(s)),
          handler(ProtocolHandler::Context{[](const json&) {
                                               return AuthDecision{AuthOutcome::kAccepted, {}};
                                           },
                                           [this] { return schema; }, nullptr, 100,
                                           max_response_bytes}) {
        EXPECT_TRUE(handler.on_message(R"({"type":"connection_init"})").acknowledged);
    }
    ProtocolEffects subscribe(const std::string& id, const std::string& query) {
        return handler.on_message(
            json{{"id", id}, {"type", "subscribe"}, {"payload", {{"query", query}}}}.dump());
    }
};

TEST(EngineCore, AnOperationSelectingTheSdlUnderManyAliasesIsRefusedBeforeItRuns) {
    // Issue #15: 2,000 aliases of sdl took the gateway from 10 MB to 670 MB.
    BoundedConnection c(core_engine_builder()(kShop, 3), 65536);
    const std::size_t sdl = c.schema->sdl().size();
    std::string aliases;
    for (std::size_t i = 0; i < 65536 / sdl + 3; ++i)
        aliases += " a" + std::to_string(i) + ": sdl";
    ProtocolEffects refused = c.subscribe("q", "{" + aliases + " }");
    ASSERT_EQ(refused.frames.size(), 1u);
    json error = json::parse(refused.frames[0]);
    EXPECT_EQ(error["type"], "error");
    const std::string message = error["payload"][0]["message"];
    EXPECT_EQ(message.rfind("Response too large: the operation selects about ", 0), 0u) << message;
    EXPECT_NE(message.find("more than the limit of 65536 bytes"), std::string::npos) << message;
    EXPECT_FALSE(refused.close);

    // The SDL once (or twice) always fits, whatever the limit.
    ProtocolEffects answered = c.subscribe("ok", "{ schemaVersion a: sdl b: sdl }");
    ASSERT_EQ(answered.frames.size(), 2u);
    EXPECT_EQ(json::parse(answered.frames[0])["payload"]["data"]["a"].get<std::string>().size(),
              sdl);
}

TEST(EngineCore, AnEventResponseOverTheBudgetIsAnErrorNotAHugeFrame) {
    // A budget the three copies of the current SDL fit in, and the event's SDL does not.
    auto schema = core_engine_builder()(kShop, 3);
    const std::size_t budget = 3 * schema->sdl().size() + 4096;
    ASSERT_LT(budget, 200000u);
    BoundedConnection c(schema, budget);
    ProtocolEffects started =
        c.subscribe("s", "subscription { schemaChanged { a: sdl b: sdl c: sdl } }");
    ASSERT_EQ(started.subscriptions_delta, 1);
    // The SDL of the event is larger than the one the estimate was made with.
    json root{{"version", 4},
              {"previousVersion", 3},
              {"time", "t"},
              {"actor", "a"},
              {"breaking", false},
              {"changes", json::array()},
              {"sdl", std::string(100000, 's')}};
    ProtocolEffects event = c.handler.on_event(EventKind::kSchemaChanged, root, 1);
    ASSERT_EQ(event.frames.size(), 1u);
    EXPECT_LT(event.frames[0].size(), 1000u);
    json next = json::parse(event.frames[0]);
    EXPECT_EQ(next["type"], "next");
    EXPECT_EQ(next["payload"]["data"], nullptr);
    EXPECT_EQ(
        next["payload"]["errors"][0]["message"].get<std::string>().rfind("Response too large: ", 0),
        0u);
    // Within the budget, the event goes out whole.
    root["sdl"] = std::string(20000, 's');
    ProtocolEffects small = c.handler.on_event(EventKind::kSchemaChanged, root, 2);
    ASSERT_EQ(small.frames.size(), 1u);
    EXPECT_GT(small.frames[0].size(), 60000u);
}

}  // namespace
}  // namespace udm::gateway

namespace udm::gateway {
namespace {

TEST(EngineCore, ClassEventSubscriptionsGetThingEventsThroughTheProtocol) {
    BoundedConnection c(core_engine_builder()(kShop, 3), 1 << 20);
    ASSERT_EQ(c.subscribe("t", "subscription { productChanged { id thing { name } } }")
                  .subscriptions_delta,
              1);
    ASSERT_EQ(c.subscribe("i", "subscription { companyChanged { id } }").subscriptions_delta, 1);
    auto op = std::get<std::shared_ptr<const PreparedOperation>>(c.schema->prepare(
        "subscription { productChanged { id thing { name } } }", json::object(), std::nullopt));
    json root = {{"position", "1"},
                 {"operation", "INSERT"},
                 {"class", "product"},
                 {"id", "x"},
                 {"changedAttributes", json::array()},
                 {"time", "t"}};
    root[kThingsMember] = {{op->thing_selection()->key, {{"name", "anvil"}}}};
    ProtocolEffects event = c.handler.on_event(EventKind::kThingChanged, root, 1);
    ASSERT_EQ(event.frames.size(), 1u);  // the company subscription does not match
    EXPECT_EQ(event.frames[0], R"({"id":"t","type":"next","payload":{"data":{"productChanged":)"
                               R"({"id":"x","thing":{"name":"anvil"}}}}})");
    // Schema events do not reach them.
    EXPECT_TRUE(
        c.handler
            .on_event(EventKind::kSchemaChanged,
                      json{{"version", 4}, {"class", "product"}, {"changes", json::array()}}, 2)
            .frames.empty());
}

}  // namespace
}  // namespace udm::gateway
