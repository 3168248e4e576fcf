// The GraphQL schema of a model: types and fields per class, data types, required
// attributes, references, relationships, descriptions, @constraint, name collisions and
// the name lookups. test/integration/graphql_oracle.sh checks the SDL with graphql-js.
#include "udm/core/graphql/schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "udm/core/model.hpp"
#include "udm/core/rules.hpp"

namespace udm::graphql {
namespace {

using model::Json;

// The schema of a model document. Every model of these tests also checks that the SDL
// printed straight from the model (print_model_sdl) is the schema's, byte for byte.
Schema schema_of(const std::string& doc) {
    const model::Model m = model::parse_model(Json::parse(doc));
    Schema s = build_schema(m);
    EXPECT_EQ(print_model_sdl(m), print_sdl(s)) << doc;
    return s;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The field of a type, failing the test when either is missing.
const Field& field_of(const Schema& s, const std::string& type, const std::string& field) {
    const Type* t = s.find_type(type);
    if (t == nullptr)
        throw std::runtime_error("no type " + type);
    const Field* f = t->field(field);
    if (f == nullptr)
        throw std::runtime_error("no field " + type + "." + field);
    return *f;
}

std::vector<std::string> field_names(const Schema& s, const std::string& type) {
    std::vector<std::string> out;
    for (const Field& f : s.find_type(type)->fields)
        out.push_back(f.name);
    return out;
}

// --- names ---------------------------------------------------------------------------------

TEST(GraphqlNames, ClassesArePascalCaseAndAttributesCamelCase) {
    Schema s = schema_of(R"({
      "attributes": {"unit_price": {"type": "number"}, "a_1": {"type": "text"}},
      "classes": {"purchase_order": {"attributes": {"unit_price": {}, "a_1": {}}}, "x_1_2": {}}
    })");
    EXPECT_EQ(*s.class_type_name("purchase_order"), "PurchaseOrder");
    EXPECT_EQ(*s.class_type_name("x_1_2"), "X12");
    EXPECT_EQ(*s.attribute_field_name("purchase_order", "unit_price"), "unitPrice");
    EXPECT_EQ(*s.attribute_field_name("purchase_order", "a_1"), "a1");
    EXPECT_EQ(*s.class_of_type("PurchaseOrder"), "purchase_order");
    EXPECT_FALSE(s.class_type_name("nope"));
    EXPECT_FALSE(s.attribute_field_name("purchase_order", "nope"));
    EXPECT_FALSE(s.attribute_field_name("nope", "unit_price"));
    EXPECT_FALSE(s.class_of_type("Query"));
}

TEST(GraphqlNames, ClassesNamedLikeTheSchemaTypesGetASuffix) {
    Schema s = schema_of(
        R"({"classes": {"query": {}, "subscription": {}, "mutation": {}, "string": {}, "int": {},
      "float": {}, "boolean": {}, "id": {}, "big_int": {}, "date": {}, "date_time": {}, "json": {},
      "operation": {}, "schema_change": {}, "schema_change_entry": {}, "thing_event": {},
      "cursor": {}, "page_info": {}, "order_by_direction": {}, "filter_is": {}, "string_filter": {},
      "id_filter": {}, "date_time_filter": {}}})");
    const std::pair<const char*, const char*> expected[] = {
        {"query", "Query_2"},
        {"subscription", "Subscription_2"},
        {"mutation", "Mutation_2"},
        {"string", "String_2"},
        {"int", "Int_2"},
        {"float", "Float_2"},
        {"boolean", "Boolean_2"},
        {"id", "Id_2"},
        {"big_int", "BigInt_2"},
        {"date", "Date_2"},
        {"date_time", "DateTime_2"},
        {"json", "Json_2"},
        {"operation", "Operation_2"},
        {"schema_change", "SchemaChange_2"},
        {"schema_change_entry", "SchemaChangeEntry_2"},
        {"thing_event", "ThingEvent_2"},
        {"cursor", "Cursor_2"},
        {"page_info", "PageInfo_2"},
        {"order_by_direction", "OrderByDirection_2"},
        {"filter_is", "FilterIs_2"},
        {"string_filter", "StringFilter_2"},
        {"id_filter", "IdFilter_2"},
        {"date_time_filter", "DateTimeFilter_2"}};
    for (const auto& [cls, type] : expected) {
        EXPECT_EQ(*s.class_type_name(cls), type) << cls;
        ASSERT_NE(s.find_type(type), nullptr) << type;
    }
    // The schema's own types are untouched.
    EXPECT_EQ(s.find_type("Query")->fields.at(1).name, "sdl");
    EXPECT_EQ(s.find_type("Query")->fields.at(1).type.to_string(), "String!");
    EXPECT_EQ(s.find_type("JSON")->kind, TypeKind::kScalar);
}

