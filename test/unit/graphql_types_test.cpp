// The type system for queries and mutations: input objects in validation and coercion,
// default values, custom scalars, mutations and introspection, on a hand-made schema
// (test/support/graphql_types_schema.hpp). graphql_oracle.sh checks the same requests
// against graphql-js.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "udm/core/graphql/subscription.hpp"
#include "../support/graphql_types_schema.hpp"
#include "../support/large_model.hpp"

namespace udm::graphql {
namespace {

using nlohmann::json;
using Lines = std::vector<std::string>;

const Schema& types_schema() {
    static const Schema schema = test::graphql_types_schema();
    return schema;
}

PrepareResult prep(const std::string& doc, const json& variables = json(),
                   const PrepareOptions& options = {}) {
    return prepare(types_schema(), doc, variables, std::nullopt, options);
}

// The errors of a request that must fail, as "message @line:column" lines.
Lines errors_of(const std::string& doc, const json& variables = json(),
                const PrepareOptions& options = {}) {
    PrepareResult r = prep(doc, variables, options);
    EXPECT_FALSE(r.ok()) << doc;
    Lines out;
    for (const Error& e : r.errors) {
        std::string line = e.message;
        for (const Location& l : e.locations)
            line += " @" + std::to_string(l.line) + ":" + std::to_string(l.column);
        out.push_back(line);
    }
    return out;
}

// The coerced arguments of the first root field of a request that must prepare.
json arguments_of(const std::string& doc, const json& variables = json()) {
    PrepareResult r = prep(doc, variables);
    EXPECT_TRUE(r.ok()) << doc << "\n" << to_json(r.errors).dump();
    if (!r.ok() || r.operation->root_fields.empty())
        return nullptr;
    return r.operation->root_field().arguments;
}

// The response of a query that must prepare, run on an empty root value.
nlohmann::ordered_json run(const std::string& doc, const PrepareOptions& options = {}) {
    PrepareResult r = prep(doc, json(), options);
    EXPECT_TRUE(r.ok()) << doc << "\n" << to_json(r.errors).dump();
    if (!r.ok())
        return nullptr;
    return execute(*r.operation, json::object());
}

// --- validation of input object literals ---------------------------------------------------

TEST(GraphqlInputObjects, LiteralsAreCheckedFieldByField) {
    EXPECT_EQ(
        errors_of(R"({ products(filter: {nam: {eq: "a"}}) { id } })"),
        Lines{"Field \"nam\" is not defined by type \"ProductFilter\". Did you mean \"name\", "
              "\"and\", or \"not\"? @1:21"});
    EXPECT_EQ(errors_of(R"(mutation { insertProducts(objects: [{price: 1}]) { affectedCount } })"),
              Lines{"Field \"ProductInput.name\" of required type \"String!\" was not provided. "
                    "@1:37"});
    EXPECT_EQ(errors_of(R"({ products(filter: {id: "1", id: "2"}) { id } })"),
              Lines{"There can be only one input field named \"id\". @1:21 @1:30"});
    EXPECT_EQ(errors_of(R"(mutation { insertProducts(objects: {name: null}) { affectedCount } })"),
              Lines{"Expected value of type \"String!\", found null. @1:43"});
    // Nested lists and objects, enums inside them.
    EXPECT_EQ(
        errors_of(
            R"({ products(filter: {and: [{not: {price: {gt: "x"}}}, {is: NOTNULL}]}) { id } })"),
        (Lines{"Float cannot represent non numeric value: \"x\" @1:46",
               "Value \"NOTNULL\" does not exist in \"Nullness\" enum. Did you mean the enum value "
               "\"NOT_NULL\" or \"NULL\"? @1:59"}));
    EXPECT_EQ(errors_of(R"({ products(filter: "name") { id } })"),
              Lines{"Expected value of type \"ProductFilter\", found \"name\". @1:20"});
    EXPECT_EQ(errors_of(R"({ products(filter: [{id: 1}]) { id } })"),
              Lines{"Expected value of type \"ProductFilter\", found [{id: 1}]. @1:20"});
    EXPECT_EQ(errors_of(R"({ products(orderBy: {name: UP}) { id } })"),
              Lines{"Value \"UP\" does not exist in \"Direction\" enum. @1:28"});
    // A required field with a default may be left out; an optional one may be null.
    EXPECT_TRUE(
        prep(R"(mutation { insertProducts(objects: {name: "a", price: null}) { affectedCount } })")
            .ok());
    // Fields of scalars that take any value are not checked (JSON, Cursor).
    EXPECT_TRUE(prep(R"({ products(tags: {any: [1, {x: null}]}, after: {a: 1}) { id } })").ok());
}

TEST(GraphqlInputObjects, VariablesInsideObjectsTakeTheFieldsTypes) {
    EXPECT_EQ(errors_of(R"(query ($n: Int) { products(filter: {name: {eq: $n}}) { id } })"),
              Lines{"Variable \"$n\" of type \"Int\" used in position expecting type \"String\". "
                    "@1:8 @1:48"});
    EXPECT_EQ(
        errors_of(R"(query ($f: StringFilter!) { products(filter: {name: $f, x: $g}) { id } })"),
        (Lines{"Field \"x\" is not defined by type \"ProductFilter\". @1:57",
               "Variable \"$g\" is not defined. @1:60 @1:1"}));
    // A nullable variable in a non-null position: only with a default, its own or the
    // position's.
    EXPECT_EQ(
        errors_of(
            R"(mutation ($s: String) { insertProducts(objects: {name: $s}) { affectedCount } })"),
        Lines{"Variable \"$s\" of type \"String\" used in position expecting type "
              "\"String!\". @1:11 @1:56"});
    EXPECT_TRUE(
        prep(
            R"(mutation ($d: Direction) { insertProducts(objects: {name: "a", direction: $d}) { affectedCount } })")
            .ok());
    EXPECT_TRUE(
        prep(
            R"(mutation ($n: Int) { updateProducts(set: {name: "a"}, atMost: $n) { affectedCount } })")
            .ok());
    EXPECT_EQ(errors_of(R"(query ($f: ProductInput) { products(filter: $f) { id } })"),
              Lines{"Variable \"$f\" of type \"ProductInput\" used in position expecting type "
                    "\"ProductFilter\". @1:8 @1:45"});
    // Input objects are input types; object types are not.
    EXPECT_TRUE(prep(R"(query ($f: ProductFilter) { products(filter: $f) { id } })").ok());
    EXPECT_EQ(errors_of(R"(query ($f: ProductResult) { schemaVersion })"),
              (Lines{"Variable \"$f\" cannot be non-input type \"ProductResult\". @1:12",
                     "Variable \"$f\" is never used. @1:8"}));
}

// --- coercion -----------------------------------------------------------------------------

TEST(GraphqlInputObjects, LiteralsAreCoercedWithDefaults) {
    // Argument defaults, input field defaults (nested ones too), single values as lists.
    EXPECT_EQ(arguments_of(R"({ products(filter: {name: {in: "a"}}) { id } })"),
              json::parse(R"({"filter": {"name": {"in": ["a"]}}, "first": 20,
                              "orderBy": [{"name": "ASC"}]})"));
    EXPECT_EQ(
        arguments_of(R"(mutation { insertProducts(objects: {name: "a"}) { affectedCount } })"),
        json::parse(R"({"objects": [{"name": "a", "price": 9.5, "direction": "ASC",
                                           "filter": {"like": "a%"}}]})"));
    EXPECT_EQ(
        arguments_of(
            R"(mutation { updateProducts(set: {name: "a", price: null, filter: {}}) { affectedCount } })"),
        json::parse(R"({"set": {"name": "a", "price": null, "direction": "ASC",
                                      "filter": {}}, "atMost": 1})"));
    EXPECT_EQ(
        arguments_of(R"({ products(page: {}, first: null) { id } })"),
        json::parse(R"({"page": {"first": 20}, "first": null, "orderBy": [{"name": "ASC"}]})"));
    // Variables inside literals; one not given leaves the field to its default or out.
    EXPECT_EQ(
        arguments_of(
            R"(query ($e: String, $p: Float, $d: Direction) { products(filter: {name: {eq: $e}, price: {gt: $p}}, orderBy: {price: $d}) { id } })",
            json{{"e", "x"}}),
        json::parse(R"({"filter": {"name": {"eq": "x"}, "price": {}}, "first": 20,
                              "orderBy": [{}]})"));
    // Custom scalars take literals as JSON.
    EXPECT_EQ(
        arguments_of(R"({ products(tags: {a: [1, "b", null, X]}, after: "c1") { id } })").dump(),
        R"({"after":"c1","first":20,"orderBy":[{"name":"ASC"}],"tags":{"a":[1,"b",null,"X"]}})");
}

