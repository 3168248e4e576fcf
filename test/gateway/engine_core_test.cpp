// The adapter of the core's GraphQL engine (engine_core.cpp): schemas built from model
// documents as udm.model returns them, operations prepared, filtered and executed.
#include <gtest/gtest.h>

#include "engine_core.hpp"

namespace udm::gateway {
namespace {

using nlohmann::json;

const json kShop = json::parse(R"({
  "attributes": {"name": {"type": "text", "rules": {"max_length": 200}},
                 "maker": {"type": "reference", "target": "company"}},
  "classes": {"company": {"attributes": {"name": {"required": true}}},
              "product": {"attributes": {"name": {}, "maker": {}}}}
})");

std::shared_ptr<const PreparedOperation> prepared(const TenantSchema& schema, const std::string& doc,
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

TEST(EngineCore, ABadModelDocumentThrows) {
    EXPECT_THROW(core_engine_builder()(json::parse(R"({"classes": {"Bad Name": {}}})"), 1),
                 std::exception);
}

TEST(EngineCore, ErrorsComeBackWithLocations) {
    auto schema = core_engine_builder()(kShop, 1);
    PrepareResult result = schema->prepare("subscription {\n  nope }", json::object(), std::nullopt);
    auto* errors = std::get_if<std::vector<GraphQLError>>(&result);
    ASSERT_NE(errors, nullptr);
    EXPECT_EQ((*errors)[0].message, "Cannot query field \"nope\" on type \"Subscription\".");
    EXPECT_EQ((*errors)[0].locations, (std::vector<std::pair<int, int>>{{2, 3}}));
}

TEST(EngineCore, ThingChangedFiltersByClassAndOperationAndKeepsSelectionOrder) {
    auto schema = core_engine_builder()(kShop, 1);
    auto op = prepared(*schema,
                       "subscription ($ops: [Operation!]) { thingChanged(class: \"product\", operations: $ops)"
                       " { t: __typename operation id } }",
                       json{{"ops", {"UPDATE"}}});
    ASSERT_TRUE(op);
    EXPECT_TRUE(op->is_subscription());
    EXPECT_EQ(op->root_field(), "thingChanged");
    json update{{"position", "1"}, {"operation", "UPDATE"}, {"class", "product"}, {"id", "x"},
                {"changedAttributes", {"name"}}, {"time", "2026-11-22T10:00:00Z"}};
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
    auto op = prepared(*schema, "subscription { schemaChanged(classes: [\"product\"]) { version } }");
    ASSERT_TRUE(op);
    EXPECT_EQ(op->root_field(), "schemaChanged");
    json touches{{"version", 2}, {"changes", {{{"kind", "class"}, {"change", "added"}, {"class", "product"}}}}};
    json elsewhere{{"version", 3}, {"changes", {{{"kind", "class"}, {"change", "added"}, {"class", "company"}}}}};
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
    const std::string doc = "subscription { thingChanged(class: \"product\") { id } } #" +
                            std::string(20000, 'x');
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
