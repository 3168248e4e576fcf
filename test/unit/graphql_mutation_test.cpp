// The mutation schema (Mutation.insertInto<Class>Collection, update..., deleteFrom...) and
// the compiler of mutations: SQL text and parameters, the bounds, and the rule check of the
// inputs before any SQL runs. sql/graphql_mutation.sql runs the statements.
#include <gtest/gtest.h>

#include <string>

#include "udm/core/graphql/compile.hpp"
#include "udm/core/model.hpp"
#include "udm/core/rules.hpp"

namespace udm::graphql {
namespace {

using nlohmann::json;

const model::Model& shop_model() {
    static const model::Model m = model::parse_model(json::parse(R"({
      "attributes": {"name": {"type": "text", "rules": {"min_length": 2}},
                     "price": {"type": "number", "rules": {"min": 0}},
                     "stock": {"type": "integer", "rules": {"max": 100}},
                     "tags": {"type": "json"},
                     "maker": {"type": "reference", "target": "company"}},
      "classes": {"product": {"attributes": {"name": {"required": true}, "price": {}, "stock": {},
                                             "tags": {}, "maker": {}},
                              "rules": {"required_together": [["price", "stock"]]}},
                  "company": {"attributes": {"name": {}}},
                  "product_insert_input": {}}
    })"));
    return m;
}

const Schema& shop() {
    static const Schema s = build_schema(shop_model());
    return s;
}

PlannedField root_of(const std::string& doc, const json& variables = json()) {
    PrepareResult r = prepare(shop(), doc, variables, std::nullopt);
    EXPECT_TRUE(r.ok()) << doc << (r.errors.empty() ? "" : r.errors[0].message);
    return r.ok() ? r.operation->root_field() : PlannedField{};
}

CompileResult compiled(const std::string& doc, const json& variables = json()) {
    return compile_mutation(shop(), shop_model(), "tenant_acme", root_of(doc, variables));
}

std::string refusal(const std::string& doc, const json& variables = json()) {
    CompileResult r = compiled(doc, variables);
    if (r.ok())
        return "";
    EXPECT_EQ(r.code, "BAD_USER_INPUT");
    return r.error->message;
}

std::string params_of(const CompiledQuery& q) {
    std::string out;
    for (const auto& p : q.params)
        out += (out.empty() ? "" : "|") + (p ? *p : std::string("NULL"));
    return out;
}

TEST(GraphqlMutationSchema, FieldsArgumentsAndInputTypes) {
    const Schema& s = shop();
    const Type* m = s.find_type("Mutation");
    ASSERT_NE(m, nullptr);
    const Field* insert = m->field("insertIntoProductCollection");
    ASSERT_NE(insert, nullptr);
    EXPECT_EQ(insert->type.to_string(), "ProductMutationResponse!");
    EXPECT_EQ(insert->arguments.at(0).name, "objects");
    // A class took the plain name ProductInsertInput: the input type gives way.
    EXPECT_EQ(insert->arguments.at(0).type.to_string(), "[ProductInsertInput_2!]!");
    EXPECT_EQ(s.find_type("ProductInsertInput")->kind, TypeKind::kObject);
    const Field* update = m->field("updateProductCollection");
    ASSERT_NE(update, nullptr);
    std::string args;
    for (const InputValue& a : update->arguments) {
        args += a.name + ": " + a.type.to_string() +
                (a.default_value ? " = " + a.default_value->dump() : "") + " ";
    }
    EXPECT_EQ(args, "set: ProductUpdateInput! filter: ProductFilter atMost: Int! = 1 ");
    const Field* remove = m->field("deleteFromProductCollection");
    ASSERT_NE(remove, nullptr);
    EXPECT_EQ(remove->arguments.size(), 2u);
    std::string fields;
    for (const InputValue& f : s.find_type("ProductUpdateInput")->input_fields)
        fields += f.name + ": " + f.type.to_string() + " ";
    EXPECT_EQ(fields, "makerId: ID name: String price: Float stock: BigInt tags: JSON ");
    EXPECT_EQ(s.find_type("ProductMutationResponse")->field("records")->type.to_string(),
              "[Product!]!");
    // A class without attributes still has inputs GraphQL accepts (an input object needs a
    // field).
    EXPECT_EQ(s.find_type("ProductInsertInputUpdateInput")->input_fields.at(0).name, "_");
    // No classes, no Mutation type.
    EXPECT_EQ(build_schema(model::Model{}).find_type("Mutation"), nullptr);
}

TEST(GraphqlMutationCompiler, InsertIsOneStatementWithValuesAsParameters) {
    CompileResult r = compiled(R"(mutation { insertIntoProductCollection(objects: [
        {name: "a'); DROP TABLE x; --", price: 3, stock: "12", tags: {k: [1]}},
        {name: "bb", makerId: null}]) { affectedCount records { name } } })");
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_EQ(r.query->sql,
              "WITH w AS (INSERT INTO \"tenant_acme\".\"tc_product\" AS t (\"maker\", \"name\", "
              "\"price\", \"stock\", \"tags\") VALUES (DEFAULT, $1::text, $2::numeric, $3::bigint, "
              "$4::jsonb), ($5::uuid, $6::text, DEFAULT, DEFAULT, DEFAULT) RETURNING t.*) SELECT "
              "pg_catalog.jsonb_build_object('affectedCount', (SELECT pg_catalog.count(*) FROM "
              "w)::integer, 'records', COALESCE((SELECT "
              "pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', p.\"name\")) FROM w p), "
              "'[]'::jsonb))");
    // A whole Float is written as an integer; the JSON value as its text.
    EXPECT_EQ(params_of(*r.query), "a'); DROP TABLE x; --|3|12|{\"k\":[1]}|NULL|bb");
    EXPECT_FALSE(r.query->at_most.has_value());
}