TEST(GraphqlInputObjects, VariablesAreCoercedWithDefaultsAndPaths) {
    const std::string insert =
        "mutation ($o: [ProductInput!]!) { insertProducts(objects: $o) { affectedCount } }";
    EXPECT_EQ(
        arguments_of(insert,
                     json::parse(R"({"o": {"name": "a", "stock": "12", "tags": {"k": [1]}}})")),
        json::parse(R"({"objects": [{"name": "a", "stock": "12", "tags": {"k": [1]},
                                           "price": 9.5, "direction": "ASC",
                                           "filter": {"like": "a%"}}]})"));
    EXPECT_EQ(errors_of(insert, json::parse(R"({"o": [{"name": "a"}, {"price": 1}]})")),
              Lines{"Variable \"$o\" got invalid value { price: 1 } at \"o[1]\"; Field \"name\" of "
                    "required type \"String!\" was not provided. @1:11"});
    EXPECT_EQ(
        errors_of(insert, json::parse(R"({"o": [{"name": "a", "nmae": 1}]})")),
        Lines{"Variable \"$o\" got invalid value { name: \"a\", nmae: 1 } at \"o[0]\"; Field "
              "\"nmae\" is not defined by type \"ProductInput\". Did you mean \"name\"? @1:11"});
    EXPECT_EQ(errors_of(insert, json::parse(R"({"o": [{"name": "a", "filter": {"in": [1]}}]})")),
              Lines{"Variable \"$o\" got invalid value 1 at \"o[0].filter.in[0]\"; String cannot "
                    "represent a non string value: 1 @1:11"});
    EXPECT_EQ(errors_of(insert, json::parse(R"({"o": ["a"]})")),
              Lines{"Variable \"$o\" got invalid value \"a\" at \"o[0]\"; Expected type "
                    "\"ProductInput\" to be an object. @1:11"});
    EXPECT_EQ(errors_of(insert, json::parse(R"({"o": [{"name": "a", "direction": null}]})")),
              Lines{"Variable \"$o\" got invalid value null at \"o[0].direction\"; Expected "
                    "non-nullable type \"Direction!\" not to be null. @1:11"});
    // A variable's default is an object literal, coerced with the fields' defaults.
    EXPECT_EQ(
        arguments_of(
            R"(query ($f: ProductFilter = {name: {eq: "d"}}, $p: Page = {after: "c"}) { products(filter: $f, page: $p) { id } })"),
        json::parse(R"({"filter": {"name": {"eq": "d"}}, "page": {"first": 20, "after": "c"},
                              "first": 20, "orderBy": [{"name": "ASC"}]})"));
    // A nullable variable with a default fills a required argument.
    EXPECT_EQ(
        arguments_of(
            R"(mutation ($s: ProductInput = {name: "a"}) { updateProducts(set: $s) { affectedCount } })"),
        json::parse(R"({"set": {"name": "a", "price": 9.5, "direction": "ASC",
                                      "filter": {"like": "a%"}}, "atMost": 1})"));
}

