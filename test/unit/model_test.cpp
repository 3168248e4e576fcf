// The model document: data types, model names, parsing with precise errors, reference
// checks, writing it back, and the derived rule flags.
#include "udm/core/model.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"

#include "error_of.hpp"

namespace udm::model {
namespace {

using test::error_of;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

Model parse(const std::string& doc, Source source = Source::kUser) {
    return parse_model(Json::parse(doc), source);
}

// A model using every feature of the format.
const char* const kFullModel = R"({
  "attributes": {
    "title":    {"type": "text", "description": "Shown in lists", "rules": {"max_length": 200}},
    "price":    {"type": "number"},
    "quantity": {"type": "integer", "rules": {"indexed": true}},
    "active":   {"type": "boolean"},
    "released": {"type": "date"},
    "seen_at":  {"type": "timestamp"},
    "supplier": {"type": "reference", "target": "company"},
    "extra":    {"type": "json", "description": ""}
  },
  "classes": {
    "product": {
      "description": "Things we sell",
      "rules": {"label": "title"},
      "attributes": {
        "title": {"required": true, "rules": {"unique": true}},
        "price": {},
        "quantity": {"required": false},
        "supplier": {"required": true}
      }
    },
    "company": {"attributes": {"title": {}, "extra": {}}},
    "empty_class": {}
  },
  "relationship_types": {
    "supplies": {"inverse": "supplied_by", "description": "Who delivers what"},
    "related_to": {}
  },
  "relationships": [
    {"from": "company", "to": "product", "type": "supplies", "cardinality": {"max_targets": 10, "max_sources": 1}},
    {"from": "product", "to": "product", "type": "related_to", "bidirectional": true}
  ]
})";

// --- data types ------------------------------------------------------------------------------