TEST(GraphqlNames, CollidingClassesAlphabeticallyFirstKeepsThePlainName) {
    const char* doc = R"({"classes": {"a_b_1": {}, "ab1": {}, "a_b1": {}, "ab_1": {}}})";
    Schema s = schema_of(doc);
    // Model-name order: a_b1 < a_b_1 < ab1 < ab_1 (bytewise; "1" sorts before "_").
    EXPECT_EQ(*s.class_type_name("a_b1"), "AB1");
    EXPECT_EQ(*s.class_type_name("a_b_1"), "AB1_2");
    EXPECT_EQ(*s.class_type_name("ab1"), "Ab1_3");  // case-insensitive: Ab1 and AB1 collide
    EXPECT_EQ(*s.class_type_name("ab_1"), "Ab1_4");
    // The same model gives the same names and the same SDL.
    EXPECT_EQ(print_sdl(s), print_sdl(schema_of(doc)));
}

TEST(GraphqlNames, FieldCollisionsAttributesFirstThenReferenceIdsThenRelationships) {
    Schema s = schema_of(R"({
      "attributes": {
        "supplier": {"type": "reference", "target": "company"},
        "supplier_id": {"type": "text"},
        "i_d": {"type": "text"},
        "created_by_x": {"type": "text"},
        "supplies": {"type": "text"}
      },
      "classes": {
        "company": {"attributes": {"supplier": {}, "supplier_id": {}, "i_d": {}, "supplies": {}}},
        "product": {}
      },
      "relationship_types": {"supplies": {}},
      "relationships": [{"from": "company", "to": "product", "type": "supplies"}]
    })");
    EXPECT_EQ(*s.attribute_field_name("company", "supplier_id"), "supplierId");
    EXPECT_EQ(*s.attribute_field_name("company", "supplier"), "supplier");
    EXPECT_EQ(*s.reference_id_field_name("company", "supplier"), "supplierId_2");
    EXPECT_EQ(*s.attribute_field_name("company", "i_d"), "iD_2");  // "iD" collides with "id"
    EXPECT_EQ(*s.attribute_field_name("company", "supplies"), "supplies");
    EXPECT_EQ(field_of(s, "Company", "supplies_2").type.to_string(), "ProductConnection!");
    EXPECT_FALSE(s.reference_id_field_name("company", "supplier_id"));
    EXPECT_EQ(field_names(s, "Company"),
              (std::vector<std::string>{"id", "createdAt", "updatedAt", "createdBy", "rowVersion",
                                        "iD_2", "supplier", "supplierId_2", "supplierId",
                                        "supplies", "supplies_2", "companyCollectionBySupplier"}));
}

TEST(GraphqlNames, LongNamesStayWhole) {
    const std::string name = "a" + std::string(63, 'b') + "_c" + std::string(62, 'd');
    Schema s = schema_of(R"({"classes": {")" + name + R"(": {}}})");
    EXPECT_EQ(*s.class_type_name(name), "A" + std::string(63, 'b') + "C" + std::string(62, 'd'));
}

// --- types -----------------------------------------------------------------------------------

