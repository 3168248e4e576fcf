// Live things in subscriptions: the Subscription.<class>Changed fields and <Class>Event
// types, their validation and event filter, execution with a thing read apart from the
// event, and the compiled read of the things of a batch of events (compile_thing_reads).
// sql/graphql_things.sql runs the statements.
#include <gtest/gtest.h>

#include <string>

#include "udm/core/graphql/compile.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/model.hpp"

namespace udm::graphql {
namespace {

using nlohmann::json;

const model::Model& shop_model() {
    static const model::Model m = model::parse_model(json::parse(R"({
      "attributes": {"name": {"type": "text"}, "price": {"type": "number"},
                     "stock": {"type": "integer"},
                     "maker": {"type": "reference", "target": "company"}},
      "classes": {"product": {"attributes": {"name": {"required": true}, "price": {}, "stock": {},
                                             "maker": {}}},
                  "company": {"attributes": {"name": {}}},
                  "thing": {}, "product_event": {}}
    })"));
    return m;
}

const Schema& shop() {
    static const Schema s = build_schema(shop_model());
    return s;
}

PreparedOperation prepared(const std::string& doc, const json& variables = json()) {
    PrepareResult r = prepare(shop(), doc, variables, std::nullopt);
    EXPECT_TRUE(r.ok()) << doc << (r.errors.empty() ? "" : r.errors[0].message);
    return r.ok() ? *r.operation : PreparedOperation{};
}

std::string first_error(const std::string& doc) {
    PrepareResult r = prepare(shop(), doc, json(), std::nullopt);
    EXPECT_FALSE(r.ok()) << doc;
    return r.errors.empty() ? "" : r.errors[0].message;
}

const json kEvent = json::parse(R"({
  "position": "7", "operation": "UPDATE", "class": "product",
  "id": "2b1a6c1e-3f0e-4a4e-9d55-0c8f2e0b7a11", "changedAttributes": ["price"],
  "time": "2026-11-22T10:00:01Z"
})");

TEST(GraphqlLiveThings, ClassEventFieldsAndTypes) {
    const Schema& s = shop();
    const Type* sub = s.find_type("Subscription");
    ASSERT_NE(sub, nullptr);
    // thingChanged stays as it is; each class gets its own field, names claimed in order.
    ASSERT_NE(sub->field("thingChanged"), nullptr);
    EXPECT_EQ(sub->field("thingChanged")->type.to_string(), "ThingEvent!");
    const Field* f = sub->field("productChanged");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->type.to_string(), "ProductEvent_2!");
    ASSERT_EQ(f->arguments.size(), 1u);
    EXPECT_EQ(f->arguments[0].name, "operations");
    EXPECT_EQ(f->arguments[0].type.to_string(), "[Operation!]");
    // A class called "thing" would take thingChanged: it gets the next free name.
    EXPECT_NE(sub->field("thingChanged_2"), nullptr);
    EXPECT_EQ(s.class_of_changed_field("thingChanged_2")->first, "thing");
    EXPECT_EQ(s.class_of_changed_field("thingChanged"), nullptr);
    // A class whose type is ProductEvent keeps it; product's event type moves aside.
    EXPECT_EQ(*s.class_type_name("product_event"), "ProductEvent");
    EXPECT_EQ(s.class_of_changed_field("productChanged")->second.event_type, "ProductEvent_2");
    const Type* event = s.find_type("ProductEvent_2");
    ASSERT_NE(event, nullptr);
    const Type* thing_event = s.find_type("ThingEvent");
    ASSERT_EQ(event->fields.size(), thing_event->fields.size() + 1);
    for (std::size_t i = 0; i < thing_event->fields.size(); ++i) {
        EXPECT_EQ(event->fields[i].name, thing_event->fields[i].name);
        EXPECT_EQ(event->fields[i].description, thing_event->fields[i].description);
    }
    EXPECT_EQ(event->fields.back().name, "thing");
    EXPECT_EQ(event->fields.back().type.to_string(), "Product");  // nullable
    EXPECT_NE(print_sdl(s).find("): ProductEvent_2!\n"), std::string::npos);
}