TEST(DataTypes, NamesAndSqlTypesOfEveryType) {
    struct Case {
        const char* name;
        DataType type;
        const char* sql;
    };
    const Case cases[] = {
        {"text", DataType::kText, "text"},
        {"number", DataType::kNumber, "numeric"},
        {"integer", DataType::kInteger, "bigint"},
        {"boolean", DataType::kBoolean, "boolean"},
        {"date", DataType::kDate, "date"},
        {"timestamp", DataType::kTimestamp, "timestamp with time zone"},
        {"reference", DataType::kReference, "uuid"},
        {"json", DataType::kJson, "jsonb"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(parse_data_type(c.name), c.type) << c.name;
        EXPECT_EQ(type_name(c.type), c.name);
        EXPECT_EQ(sql_type(c.type), c.sql) << c.name;
        EXPECT_TRUE(contains(std::string(data_type_list()), c.name)) << c.name;
    }
}

TEST(DataTypes, UnknownNamesAreNotTypes) {
    for (const char* name :
         {"", "Text", "string", "int", "float", "bigint", "uuid", "jsonb", "text "}) {
        EXPECT_FALSE(parse_data_type(name).has_value()) << name;
    }
}

// --- model names -------------------------------------------------------------------------------

TEST(ModelName, AcceptsSnakeCase) {
    for (const char* name : {"a", "product", "product_2", "a1_b2_c3", "x9", "order"}) {
        EXPECT_FALSE(naming::model_name_violation(name).has_value()) << name;
    }
    EXPECT_FALSE(
        naming::model_name_violation(std::string(naming::kMaxModelNameLength, 'a')).has_value());
}

TEST(ModelName, RejectsEverythingElseWithAReason) {
    struct Case {
        std::string name;
        const char* reason;
    };
    const Case cases[] = {
        {"", "empty"},
        {"Product", "lower-case letter"},
        {"1product", "lower-case letter"},
        {"_product", "lower-case letter"},
        {"product_", "ends with an underscore"},
        {"pro__duct", "two underscores"},
        {"proDuct", "other than"},
        {"pro-duct", "other than"},
        {"pro duct", "other than"},
        {"pro\"duct", "other than"},
        {"pro'duct", "other than"},
        {"caf\xC3\xA9", "other than"},
        {std::string("pro\0duct", 8), "other than"},
        {std::string(naming::kMaxModelNameLength + 1, 'a'), "129 bytes"},
    };
    for (const Case& c : cases) {
        auto why = naming::model_name_violation(c.name);
        ASSERT_TRUE(why.has_value()) << c.name;
        EXPECT_TRUE(contains(*why, c.reason)) << c.name << ": " << *why;
    }
}

TEST(ModelName, ReservedColumnsAreRefusedForAttributesOnly) {
    for (const char* name :
         {"id", "created_at", "updated_at", "created_by", "is_deleted", "row_version", "tableoid",
          "xmin", "cmin", "xmax", "cmax", "ctid", "oid"}) {
        EXPECT_TRUE(naming::is_reserved_column(name)) << name;
        Error e = error_of([&] { naming::check_model_name(naming::NameKind::kAttribute, name); });
        EXPECT_STREQ(e.sqlstate(), "22023") << name;
        EXPECT_TRUE(contains(e.what(), "reserved")) << e.what();
        // A class or relationship type may be called that: its table is tc_<name>.
        EXPECT_NO_THROW(naming::check_model_name(naming::NameKind::kClass, name)) << name;
        EXPECT_NO_THROW(naming::check_model_name(naming::NameKind::kRelationshipType, name))
            << name;
    }
    EXPECT_FALSE(naming::is_reserved_column("identifier"));
    EXPECT_FALSE(naming::is_reserved_column("created"));
}

TEST(ModelName, ErrorNamesTheKindAndTheRule) {
    Error e =
        error_of([] { naming::check_model_name(naming::NameKind::kRelationshipType, "Bad"); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_EQ(
        std::string(e.what()),
        "invalid relationship type name \"Bad\": names must match ^[a-z][a-z0-9]*(_[a-z0-9]+)*$");
    EXPECT_FALSE(e.detail().empty());
    EXPECT_EQ(naming::kind_name(naming::NameKind::kClass), "class");
    EXPECT_EQ(naming::kind_name(naming::NameKind::kAttribute), "attribute");
}

// --- parsing -------------------------------------------------------------------------------

TEST(ParseModel, EmptyAndNullSectionsGiveAnEmptyModel) {
    for (const char* doc :
         {"{}", R"({"attributes": null, "classes": null, "relationship_types": null,
                                     "relationships": null})",
          R"({"attributes": {}, "classes": {}, "relationship_types": {}, "relationships": []})"}) {
        Model m = parse(doc);
        EXPECT_TRUE(m.attributes.empty()) << doc;
        EXPECT_TRUE(m.classes.empty()) << doc;
        EXPECT_TRUE(m.relationship_types.empty()) << doc;
        EXPECT_TRUE(m.relationships.empty()) << doc;
    }
}

TEST(ParseModel, ReadsEveryField) {
    Model m = parse(kFullModel);
    ASSERT_EQ(m.attributes.size(), 8u);
    const Attribute& title = m.attributes.at("title");
    EXPECT_EQ(title.name, "title");
    EXPECT_EQ(title.type, DataType::kText);
    EXPECT_EQ(title.description, std::optional<std::string>("Shown in lists"));
    EXPECT_EQ(title.rules, Json::parse(R"({"max_length": 200})"));
    EXPECT_FALSE(title.target.has_value());
    EXPECT_TRUE(title.id.empty());
    EXPECT_EQ(m.attributes.at("supplier").type, DataType::kReference);
    EXPECT_EQ(m.attributes.at("supplier").target, std::optional<std::string>("company"));
    EXPECT_EQ(m.attributes.at("extra").description, std::optional<std::string>(""));
    EXPECT_FALSE(m.attributes.at("price").description.has_value());
    EXPECT_EQ(m.attributes.at("price").rules, Json::object());

    ASSERT_EQ(m.classes.size(), 3u);
    const ThingClass& product = m.classes.at("product");
    EXPECT_EQ(product.name, "product");
    EXPECT_EQ(product.description, std::optional<std::string>("Things we sell"));
    EXPECT_EQ(product.rules, Json::parse(R"({"label": "title"})"));
    ASSERT_EQ(product.assignments.size(), 4u);
    EXPECT_EQ(product.assignments.at("title").attribute, "title");
    EXPECT_TRUE(product.assignments.at("title").required);
    EXPECT_EQ(product.assignments.at("title").rules, Json::parse(R"({"unique": true})"));
    EXPECT_FALSE(product.assignments.at("price").required);
    EXPECT_FALSE(product.assignments.at("quantity").required);
    EXPECT_TRUE(m.classes.at("empty_class").assignments.empty());

    ASSERT_EQ(m.relationship_types.size(), 2u);
    EXPECT_EQ(m.relationship_types.at("supplies").inverse,
              std::optional<std::string>("supplied_by"));
    EXPECT_FALSE(m.relationship_types.at("related_to").inverse.has_value());

    ASSERT_EQ(m.relationships.size(), 2u);
    const AllowedRelationship& supplies =
        m.relationships.at(relationship_key("company", "supplies", "product"));
    EXPECT_EQ(supplies.from, "company");
    EXPECT_EQ(supplies.to, "product");
    EXPECT_EQ(supplies.type, "supplies");
    EXPECT_EQ(supplies.cardinality.max_targets, std::optional<std::int64_t>(10));
    EXPECT_EQ(supplies.cardinality.max_sources, std::optional<std::int64_t>(1));
    EXPECT_FALSE(supplies.bidirectional);
    const AllowedRelationship& related =
        m.relationships.at(relationship_key("product", "related_to", "product"));
    EXPECT_TRUE(related.bidirectional);
    EXPECT_EQ(related.cardinality, Cardinality{});
    EXPECT_NO_THROW(check_references(m));
}

TEST(ParseModel, ReadsRenameHints) {
    Model m = parse(R"({"attributes": {"name": {"type": "text", "renamed_from": "title"}},
                        "classes": {"item": {"renamed_from": "product"}}})");
    EXPECT_EQ(m.attributes.at("name").renamed_from, std::optional<std::string>("title"));
    EXPECT_EQ(m.classes.at("item").renamed_from, std::optional<std::string>("product"));
}