TEST(GraphqlTypes, EveryDataTypeAndRequiredAssignments) {
    Schema s = schema_of(R"({
      "attributes": {
        "t": {"type": "text"}, "n": {"type": "number"}, "i": {"type": "integer"}, "b": {"type": "boolean"},
        "d": {"type": "date"}, "ts": {"type": "timestamp"}, "j": {"type": "json"},
        "r": {"type": "reference", "target": "thing"}
      },
      "classes": {
        "thing": {"attributes": {"t": {}, "n": {}, "i": {}, "b": {}, "d": {}, "ts": {}, "j": {}, "r": {}}},
        "strict": {"attributes": {"t": {"required": true}, "n": {"required": true}, "i": {"required": true},
          "b": {"required": true}, "d": {"required": true}, "ts": {"required": true}, "j": {"required": true},
          "r": {"required": true}}}
      }
    })");
    const std::pair<const char*, const char*> types[] = {
        {"t", "String"},    {"n", "Float"}, {"i", "BigInt"}, {"b", "Boolean"}, {"d", "Date"},
        {"ts", "DateTime"}, {"j", "JSON"},  {"r", "Thing"},  {"rId", "ID"}};
    for (const auto& [name, type] : types) {
        EXPECT_EQ(field_of(s, "Thing", name).type.to_string(), type) << name;
        EXPECT_EQ(field_of(s, "Strict", name).type.to_string(), std::string(type) + "!") << name;
    }
    EXPECT_EQ(field_of(s, "Thing", "id").type.to_string(), "ID!");
    EXPECT_EQ(field_of(s, "Thing", "createdAt").type.to_string(), "DateTime!");
    EXPECT_EQ(field_of(s, "Thing", "updatedAt").type.to_string(), "DateTime!");
    EXPECT_EQ(field_of(s, "Thing", "createdBy").type.to_string(), "String!");
    EXPECT_EQ(field_of(s, "Thing", "rowVersion").type.to_string(), "BigInt!");
    EXPECT_EQ(s.find_type("Thing")->field("isDeleted"), nullptr);
    const std::string sdl = print_sdl(s);
    for (const char* scalar : {"scalar BigInt", "scalar Date", "scalar DateTime", "scalar JSON"}) {
        EXPECT_TRUE(contains(sdl, std::string("\n") + scalar + "\n")) << scalar;
    }
    EXPECT_FALSE(contains(sdl, "scalar String"));
}

TEST(GraphqlTypes, TheFixedQueryAndSubscriptionTypes) {
    const std::string sdl = print_sdl(schema_of("{}"));
    EXPECT_TRUE(contains(sdl,
                         "type Query {\n  \"\"\"The version of the tenant's model this schema was "
                         "built from.\"\"\"\n  "
                         "schemaVersion: Int!\n"));
    EXPECT_TRUE(contains(sdl, "  sdl: String!\n}"));
    EXPECT_TRUE(contains(sdl, "  schemaChanged(\n"));
    EXPECT_TRUE(contains(sdl, "    classes: [String!]\n"));
    EXPECT_TRUE(contains(sdl, "    attributes: [String!]\n  ): SchemaChange!"));
    EXPECT_TRUE(contains(sdl, "    operations: [Operation!]\n  ): ThingEvent!\n}"));
    EXPECT_TRUE(
        contains(sdl, "enum Operation {\n  \"\"\"The thing was inserted.\"\"\"\n  INSERT\n"));
    for (const char* value : {"  UPDATE\n", "  SOFT_DELETE\n", "  RESTORE\n", "  DELETE\n}"})
        EXPECT_TRUE(contains(sdl, value)) << value;
    EXPECT_TRUE(contains(sdl, "  classes: [String!]!\n"));
    EXPECT_TRUE(contains(sdl, "  changes: [SchemaChangeEntry!]!\n"));
    EXPECT_TRUE(contains(sdl, "  detail: JSON\n}"));
    EXPECT_TRUE(contains(sdl, "  changedAttributes: [String!]!\n"));
    // No schema definition: the root types have the default names.
    EXPECT_FALSE(contains(sdl, "schema {"));
    EXPECT_EQ(sdl.back(), '\n');
    EXPECT_NE(sdl[sdl.size() - 2], '\n');
}

