// Serving requests: validation errors (graphql-js's messages and locations), operation
// selection, variable and argument coercion, execution shaping the root value, and the
// subscription filters. test/integration/graphql_oracle.sh compares all of it with
// graphql-js on thousands of requests.
#include "udm/core/graphql/subscription.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "udm/core/model.hpp"
#include "../../src/core/graphql/validation.hpp"

namespace udm::graphql {
namespace {

using nlohmann::json;

const Schema& shop() {
    static const Schema schema = build_schema(model::parse_model(json::parse(R"({
      "attributes": {"name": {"type": "text"}, "price": {"type": "number"}},
      "classes": {"product": {"attributes": {"name": {}, "price": {}}}, "p": {}, "company": {},
                  "purchase_order": {}}
    })")));
    return schema;
}

const json kSchemaChange = json::parse(R"({
  "version": 42, "previousVersion": 41, "time": "2026-11-22T10:00:00Z", "actor": "alice", "breaking": false,
  "changes": [
    {"kind": "attribute", "change": "added", "class": "product", "attribute": "price", "type": "number",
     "breaking": false, "detail": {"rules": {"min": 0}}},
    {"kind": "class", "change": "renamed", "from": "item", "to": "article", "breaking": true},
    {"kind": "attribute", "change": "renamed", "from": "cost", "to": "amount", "breaking": true},
    {"kind": "attribute", "change": "retyped", "attribute": "stock", "classes": ["warehouse", "shelf"],
     "breaking": false, "detail": {"from": "integer", "to": "number"}}
  ],
  "sdl": "type Query { sdl: String! }"
})");

const json kThingEvent = json::parse(R"({
  "position": "123", "operation": "INSERT", "class": "product",
  "id": "2b1a6c1e-3f0e-4a4e-9d55-0c8f2e0b7a11", "changedAttributes": ["price"], "time": "2026-11-22T10:00:01Z"
})");

PrepareResult prep(const std::string& doc, const json& variables = json(),
                   const std::optional<std::string>& operation = std::nullopt) {
    return prepare(shop(), doc, variables, operation);
}

// The errors of a request that must fail, as "message @line:column" lines.
std::vector<std::string> errors_of(const std::string& doc, const json& variables = json(),
                                   const std::optional<std::string>& operation = std::nullopt) {
    PrepareResult r = prep(doc, variables, operation);
    EXPECT_FALSE(r.ok()) << doc;
    std::vector<std::string> out;
    for (const Error& e : r.errors) {
        std::string line = e.message;
        for (const Location& l : e.locations)
            line += " @" + std::to_string(l.line) + ":" + std::to_string(l.column);
        out.push_back(line);
    }
    return out;
}

// The response of a request that must prepare, run on root.
std::string run(const std::string& doc, const json& root, const json& variables = json()) {
    PrepareResult r = prep(doc, variables);
    EXPECT_TRUE(r.ok()) << doc << "\n" << to_json(r.errors).dump();
    if (!r.ok())
        return {};
    return execute(*r.operation, root).dump();
}

using Lines = std::vector<std::string>;

// --- validation -----------------------------------------------------------------------------

TEST(GraphqlValidation, OperationsNamesAndSelection) {
    EXPECT_EQ(errors_of("query Q { sdl } query Q { sdl }"),
              Lines{"There can be only one operation named \"Q\". @1:7 @1:23"});
    EXPECT_EQ(errors_of("{ sdl } query Q { sdl }"),
              Lines{"This anonymous operation must be the only defined operation. @1:1"});
    // A model without classes has no Mutation type: validation cannot check the fields, the
    // operation cannot run (as in graphql-js); the query of the same document still can.
    const Schema no_classes = build_schema(model::Model{});
    PrepareResult r = prepare(no_classes, "mutation { x }", json(), std::nullopt);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].message, "Schema is not configured to execute mutation operation.");
    EXPECT_TRUE(prepare(no_classes, "query Q { sdl } mutation M { x }", json(), "Q").ok());
    EXPECT_EQ(errors_of("mutation { x }"),
              Lines{"Cannot query field \"x\" on type \"Mutation\". @1:12"});
    EXPECT_EQ(errors_of("query A { sdl } query B { sdl }"),
              Lines{"Must provide operation name if query contains multiple operations."});
    EXPECT_EQ(errors_of("query A { sdl }", json(), "B"), Lines{"Unknown operation named \"B\"."});
    EXPECT_TRUE(prep("query A { sdl } query B { schemaVersion }", json(), "B").ok());
}

TEST(GraphqlValidation, SubscriptionsSelectOneRootField) {
    EXPECT_EQ(
        errors_of("subscription S { schemaChanged { version } thingChanged(class: \"p\") { id } }"),
        Lines{"Subscription \"S\" must select only one top level field. @1:44"});
    EXPECT_EQ(errors_of("subscription { a: schemaChanged { version } ...F } fragment F on "
                        "Subscription { b: schemaChanged { version } }"),
              Lines{"Anonymous Subscription must select only one top level field. @1:81"});
    EXPECT_EQ(
        errors_of("subscription { __typename }"),
        Lines{"Anonymous Subscription must not select an introspection top level field. @1:16"});
    // Fields of one response key are one field.
    EXPECT_TRUE(prep("subscription { schemaChanged { version } schemaChanged { actor } }").ok());
    EXPECT_EQ(errors_of("subscription { schemaChanged @skip(if: true) { version } }"),
              Lines{"Subscription must select one top level field. @1:1"});
}