// Each document is invalid; the error is 22023 and its message contains the JSON path
// and what is wrong there.
TEST(ParseModel, RejectsBadDocumentsNamingThePath) {
    struct Case {
        const char* doc;
        const char* message;
    };
    const Case cases[] = {
        {R"([])", "the model must be an object, not an array"},
        {R"("x")", "the model must be an object, not a string"},
        {R"({"class": {}})", "the model has an unknown key \"class\""},
        {R"({"attributes": []})", "attributes must be an object, not an array"},
        {R"({"attributes": {"Title": {"type": "text"}}})", "(at attributes[\"Title\"])"},
        {R"({"attributes": {"title": "text"}})",
         "attributes[\"title\"] must be an object, not a string"},
        {R"({"attributes": {"title": {}}})",
         "attributes[\"title\"].type must be a string naming a data type"},
        {R"({"attributes": {"title": {"type": 1}}})",
         "attributes[\"title\"].type must be a string"},
        {R"({"attributes": {"title": {"type": "string"}}})",
         "attributes[\"title\"].type names an unknown data type \"string\""},
        {R"({"attributes": {"title": {"type": "text", "requird": true}}})",
         "attributes[\"title\"] has an unknown key \"requird\""},
        {R"({"attributes": {"title": {"type": "text", "description": 5}}})",
         "attributes[\"title\"].description must be a string or null, not a number"},
        {R"({"attributes": {"title": {"type": "text", "rules": []}}})",
         "attributes[\"title\"].rules must be an object, not an array"},
        {R"({"attributes": {"title": {"type": "text", "rules": "unique"}}})",
         "attributes[\"title\"].rules must be an object, not a string"},
        {R"({"attributes": {"owner": {"type": "reference"}}})",
         "attributes[\"owner\"] is a reference and must name its target class"},
        {R"({"attributes": {"title": {"type": "text", "target": "product"}}})",
         "attributes[\"title\"].target is only allowed on reference attributes"},
        {R"({"attributes": {"owner": {"type": "reference", "target": 7}}})",
         "attributes[\"owner\"].target must be a string or null, not a number"},
        {R"({"attributes": {"title": {"type": "text", "renamed_from": "Old"}}})",
         "(at attributes[\"title\"].renamed_from)"},
        {R"({"attributes": {"title": {"type": "text", "renamed_from": "id"}}})", "reserved"},
        {R"({"classes": {"Product": {}}})", "(at classes[\"Product\"])"},
        {R"({"classes": {"pro__duct": {}}})", "(at classes[\"pro__duct\"])"},
        {R"({"classes": {"product": []}})", "classes[\"product\"] must be an object, not an array"},
        {R"({"classes": {"product": {"attribute": {}}}})",
         "classes[\"product\"] has an unknown key \"attribute\""},
        {R"({"classes": {"product": {"attributes": []}}})",
         "classes[\"product\"].attributes must be an object, not an array"},
        {R"({"classes": {"product": {"attributes": {"title": true}}}})",
         "classes[\"product\"].attributes[\"title\"] must be an object, not a boolean"},
        {R"({"classes": {"product": {"attributes": {"title": {"required": "yes"}}}}})",
         "classes[\"product\"].attributes[\"title\"].required must be a boolean, not a string"},
        {R"({"classes": {"product": {"attributes": {"title": {"type": "text"}}}}})",
         "classes[\"product\"].attributes[\"title\"] has an unknown key \"type\""},
        {R"({"classes": {"product": {"attributes": {"created_at": {}}}}})", "reserved"},
        {R"({"classes": {"product": {"rules": null, "description": false}}})",
         "classes[\"product\"].description must be a string or null, not a boolean"},
        {R"({"classes": {"product": {"renamed_from": "Item"}}})",
         "(at classes[\"product\"].renamed_from)"},
        {R"({"classes": {"product": {"events": "on"}}})",
         "classes[\"product\"].events must be a boolean, not a string"},
        {R"({"relationship_types": {"supplies": {"inverse": "Supplied By"}}})",
         "(at relationship_types[\"supplies\"].inverse)"},
        {R"({"relationship_types": {"supplies": {"cardinality": {}}}})",
         "relationship_types[\"supplies\"] has an unknown key \"cardinality\""},
        {R"({"relationships": {}})", "relationships must be an array, not an object"},
        {R"({"relationships": [5]})", "relationships[0] must be an object, not a number"},
        {R"({"relationships": [{"to": "b", "type": "t"}]})", "relationships[0].from is required"},
        {R"({"relationships": [{"from": "a", "type": "t"}]})", "relationships[0].to is required"},
        {R"({"relationships": [{"from": "a", "to": "b"}]})", "relationships[0].type is required"},
        {R"({"relationships": [{"from": 1, "to": "b", "type": "t"}]})",
         "relationships[0].from must be a string or null, not a number"},
        {R"({"relationships": [{"from": "a", "to": "b", "type": "t", "bidirectional": 1}]})",
         "relationships[0].bidirectional must be a boolean, not a number"},
        {R"({"relationships": [{"from": "a", "to": "b", "type": "t", "cardinality": []}]})",
         "relationships[0].cardinality must be an object, not an array"},
        {R"({"relationships": [{"from": "a", "to": "b", "type": "t", "cardinality": {"max": 1}}]})",
         "relationships[0].cardinality has an unknown key \"max\""},
        {R"({"relationships": [{"from": "a", "to": "b", "type": "t"}, {"from": "a", "to": "b", "type": "t"}]})",
         "relationships[1] repeats the relationship \"t\" from \"a\" to \"b\""},
    };
    for (const Case& c : cases) {
        Error e = error_of([&] { parse(c.doc); });
        EXPECT_STREQ(e.sqlstate(), "22023") << c.doc;
        EXPECT_TRUE(contains(e.what(), c.message)) << c.doc << "\n  got: " << e.what();
    }
}