// Input object types and default values print as graphql-js prints them: enum defaults
// bare, others as literals, descriptions as for fields.
TEST(GraphqlTypes, InputObjectsAndDefaultValues) {
    Schema s = schema_of("{}");
    Type direction;
    direction.kind = TypeKind::kEnum;
    direction.name = "OrderByDirection";
    direction.values = {{"AscNullsFirst", std::nullopt}, {"AscNullsLast", std::nullopt}};
    Type filter;
    filter.kind = TypeKind::kInputObject;
    filter.name = "IntFilter";
    filter.input_fields = {
        {"eq", std::nullopt, TypeRef::named("Int"), std::nullopt},
        {"in", "Any of these", TypeRef::list(TypeRef::non_null(TypeRef::named("Int"))),
         std::nullopt},
        {"order", std::nullopt, TypeRef::named("OrderByDirection"), Json("AscNullsLast")},
        {"atMost", std::nullopt, TypeRef::non_null(TypeRef::named("Int")), Json(1)},
        {"label", std::nullopt, TypeRef::named("String"), Json("a \"b\"")}};
    s.types.push_back(direction);
    s.types.push_back(filter);
    s.types_by_name.clear();
    for (std::size_t i = 0; i < s.types.size(); ++i)
        s.types_by_name.push_back(i);
    std::sort(s.types_by_name.begin(), s.types_by_name.end(),
              [&](std::size_t a, std::size_t b) { return s.types[a].name < s.types[b].name; });
    ASSERT_NE(s.find_type("IntFilter"), nullptr);
    EXPECT_NE(s.find_type("IntFilter")->input_field("atMost"), nullptr);
    EXPECT_EQ(s.find_type("IntFilter")->input_field("nosuch"), nullptr);
    EXPECT_TRUE(contains(print_sdl(s), R"(input IntFilter {
  eq: Int

  """Any of these"""
  in: [Int!]
  order: OrderByDirection = AscNullsLast
  atMost: Int! = 1
  label: String = "a \"b\""
}
)")) << print_sdl(s);
}

TEST(GraphqlTypes, ReferencesToAnUnknownClassAreLeftOut) {
    model::Model m;
    m.attributes["r"] = model::Attribute{
        "", "r", model::DataType::kReference, std::nullopt, Json::object(), "gone", std::nullopt};
    m.classes["c"].name = "c";
    m.classes["c"].assignments["r"] = model::Assignment{"r", true, Json::object()};
    Schema s = build_schema(m);
    EXPECT_FALSE(s.attribute_field_name("c", "r"));
    EXPECT_EQ(s.find_type("C")->fields.size(), 5u);
}

// --- relationships -----------------------------------------------------------------------------

TEST(GraphqlRelationships, SingleAndListByCardinalityWithInverseNames) {
    Schema s = schema_of(R"({
      "classes": {"company": {}, "product": {}, "person": {}},
      "relationship_types": {
        "supplies": {"inverse": "supplied_by", "description": "Delivers goods to"},
        "owned_by": {"inverse": "owns"},
        "knows": {},
        "related_to": {}
      },
      "relationships": [
        {"from": "company", "to": "product", "type": "supplies", "cardinality": {"max_sources": 1}},
        {"from": "product", "to": "person", "type": "owned_by", "cardinality": {"max_targets": 1, "max_sources": 5}},
        {"from": "person", "to": "company", "type": "knows"},
        {"from": "product", "to": "company", "type": "related_to", "bidirectional": true, "cardinality": {"max_targets": 1, "max_sources": 1}},
        {"from": "person", "to": "person", "type": "related_to", "bidirectional": true, "cardinality": {"max_targets": 1, "max_sources": 1}}
      ]
    })");
    // Many things: a connection with the collection's arguments.
    EXPECT_EQ(field_of(s, "Company", "supplies").type.to_string(), "ProductConnection!");
    EXPECT_EQ(field_of(s, "Company", "supplies").arguments.size(), 6u);
    EXPECT_EQ(*field_of(s, "Company", "supplies").description, "Delivers goods to");
    EXPECT_EQ(field_of(s, "Product", "suppliedBy").type.to_string(), "Company");
    EXPECT_EQ(field_of(s, "Product", "ownedBy").type.to_string(), "Person");
    EXPECT_EQ(field_of(s, "Person", "owns").type.to_string(), "ProductConnection!");
    // No inverse and not bidirectional: no field on the target.
    EXPECT_EQ(field_of(s, "Person", "knows").type.to_string(), "CompanyConnection!");
    EXPECT_EQ(s.find_type("Company")->field("knows"), nullptr);
    // Bidirectional without an inverse: the type's name on both sides.
    EXPECT_EQ(field_of(s, "Product", "relatedTo").type.to_string(), "Company");
    EXPECT_EQ(field_of(s, "Company", "relatedTo").type.to_string(), "Product");
    // Bidirectional with itself: one list field holds both directions.
    EXPECT_EQ(field_of(s, "Person", "relatedTo").type.to_string(), "PersonConnection!");
    EXPECT_EQ(s.find_type("Person")->field("relatedTo_2"), nullptr);
}