TEST(GraphqlMutationCompiler, UpdateAndDeleteLockAtMostPlusOne) {
    CompileResult r = compiled(
        R"(mutation { updateProductCollection(set: {price: 2.5, makerId: null},
             filter: {name: {eq: "x"}}, atMost: 3) { affectedCount } })");
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_EQ(r.query->sql,
              "WITH target AS (SELECT t1.id FROM \"tenant_acme\".\"tc_product\" t1 WHERE NOT "
              "t1.is_deleted AND (t1.\"name\" = $3::text) ORDER BY t1.id LIMIT 3 + 1 "
              "FOR UPDATE OF t1), w AS (UPDATE \"tenant_acme\".\"tc_product\" AS t SET "
              "\"maker\" = $1::uuid, \"price\" = $2::numeric WHERE t.id IN (SELECT target.id FROM "
              "target) AND (SELECT pg_catalog.count(*) FROM target) <= 3 RETURNING t.*) "
              "SELECT pg_catalog.jsonb_build_object('affectedCount', (SELECT pg_catalog.count(*) "
              "FROM w)::integer), (SELECT pg_catalog.count(*) FROM target)");
    EXPECT_EQ(params_of(*r.query), "NULL|2.5|x");
    EXPECT_EQ(r.query->at_most, 3);

    r = compiled("mutation { deleteFromProductCollection { records { id } } }");
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_NE(r.query->sql.find("SET is_deleted = true WHERE"), std::string::npos);
    EXPECT_NE(r.query->sql.find("WHERE NOT t1.is_deleted AND TRUE"), std::string::npos);
    EXPECT_EQ(r.query->at_most, 1);
}

TEST(GraphqlMutationCompiler, BadArgumentsAreRefused) {
    EXPECT_EQ(refusal("mutation { updateProductCollection(set: {}) { affectedCount } }"),
              "Argument \"set\" must give at least one attribute.");
    EXPECT_EQ(refusal("mutation { deleteFromProductCollection(atMost: -1) { affectedCount } }"),
              "Argument \"atMost\" must be between 0 and 1000.");
    EXPECT_EQ(refusal("mutation { deleteFromProductCollection(atMost: 1001) { affectedCount } }"),
              "Argument \"atMost\" must be between 0 and 1000.");
    json many = json::array();
    for (int i = 0; i < 1001; ++i)
        many.push_back({{"name", "n" + std::to_string(i)}});
    EXPECT_EQ(refusal("mutation($o: [ProductInsertInput_2!]!) { insertIntoProductCollection("
                      "objects: $o) { affectedCount } }",
                      {{"o", many}}),
              "Argument \"objects\" lists more than 1000 things.");
    // No objects: a statement that writes nothing.
    CompileResult r =
        compiled("mutation { insertIntoProductCollection(objects: []) { affectedCount } }");
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r.query->sql.find("WHERE FALSE"), std::string::npos);
    // Not a mutation of things.
    PrepareResult p = prepare(shop(), "mutation { __typename }", json(), std::nullopt);
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(writes_things(shop(), p.operation->root_field()));
    EXPECT_EQ(compile_mutation(shop(), shop_model(), "t", p.operation->root_field()).code,
              "INTERNAL");
}