TEST(ParseModel, MessageIsExactForAnUnknownKey) {
    Error e = error_of([] { parse(R"({"attributes": {"title": {"type": "text", "size": 3}}})"); });
    EXPECT_EQ(std::string(e.what()),
              "invalid model: attributes[\"title\"] has an unknown key \"size\" "
              "(allowed: type, description, rules, target, renamed_from)");
}

TEST(ParseModel, CardinalityMustBePositiveIntegers) {
    for (const char* bad : {"0", "-1", "1.5", "\"2\"", "true", "[]", "18446744073709551615"}) {
        std::string doc =
            std::string(
                R"({"relationships": [{"from": "a", "to": "b", "type": "t", "cardinality": )") +
            R"({"max_targets": )" + bad + "}}]}";
        Error e = error_of([&] { parse(doc); });
        EXPECT_STREQ(e.sqlstate(), "22023") << bad;
        EXPECT_TRUE(contains(e.what(),
                             "relationships[0].cardinality.max_targets must be a positive integer"))
            << bad << ": " << e.what();
    }
    Model m = parse(R"({"relationships": [{"from": "a", "to": "b", "type": "t",
                        "cardinality": {"max_targets": 1, "max_sources": 9223372036854775807}}]})");
    const Cardinality& c = m.relationships.begin()->second.cardinality;
    EXPECT_EQ(c.max_targets, std::optional<std::int64_t>(1));
    EXPECT_EQ(c.max_sources, std::optional<std::int64_t>(9223372036854775807));
}