// --- descriptions ------------------------------------------------------------------------------

TEST(GraphqlDescriptions, BlockStringsWhenTheyRoundTripElseEscapedStrings) {
    struct Case {
        const char* description;
        const char* printed;
    };
    const Case cases[] = {
        {"Plain", "\"\"\"Plain\"\"\"\n"},
        {"Has \"\"\" inside", "\"\"\"Has \\\"\"\" inside\"\"\"\n"},
        {"Ends with \"", "\"\"\"\nEnds with \"\n\"\"\"\n"},
        {"Ends with \\", "\"\"\"\nEnds with \\\n\"\"\"\n"},
        {"back\\slash \\n", "\"\"\"back\\slash \\n\"\"\"\n"},
        {"two\nlines", "\"\"\"\ntwo\nlines\n\"\"\"\n"},
        {"\nleading newline", "\"\\nleading newline\"\n"},
        {"trailing\n", "\"trailing\\n\"\n"},
        {"  indented\n  lines", "\"  indented\\n  lines\"\n"},
        {"cr\r\nlf", "\"cr\\r\\nlf\"\n"},
        {"bell\x07 tab\t unit\x1f del\x7f c1\xc2\x85",
         "\"bell\\u0007 tab\\t unit\\u001F del\\u007F c1\\u0085\"\n"},
        {"emoji \xf0\x9f\x98\x80", "\"\"\"emoji \xf0\x9f\x98\x80\"\"\"\n"},
    };
    for (const Case& c : cases) {
        Json doc = {{"classes", {{"thing", {{"description", c.description}}}}}};
        const std::string sdl = print_sdl(build_schema(model::parse_model(doc)));
        EXPECT_TRUE(contains(sdl, "\n\n" + std::string(c.printed) + "type Thing {"))
            << c.description << "\n"
            << sdl;
    }
}

TEST(GraphqlDescriptions, LongDescriptionsAndIndentedFieldDescriptions) {
    Json doc = Json::parse(R"({
      "attributes": {"a": {"type": "text", "description": "line one\nline two"}, "b": {"type": "text", "description": ""}},
      "classes": {"thing": {"description": "0123456789012345678901234567890123456789012345678901234567890123456789x",
                            "attributes": {"a": {}, "b": {}}}}
    })");
    const std::string sdl = print_sdl(build_schema(model::parse_model(doc)));
    EXPECT_TRUE(contains(sdl,
                         "\"\"\"\n01234567890123456789012345678901234567890123456789012345678901234"
                         "56789x\n\"\"\"\ntype Thing"));
    EXPECT_TRUE(contains(
        sdl, "\n\n  \"\"\"\n  line one\n  line two\n  \"\"\"\n  a: String\n  b: String\n}"));
}

// --- @constraint -------------------------------------------------------------------------------