TEST(GraphqlValidation, FieldsAndLeafSelections) {
    EXPECT_EQ(errors_of("{ nope }"), Lines{"Cannot query field \"nope\" on type \"Query\". @1:3"});
    EXPECT_EQ(errors_of("{ schemaVersio }"),
              Lines{"Cannot query field \"schemaVersio\" on type \"Query\". Did you mean "
                    "\"schemaVersion\"? @1:3"});
    EXPECT_EQ(errors_of("{ sdl { length } }"),
              Lines{"Field \"sdl\" must not have a selection since type \"String!\" has no "
                    "subfields. @1:7"});
    EXPECT_EQ(errors_of("subscription { thingChanged(class: \"p\") }"),
              Lines{"Field \"thingChanged\" of type \"ThingEvent!\" must have a selection of "
                    "subfields. Did you mean "
                    "\"thingChanged { ... }\"? @1:16"});
    EXPECT_EQ(errors_of("{ __typename { x } }"),
              Lines{"Field \"__typename\" must not have a selection since type \"String!\" has no "
                    "subfields. @1:14"});
    EXPECT_EQ(errors_of("{ __schema { types { nope } } }"),
              Lines{"Cannot query field \"nope\" on type \"__Type\". Did you mean \"name\"? "
                    "@1:22"});
    EXPECT_EQ(errors_of("subscription { __schema { queryType { name } } }"),
              (Lines{"Cannot query field \"__schema\" on type \"Subscription\". @1:16",
                     "Anonymous Subscription must not select an introspection top level field. "
                     "@1:16"}));
    // Class types exist in the schema but no root field reaches them.
    EXPECT_EQ(errors_of("{ ... on Product { name } }"),
              Lines{"Fragment cannot be spread here as objects of type \"Query\" can never be of "
                    "type \"Product\". @1:3"});
}

TEST(GraphqlValidation, Arguments) {
    EXPECT_EQ(errors_of("subscription { thingChanged { id } }"),
              Lines{"Field \"thingChanged\" argument \"class\" of type \"String!\" is required, "
                    "but it was not provided. @1:16"});
    EXPECT_EQ(errors_of("subscription { thingChanged(class: \"p\", clas: 1) { id } }"),
              Lines{"Unknown argument \"clas\" on field \"Subscription.thingChanged\". Did you "
                    "mean \"class\"? @1:41"});
    EXPECT_EQ(errors_of("subscription { thingChanged(class: \"p\", class: \"q\") { id } }"),
              Lines{"There can be only one argument named \"class\". @1:29 @1:41"});
    EXPECT_EQ(errors_of("{ schemaVersion(x: 1) }"),
              Lines{"Unknown argument \"x\" on field \"Query.schemaVersion\". @1:17"});
}

TEST(GraphqlValidation, ValuesOfTheRightType) {
    auto one = [](const std::string& args) {
        return errors_of("subscription { thingChanged(" + args + ") { id } }");
    };
    EXPECT_EQ(one("class: 5"), Lines{"String cannot represent a non string value: 5 @1:36"});
    EXPECT_EQ(one("class: null"), Lines{"Expected value of type \"String!\", found null. @1:36"});
    EXPECT_EQ(one("class: [\"p\"]"),
              Lines{"String cannot represent a non string value: [\"p\"] @1:36"});
    EXPECT_EQ(one("class: {a: \"p\"}"),
              Lines{"String cannot represent a non string value: {a: \"p\"} @1:36"});
    EXPECT_EQ(one("class: \"p\", operations: NOPE"),
              Lines{"Value \"NOPE\" does not exist in \"Operation\" enum. @1:53"});
    EXPECT_EQ(one("class: \"p\", operations: [INSERT, \"UPDATE\"]"),
              Lines{"Enum \"Operation\" cannot represent non-enum value: \"UPDATE\". Did you mean "
                    "the enum value \"UPDATE\"? @1:62"});
    EXPECT_EQ(one("class: \"p\", operations: [INSRT]"),
              Lines{"Value \"INSRT\" does not exist in \"Operation\" enum. Did you mean the enum "
                    "value \"INSERT\"? @1:54"});
    EXPECT_EQ(one("class: \"p\", operations: [null]"),
              Lines{"Expected value of type \"Operation!\", found null. @1:54"});
    // A single value is a list of one.
    EXPECT_TRUE(
        prep("subscription { thingChanged(class: \"p\", operations: DELETE) { id } }").ok());
    EXPECT_EQ(errors_of("{ sdl @skip(if: 1) }"),
              Lines{"Boolean cannot represent a non boolean value: 1 @1:17"});
}