TEST(ParseModel, IdsOnlyFromTheCatalog) {
    const char* with_ids = R"({
      "attributes": {"title": {"id": "a1", "type": "text"}},
      "classes": {"product": {"id": "c1", "attributes": {"title": {}}}},
      "relationship_types": {"related_to": {"id": "t1"}},
      "relationships": [{"id": "r1", "from": "product", "to": "product", "type": "related_to"}]})";
    Error e = error_of([&] { parse(with_ids, Source::kUser); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_TRUE(contains(e.what(), "ids are assigned by udm")) << e.what();

    Model m = parse(with_ids, Source::kCatalog);
    EXPECT_EQ(m.attributes.at("title").id, "a1");
    EXPECT_EQ(m.classes.at("product").id, "c1");
    EXPECT_EQ(m.relationship_types.at("related_to").id, "t1");
    EXPECT_EQ(m.relationships.begin()->second.id, "r1");
}

TEST(ParseModel, CatalogDocumentsMustCarryIds) {
    struct Case {
        const char* doc;
        const char* path;
    };
    const Case cases[] = {
        {R"({"attributes": {"title": {"type": "text"}}})",
         "attributes[\"title\"].id must be a string"},
        {R"({"classes": {"product": {"id": 5}}})", "classes[\"product\"].id must be a string"},
        {R"({"relationship_types": {"t": {}}})", "relationship_types[\"t\"].id must be a string"},
        {R"({"relationships": [{"from": "a", "to": "b", "type": "t"}]})",
         "relationships[0].id must be a string"},
    };
    for (const Case& c : cases) {
        Error e = error_of([&] { parse(c.doc, Source::kCatalog); });
        EXPECT_STREQ(e.sqlstate(), "22023") << c.doc;
        EXPECT_TRUE(contains(e.what(), c.path)) << e.what();
    }
}

TEST(ParseModel, HugeNamesAreAbbreviatedInMessages) {
    const std::string huge(100000, 'x');
    Json doc = {{"classes", {{huge + "Y", Json::object()}}}};
    Error e = error_of([&] { parse_model(doc); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_LT(std::string(e.what()).size(), 400u);
    Json doc2 = {{"attributes", {{"title", {{"type", "text"}, {huge, 1}}}}}};
    Error e2 = error_of([&] { parse_model(doc2); });
    EXPECT_LT(std::string(e2.what()).size(), 400u);
}

// --- cross references -----------------------------------------------------------------------

TEST(CheckReferences, DanglingNamesAre42704) {
    struct Case {
        const char* doc;
        const char* message;
        const char* detail;
    };
    const Case cases[] = {
        {R"({"attributes": {"owner": {"type": "reference", "target": "person"}}})",
         "class \"person\" does not exist", "Referenced by the reference attribute \"owner\"."},
        {R"({"classes": {"product": {"attributes": {"title": {}}}}})",
         "attribute \"title\" does not exist", "Referenced by class \"product\"."},
        {R"({"classes": {"a": {}}, "relationship_types": {"t": {}},
             "relationships": [{"from": "a", "to": "b", "type": "t"}]})",
         "class \"b\" does not exist",
         "Referenced by the allowed relationship \"t\" from \"a\" to \"b\"."},
        {R"({"classes": {"b": {}}, "relationship_types": {"t": {}},
             "relationships": [{"from": "a", "to": "b", "type": "t"}]})",
         "class \"a\" does not exist", "Referenced by the allowed relationship"},
        {R"({"classes": {"a": {}}, "relationships": [{"from": "a", "to": "a", "type": "t"}]})",
         "relationship type \"t\" does not exist", "Referenced by the allowed relationship"},
    };
    for (const Case& c : cases) {
        Model m = parse(c.doc);  // parsing alone does not resolve names
        Error e = error_of([&] { check_references(m); });
        EXPECT_STREQ(e.sqlstate(), "42704") << c.doc;
        EXPECT_EQ(std::string(e.what()), c.message) << c.doc;
        EXPECT_TRUE(contains(e.detail(), c.detail)) << e.detail();
    }
}