TEST(GraphqlInputObjects, DefaultValuesArePrintedAsGraphqlReadsThem) {
    const std::string sdl = print_sdl(types_schema());
    EXPECT_NE(sdl.find("  filter: StringFilter = {like: \"a%\"}\n"), std::string::npos) << sdl;
    EXPECT_NE(sdl.find("orderBy: [ProductOrderBy!] = [{name: ASC}]"), std::string::npos) << sdl;
    EXPECT_NE(sdl.find("scalar Cursor @specifiedBy(url: \"https://example.com/cursor\")"),
              std::string::npos)
        << sdl;
}

// --- mutations -----------------------------------------------------------------------------

TEST(GraphqlMutations, PreparedWhenTheSchemaHasAMutationType) {
    PrepareResult r = prep(
        R"(mutation M { a: insertProducts(objects: [{name: "x"}]) { affectedCount records { id __typename } } __typename })");
    ASSERT_TRUE(r.ok()) << to_json(r.errors).dump();
    EXPECT_EQ(r.operation->type, OperationType::kMutation);
    ASSERT_EQ(r.operation->root_fields.size(), 2u);
    EXPECT_EQ(r.operation->root_fields[0].name, "insertProducts");
    EXPECT_EQ(r.operation->root_fields[0].parent_type, "Mutation");
    EXPECT_EQ(r.operation->root_fields[1].parent_type, "Mutation");
    // The caller executes it; execute() shapes what it got.
    EXPECT_EQ(
        execute(*r.operation, json::parse(R"({"insertProducts": {"affectedCount": 1,
                                                    "records": [{"id": "u1"}]}})"))
            .dump(),
        R"({"data":{"a":{"affectedCount":1,"records":[{"id":"u1","__typename":"Product"}]},"__typename":"Mutation"}})");
    EXPECT_EQ(errors_of("mutation { nope }"),
              Lines{"Cannot query field \"nope\" on type \"Mutation\". @1:12"});
    EXPECT_EQ(errors_of("mutation { updateProducts { affectedCount } }"),
              Lines{"Field \"updateProducts\" argument \"set\" of type \"ProductInput!\" is "
                    "required, but it was not provided. @1:12"});
}