TEST(GraphqlValidation, Variables) {
    EXPECT_EQ(errors_of("subscription ($c: String!) { thingChanged(class: $d) { id } }"),
              (Lines{"Variable \"$d\" is not defined. @1:50 @1:1",
                     "Variable \"$c\" is never used. @1:15"}));
    EXPECT_EQ(
        errors_of("subscription S($c: String!, $c: String!) { thingChanged(class: $c) { id } }"),
        Lines{"There can be only one variable named \"$c\". @1:16 @1:29"});
    EXPECT_EQ(errors_of("subscription S($c: String) { thingChanged(class: $c) { id } }"),
              Lines{"Variable \"$c\" of type \"String\" used in position expecting type "
                    "\"String!\". @1:16 @1:50"});
    EXPECT_TRUE(prep("subscription S($c: String = \"p\") { thingChanged(class: $c) { id } }").ok());
    EXPECT_EQ(errors_of("subscription S($c: Int!) { thingChanged(class: $c) { id } }"),
              Lines{"Variable \"$c\" of type \"Int!\" used in position expecting type \"String!\". "
                    "@1:16 @1:48"});
    EXPECT_EQ(errors_of("subscription S($c: [String]) { schemaChanged(classes: $c) { version } }"),
              Lines{"Variable \"$c\" of type \"[String]\" used in position expecting type "
                    "\"[String!]\". @1:16 @1:55"});
    EXPECT_TRUE(prep("subscription S($c: [String!]!) { schemaChanged(classes: $c) { version } }",
                     {{"c", {"x"}}})
                    .ok());
    EXPECT_TRUE(prep("subscription S($c: String!) { schemaChanged(classes: [$c]) { version } }",
                     {{"c", "x"}})
                    .ok());
    EXPECT_EQ(errors_of("query ($x: Strin) { sdl }"),
              (Lines{"Unknown type \"Strin\". Did you mean \"String\"? @1:12",
                     "Variable \"$x\" is never used. @1:8"}));
    EXPECT_EQ(errors_of("query ($x: ThingEvent) { sdl }"),
              (Lines{"Variable \"$x\" cannot be non-input type \"ThingEvent\". @1:12",
                     "Variable \"$x\" is never used. @1:8"}));
    EXPECT_EQ(errors_of("query ($x: Int = \"a\") { schemaVersion @skip(if: false) }"),
              (Lines{"Int cannot represent non-integer value: \"a\" @1:18",
                     "Variable \"$x\" is never used. @1:8"}));
    // Variables used only in a fragment count for every operation spreading it.
    EXPECT_EQ(errors_of("query A($b: Boolean!) { ...F } query B { ...F } fragment F on Query { sdl "
                        "@skip(if: $b) }",
                        json(), "A"),
              Lines{"Variable \"$b\" is not defined by operation \"B\". @1:85 @1:32"});
}