TEST(GraphqlLiveThings, ValidationAndFilter) {
    PreparedOperation op =
        prepared("subscription { productChanged(operations: [UPDATE]) { id thing { name } } }");
    EXPECT_EQ(op.event_class, "product");
    EXPECT_TRUE(thing_event_matches(op, kEvent));
    json other = kEvent;
    other["operation"] = "INSERT";
    EXPECT_FALSE(thing_event_matches(op, other));
    other = kEvent;
    other["class"] = "company";
    EXPECT_FALSE(thing_event_matches(op, other));
    ASSERT_NE(event_thing_field(op), nullptr);
    EXPECT_EQ(event_thing_field(op)->response_key, "thing");
    // Without a thing: an id-only event of the class.
    PreparedOperation ids = prepared("subscription { productChanged { id } }");
    EXPECT_EQ(event_thing_field(ids), nullptr);
    EXPECT_TRUE(thing_event_matches(ids, kEvent));
    EXPECT_EQ(event_thing_field(prepared("subscription { thingChanged(class: \"product\") { id } "
                                         "}")),
              nullptr);
    EXPECT_EQ(first_error("subscription { productChanged(operations: []) { id } }"),
              "Argument \"operations\" of \"productChanged\" must list at least one operation: an "
              "empty list matches nothing. Leave it out for all.");
    EXPECT_EQ(first_error("subscription { productChanged { a: thing { name } b: thing { price } "
                          "} }"),
              "Field \"thing\" of \"productChanged\" may be selected under one response key only "
              "(\"a\" and \"b\").");
    EXPECT_EQ(first_error("subscription { productChanged { thing { nme } } }"),
              "Cannot query field \"nme\" on type \"Product\". Did you mean \"name\"?");
}

TEST(GraphqlLiveThings, ExecuteWithTheThing) {
    PreparedOperation op = prepared(
        "subscription { productChanged { operation id t: thing { name maker { name } } } }");
    const json thing = {{"name", "anvil"}, {"maker", {{"name", "Acme"}}}};
    EXPECT_EQ(execute_thing_event(op, kEvent, thing, std::nullopt, "").dump(),
              R"({"data":{"productChanged":{"operation":"UPDATE","id":)"
              R"("2b1a6c1e-3f0e-4a4e-9d55-0c8f2e0b7a11","t":{"name":"anvil","maker":)"
              R"({"name":"Acme"}}}}})");
    // Deleted: null.
    EXPECT_EQ(
        execute_thing_event(op, kEvent, json(), std::nullopt, "")["data"]["productChanged"]["t"],
        nullptr);
    // A failed read: null, and an error at the thing's path.
    nlohmann::ordered_json failed =
        execute_thing_event(op, kEvent, thing, std::string("Permission denied."), "FORBIDDEN");
    EXPECT_EQ(failed["data"]["productChanged"]["t"], nullptr);
    EXPECT_EQ(failed["errors"].dump(),
              R"([{"message":"Permission denied.","locations":[{"line":1,"column":46}],)"
              R"("path":["productChanged","t"],"extensions":{"code":"FORBIDDEN"}}])");
}

TEST(GraphqlLiveThings, OneStatementForTheThingsOfABatch) {
    PreparedOperation op = prepared(
        "subscription($n: Int) { productChanged { thing { name price stock maker { name "
        "productCollectionByMaker(first: $n) { totalCount } } } } }",
        json{{"n", 2}});
    CompileResult r = compile_thing_reads(shop(), shop_model(), "tenant_acme", op);
    ASSERT_TRUE(r.ok()) << r.error->message;
    const std::string& sql = r.query->sql;
    EXPECT_EQ(sql.rfind("SELECT COALESCE(pg_catalog.jsonb_object_agg(t1.id::text, "
                        "pg_catalog.jsonb_build_object('name', t1.\"name\", 'price', "
                        "t1.\"price\", 'stock', t1.\"stock\"::text, 'maker', (SELECT ",
                        0),
              0u)
        << sql;
    EXPECT_NE(sql.find("FROM \"tenant_acme\".\"tc_product\" t1 WHERE t1.id = ANY($1::uuid[]) "
                       "AND NOT t1.is_deleted"),
              std::string::npos)
        << sql;
    EXPECT_EQ(sql.find(';'), std::string::npos);  // one statement
    // $1 is the ids, for the caller.
    ASSERT_GE(r.query->params.size(), 1u);
    EXPECT_FALSE(r.query->params[0].has_value());
    // Each id costs what one thing nests.
    EXPECT_EQ(estimate_things(shop(), *event_thing_field(op)), 1u + 1u + 2u);
    // The depth bound counts the thing as level 1, like a collection's node.
    CompileLimits shallow;
    shallow.max_depth = 1;
    CompileResult refused = compile_thing_reads(shop(), shop_model(), "tenant_acme", op, shallow);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.code, "BAD_USER_INPUT");
    EXPECT_EQ(refused.error->message, "The query nests things deeper than 1 levels.");
    // Not a thing-selecting subscription.
    EXPECT_FALSE(compile_thing_reads(shop(), shop_model(), "tenant_acme",
                                     prepared("subscription { productChanged { id } }"))
                     .ok());
}

}  // namespace
}  // namespace udm::graphql