// --- introspection -------------------------------------------------------------------------

TEST(GraphqlIntrospection, TypesFieldsAndDefaultsFromTheSchema) {
    const nlohmann::ordered_json r = run(R"({
      __schema { queryType { name } mutationType { name } subscriptionType { name } }
      input: __type(name: "ProductInput") {
        kind name description isOneOf fields { name }
        inputFields { name defaultValue type { kind name ofType { kind name } } }
      }
      cursor: __type(name: "Cursor") { kind specifiedByURL __typename }
      none: __type(name: "Nope") { name }
    })");
    EXPECT_EQ(
        r["data"]["__schema"].dump(),
        R"({"queryType":{"name":"Query"},"mutationType":{"name":"Mutation"},"subscriptionType":{"name":"Subscription"}})");
    const nlohmann::ordered_json& input = r["data"]["input"];
    EXPECT_EQ(input["kind"], "INPUT_OBJECT");
    EXPECT_EQ(input["isOneOf"], false);
    EXPECT_TRUE(input["fields"].is_null());
    EXPECT_EQ(
        input["inputFields"][0].dump(),
        R"({"name":"name","defaultValue":null,"type":{"kind":"NON_NULL","name":null,"ofType":{"kind":"SCALAR","name":"String"}}})");
    EXPECT_EQ(input["inputFields"][1]["defaultValue"], "9.5");
    EXPECT_EQ(input["inputFields"][6]["defaultValue"], "ASC");
    EXPECT_EQ(input["inputFields"][7]["defaultValue"], "{like: \"a%\"}");
    EXPECT_EQ(
        r["data"]["cursor"].dump(),
        R"({"kind":"SCALAR","specifiedByURL":"https://example.com/cursor","__typename":"__Type"})");
    EXPECT_TRUE(r["data"]["none"].is_null());
    EXPECT_FALSE(r.contains("errors"));
}