TEST(GraphqlValidation, Fragments) {
    EXPECT_EQ(errors_of("{ ...Missing }"), Lines{"Unknown fragment \"Missing\". @1:6"});
    EXPECT_EQ(errors_of("{ ...F } fragment F on Query { sdl } fragment F on Query { sdl }"),
              Lines{"There can be only one fragment named \"F\". @1:19 @1:47"});
    EXPECT_EQ(errors_of("{ sdl } fragment Unused on Query { sdl }"),
              Lines{"Fragment \"Unused\" is never used. @1:9"});
    EXPECT_EQ(errors_of("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
              Lines{"Cannot spread fragment \"A\" within itself via \"B\". @1:32 @1:61"});
    EXPECT_EQ(errors_of("{ ...A } fragment A on Query { sdl ...A }"),
              Lines{"Cannot spread fragment \"A\" within itself. @1:36"});
    EXPECT_EQ(errors_of("{ ...F } fragment F on ThingEvent { id }"),
              Lines{"Fragment \"F\" cannot be spread here as objects of type \"Query\" can never "
                    "be of type \"ThingEvent\". @1:3"});
    EXPECT_EQ(errors_of("{ ...F } fragment F on String { length }"),
              Lines{"Fragment \"F\" cannot condition on non composite type \"String\". @1:24"});
    EXPECT_EQ(errors_of("{ ... on Nope { sdl } }"), Lines{"Unknown type \"Nope\". @1:10"});
    EXPECT_EQ(errors_of("{ ... on Int { sdl } }"),
              Lines{"Fragment cannot condition on non composite type \"Int\". @1:10"});
}

TEST(GraphqlValidation, Directives) {
    EXPECT_EQ(errors_of("{ sdl @nope }"), Lines{"Unknown directive \"@nope\". @1:7"});
    EXPECT_EQ(errors_of("{ sdl @skip }"),
              Lines{"Directive \"@skip\" argument \"if\" of type \"Boolean!\" is required, but it "
                    "was not provided. @1:7"});
    EXPECT_EQ(errors_of("query @skip(if: true) { sdl }"),
              Lines{"Directive \"@skip\" may not be used on QUERY. @1:7"});
    EXPECT_EQ(errors_of("{ sdl @deprecated }"),
              Lines{"Directive \"@deprecated\" may not be used on FIELD. @1:7"});
    EXPECT_EQ(errors_of("{ sdl @skip(if: true) @skip(if: false) }"),
              Lines{"The directive \"@skip\" can only be used once at this location. @1:7 @1:23"});
    EXPECT_EQ(errors_of("{ sdl @include(if: true, unless: false) }"),
              Lines{"Unknown argument \"unless\" on directive \"@include\". @1:26"});
}

TEST(GraphqlValidation, FieldsOfOneResponseKeyMustMerge) {
    EXPECT_EQ(errors_of("{ x: sdl x: schemaVersion }"),
              Lines{"Fields \"x\" conflict because \"sdl\" and \"schemaVersion\" are different "
                    "fields. Use different "
                    "aliases on the fields to fetch both if this was intentional. @1:3 @1:10"});
    EXPECT_EQ(
        errors_of(
            "subscription { thingChanged(class: \"a\") { id } thingChanged(class: \"b\") { id } }"),
        Lines{"Fields \"thingChanged\" conflict because they have differing arguments. Use "
              "different aliases on "
              "the fields to fetch both if this was intentional. @1:16 @1:48"});
    EXPECT_EQ(
        errors_of(
            "subscription { schemaChanged { c: changes { kind } c: changes { kind: class } } }"),
        Lines{"Fields \"c\" conflict because subfields \"kind\" conflict because \"kind\" and "
              "\"class\" are "
              "different fields. Use different aliases on the fields to fetch both if this was "
              "intentional. @1:45 @1:65"});
}

TEST(GraphqlValidation, SyntaxErrorsComeFirstAndAlone) {
    EXPECT_EQ(errors_of("{ nope"), Lines{"Syntax Error: Expected Name, found <EOF>. @1:7"});
}

// --- preparation ------------------------------------------------------------------------------

TEST(GraphqlPrepare, RootFieldAliasAndCoercedArguments) {
    PrepareResult r = prep(
        "subscription Watch($ops: [Operation!] = [INSERT]) { t: thingChanged(class: "
        "\"purchase_order\", operations: $ops) { id } }");
    ASSERT_TRUE(r.ok());
    const PreparedOperation& op = *r.operation;
    EXPECT_EQ(op.type, OperationType::kSubscription);
    EXPECT_EQ(*op.name, "Watch");
    EXPECT_EQ(op.root_field().name, "thingChanged");
    EXPECT_EQ(op.root_field().response_key, "t");
    EXPECT_EQ(op.root_field().arguments,
              json::parse(R"({"class": "purchase_order", "operations": ["INSERT"]})"));
    EXPECT_EQ(op.variables, json::parse(R"({"ops": ["INSERT"]})"));

    PrepareResult given = prep(
        "subscription ($ops: [Operation!]) { thingChanged(class: \"p\", operations: $ops) { id } }",
        {{"ops", "DELETE"}});
    ASSERT_TRUE(given.ok());
    EXPECT_EQ(given.operation->root_field().arguments,
              json::parse(R"({"class": "p", "operations": ["DELETE"]})"));

    // An optional argument given no value is left out; null is a value.
    PrepareResult absent =
        prep("subscription ($c: [String!]) { schemaChanged(classes: $c) { version } }");
    ASSERT_TRUE(absent.ok());
    EXPECT_EQ(absent.operation->root_field().arguments, json::object());
    PrepareResult null =
        prep("subscription ($c: [String!]) { schemaChanged(classes: $c) { version } }",
             {{"c", nullptr}});
    ASSERT_TRUE(null.ok());
    EXPECT_EQ(null.operation->root_field().arguments, json::parse(R"({"classes": null})"));
    PrepareResult literal = prep(
        "subscription { schemaChanged(classes: [\"a\", \"b\"], attributes: \"price\") { version } "
        "}");
    ASSERT_TRUE(literal.ok());
    EXPECT_EQ(literal.operation->root_field().arguments,
              json::parse(R"({"classes": ["a", "b"], "attributes": ["price"]})"));
}

TEST(GraphqlPrepare, QueriesListTheirRootFields) {
    PrepareResult r = prep("query { v: schemaVersion sdl __typename }");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.operation->type, OperationType::kQuery);
    ASSERT_EQ(r.operation->root_fields.size(), 3u);
    EXPECT_EQ(r.operation->root_fields[0].name, "schemaVersion");
    EXPECT_EQ(r.operation->root_fields[0].response_key, "v");
    EXPECT_EQ(r.operation->root_fields[2].name, "__typename");
}