TEST(CheckReferences, TwoObjectsRenamedFromOneNameAre22023) {
    for (const char* doc :
         {R"({"classes": {"a": {"renamed_from": "old"}, "b": {"renamed_from": "old"}}})",
          R"({"attributes": {"a": {"type": "text", "renamed_from": "old"},
                                               "b": {"type": "text", "renamed_from": "old"}}})"}) {
        Model m = parse(doc);
        Error e = error_of([&] { check_references(m); });
        EXPECT_STREQ(e.sqlstate(), "22023") << doc;
        EXPECT_TRUE(contains(e.what(), "renamed from \"old\"")) << e.what();
    }
}

TEST(CheckReferences, AcceptsSelfReferencesAndUnassignedAttributes) {
    Model m = parse(
        R"({"attributes": {"parent": {"type": "reference", "target": "node"}, "spare": {"type": "json"}},
                        "classes": {"node": {"attributes": {"parent": {}}}},
                        "relationship_types": {"links": {"inverse": "links"}},
                        "relationships": [{"from": "node", "to": "node", "type": "links"}]})");
    EXPECT_NO_THROW(check_references(m));
}

// --- writing -------------------------------------------------------------------------------

TEST(ToJson, WritesTheCanonicalDocument) {
    Json expected = Json::parse(R"({
      "attributes": {
        "active": {"type": "boolean"},
        "extra": {"type": "json", "description": ""},
        "price": {"type": "number"},
        "quantity": {"type": "integer", "rules": {"indexed": true}},
        "released": {"type": "date"},
        "seen_at": {"type": "timestamp"},
        "supplier": {"type": "reference", "target": "company"},
        "title": {"type": "text", "description": "Shown in lists", "rules": {"max_length": 200}}
      },
      "classes": {
        "company": {"attributes": {"extra": {}, "title": {}}},
        "empty_class": {"attributes": {}},
        "product": {
          "description": "Things we sell",
          "rules": {"label": "title"},
          "attributes": {"price": {}, "quantity": {}, "supplier": {"required": true},
                         "title": {"required": true, "rules": {"unique": true}}}
        }
      },
      "relationship_types": {"related_to": {}, "supplies": {"inverse": "supplied_by", "description": "Who delivers what"}},
      "relationships": [
        {"from": "company", "to": "product", "type": "supplies", "cardinality": {"max_targets": 10, "max_sources": 1}},
        {"from": "product", "to": "product", "type": "related_to", "bidirectional": true}
      ]
    })");
    EXPECT_EQ(to_json(parse(kFullModel)), expected);
}