// The rules of the inputs, judged before SQL: paths into the inputs, never the value.
TEST(GraphqlMutationInputs, RulesAreJudgedWithInputPaths) {
    const rules::CompiledClass product =
        rules::compile(shop_model(), shop_model().classes.at("product"));
    const RulesOf rules_of = [&](const std::string& cls) -> const rules::CompiledClass* {
        return cls == "product" ? &product : nullptr;
    };
    auto judged = [&](const std::string& doc) {
        std::string out;
        for (const InputViolation& v :
             check_inputs(shop(), shop_model(), root_of(doc), rules_of, 0)) {
            out += (out.empty() ? "" : "; ") + v.path + " " + v.attribute + " " + v.rule + ": " +
                   v.message;
        }
        return out;
    };
    EXPECT_EQ(judged(R"(mutation { insertIntoProductCollection(objects: [
                          {name: "ok", price: 1, stock: "5"},
                          {name: "x", price: -1, stock: "101", makerId: "nope"}]) { affectedCount } })"),
              "objects[1].makerId maker type: must be a uuid string; objects[1].name name "
              "min_length: must be at least 2 characters long; objects[1].price price min: must "
              "be at least 0; objects[1].stock stock max: must be at most 100");
    EXPECT_EQ(judged(R"(mutation { insertIntoProductCollection(objects: [{price: 1}]) {
                          affectedCount } })"),
              "objects[0].name name required: is required; objects[0].stock stock "
              "required_together: is required together with price");
    // An update judges what it sets: not the attributes it leaves, nor the class's rules.
    EXPECT_EQ(judged(R"(mutation { updateProductCollection(set: {price: 1}) { affectedCount } })"),
              "");
    EXPECT_EQ(judged(R"(mutation { updateProductCollection(set: {name: null, stock: 500}) {
                          affectedCount } })"),
              "set.name name required: is required; set.stock stock max: must be at most 100");
    EXPECT_EQ(judged("mutation { deleteFromProductCollection { affectedCount } }"), "");
}

// The estimate of things a root field reads or writes, made before SQL runs.
TEST(GraphqlEstimate, PagesTimesWhatEachThingNests) {
    auto things = [](const std::string& doc) { return estimate_things(shop(), root_of(doc)); };
    EXPECT_EQ(things(R"({ product(id: "x") { name } })"), 1u);
    EXPECT_EQ(things(R"({ product(id: "x") { name maker { name } } })"), 2u);
    // The default page (100), what first or last asks for; pageInfo reads no thing.
    // totalCount and aggregate read what passes: a page each.
    EXPECT_EQ(things("{ productCollection { totalCount } }"), 100u);
    EXPECT_EQ(things("{ productCollection(first: 5) { totalCount aggregate { count } } }"), 10u);
    EXPECT_EQ(things("{ productCollection { edges { node { name } } } }"), 100u);
    EXPECT_EQ(things("{ productCollection(first: 7) { edges { node { maker { name } } } } }"), 14u);
    EXPECT_EQ(things("{ productCollection(last: 3) { edges { cursor node { id } } pageInfo { "
                     "hasNextPage } } }"),
              3u);
    // Mutations: their objects or atMost written, plus what each record read nests.
    EXPECT_EQ(things(R"(mutation { insertIntoProductCollection(objects: [{name: "a"}, {name: "b"}])
                         { records { maker { name } } } })"),
              6u);
    EXPECT_EQ(things("mutation { deleteFromProductCollection(atMost: 50) { records { id } } }"),
              100u);
    // What a mutation writes counts even when it selects no record.
    EXPECT_EQ(things("mutation { updateProductCollection(set: {price: 1}) { affectedCount } }"),
              1u);
    EXPECT_EQ(things("mutation { deleteFromProductCollection(atMost: 900) { affectedCount } }"),
              900u);
}

}  // namespace
}  // namespace udm::graphql