TEST(GraphqlPrepare, VariableErrors) {
    const std::string doc = "subscription ($c: String!) { thingChanged(class: $c) { id } }";
    EXPECT_EQ(errors_of(doc),
              Lines{"Variable \"$c\" of required type \"String!\" was not provided. @1:15"});
    EXPECT_EQ(errors_of(doc, {{"c", nullptr}}),
              Lines{"Variable \"$c\" of non-null type \"String!\" must not be null. @1:15"});
    EXPECT_EQ(errors_of(doc, {{"c", 5}}), Lines{"Variable \"$c\" got invalid value 5; String "
                                                "cannot represent a non string value: 5 @1:15"});
    EXPECT_EQ(
        errors_of(
            "subscription ($o: [Operation!]) { thingChanged(class: \"p\", operations: $o) { id } }",
            {{"o", {"INSERT", "UPSERT"}}}),
        Lines{"Variable \"$o\" got invalid value \"UPSERT\" at \"o[1]\"; Value \"UPSERT\" does not "
              "exist in "
              "\"Operation\" enum. Did you mean the enum value \"INSERT\"? @1:15"});
    EXPECT_EQ(
        errors_of(
            "subscription ($o: [Operation!]) { thingChanged(class: \"p\", operations: $o) { id } }",
            {{"o", {nullptr}}}),
        Lines{"Variable \"$o\" got invalid value null at \"o[0]\"; Expected non-nullable type "
              "\"Operation!\" not to "
              "be null. @1:15"});
    EXPECT_EQ(
        errors_of("query ($n: Int) { schemaVersion @skip(if: false) sdl @include(if: true) } ",
                  {{"n", 1.5}}),
        (Lines{"Variable \"$n\" is never used. @1:8"}));
    EXPECT_EQ(errors_of(doc, json::array({1})),
              Lines{"Variables must be provided as an Object where each property is a variable "
                    "value. Perhaps look "
                    "to see if an unexpected array was supplied."});
}

TEST(GraphqlPrepare, HostileDocumentsFailCleanly) {
    std::string deep = "{";
    for (int i = 0; i < 5000; ++i)
        deep += " a {";
    EXPECT_EQ(errors_of(deep).at(0), "Document is nested too deeply (more than 64 levels). @1:257");
    std::string wide = "{ ";
    for (int i = 0; i < 30000; ++i)
        wide += "sdl ";
    EXPECT_EQ(errors_of(wide + "}").at(0).substr(0, 47),
              "Syntax Error: Document contains more than 20000");
    // Fragments spreading each other twice at every level: collected once each, not 2^n times.
    std::string bomb = "{ ...F0 }";
    for (int i = 0; i < 60; ++i) {
        bomb += " fragment F" + std::to_string(i) + " on Query { sdl ...F" + std::to_string(i + 1) +
                " ...F" + std::to_string(i + 1) + " }";
    }
    bomb += " fragment F60 on Query { sdl }";
    PrepareResult r = prep(bomb);
    ASSERT_TRUE(r.ok()) << to_json(r.errors).dump();
    EXPECT_EQ(r.operation->root_fields.size(), 1u);

    // A fragment cycle through fields: reported, and the check of merging fields stops.
    EXPECT_EQ(errors_of("subscription { schemaChanged { ...H } } fragment H on SchemaChange { x: "
                        "changes { kind } "
                        "x: nope { schemaChanged { ...H } } }"),
              // The conflict inside H is found where H is checked (as graphql-js does), not
              // again where it is spread alone.
              (Lines{"Cannot query field \"nope\" on type \"SchemaChange\". @1:90",
                     "Fields \"x\" conflict because \"changes\" and \"nope\" are different fields. "
                     "Use different aliases "
                     "on the fields to fetch both if this was intentional. @1:70 @1:90",
                     "Cannot spread fragment \"H\" within itself. @1:116"}));

    // One fragment of many fields spread under many aliases: a plan of millions of fields.
    std::string fields, aliases;
    for (int i = 0; i < 200; ++i)
        fields += " f" + std::to_string(i) + ": kind";
    for (int i = 0; i < 200; ++i)
        aliases += " c" + std::to_string(i) + ": changes { ...E }";
    EXPECT_EQ(errors_of("subscription { schemaChanged {" + aliases +
                        " } } fragment E on SchemaChangeEntry {" + fields + " }")
                  .at(0)
                  .substr(0, 62),
              "The operation selects too many fields (more than 10000) once f");
}

// A chain of n fragments, each spreading the next; the last one selects sdl, and with
// fields every one selects a field of its own beside the spread.
std::string fragment_chain(int n, bool fields = false) {
    std::string doc = "{ ...F0 }";
    for (int i = 0; i < n; ++i) {
        doc += " fragment F" + std::to_string(i) + " on Query { " +
               (fields ? "a" + std::to_string(i) + ": sdl " : std::string()) + "...F" +
               std::to_string(i + 1) + " }";
    }
    doc += " fragment F" + std::to_string(n) + " on Query { sdl }";
    return doc;
}