TEST(GraphqlConstraint, EffectiveRulesAssignmentOverridesAttributeKeyByKey) {
    Schema s = schema_of(R"({
      "attributes": {
        "name": {"type": "text", "rules": {"min_length": 2, "max_length": 200, "pattern": "^say \"hi\"\\\\$", "format": "email", "not_blank": true, "enum": ["a\"b", "c"], "unique": true, "indexed": true, "custom": "x.y", "message": "m"}},
        "price": {"type": "number", "rules": {"min": 0, "max": 1e300, "exclusive_min": -1.5, "exclusive_max": 10, "multiple_of": 0.01, "enum": [1, 2.5]}},
        "born": {"type": "date", "rules": {"min": "1900-01-01", "max": "today-18y"}},
        "plain": {"type": "boolean"}
      },
      "classes": {"thing": {"rules": {"defaults": {"text": {"max_length": 99}}},
        "attributes": {"name": {"required": true, "rules": {"max_length": 50}}, "price": {}, "born": {}, "plain": {}}}}
    })");
    const std::string sdl = print_sdl(s);
    EXPECT_TRUE(contains(sdl,
                         "  name: String! @constraint(minLength: 2, maxLength: 50, pattern: \"^say "
                         "\\\"hi\\\"\\\\\\\\$\", "
                         "format: \"email\", notBlank: true, enum: [\"a\\\"b\", \"c\"], required: "
                         "true, unique: true)\n"))
        << sdl;
    EXPECT_TRUE(contains(
        sdl,
        "  price: Float @constraint(numberEnum: [1, 2.5], min: 0, max: 1e+300, exclusiveMin: -1.5, "
        "exclusiveMax: 10, multipleOf: 0.01)\n"))
        << sdl;
    EXPECT_TRUE(contains(
        sdl, "  born: Date @constraint(earliest: \"1900-01-01\", latest: \"today-18y\")\n"));
    EXPECT_TRUE(contains(sdl, "  plain: Boolean\n"));
    EXPECT_TRUE(contains(sdl, "directive @constraint(\n"));
    EXPECT_TRUE(contains(sdl, ") on FIELD_DEFINITION\n"));
}

// The directive's values are the effective rules the rule engine computes (read from the
// layers in place rather than merged): compare with rules::effective_rules on every layer
// combination.
TEST(GraphqlConstraint, SameValuesAsTheRuleEnginesEffectiveRules) {
    const Json layers[] = {Json::object(), Json::parse(R"({"max_length": 10, "required": false})"),
                           Json::parse(R"({"max_length": 20, "pattern": "a", "unique": true})"),
                           Json::parse(R"({"min_length": 1, "required": true, "enum": ["x"]})")};
    for (const Json& defaults : layers) {
        for (const Json& attribute : layers) {
            for (const Json& assignment : layers) {
                for (bool required : {false, true}) {
                    model::Model m;
                    m.attributes["t"] = model::Attribute{
                        "",           "t",         model::DataType::kText, std::nullopt, attribute,
                        std::nullopt, std::nullopt};
                    model::ThingClass& c = m.classes["c"];
                    c.name = "c";
                    c.rules = {{"defaults", {{"text", defaults}}}};
                    c.assignments["t"] = model::Assignment{"t", required, assignment};
                    const Json effective = rules::effective_rules(m, c, c.assignments["t"]);
                    const Schema s = build_schema(m);
                    const Field& f = field_of(s, "C", "t");
                    Json got = Json::object();
                    for (const AppliedDirective& d : f.directives) {
                        for (const auto& [k, v] : d.arguments)
                            got[k] = v;
                    }
                    Json want = Json::object();
                    for (auto [rule, arg] : {std::pair{"min_length", "minLength"},
                                             {"max_length", "maxLength"},
                                             {"pattern", "pattern"},
                                             {"enum", "enum"},
                                             {"required", "required"},
                                             {"unique", "unique"}}) {
                        if (effective.contains(rule))
                            want[arg] = effective[rule];
                    }
                    EXPECT_EQ(got, want) << effective.dump();
                }
            }
        }
    }
}

TEST(GraphqlConstraint, LengthsBeyondIntAreClampedAndWrongValuesLeftOut) {
    Schema s = schema_of(R"({
      "attributes": {"t": {"type": "text", "rules": {"max_length": 1099511627776, "min_length": -1, "pattern": 5}},
                     "n": {"type": "integer", "rules": {"enum": ["x"], "min": "1"}}},
      "classes": {"c": {"attributes": {"t": {}, "n": {}}}}
    })");
    const Field& t = field_of(s, "C", "t");
    ASSERT_EQ(t.directives.size(), 1u);
    EXPECT_EQ(t.directives[0].arguments,
              (std::vector<std::pair<std::string, Json>>{{"maxLength", 2147483647}}));
    EXPECT_TRUE(field_of(s, "C", "n").directives.empty());
}

// --- size --------------------------------------------------------------------------------------

