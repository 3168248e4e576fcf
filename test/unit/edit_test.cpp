// The fine-grained model edits behind udm.create_class, udm.assign_attribute, ...
#include "udm/core/edit.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/core/planner.hpp"

namespace udm::edit {
namespace {

using model::DataType;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A small consistent model: products supplied by companies.
Model base() {
    return model::parse_model(Json::parse(R"({
      "attributes": {
        "title": {"type": "text"},
        "price": {"type": "number"},
        "supplier": {"type": "reference", "target": "company"},
        "spare": {"type": "json"}
      },
      "classes": {
        "product": {"attributes": {"title": {"required": true}, "price": {}, "supplier": {}}},
        "company": {"attributes": {"title": {}}},
        "warehouse": {}
      },
      "relationship_types": {"supplies": {"inverse": "supplied_by"}, "stores": {}},
      "relationships": [
        {"from": "company", "to": "product", "type": "supplies", "cardinality": {"max_sources": 1}},
        {"from": "warehouse", "to": "product", "type": "stores"}
      ]
    })"));
}

// Runs f on a copy of m, which must throw udm::Error with sqlstate; returns the message.
std::string fails(const char* sqlstate, const Model& m, const std::function<void(Model&)>& f) {
    Model copy = m;
    try {
        f(copy);
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), sqlstate) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "no udm::Error thrown, expected " << sqlstate;
    return {};
}

const Json kNoRules = Json::object();

// --- classes ---------------------------------------------------------------------------------

TEST(EditClass, CreateAddsAnEmptyClass) {
    Model m = base();
    create_class(m, "invoice", std::string("Bills"), Json::parse(R"({"label": "number"})"));
    const model::ThingClass& c = m.classes.at("invoice");
    EXPECT_EQ(c.name, "invoice");
    EXPECT_EQ(c.description, std::optional<std::string>("Bills"));
    EXPECT_EQ(c.rules, Json::parse(R"({"label": "number"})"));
    EXPECT_TRUE(c.assignments.empty());
    EXPECT_TRUE(c.id.empty());
    EXPECT_FALSE(c.renamed_from.has_value());
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditClass, CreateRefusesBadArguments) {
    const Model m = base();
    EXPECT_TRUE(contains(
        fails("42710", m, [](Model& x) { create_class(x, "product", std::nullopt, kNoRules); }),
        "class \"product\" already exists"));
    fails("22023", m, [](Model& x) { create_class(x, "Invoice", std::nullopt, kNoRules); });
    fails("22023", m, [](Model& x) { create_class(x, "in__voice", std::nullopt, kNoRules); });
    fails("22023", m,
          [](Model& x) { create_class(x, std::string(129, 'a'), std::nullopt, kNoRules); });
    fails("22023", m, [](Model& x) { create_class(x, "invoice", std::nullopt, Json::array()); });
    fails("22023", m, [](Model& x) { create_class(x, "invoice", std::nullopt, Json("x")); });
}

TEST(EditClass, RenameCarriesTargetsAndRelationships) {
    Model m = base();
    rename_class(m, "company", "vendor");
    EXPECT_FALSE(m.classes.count("company"));
    const model::ThingClass& v = m.classes.at("vendor");
    EXPECT_EQ(v.name, "vendor");
    EXPECT_EQ(v.renamed_from, std::optional<std::string>("company"));
    EXPECT_EQ(v.assignments.count("title"), 1u);
    EXPECT_EQ(m.attributes.at("supplier").target, std::optional<std::string>("vendor"));
    ASSERT_EQ(m.relationships.count(model::relationship_key("vendor", "supplies", "product")), 1u);
    EXPECT_EQ(m.relationships.count(model::relationship_key("company", "supplies", "product")), 0u);
    const auto& r = m.relationships.at(model::relationship_key("vendor", "supplies", "product"));
    EXPECT_EQ(r.from, "vendor");
    EXPECT_EQ(r.cardinality.max_sources, std::optional<std::int64_t>(1));
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditClass, RenameOfASelfRelatedClassUpdatesBothEnds) {
    Model m = base();
    allow_relationship(m, "product", "product", "stores", Json(), true);
    rename_class(m, "product", "item");
    const auto key = model::relationship_key("item", "stores", "item");
    ASSERT_EQ(m.relationships.count(key), 1u);
    EXPECT_EQ(m.relationships.at(key).from, "item");
    EXPECT_EQ(m.relationships.at(key).to, "item");
    EXPECT_TRUE(m.relationships.at(key).bidirectional);
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditClass, RenameTwiceRemembersTheOriginalName) {
    Model m = base();
    rename_class(m, "company", "vendor");
    rename_class(m, "vendor", "maker");
    EXPECT_EQ(m.classes.at("maker").renamed_from, std::optional<std::string>("company"));
    EXPECT_EQ(m.attributes.at("supplier").target, std::optional<std::string>("maker"));
    rename_class(m, "maker", "maker");  // to its own name: nothing happens
    EXPECT_EQ(m.classes.size(), 3u);
}

TEST(EditClass, RenameRefusesBadArguments) {
    const Model m = base();
    fails("42704", m, [](Model& x) { rename_class(x, "nothing", "other"); });
    fails("22023", m,
          [](Model& x) { rename_class(x, "No Thing", "other"); });  // bad unknown name: 22023
    fails("42710", m, [](Model& x) { rename_class(x, "company", "product"); });
    fails("22023", m, [](Model& x) { rename_class(x, "company", "Vendor"); });
    fails("22023", m, [](Model& x) { rename_class(x, "company", ""); });
}

TEST(EditClass, DropRemovesItAndItsRelationships) {
    Model m = base();
    drop_class(m, "warehouse");
    EXPECT_FALSE(m.classes.count("warehouse"));
    EXPECT_EQ(m.relationships.size(), 1u);
    EXPECT_EQ(m.relationships.count(model::relationship_key("company", "supplies", "product")), 1u);
    drop_class(m, "product");  // the reference supplier points at company, not product
    EXPECT_TRUE(m.relationships.empty());
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditClass, DropRefusesAReferencedClass) {
    Model m = base();
    Error e("XX000", "");
    try {
        drop_class(m, "company");
        FAIL() << "no error";
    } catch (const Error& err) {
        e = err;
    }
    EXPECT_STREQ(e.sqlstate(), "2BP01");
    EXPECT_EQ(std::string(e.what()),
              "cannot drop class \"company\": reference attributes point at it");
    EXPECT_TRUE(contains(e.detail(), "\"supplier\"")) << e.detail();
    EXPECT_TRUE(contains(e.detail(), "\"product\"")) << e.detail();
    EXPECT_FALSE(e.hint().empty());
    EXPECT_EQ(m.classes.count("company"), 1u);  // unchanged

    // Even a reference attribute assigned to no class keeps it.
    Model self = base();
    create_attribute(self, "parent", "reference", kNoRules, std::string("warehouse"), std::nullopt);
    fails("2BP01", self, [](Model& x) { drop_class(x, "warehouse"); });
    fails("42704", base(), [](Model& x) { drop_class(x, "nothing"); });
}

// --- attributes -------------------------------------------------------------------------------

TEST(EditAttribute, CreateEveryType) {
    Model m = base();
    for (const char* type : {"text", "number", "integer", "boolean", "date", "timestamp", "json"}) {
        const std::string name = std::string("new_") + type;
        create_attribute(m, name, type, kNoRules, std::nullopt, std::string("d"));
        EXPECT_EQ(model::type_name(m.attributes.at(name).type), type);
        EXPECT_EQ(m.attributes.at(name).description, std::optional<std::string>("d"));
        EXPECT_FALSE(m.attributes.at(name).target.has_value());
    }
    create_attribute(m, "maker", "reference", Json::parse(R"({"indexed": true})"),
                     std::string("company"), std::nullopt);
    EXPECT_EQ(m.attributes.at("maker").type, DataType::kReference);
    EXPECT_EQ(m.attributes.at("maker").target, std::optional<std::string>("company"));
    EXPECT_EQ(m.attributes.at("maker").rules, Json::parse(R"({"indexed": true})"));
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditAttribute, CreateRefusesBadArguments) {
    const Model m = base();
    const auto none = std::optional<std::string>();
    EXPECT_TRUE(
        contains(fails("22023", m,
                       [&](Model& x) { create_attribute(x, "n", "string", kNoRules, none, none); }),
                 "unknown data type \"string\""));
    fails("22023", m, [&](Model& x) { create_attribute(x, "Name", "text", kNoRules, none, none); });
    fails("22023", m, [&](Model& x) { create_attribute(x, "id", "text", kNoRules, none, none); });
    fails("22023", m,
          [&](Model& x) { create_attribute(x, "xmin", "integer", kNoRules, none, none); });
    fails("22023", m,
          [&](Model& x) { create_attribute(x, "n", "text", Json::array(), none, none); });
    fails("42710", m,
          [&](Model& x) { create_attribute(x, "title", "text", kNoRules, none, none); });
    fails("22023", m,
          [&](Model& x) { create_attribute(x, "owner", "reference", kNoRules, none, none); });
    fails("42704", m, [&](Model& x) {
        create_attribute(x, "owner", "reference", kNoRules, std::string("person"), none);
    });
    fails("22023", m, [&](Model& x) {
        create_attribute(x, "owner", "reference", kNoRules, std::string("Person"), none);
    });
    fails("22023", m, [&](Model& x) {
        create_attribute(x, "n", "text", kNoRules, std::string("company"), none);
    });
}

TEST(EditAttribute, AlterRenameMovesEveryAssignment) {
    Model m = base();
    AttributeChange change;
    change.new_name = "name";
    alter_attribute(m, "title", change);
    EXPECT_FALSE(m.attributes.count("title"));
    EXPECT_EQ(m.attributes.at("name").name, "name");
    EXPECT_EQ(m.attributes.at("name").renamed_from, std::optional<std::string>("title"));
    for (const char* cls : {"product", "company"}) {
        const auto& as = m.classes.at(cls).assignments;
        EXPECT_FALSE(as.count("title")) << cls;
        ASSERT_TRUE(as.count("name")) << cls;
        EXPECT_EQ(as.at("name").attribute, "name") << cls;
    }
    EXPECT_TRUE(m.classes.at("product").assignments.at("name").required);  // kept
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditAttribute, AlterTypeTargetDescriptionRules) {
    Model m = base();
    AttributeChange to_text;
    to_text.data_type = "text";
    alter_attribute(m, "supplier", to_text);
    EXPECT_EQ(m.attributes.at("supplier").type, DataType::kText);
    EXPECT_FALSE(m.attributes.at("supplier").target.has_value());  // a text has no target

    AttributeChange to_ref;
    to_ref.data_type = "reference";
    to_ref.target = "warehouse";
    alter_attribute(m, "supplier", to_ref);
    EXPECT_EQ(m.attributes.at("supplier").type, DataType::kReference);
    EXPECT_EQ(m.attributes.at("supplier").target, std::optional<std::string>("warehouse"));

    AttributeChange retarget;
    retarget.target = "company";
    alter_attribute(m, "supplier", retarget);
    EXPECT_EQ(m.attributes.at("supplier").target, std::optional<std::string>("company"));

    AttributeChange doc;
    doc.description = "The price in euros";
    doc.rules = Json::parse(R"({"min": 0})");
    alter_attribute(m, "price", doc);
    EXPECT_EQ(m.attributes.at("price").description,
              std::optional<std::string>("The price in euros"));
    EXPECT_EQ(m.attributes.at("price").rules, Json::parse(R"({"min": 0})"));
    EXPECT_EQ(m.attributes.at("price").type, DataType::kNumber);  // untouched fields stay

    alter_attribute(m, "price", AttributeChange{});  // nothing to change
    EXPECT_EQ(m.attributes.at("price").rules, Json::parse(R"({"min": 0})"));
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditAttribute, AlterRefusesBadArguments) {
    const Model m = base();
    auto change = [](auto set) {
        AttributeChange c;
        set(c);
        return c;
    };
    fails("42704", m, [&](Model& x) { alter_attribute(x, "nothing", AttributeChange{}); });
    fails("22023", m, [&](Model& x) { alter_attribute(x, "No thing", AttributeChange{}); });
    fails("22023", m, [&](Model& x) {
        alter_attribute(x, "title", change([](AttributeChange& c) { c.data_type = "varchar"; }));
    });
    fails("22023", m, [&](Model& x) {
        alter_attribute(x, "title", change([](AttributeChange& c) { c.data_type = "reference"; }));
    });
    fails("42704", m, [&](Model& x) {
        alter_attribute(x, "supplier", change([](AttributeChange& c) { c.target = "person"; }));
    });
    fails("22023", m, [&](Model& x) {
        alter_attribute(x, "title", change([](AttributeChange& c) { c.target = "company"; }));
    });
    fails("22023", m, [&](Model& x) {
        alter_attribute(x, "title", change([](AttributeChange& c) { c.rules = Json(5); }));
    });
    fails("42710", m, [&](Model& x) {
        alter_attribute(x, "title", change([](AttributeChange& c) { c.new_name = "price"; }));
    });
    fails("22023", m, [&](Model& x) {
        alter_attribute(x, "title", change([](AttributeChange& c) { c.new_name = "row_version"; }));
    });
    fails("22023", m, [&](Model& x) {
        alter_attribute(x, "title", change([](AttributeChange& c) { c.new_name = "Title"; }));
    });
}

TEST(EditAttribute, DropRefusesAnAssignedAttributeUnlessForced) {
    Model m = base();
    const std::string message =
        fails("2BP01", m, [](Model& x) { drop_attribute(x, "title", false); });
    EXPECT_TRUE(contains(message, "\"company\", \"product\"")) << message;

    drop_attribute(m, "title", true);
    EXPECT_FALSE(m.attributes.count("title"));
    EXPECT_FALSE(m.classes.at("product").assignments.count("title"));
    EXPECT_FALSE(m.classes.at("company").assignments.count("title"));
    EXPECT_EQ(m.classes.at("product").assignments.size(), 2u);  // price and supplier stay

    drop_attribute(m, "spare", false);  // not assigned: no force needed
    EXPECT_FALSE(m.attributes.count("spare"));
    fails("42704", m, [](Model& x) { drop_attribute(x, "spare", true); });
    EXPECT_NO_THROW(model::check_references(m));
}

// --- assignments -------------------------------------------------------------------------------

TEST(EditAssignment, AssignAndUnassign) {
    Model m = base();
    assign_attribute(m, "warehouse", "title", true, Json::parse(R"({"unique": true})"));
    const model::Assignment& a = m.classes.at("warehouse").assignments.at("title");
    EXPECT_EQ(a.attribute, "title");
    EXPECT_TRUE(a.required);
    EXPECT_EQ(a.rules, Json::parse(R"({"unique": true})"));
    EXPECT_TRUE(model::wants_unique(m, m.classes.at("warehouse"), a));

    unassign_attribute(m, "product", "price");
    EXPECT_FALSE(m.classes.at("product").assignments.count("price"));
    EXPECT_TRUE(m.attributes.count("price"));  // the attribute itself stays
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditAssignment, AlterChangesRequiredAndRulesOnly) {
    Model m = base();
    assign_attribute(m, "warehouse", "title", false, kNoRules);
    alter_assignment(m, "warehouse", "title", true, std::nullopt);
    EXPECT_TRUE(m.classes.at("warehouse").assignments.at("title").required);
    EXPECT_EQ(m.classes.at("warehouse").assignments.at("title").rules, kNoRules);
    alter_assignment(m, "warehouse", "title", std::nullopt, Json::parse(R"({"max_length": 9})"));
    EXPECT_TRUE(m.classes.at("warehouse").assignments.at("title").required);
    EXPECT_EQ(m.classes.at("warehouse").assignments.at("title").rules,
              Json::parse(R"({"max_length": 9})"));
    const Model unchanged = m;
    fails("42704", unchanged,
          [](Model& x) { alter_assignment(x, "warehouse", "price", true, std::nullopt); });
    fails("42704", unchanged,
          [](Model& x) { alter_assignment(x, "nothing", "title", true, std::nullopt); });
    fails("22023", unchanged,
          [](Model& x) { alter_assignment(x, "warehouse", "title", std::nullopt, Json::array()); });
}

TEST(EditAssignment, RefusesBadArguments) {
    const Model m = base();
    fails("42710", m, [](Model& x) { assign_attribute(x, "product", "title", false, kNoRules); });
    fails("42704", m, [](Model& x) { assign_attribute(x, "nothing", "title", false, kNoRules); });
    fails("42704", m, [](Model& x) { assign_attribute(x, "product", "nothing", false, kNoRules); });
    fails("22023", m,
          [](Model& x) { assign_attribute(x, "product", "spare", false, Json::array()); });
    fails("22023", m,
          [](Model& x) { assign_attribute(x, "product", "is_deleted", false, kNoRules); });
    const std::string message =
        fails("42704", m, [](Model& x) { unassign_attribute(x, "warehouse", "title"); });
    EXPECT_EQ(message, "attribute \"title\" is not assigned to class \"warehouse\"");
    fails("42704", m, [](Model& x) { unassign_attribute(x, "nothing", "title"); });
    fails("42704", m, [](Model& x) { unassign_attribute(x, "product", "nothing"); });
}

// --- relationship types and allowed relationships
// -------------------------------------------------

TEST(EditRelationshipType, CreateAndDrop) {
    Model m = base();
    create_relationship_type(m, "owns", std::string("owned_by"), std::string("Ownership"));
    const model::RelationshipType& t = m.relationship_types.at("owns");
    EXPECT_EQ(t.name, "owns");
    EXPECT_EQ(t.inverse, std::optional<std::string>("owned_by"));
    EXPECT_EQ(t.description, std::optional<std::string>("Ownership"));
    EXPECT_TRUE(t.id.empty());
    create_relationship_type(m, "knows", std::string("knows"), std::nullopt);  // symmetric
    drop_relationship_type(m, "owns");
    EXPECT_FALSE(m.relationship_types.count("owns"));
    EXPECT_TRUE(m.relationship_types.count("knows"));
}

TEST(EditRelationshipType, RefusesBadArguments) {
    const Model m = base();
    fails("42710", m,
          [](Model& x) { create_relationship_type(x, "supplies", std::nullopt, std::nullopt); });
    fails("22023", m,
          [](Model& x) { create_relationship_type(x, "Owns", std::nullopt, std::nullopt); });
    fails("22023", m, [](Model& x) {
        create_relationship_type(x, "owns", std::string("owned by"), std::nullopt);
    });
    const std::string message =
        fails("2BP01", m, [](Model& x) { drop_relationship_type(x, "stores"); });
    EXPECT_TRUE(contains(message, "from class \"warehouse\" to class \"product\"")) << message;
    fails("42704", m, [](Model& x) { drop_relationship_type(x, "owns"); });
    fails("22023", m, [](Model& x) { drop_relationship_type(x, "Owns"); });
}

TEST(EditRelationship, AllowAndDisallow) {
    Model m = base();
    allow_relationship(m, "product", "warehouse", "stores", Json::parse(R"({"max_targets": 1})"),
                       true);
    const auto key = model::relationship_key("product", "stores", "warehouse");
    ASSERT_EQ(m.relationships.count(key), 1u);
    const model::AllowedRelationship& r = m.relationships.at(key);
    EXPECT_EQ(r.from, "product");
    EXPECT_EQ(r.to, "warehouse");
    EXPECT_EQ(r.type, "stores");
    EXPECT_EQ(r.cardinality.max_targets, std::optional<std::int64_t>(1));
    EXPECT_FALSE(r.cardinality.max_sources.has_value());
    EXPECT_TRUE(r.bidirectional);
    EXPECT_TRUE(r.id.empty());
    // The opposite direction is a different relationship.
    EXPECT_EQ(m.relationships.count(model::relationship_key("warehouse", "stores", "product")), 1u);

    disallow_relationship(m, "warehouse", "product", "stores");
    EXPECT_EQ(m.relationships.count(model::relationship_key("warehouse", "stores", "product")), 0u);
    EXPECT_EQ(m.relationships.count(key), 1u);
    EXPECT_NO_THROW(model::check_references(m));
}

TEST(EditRelationship, RefusesBadArguments) {
    const Model m = base();
    fails("42710", m,
          [](Model& x) { allow_relationship(x, "warehouse", "product", "stores", Json(), false); });
    fails("42704", m,
          [](Model& x) { allow_relationship(x, "nothing", "product", "stores", Json(), false); });
    fails("42704", m,
          [](Model& x) { allow_relationship(x, "product", "nothing", "stores", Json(), false); });
    fails("42704", m,
          [](Model& x) { allow_relationship(x, "product", "company", "owns", Json(), false); });
    fails("22023", m,
          [](Model& x) { allow_relationship(x, "product", "company", "Owns", Json(), false); });
    for (const char* bad : {R"({"max_targets": 0})", R"({"max_sources": -3})",
                            R"({"max_targets": 1.5})", R"({"limit": 1})", "[]", "7"}) {
        fails("22023", m, [&](Model& x) {
            allow_relationship(x, "product", "company", "stores", Json::parse(bad), false);
        });
    }
    const std::string message = fails(
        "42704", m, [](Model& x) { disallow_relationship(x, "product", "warehouse", "stores"); });
    EXPECT_EQ(
        message,
        "relationship \"stores\" is not allowed from class \"product\" to class \"warehouse\"");
    fails("42704", m, [](Model& x) { disallow_relationship(x, "nothing", "warehouse", "stores"); });
}

TEST(EditErrors, HugeNamesAreAbbreviated) {
    const Model m = base();
    const std::string huge(50000, 'z');
    for (const auto& f : std::vector<std::function<void(Model&)>>{
             [&](Model& x) { create_class(x, huge, std::nullopt, kNoRules); },
             [&](Model& x) { drop_class(x, huge); },
             [&](Model& x) { rename_class(x, "product", huge); },
             [&](Model& x) {
                 create_attribute(x, "n", huge, kNoRules, std::nullopt, std::nullopt);
             },
             [&](Model& x) { disallow_relationship(x, "product", "company", huge); },
         }) {
        Model copy = m;
        try {
            f(copy);
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_LT(std::string(e.what()).size(), 300u);
            EXPECT_LT(e.detail().size(), 300u);
        }
    }
}

// --- edits through the planner
// --------------------------------------------------------------------

class EditThenPlan : public ::testing::Test {
  protected:
    void SetUp() override {
        current_ = base();
        planner::plan(tenant_, Model{}, current_, ids());  // current_ now has catalog ids
    }
    planner::IdGenerator ids() {
        return [this] {
            const std::string n = std::to_string(++n_);
            return "00000000-0000-4000-8000-" + std::string(12 - n.size(), '0') + n;
        };
    }
    planner::Plan plan(Model desired) { return planner::plan(tenant_, current_, desired, ids()); }
    static std::string all_ddl(const planner::Plan& p) {
        std::string out;
        for (const auto& s : p.ddl())
            out += s + ";\n";
        return out;
    }