TEST(GraphqlValidation, FragmentChainsCostWorkLinearInTheDocument) {
    // Issue #15: 2,400 fragments each spreading the next (87 KB) cost seconds of CPU, every
    // fragment's check walking the rest of the chain again. Past kMaxFragments a document
    // is refused before any walk.
    EXPECT_EQ(errors_of(fragment_chain(2400)),
              (Lines{"Document is too complex: it defines 2401 fragments (at most 1000)."}));

    // Within the bound, a chain validates with a few units of work per fragment.
    ParseResult chain = parse(fragment_chain(999));
    ASSERT_TRUE(chain.ok());
    std::size_t work = 0;
    EXPECT_TRUE(validate(shop(), chain.document, &work).empty());
    EXPECT_LT(work, 10u * 1000u);
    PrepareResult r = prep(fragment_chain(999));
    ASSERT_TRUE(r.ok()) << to_json(r.errors).dump();
    ASSERT_EQ(r.operation->root_fields.size(), 1u);
    EXPECT_EQ(r.operation->root_fields[0].name, "sdl");

    // A field beside every spread makes every level merge the rest of the chain: the work
    // budget stops it, however the fragments are arranged.
    ParseResult wide = parse(fragment_chain(999, true));
    ASSERT_TRUE(wide.ok());
    std::vector<Error> errors = validate(shop(), wide.document, &work);
    EXPECT_LE(work, kMaxValidationWork + 20000);  // one step past it at most
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].message,
              "Document is too complex: its fields, with fragments spread, are too many to "
              "validate.");

    // The same chain spread under 1,200 aliases validates cheaply (every spread stands alone
    // in its selection set), but planning would collect it 1,200 times: bounded too.
    std::string doc = "subscription { schemaChanged {";
    for (int i = 0; i < 1200; ++i)
        doc += " c" + std::to_string(i) + ": changes { ...E0 }";
    doc += " } }";
    for (int i = 0; i < 999; ++i) {
        doc += " fragment E" + std::to_string(i) + " on SchemaChangeEntry { ...E" +
               std::to_string(i + 1) + " }";
    }
    doc += " fragment E999 on SchemaChangeEntry { kind }";
    EXPECT_EQ(errors_of(doc),
              (Lines{"Document is too complex: its fields, with fragments spread, are too many to "
                     "plan."}));
}

TEST(GraphqlPrepare, ResponseSizeIsEstimatedBeforeExecution) {
    // Issue #15: { a0: sdl a1: sdl ... } copies the SDL once per alias.
    std::string aliases;
    for (int i = 0; i < 2000; ++i)
        aliases += " a" + std::to_string(i) + ": sdl";
    PrepareResult many = prep("{" + aliases + " }");
    ASSERT_TRUE(many.ok()) << to_json(many.errors).dump();
    const std::size_t sdl = 10u << 20;
    EXPECT_GE(estimate_response_bytes(*many.operation, sdl), 2000 * sdl);
    PrepareResult once = prep("{ schemaVersion sdl }");
    ASSERT_TRUE(once.ok());
    EXPECT_GE(estimate_response_bytes(*once.operation, sdl), sdl);
    EXPECT_LT(estimate_response_bytes(*once.operation, sdl), sdl + 200);
    // Lists count kListItemsEstimate items, objects their fields.
    PrepareResult changes = prep("subscription { schemaChanged { changes { kind class } } }");
    ASSERT_TRUE(changes.ok());
    EXPECT_GE(estimate_response_bytes(*changes.operation, 0),
              kListItemsEstimate * 2 * kLeafValueBytes);
}

// --- execution --------------------------------------------------------------------------------

TEST(GraphqlExecute, SchemaChangeShapedBySelectionOrderAliasesAndFragments) {
    EXPECT_EQ(
        run("subscription { sc: schemaChanged { v: version __typename ...Head changes { kind ... "
            "on "
            "SchemaChangeEntry { class } detail } } } fragment Head on SchemaChange { actor "
            "breaking }",
            kSchemaChange),
        R"({"data":{"sc":{"v":42,"__typename":"SchemaChange","actor":"alice","breaking":false,"changes":[)"
        R"({"kind":"attribute","class":"product","detail":{"rules":{"min":0}}},)"
        R"({"kind":"class","class":null,"detail":null},{"kind":"attribute","class":null,"detail":null},)"
        R"({"kind":"attribute","class":null,"detail":{"from":"integer","to":"number"}}]}}})");
}

TEST(GraphqlExecute, ThingEventWithSkipAndIncludeFromVariables) {
    const std::string doc =
        "subscription ($full: Boolean!) { thingChanged(class: \"product\") { id operation position "
        "@include(if: $full) "
        "time @skip(if: $full) changedAttributes } }";
    EXPECT_EQ(
        run(doc, kThingEvent, {{"full", true}}),
        R"({"data":{"thingChanged":{"id":"2b1a6c1e-3f0e-4a4e-9d55-0c8f2e0b7a11","operation":"INSERT","position":"123","changedAttributes":["price"]}}})");
    EXPECT_EQ(
        run(doc, kThingEvent, {{"full", false}}),
        R"({"data":{"thingChanged":{"id":"2b1a6c1e-3f0e-4a4e-9d55-0c8f2e0b7a11","operation":"INSERT","time":"2026-11-22T10:00:01Z","changedAttributes":["price"]}}})");
}