TEST(GraphqlIntrospection, TypesInGraphqlJsOrderAndDirectives) {
    const nlohmann::ordered_json r =
        run("{ __schema { types { name } directives { name args { name defaultValue } } } }");
    std::vector<std::string> names;
    for (const auto& t : r["data"]["__schema"]["types"])
        names.push_back(t["name"]);
    // Printed types in printing order, each followed by the built-in ones it brings in.
    ASSERT_GE(names.size(), 6u);
    EXPECT_EQ((std::vector<std::string>(names.begin(), names.begin() + 6)),
              (std::vector<std::string>{"BigInt", "Date", "DateTime", "JSON", "Query", "Int"}));
    EXPECT_EQ(names.back(), "__DirectiveLocation");
    const nlohmann::ordered_json& directives = r["data"]["__schema"]["directives"];
    EXPECT_EQ(directives[0]["name"], "constraint");
    EXPECT_EQ(directives[1]["name"], "include");
    EXPECT_EQ(
        directives[3].dump(),
        R"({"name":"deprecated","args":[{"name":"reason","defaultValue":"\"No longer supported\""}]})");
}

TEST(GraphqlIntrospection, CanBeSwitchedOff) {
    PrepareOptions off;
    off.introspection = false;
    EXPECT_EQ(errors_of("{ __schema { queryType { name } } }", json(), off),
              (Lines{"GraphQL introspection has been disabled, but the requested query contained "
                     "the field \"__schema\". @1:3",
                     "GraphQL introspection has been disabled, but the requested query contained "
                     "the field \"queryType\". @1:14"}));
    EXPECT_EQ(errors_of("{ __type(name: \"Query\") { name } }", json(), off),
              Lines{"GraphQL introspection has been disabled, but the requested query contained "
                    "the field \"__type\". @1:3"});
    EXPECT_EQ(run("{ __typename }", off)["data"]["__typename"], "Query");
}

TEST(GraphqlIntrospection, DepthIsBounded) {
    EXPECT_EQ(
        errors_of(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"),
        Lines{"Maximum introspection depth exceeded @1:3"});
    EXPECT_EQ(
        errors_of("{ __type(name: \"Query\") { ...F } } fragment F on __Type { fields { type { "
                  "inputFields { type { fields { name } } } } } }"),
        Lines{"Maximum introspection depth exceeded @1:3"});
    // Aliases of one introspection field each get their answer: bounded in all. Two answers
    // of a schema of 1,000 classes of 20 attributes are more than the bound (one is not:
    // the oracle introspects that schema).
    const Schema large = build_schema(test::large_model(1000));
    const std::string full =
        "{ types { name fields { name args { name type { name } } type { name ofType { name } "
        "} } inputFields { name type { name ofType { name } } } } }";
    PrepareResult two = prepare(large, "{ a: __schema " + full + " b: __schema " + full + " }",
                                json(), std::nullopt);
    ASSERT_FALSE(two.ok());
    ASSERT_EQ(two.errors.size(), 1u) << two.errors[0].message;
    EXPECT_EQ(two.errors[0].message.rfind("The introspection answer is too large: more than "
                                          "600000 objects. Ask for the schema once per request.",
                                          0),
              0u)
        << two.errors[0].message;
    PrepareResult r = prep("{ __schema { types { fields { type { fields { name } } } } } }");
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.operation->introspects());
    EXPECT_FALSE(prep("{ schemaVersion }").operation->introspects());
}

}  // namespace
}  // namespace udm::graphql