TEST(ToJson, RoundTripIsStable) {
    const char* docs[] = {
        "{}",
        kFullModel,
        R"({"classes": {"a": {"description": null, "rules": {}}}})",
        R"({"attributes": {"n": {"type": "number", "rules": {"min": 0.5, "nested": {"deep": [1, 2, {"x": null}]}}}},
            "classes": {"a": {"attributes": {"n": {"required": false, "rules": {"unique": false}}}}}})",
        R"({"classes": {"a": {}, "b": {}}, "relationship_types": {"t": {"inverse": "t"}},
            "relationships": [{"from": "b", "to": "a", "type": "t", "cardinality": {"max_sources": 3}},
                              {"from": "a", "to": "b", "type": "t", "cardinality": {"max_targets": null}},
                              {"from": "a", "to": "a", "type": "t", "bidirectional": false}]})",
        R"({"attributes": {"s": {"type": "text", "description": "quote \" backslash \\ newline \n unicode \u00e9"}}})",
    };
    for (const char* doc : docs) {
        Model m = parse(doc);
        Json once = to_json(m);
        Model again = parse_model(once);
        EXPECT_EQ(to_json(again), once) << doc;
        EXPECT_NO_THROW(check_references(again)) << doc;
        // The same content, field by field.
        ASSERT_EQ(again.attributes.size(), m.attributes.size());
        for (const auto& [name, a] : m.attributes) {
            const Attribute& b = again.attributes.at(name);
            EXPECT_EQ(b.type, a.type);
            EXPECT_EQ(b.description, a.description);
            EXPECT_EQ(b.rules, a.rules);
            EXPECT_EQ(b.target, a.target);
        }
        ASSERT_EQ(again.classes.size(), m.classes.size());
        for (const auto& [name, c] : m.classes) {
            const ThingClass& d = again.classes.at(name);
            EXPECT_EQ(d.description, c.description);
            EXPECT_EQ(d.rules, c.rules);
            ASSERT_EQ(d.assignments.size(), c.assignments.size());
            for (const auto& [aname, as] : c.assignments) {
                EXPECT_EQ(d.assignments.at(aname).required, as.required);
                EXPECT_EQ(d.assignments.at(aname).rules, as.rules);
            }
        }
        ASSERT_EQ(again.relationships.size(), m.relationships.size());
        for (const auto& [key, r] : m.relationships) {
            const AllowedRelationship& s = again.relationships.at(key);
            EXPECT_EQ(s.cardinality, r.cardinality);
            EXPECT_EQ(s.bidirectional, r.bidirectional);
        }
        for (const auto& [name, t] : m.relationship_types) {
            EXPECT_EQ(again.relationship_types.at(name).inverse, t.inverse);
            EXPECT_EQ(again.relationship_types.at(name).description, t.description);
        }
    }
}

TEST(ToJson, LeavesOutIdsAndRenameHints) {
    Model m = parse(R"({"attributes": {"title": {"id": "a1", "type": "text"}},
                        "classes": {"product": {"id": "c1", "attributes": {"title": {}}}}})",
                    Source::kCatalog);
    m.classes.at("product").renamed_from = "item";
    m.attributes.at("title").renamed_from = "name";
    Json out = to_json(m);
    const std::string text = out.dump();
    EXPECT_FALSE(contains(text, "\"id\"")) << text;
    EXPECT_FALSE(contains(text, "renamed_from")) << text;
    EXPECT_NO_THROW(parse_model(out, Source::kUser));  // a user may submit it back as it is
}

// --- derived facts ---------------------------------------------------------------------------

TEST(RelationshipKey, DistinguishesEveryTriple) {
    EXPECT_NE(relationship_key("a_b", "c", "d"), relationship_key("a", "b_c", "d"));
    EXPECT_NE(relationship_key("a", "b", "c_d"), relationship_key("a", "b_c", "d"));
    EXPECT_NE(relationship_key("a", "t", "b"), relationship_key("b", "t", "a"));
    EXPECT_EQ(relationship_key("a", "t", "b"), relationship_key("a", "t", "b"));
}

TEST(Cardinality, ParsesAndWritesBack) {
    EXPECT_EQ(parse_cardinality(Json(), "c"), Cardinality{});
    EXPECT_EQ(parse_cardinality(Json::object(), "c"), Cardinality{});
    Cardinality c =
        parse_cardinality(Json::parse(R"({"max_targets": 2, "max_sources": null})"), "c");
    EXPECT_EQ(c.max_targets, std::optional<std::int64_t>(2));
    EXPECT_FALSE(c.max_sources.has_value());
    EXPECT_EQ(cardinality_to_json(c), Json::parse(R"({"max_targets": 2})"));
    EXPECT_EQ(cardinality_to_json(Cardinality{}), Json::object());
    Error e =
        error_of([] { parse_cardinality(Json::parse(R"({"max_sources": 0})"), "cardinality"); });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_TRUE(contains(e.what(), "cardinality.max_sources")) << e.what();
}