TEST(GraphqlExecute, QueriesReadTheirFieldsFromTheRootValue) {
    EXPECT_EQ(
        run("{ sdl v: schemaVersion __typename }", {{"schemaVersion", 7}, {"sdl", "type Query"}}),
        R"({"data":{"sdl":"type Query","v":7,"__typename":"Query"}})");
    EXPECT_EQ(run("{ sdl @skip(if: true) }", json::object()), R"({"data":{}})");
}

TEST(GraphqlExecute, NullsSpreadToTheNearestNullableField) {
    // A missing non-null field nulls its object, up to the root field (non-null): data null.
    EXPECT_EQ(
        run("subscription { thingChanged(class: \"p\") { id position } }", {{"id", "x"}}),
        R"({"data":null,"errors":[{"message":"Cannot return null for non-nullable field ThingEvent.position.",)"
        R"("locations":[{"line":1,"column":46}],"path":["thingChanged","position"]}]})");
    // Nullable fields are null; a bad list item nulls the list's nearest nullable parent.
    EXPECT_EQ(run("subscription { schemaChanged { changes { class } } }",
                  {{"changes", {{{"class", 5}}, {{"class", nullptr}}}}}),
              R"({"data":{"schemaChanged":{"changes":[{"class":"5"},{"class":null}]}}})");
    EXPECT_EQ(
        run("subscription { schemaChanged { changes { kind } } }",
            {{"changes", {{{"kind", "a"}}, json::object()}}}),
        R"({"data":null,"errors":[{"message":"Cannot return null for non-nullable field SchemaChangeEntry.kind.",)"
        R"("locations":[{"line":1,"column":42}],"path":["schemaChanged","changes",1,"kind"]}]})");
}

TEST(GraphqlExecute, ValuesOfTheWrongTypeAreFieldErrors) {
    EXPECT_EQ(
        run("{ schemaVersion }", {{"schemaVersion", 3000000000LL}}),
        R"({"data":null,"errors":[{"message":"Int cannot represent non 32-bit signed integer value: 3000000000",)"
        R"("locations":[{"line":1,"column":3}],"path":["schemaVersion"]}]})");
    EXPECT_EQ(
        run("subscription { thingChanged(class: \"p\") { operation } }", {{"operation", "UPSERT"}}),
        R"({"data":null,"errors":[{"message":"Enum \"Operation\" cannot represent value: \"UPSERT\"",)"
        R"("locations":[{"line":1,"column":43}],"path":["thingChanged","operation"]}]})");
    EXPECT_EQ(run("subscription { thingChanged(class: \"p\") { id } }", {{"id", 17}}),
              R"({"data":{"thingChanged":{"id":"17"}}})");
    EXPECT_EQ(
        run("subscription { schemaChanged { changes { kind } } }", {{"changes", "nope"}}),
        R"({"data":null,"errors":[{"message":"Expected Iterable, but did not find one for field \"SchemaChange.changes\".",)"
        R"("locations":[{"line":1,"column":32}],"path":["schemaChanged","changes"]}]})");
}

// --- filters ----------------------------------------------------------------------------------

bool schema_filter(const std::string& args, const json& event = kSchemaChange) {
    PrepareResult r = prep("subscription { schemaChanged" + args + " { version } }");
    EXPECT_TRUE(r.ok()) << args;
    return r.ok() && schema_change_matches(*r.operation, event);
}

bool thing_filter(const std::string& args, const json& event = kThingEvent) {
    PrepareResult r = prep("subscription { thingChanged(" + args + ") { id } }");
    EXPECT_TRUE(r.ok()) << args;
    return r.ok() && thing_event_matches(*r.operation, event);
}

TEST(GraphqlFilters, SchemaChangedByClassesAndAttributes) {
    EXPECT_TRUE(schema_filter(""));
    EXPECT_TRUE(schema_filter("(classes: null)"));
    EXPECT_TRUE(schema_filter("(classes: [\"product\"])"));
    EXPECT_TRUE(schema_filter("(classes: \"article\")"));  // the new name of a renamed class
    EXPECT_TRUE(schema_filter("(classes: [\"item\"])"));   // and the old one
    EXPECT_FALSE(schema_filter("(classes: [\"company\"])"));
    // An attribute's change alters the classes it is assigned to.
    EXPECT_TRUE(schema_filter("(classes: [\"shelf\"])"));
    EXPECT_TRUE(schema_filter("(classes: [\"shelf\"], attributes: [\"stock\"])"));
    EXPECT_TRUE(schema_filter("(attributes: [\"price\"])"));
    EXPECT_TRUE(schema_filter("(attributes: [\"cost\"])"));
    EXPECT_FALSE(schema_filter("(attributes: [\"name\"])"));
    EXPECT_TRUE(schema_filter("(classes: [\"product\"], attributes: [\"amount\"])"));
    EXPECT_FALSE(schema_filter("(classes: [\"company\"], attributes: [\"price\"])"));
    EXPECT_FALSE(schema_filter("(classes: [\"product\"])", json::parse(R"({"changes": "x"})")));
    EXPECT_TRUE(schema_filter("", json::parse(R"({"version": 1})")));
    PrepareResult thing = prep("subscription { thingChanged(class: \"product\") { id } }");
    EXPECT_FALSE(schema_change_matches(*thing.operation, kSchemaChange));
}