TEST(GraphqlSchema, AThousandClassesOfTwentyAttributes) {
    model::Model m;
    for (int a = 0; a < 20; ++a) {
        model::Attribute attr;
        attr.name = "attribute_" + std::to_string(a);
        attr.type = a % 2 ? model::DataType::kText : model::DataType::kInteger;
        m.attributes.emplace(attr.name, attr);
    }
    for (int c = 0; c < 1000; ++c) {
        model::ThingClass cls;
        cls.name = "class_" + std::to_string(c);
        for (const auto& [name, attr] : m.attributes)
            cls.assignments.emplace(name, model::Assignment{name, false, Json::object()});
        m.classes.emplace(cls.name, cls);
    }
    const Schema s = build_schema(m);
    EXPECT_EQ(s.classes.size(), 1000u);
    EXPECT_EQ(s.find_type("Class999")->fields.size(), 25u);
    EXPECT_EQ(*s.attribute_field_name("class_500", "attribute_7"), "attribute7");
    EXPECT_EQ(print_sdl(s), print_sdl(build_schema(m)));
    EXPECT_EQ(print_model_sdl(m), print_sdl(s));
}

// print_model_sdl follows every builder: a model with each kind of field, type and name
// collision (references, reverse collections, relationships of one and of many things,
// symmetric and inverse ones, an attribute no class has, a class without attributes, rules,
// descriptions that print as block strings), and a model without classes.
TEST(GraphqlSdl, PrintedFromTheModelAsFromTheSchema) {
    const char* doc = R"({
      "attributes": {
        "name": {"type": "text", "description": "The name.", "rules": {"max_length": 80}},
        "and": {"type": "boolean", "description": "  starts with spaces"},
        "maker": {"type": "reference", "target": "company"},
        "maker_id": {"type": "integer", "description": "Line one\nline two"},
        "price": {"type": "number", "rules": {"min": 0}},
        "born": {"type": "date"},
        "seen": {"type": "timestamp"},
        "extra": {"type": "json"},
        "ghost": {"type": "reference", "target": "company"}
      },
      "classes": {
        "company": {"description": "A company", "attributes": {"name": {"required": true}}},
        "product": {"attributes": {"name": {}, "and": {}, "maker": {"required": true},
                                   "maker_id": {}, "price": {}, "born": {}, "seen": {},
                                   "extra": {}}},
        "product_connection": {"attributes": {"maker": {}}},
        "empty": {}
      },
      "relationship_types": {
        "supplies": {"description": "Supplies goods to", "inverse": "supplied_by"},
        "knows": {}
      },
      "relationships": [
        {"type": "supplies", "from": "company", "to": "product"},
        {"type": "supplies", "from": "company", "to": "company",
         "cardinality": {"max_targets": 1}},
        {"type": "knows", "from": "company", "to": "company", "bidirectional": true},
        {"type": "knows", "from": "product", "to": "company", "bidirectional": true,
         "cardinality": {"max_sources": 1}}
      ]
    })";
    const model::Model m = model::parse_model(Json::parse(doc));
    const std::string sdl = print_sdl(build_schema(m));
    EXPECT_EQ(print_model_sdl(m), sdl);
    for (const char* expected :
         {"  productCollectionByMaker(\n", "  suppliedBy(\n", "): ProductConnection_2!",
          "input EmptyInsertInput {\n  \"\"\"Ignored: the class has no attributes.\"\"\"",
          "  relate(\n", "  and_2: [ProductFilter!]"})
        EXPECT_NE(sdl.find(expected), std::string::npos) << expected;
    EXPECT_EQ(print_model_sdl(model::Model{}), print_sdl(build_schema(model::Model{})));

    // Names parse_model would refuse (a model built in code), which end up in descriptions:
    // printed with every check.
    model::Model odd;
    model::Attribute a;
    a.name = "a\"\"\"b";
    a.type = model::DataType::kText;
    odd.attributes.emplace(a.name, a);
    model::ThingClass c;
    c.name = std::string(" tab\there and a long name that takes the description past seventy");
    c.assignments.emplace(a.name, model::Assignment{a.name, true, Json::object()});
    odd.classes.emplace(c.name, c);
    EXPECT_EQ(print_model_sdl(odd), print_sdl(build_schema(odd)));
}

}  // namespace
}  // namespace udm::graphql