TEST(ClassesReferencing, ListsClassesWithAnAssignedReferenceToTheClass) {
    Model m = parse(R"({
      "attributes": {"owner": {"type": "reference", "target": "person"},
                     "parent": {"type": "reference", "target": "person"},
                     "boss": {"type": "reference", "target": "company"},
                     "name": {"type": "text"}},
      "classes": {"person": {"attributes": {"parent": {}, "name": {}}},
                  "car": {"attributes": {"owner": {}, "parent": {}}},
                  "company": {"attributes": {"boss": {}, "name": {}}},
                  "house": {}}})");
    EXPECT_EQ(classes_referencing(m, "person"), (std::vector<std::string>{"car", "person"}));
    EXPECT_EQ(classes_referencing(m, "company"), (std::vector<std::string>{"company"}));
    EXPECT_TRUE(classes_referencing(m, "house").empty());
    EXPECT_TRUE(classes_referencing(m, "car").empty());
}

TEST(RuleFlags, AssignmentRulesOverrideAttributeRules) {
    struct Case {
        const char* attribute_rules;
        const char* assignment_rules;
        bool unique;
        bool indexed;
    };
    const Case cases[] = {
        {"{}", "{}", false, false},
        {R"({"unique": true})", "{}", true, false},
        {"{}", R"({"unique": true})", true, false},
        {R"({"unique": true})", R"({"unique": false})", false, false},
        {R"({"unique": false})", R"({"unique": true})", true, false},
        {R"({"indexed": true})", "{}", false, true},
        {R"({"indexed": true})", R"({"indexed": false, "unique": true})", true, false},
        // Non-boolean values are not flags.
        {R"({"unique": "yes", "indexed": 1})", "{}", false, false},
        {R"({"unique": true})", R"({"unique": "no"})", true, false},
    };
    for (const Case& c : cases) {
        Json doc = {
            {"attributes",
             {{"code", {{"type", "text"}, {"rules", Json::parse(c.attribute_rules)}}}}},
            {"classes",
             {{"item",
               {{"attributes", {{"code", {{"rules", Json::parse(c.assignment_rules)}}}}}}}}}};
        Model m = parse_model(doc);
        const ThingClass& item = m.classes.at("item");
        const Assignment& a = item.assignments.at("code");
        EXPECT_EQ(wants_unique(m, item, a), c.unique)
            << c.attribute_rules << " / " << c.assignment_rules;
        EXPECT_EQ(wants_index(m, item, a), c.indexed)
            << c.attribute_rules << " / " << c.assignment_rules;
    }
}

}  // namespace
}  // namespace udm::model

// Descriptions and rule sets are bounded when a change adds or alters them; what a model
// already holds is left alone.
TEST(ModelLimits, DescriptionsAndRulesAreBounded) {
    using udm::model::check_limits;
    using udm::model::kMaxDescriptionBytes;
    using udm::model::kMaxRulesBytes;
    const udm::model::Model empty;
    auto with_description = [](std::size_t n) {
        udm::model::Json doc = {{"classes",
                                 {{"item",
                                   {{"description", std::string(n, 'x')},
                                    {"attributes", udm::model::Json::object()}}}}}};
        return udm::model::parse_model(doc);
    };
    EXPECT_NO_THROW(check_limits(empty, with_description(kMaxDescriptionBytes)));
    try {
        check_limits(empty, with_description(kMaxDescriptionBytes + 1));
        FAIL() << "no error";
    } catch (const udm::Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22001");
        EXPECT_STREQ(e.what(), "the description of class \"item\" is too long");
    }
    const udm::model::Model big = with_description(kMaxDescriptionBytes + 1);
    EXPECT_NO_THROW(check_limits(big, big));  // unchanged: left alone

    udm::model::Json values = udm::model::Json::array();
    for (std::size_t i = 0; i < kMaxRulesBytes / 4; ++i)
        values.push_back("v" + std::to_string(i));
    udm::model::Json doc = {
        {"attributes", {{"code", {{"type", "text"}, {"rules", {{"enum", values}}}}}}},
        {"classes", udm::model::Json::object()}};
    try {
        check_limits(empty, udm::model::parse_model(doc));
        FAIL() << "no error";
    } catch (const udm::Error& e) {
        EXPECT_STREQ(e.sqlstate(), "54000");
        EXPECT_STREQ(e.what(), "the rules of attribute \"code\" are too large");
    }
}