TEST(GraphqlFilters, FiltersThatCanNeverMatchAreRefused) {
    // thingChanged takes one of the schema's classes, by model name.
    EXPECT_EQ(errors_of("subscription { thingChanged(class: \"Product\") { id } }"),
              Lines{"Unknown class \"Product\" in argument \"class\" of \"thingChanged\". Did "
                    "you mean \"product\"? @1:29"});
    EXPECT_EQ(errors_of("subscription { thingChanged(class: \"prodcut\") { id } }"),
              Lines{"Unknown class \"prodcut\" in argument \"class\" of \"thingChanged\". Did "
                    "you mean \"product\"? @1:29"});
    EXPECT_EQ(errors_of("subscription { thingChanged(class: \"invoice\") { id } }"),
              Lines{"Unknown class \"invoice\" in argument \"class\" of \"thingChanged\". @1:29"});
    EXPECT_EQ(errors_of("subscription ($c: String!) { thingChanged(class: $c) { id } }",
                        {{"c", "Company"}}),
              Lines{"Unknown class \"Company\" in argument \"class\" of \"thingChanged\". Did "
                    "you mean \"company\"? @1:43"});
    EXPECT_EQ(errors_of("subscription { thingChanged(class: \"product\", operations: []) { id } }"),
              Lines{"Argument \"operations\" of \"thingChanged\" must list at least one "
                    "operation: an empty list matches nothing. Leave it out for all. @1:47"});
    // schemaChanged may wait for a class or attribute yet to be created, but only by a name
    // one can have.
    EXPECT_TRUE(prep("subscription { schemaChanged(classes: [\"invoice\"], attributes: "
                     "[\"due_date\"]) { version } }")
                    .ok());
    EXPECT_EQ(errors_of("subscription { schemaChanged(classes: [\"product\", \"Product\"]) { "
                        "version } }"),
              Lines{"Argument \"classes\" of \"schemaChanged\" has \"Product\", which cannot "
                    "name a class: model names are lower case, e.g. \"purchase_order\". Did you "
                    "mean \"product\"? @1:30"});
    EXPECT_EQ(errors_of("subscription { schemaChanged(attributes: \"Price\") { version } }"),
              Lines{"Argument \"attributes\" of \"schemaChanged\" has \"Price\", which cannot "
                    "name an attribute: model names are lower case, e.g. \"purchase_order\". "
                    "Did you mean \"price\"? @1:30"});
    // Many bad names: one error for the argument, the first named, the rest counted.
    std::string many = "subscription { schemaChanged(classes: [";
    for (int i = 0; i < 5000; ++i)
        many += "\"Class_" + std::to_string(i) + "\", ";
    many += "\"product\"]) { version } }";
    EXPECT_EQ(errors_of(many),
              Lines{"Argument \"classes\" of \"schemaChanged\" has \"Class_0\", which cannot "
                    "name a class: model names are lower case, e.g. \"purchase_order\". So do "
                    "4999 more of its names. @1:30"});
    EXPECT_EQ(errors_of("subscription { schemaChanged(classes: []) { version } }"),
              Lines{"Argument \"classes\" of \"schemaChanged\" must list at least one class: "
                    "an empty list matches nothing. Leave it out for all. @1:30"});
    // A long name is cut in the message, and not compared with every class.
    const std::string long_name(100000, 'X');
    auto errors = errors_of("subscription { thingChanged(class: \"" + long_name + "\") { id } }");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_LT(errors[0].size(), 300u);
}

TEST(GraphqlFilters, ThingChangedByClassAndOperations) {
    EXPECT_TRUE(thing_filter("class: \"product\""));
    EXPECT_FALSE(thing_filter("class: \"company\""));
    EXPECT_TRUE(thing_filter("class: \"product\", operations: [INSERT, UPDATE]"));
    EXPECT_FALSE(thing_filter("class: \"product\", operations: DELETE"));
    EXPECT_FALSE(thing_filter("class: \"product\", operations: [UPDATE, DELETE]",
                              {{"class", "product"}, {"operation", "SOFT_DELETE"}}));
    EXPECT_TRUE(thing_filter("class: \"product\", operations: [SOFT_DELETE, RESTORE]",
                             {{"class", "product"}, {"operation", "SOFT_DELETE"}}));
    EXPECT_TRUE(thing_filter("class: \"product\", operations: null"));
    EXPECT_FALSE(thing_filter("class: \"product\"", json::array()));
    PrepareResult schema = prep("subscription { schemaChanged { version } }");
    EXPECT_FALSE(thing_event_matches(*schema.operation, kThingEvent));
}

}  // namespace
}  // namespace udm::graphql