    naming::TenantNames tenant_ = naming::tenant_names("acme");
    Model current_;
    int n_ = 0;
};

TEST_F(EditThenPlan, NoEditNoPlan) {
    EXPECT_TRUE(plan(current_).empty());
}

TEST_F(EditThenPlan, RenameClassIsARenameNotARebuild) {
    Model m = current_;
    rename_class(m, "company", "vendor");
    planner::Plan p = plan(m);
    const std::string ddl = all_ddl(p);
    EXPECT_TRUE(contains(ddl, "ALTER TABLE \"tenant_acme\".\"tc_company\" RENAME TO \"tc_vendor\""))
        << ddl;
    EXPECT_FALSE(contains(ddl, "CREATE TABLE")) << ddl;
    EXPECT_FALSE(contains(ddl, "DROP TABLE")) << ddl;
    // The reference attribute follows: no retarget, no relationship change.
    for (const auto& s : p.steps) {
        EXPECT_NE(s.action, "change reference target");
        EXPECT_NE(s.action, "disallow relationship");
        EXPECT_NE(s.action, "allow relationship");
    }
}

TEST_F(EditThenPlan, RenameAttributeRenamesTheColumnEverywhere) {
    Model m = current_;
    AttributeChange c;
    c.new_name = "name";
    alter_attribute(m, "title", c);
    const std::string ddl = all_ddl(plan(m));
    EXPECT_TRUE(contains(
        ddl, "ALTER TABLE \"tenant_acme\".\"tc_product\" RENAME COLUMN \"title\" TO \"name\""))
        << ddl;
    EXPECT_TRUE(contains(
        ddl, "ALTER TABLE \"tenant_acme\".\"tc_company\" RENAME COLUMN \"title\" TO \"name\""))
        << ddl;
    EXPECT_FALSE(contains(ddl, "DROP COLUMN")) << ddl;
    EXPECT_FALSE(contains(ddl, "ADD COLUMN")) << ddl;
}

TEST_F(EditThenPlan, EachEditGivesTheMatchingStep) {
    struct Case {
        const char* what;
        std::function<void(Model&)> edit;
        const char* action;
        const char* ddl;  // a statement the plan must hold; empty for catalog-only changes
    };
    const Case cases[] = {
        {"create class", [](Model& m) { create_class(m, "invoice", std::nullopt, kNoRules); },
         "create class", "CREATE TABLE \"tenant_acme\".\"tc_invoice\""},
        {"drop class", [](Model& m) { drop_class(m, "warehouse"); }, "drop class",
         "DROP TABLE \"tenant_acme\".\"tc_warehouse\""},
        {"assign", [](Model& m) { assign_attribute(m, "warehouse", "price", false, kNoRules); },
         "add attribute",
         "ALTER TABLE \"tenant_acme\".\"tc_warehouse\" ADD COLUMN \"price\" numeric"},
        {"unassign", [](Model& m) { unassign_attribute(m, "product", "price"); },
         "remove attribute", "ALTER TABLE \"tenant_acme\".\"tc_product\" DROP COLUMN \"price\""},
        {"drop attribute", [](Model& m) { drop_attribute(m, "spare", false); }, "drop attribute",
         ""},
        {"create attribute",
         [](Model& m) {
             create_attribute(m, "note", "text", kNoRules, std::nullopt, std::nullopt);
         },
         "create attribute", ""},
        {"create type",
         [](Model& m) { create_relationship_type(m, "owns", std::nullopt, std::nullopt); },
         "create relationship type", ""},
        {"drop type",
         [](Model& m) {
             disallow_relationship(m, "warehouse", "product", "stores");
             drop_relationship_type(m, "stores");
         },
         "drop relationship type", ""},
        {"allow",
         [](Model& m) { allow_relationship(m, "product", "company", "stores", Json(), false); },
         "allow relationship", ""},
        {"disallow", [](Model& m) { disallow_relationship(m, "warehouse", "product", "stores"); },
         "disallow relationship", ""},
    };
    for (const Case& c : cases) {
        Model m = current_;
        c.edit(m);
        planner::Plan p = plan(m);
        bool found = false;
        for (const auto& s : p.steps)
            found = found || s.action == c.action;
        EXPECT_TRUE(found) << c.what;
        if (*c.ddl != '\0') {
            EXPECT_TRUE(contains(all_ddl(p), c.ddl)) << c.what << "\n" << all_ddl(p);
        } else {
            EXPECT_TRUE(p.ddl().empty()) << c.what << "\n" << all_ddl(p);
        }
    }
}

}  // namespace
}  // namespace udm::edit
