// The query schema (Query.product, Query.productCollection and their types) and the
// compiler of queries over things: SQL text and parameters for each construct, cursors,
// limits and the errors of bad input. sql/graphql_query.sql runs the statements.
#include "udm/core/graphql/compile.hpp"

#include <gtest/gtest.h>

#include <string>

#include "udm/core/model.hpp"

namespace udm::graphql {
namespace {

using nlohmann::json;

const model::Model& shop_model() {
    static const model::Model m = model::parse_model(json::parse(R"({
      "attributes": {"name": {"type": "text"}, "price": {"type": "number"},
                     "stock": {"type": "integer"}, "tags": {"type": "json"},
                     "maker": {"type": "reference", "target": "company"}},
      "classes": {"product": {"attributes": {"name": {"required": true}, "price": {}, "stock": {},
                                             "tags": {}, "maker": {}}},
                  "company": {"attributes": {"name": {}, "maker": {}}}}
    })"));
    return m;
}

const Schema& shop() {
    static const Schema s = build_schema(shop_model());
    return s;
}

// The root field of a query document (only arguments prepare() coerces today).
PlannedField root_of(const std::string& doc, const json& variables = json()) {
    PrepareResult r = prepare(shop(), doc, variables, std::nullopt);
    EXPECT_TRUE(r.ok()) << doc << (r.errors.empty() ? "" : r.errors[0].message);
    return r.ok() ? r.operation->root_field() : PlannedField{};
}

CompileResult compiled(const PlannedField& f, const CompileLimits& limits = {}) {
    return compile_query(shop(), shop_model(), "tenant_acme", f, limits);
}

// The message of a compile error ("" when it compiled).
std::string refusal(const PlannedField& f, const CompileLimits& limits = {}) {
    CompileResult r = compiled(f, limits);
    if (r.ok())
        return "";
    EXPECT_EQ(r.code, "BAD_USER_INPUT");
    return r.error->message;
}

const char* kId = "2b1a6c1e-3f0e-4a4e-9d55-0c8f2e0b7a11";

TEST(GraphqlQuerySchema, QueryFieldsAndTypes) {
    const Schema& s = shop();
    const Type* q = s.find_type("Query");
    ASSERT_NE(q, nullptr);
    const Field* one = q->field("product");
    ASSERT_NE(one, nullptr);
    EXPECT_EQ(one->type.to_string(), "Product");
    EXPECT_EQ(one->arguments.at(0).type.to_string(), "ID!");
    const Field* many = q->field("productCollection");
    ASSERT_NE(many, nullptr);
    EXPECT_EQ(many->type.to_string(), "ProductConnection!");
    std::string args;
    for (const InputValue& a : many->arguments)
        args += a.name + ": " + a.type.to_string() + " ";
    EXPECT_EQ(args,
              "filter: ProductFilter orderBy: [ProductOrderBy!] first: Int after: Cursor "
              "last: Int before: Cursor ");
    EXPECT_NE(q->field("schemaVersion"), nullptr);
    EXPECT_EQ(s.find_type("ProductEdge")->field("node")->type.to_string(), "Product!");
    EXPECT_EQ(s.find_type("ProductConnection")->field("edges")->type.to_string(),
              "[ProductEdge!]!");
    const Type* filter = s.find_type("ProductFilter");
    ASSERT_NE(filter, nullptr);
    EXPECT_EQ(filter->kind, TypeKind::kInputObject);
    std::string fields;
    for (const InputValue& f : filter->input_fields)
        fields += f.name + ":" + f.type.to_string() + " ";
    // json attributes cannot be filtered; a reference filters by its target's filter and by
    // its id field.
    EXPECT_EQ(fields,
              "id:IDFilter createdAt:DateTimeFilter updatedAt:DateTimeFilter "
              "createdBy:StringFilter rowVersion:BigIntFilter maker:CompanyFilter makerId:IDFilter "
              "name:StringFilter price:FloatFilter stock:BigIntFilter and:[ProductFilter!] "
              "or:[ProductFilter!] not:ProductFilter ");
    EXPECT_NE(s.find_type("StringFilter")->input_field("startsWith"), nullptr);
    EXPECT_EQ(s.find_type("FloatFilter")->input_field("like"), nullptr);
    EXPECT_TRUE(s.find_type("OrderByDirection")->has_value("DescNullsLast"));
    EXPECT_EQ(s.find_type("ProductOrderBy")->input_field("price")->type.to_string(),
              "OrderByDirection");
    const std::string sdl = print_sdl(s);
    EXPECT_NE(sdl.find("scalar Cursor"), std::string::npos);
    EXPECT_NE(sdl.find("input ProductFilter {"), std::string::npos);
}

TEST(GraphqlQuerySchema, NamesCollide) {
    const Schema s = build_schema(model::parse_model(json::parse(R"({
      "attributes": {"and": {"type": "text"}},
      "classes": {"product": {"attributes": {"and": {}}}, "product_collection": {},
                  "cursor": {}, "product_edge": {}, "schema_version": {}}
    })")));
    // Class types claim first; a class keeps its plain query field over a collection.
    EXPECT_EQ(s.class_type_name("cursor"), "Cursor_2");
    EXPECT_EQ(s.class_type_name("product_edge"), "ProductEdge");
    const auto* product = s.class_of_query_field("product");
    ASSERT_NE(product, nullptr);
    EXPECT_EQ(product->second.edge_type, "ProductEdge_2");
    EXPECT_EQ(product->second.collection_field, "productCollection_2");
    EXPECT_EQ(product->second.filter_and, "and_2");
    EXPECT_EQ(s.class_of_query_field("productCollection")->first, "product_collection");
    EXPECT_EQ(s.class_of_query_field("schemaVersion_2")->first, "schema_version");
    EXPECT_NE(s.find_type("CursorConnection"), nullptr);
}

TEST(GraphqlCompile, OneThingById) {
    CompileResult r = compiled(root_of("{ p: product(id: \"" + std::string(kId) +
                                       "\") { id n: name stock tags __typename } }"));
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_EQ(r.query->sql,
              "SELECT (SELECT pg_catalog.jsonb_build_object('id', t1.\"id\", 'n', t1.\"name\", "
              "'stock', t1.\"stock\"::text, 'tags', t1.\"tags\", '__typename', 'Product') FROM "
              "\"tenant_acme\".\"tc_product\" t1 WHERE t1.id = $1::uuid AND NOT t1.is_deleted)");
    ASSERT_EQ(r.query->params.size(), 1u);
    EXPECT_EQ(r.query->params[0], kId);
    EXPECT_EQ(refusal(root_of("{ product(id: \"1' OR true --\") { id } }")),
              "Argument \"id\" of \"product\" is not a UUID.");
}

TEST(GraphqlCompile, ReferencesAreSubqueriesOfTheSameStatement) {
    CompileResult r = compiled(root_of("{ product(id: \"" + std::string(kId) +
                                       "\") { maker { name maker { id } } makerId } }"));
    ASSERT_TRUE(r.ok());
    EXPECT_NE(
        r.query->sql.find("'maker', (SELECT pg_catalog.jsonb_build_object('name', t2.\"name\", "
                          "'maker', (SELECT pg_catalog.jsonb_build_object('id', t3.\"id\") "
                          "FROM \"tenant_acme\".\"tc_company\" t3 WHERE t3.id = t2.\"maker\" "
                          "AND NOT t3.is_deleted)) FROM \"tenant_acme\".\"tc_company\" t2 "
                          "WHERE t2.id = t1.\"maker\" AND NOT t2.is_deleted)"),
        std::string::npos)
        << r.query->sql;
    EXPECT_EQ(r.query->sql.find(';'), std::string::npos);  // one statement
}

TEST(GraphqlCompile, DepthLimit) {
    const std::string doc = "{ product(id: \"" + std::string(kId) +
                            "\") { maker { maker { maker { maker { maker { id } } } } } } }";
    EXPECT_EQ(refusal(root_of(doc)), "The query nests things deeper than 5 levels.");
    CompileLimits deeper;
    deeper.max_depth = 6;
    EXPECT_EQ(refusal(root_of(doc), deeper), "");
}

TEST(GraphqlCompile, CollectionPage) {
    CompileResult r = compiled(
        root_of("{ productCollection(first: 2) { totalCount edges { cursor node { name } } "
                "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"));
    ASSERT_TRUE(r.ok()) << r.error->message;
    const std::string& sql = r.query->sql;
    EXPECT_EQ(sql.rfind("WITH page AS (SELECT a.*, pg_catalog.row_number() OVER (ORDER BY "
                        "a.\"id\" ASC NULLS LAST) AS \"udm__rn\" FROM "
                        "\"tenant_acme\".\"tc_product\" a WHERE NOT a.is_deleted AND TRUE ORDER "
                        "BY a.\"id\" ASC NULLS LAST LIMIT 2 + 1) SELECT ",
                        0),
              0u)
        << sql;
    // The page size is the one value written into the text (so that its plan is kept).
    EXPECT_EQ(r.query->params.size(), 1u);
    EXPECT_NE(
        sql.find("'totalCount', (SELECT pg_catalog.count(*) FROM "
                 "\"tenant_acme\".\"tc_product\" t1 WHERE NOT t1.is_deleted AND TRUE)::integer"),
        std::string::npos);
    EXPECT_NE(sql.find("'hasNextPage', (EXISTS (SELECT 1 FROM page p WHERE p.\"udm__rn\" > "
                       "2) OR FALSE), 'hasPreviousPage', FALSE"),
              std::string::npos)
        << sql;
    EXPECT_EQ(sql.find(';'), std::string::npos);
}

TEST(GraphqlCompile, TotalCountAloneReadsNoPage) {
    CompileResult r = compiled(root_of("{ productCollection { totalCount } }"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.query->sql.find("WITH page"), std::string::npos);
    r = compiled(root_of("{ productCollection { edges { cursor } } }"));
    EXPECT_EQ(r.query->sql.find("count(*)"), std::string::npos);
}

TEST(GraphqlCompile, PageSizes) {
    EXPECT_EQ(refusal(root_of("{ productCollection(first: -1) { totalCount } }")),
              "Argument \"first\" must not be negative.");
    EXPECT_EQ(refusal(root_of("{ productCollection(first: 10000000) { totalCount } }")),
              "Argument \"first\" must be at most 1000.");
    EXPECT_EQ(refusal(root_of("{ productCollection(last: 1001) { totalCount } }")),
              "Argument \"last\" must be at most 1000.");
    EXPECT_EQ(refusal(root_of("{ productCollection(first: 1, last: 1) { totalCount } }")),
              "Arguments \"first\" and \"last\" cannot be given together.");
    CompileResult r = compiled(root_of("{ productCollection { edges { cursor } } }"));
    EXPECT_NE(r.query->sql.find(" LIMIT 100 + 1) "), std::string::npos) << r.query->sql;
}

TEST(GraphqlCompile, Cursors) {
    const std::string good = encode_cursor(json::array({"Product|id", kId}));
    EXPECT_EQ(decode_cursor(good), json::array({"Product|id", kId}));
    CompileResult r = compiled(root_of(
        "query($c: Cursor) { productCollection(after: $c) { edges { cursor } } }", {{"c", good}}));
    ASSERT_TRUE(r.ok()) << r.error->message;
    // The cursor's value is a parameter; the page starts after it.
    EXPECT_EQ(r.query->params[0], kId) << r.query->sql;
    EXPECT_NE(r.query->sql.find("AND ((a.\"id\" > $1::uuid)) ORDER BY"), std::string::npos)
        << r.query->sql;
    const std::string bad =
        "Invalid cursor in argument \"after\": it is not a cursor of this collection and "
        "orderBy.";
    for (const std::string& c :
         {std::string("nonsense"), std::string("e30="), std::string("Zm9v!!=="),
          encode_cursor(json::array({"Company|id", kId})),
          encode_cursor(json::array({"Product|name:AscNullsLast|id", "a", kId})),
          encode_cursor(json::array({"Product|id", "x' OR '1'='1"})),
          encode_cursor(json::array({"Product|id", 1})), std::string(20000, 'A')}) {
        EXPECT_EQ(
            refusal(root_of("query($c: Cursor) { productCollection(after: $c) { totalCount } }",
                            {{"c", c}})),
            bad)
            << c;
    }
}

// A collection field with arguments prepare() does not coerce yet (input objects).
PlannedField collection(json arguments) {
    PlannedField f = root_of("{ productCollection { edges { node { id } } } }");
    f.arguments = std::move(arguments);
    return f;
}

TEST(GraphqlCompile, OrderByAndKeyset) {
    const json order = json::array({{{"price", "DescNullsLast"}}, {{"name", "AscNullsFirst"}}});
    const std::string cursor = encode_cursor(
        json::array({"Product|price:DescNullsLast|name:AscNullsFirst|id", nullptr, "b", kId}));
    CompileResult r = compiled(collection({{"orderBy", order}, {"after", cursor}}));
    ASSERT_TRUE(r.ok()) << r.error->message;
    const std::string& sql = r.query->sql;
    EXPECT_NE(sql.find("ORDER BY a.\"price\" DESC NULLS LAST, a.\"name\" ASC NULLS FIRST, "
                       "a.\"id\" ASC NULLS LAST"),
              std::string::npos);
    // price is null: nothing follows it on price; then name > 'b', then id.
    EXPECT_NE(sql.find("AND ((a.\"price\" IS NULL AND a.\"name\" > $1::text) OR (a.\"price\" "
                       "IS NULL AND a.\"name\" = $1::text AND a.\"id\" > $2::uuid))"),
              std::string::npos)
        << sql;
    EXPECT_EQ(r.query->params[0], "b");
    // Backwards, the order is reversed and the page read from the end.
    r = compiled(collection({{"orderBy", order}, {"before", cursor}, {"last", 3}}));
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r.query->sql.find("ORDER BY a.\"price\" ASC NULLS FIRST, a.\"name\" DESC NULLS "
                                "LAST, a.\"id\" DESC NULLS FIRST"),
              std::string::npos);
    EXPECT_NE(r.query->sql.find("AND ((a.\"price\" IS NOT NULL) OR (a.\"price\" IS NULL AND "
                                "(a.\"name\" < $1::text OR a.\"name\" IS NULL)) OR "
                                "(a.\"price\" IS NULL AND a.\"name\" = $1::text AND "
                                "a.\"id\" < $2::uuid))"),
              std::string::npos)
        << r.query->sql;
    EXPECT_EQ(
        refusal(collection(
            {{"orderBy", json::array({{{"price", "AscNullsLast"}, {"name", "AscNullsLast"}}})}})),
        "Each orderBy entry must give exactly one field.");
    EXPECT_EQ(refusal(collection({{"orderBy", json::array({{{"tags", "AscNullsLast"}}})}})),
              "Unknown orderBy field \"tags\".");
}

TEST(GraphqlCompile, Filters) {
    const json filter = json::parse(R"({
      "name": {"eq": "x'); DROP TABLE t; --", "like": "a%", "ilike": "B%", "startsWith": "c"},
      "price": {"gte": 1.5, "is": "NOT_NULL"},
      "stock": {"in": ["1", 2]},
      "makerId": {"is": "NULL"},
      "or": [{"name": {"neq": "z"}}, {"not": {"price": {"lt": 3}}}],
      "and": []
    })");
    CompileResult r = compiled(collection({{"filter", filter}}));
    ASSERT_TRUE(r.ok()) << r.error->message;
    const std::string& sql = r.query->sql;
    EXPECT_NE(sql.find("a.\"maker\" IS NULL"), std::string::npos) << sql;
    EXPECT_NE(sql.find("a.\"name\" = $"), std::string::npos);
    EXPECT_NE(sql.find("a.\"name\" LIKE $"), std::string::npos);
    EXPECT_NE(sql.find("a.\"name\" ILIKE $"), std::string::npos);
    EXPECT_NE(sql.find("pg_catalog.starts_with(a.\"name\", $"), std::string::npos);
    EXPECT_NE(sql.find("a.\"price\" >= $"), std::string::npos);
    EXPECT_NE(sql.find("a.\"price\" IS NOT NULL"), std::string::npos);
    EXPECT_NE(sql.find("a.\"stock\" IN (SELECT e::bigint FROM "
                       "pg_catalog.jsonb_array_elements_text($"),
              std::string::npos);
    EXPECT_NE(sql.find("(a.\"name\" <> $"), std::string::npos);
    EXPECT_NE(sql.find("NOT COALESCE((a.\"price\" < $"), std::string::npos);
    EXPECT_EQ(sql.find("DROP"), std::string::npos);  // values only as parameters
    bool found = false;
    for (const auto& p : r.query->params)
        found = found || p == "x'); DROP TABLE t; --";
    EXPECT_TRUE(found);
    bool list = false;
    for (const auto& p : r.query->params)
        list = list || p == "[\"1\",\"2\"]";
    EXPECT_TRUE(list);
    json many = json::array();
    for (int i = 0; i < 1001; ++i)
        many.push_back(i);
    EXPECT_EQ(refusal(collection({{"filter", {{"stock", {{"in", many}}}}}})),
              "An \"in\" filter lists more than 1000 values.");
    EXPECT_EQ(refusal(collection({{"filter", {{"tags", {{"eq", 1}}}}}})),
              "Unknown filter field \"tags\".");
    EXPECT_EQ(refusal(collection({{"filter", {{"price", {{"like", "x"}}}}}})),
              "Unknown filter operator \"like\".");
}

TEST(GraphqlQuerySchema, AggregateTypes) {
    const Schema& s = shop();
    EXPECT_EQ(s.find_type("ProductConnection")->field("aggregate")->type.to_string(),
              "ProductAggregate!");
    const Type* agg = s.find_type("ProductAggregate");
    ASSERT_NE(agg, nullptr);
    std::string fields;
    for (const Field& f : agg->fields)
        fields += f.name + ":" + f.type.to_string() + " ";
    EXPECT_EQ(fields,
              "count:Int! sum:ProductSumAggregate avg:ProductAvgAggregate "
              "min:ProductMinAggregate max:ProductMaxAggregate ");
    auto listed = [&](const char* type) {
        std::string out;
        for (const Field& f : s.find_type(type)->fields)
            out += f.name + ":" + f.type.to_string() + " ";
        return out;
    };
    // Sums of integers are BigInt, averages Float, min and max keep the scalar.
    EXPECT_EQ(listed("ProductSumAggregate"), "price:Float stock:BigInt ");
    EXPECT_EQ(listed("ProductAvgAggregate"), "price:Float stock:Float ");
    EXPECT_EQ(listed("ProductMinAggregate"), "name:String price:Float stock:BigInt ");
    // Company has text only: no sum or avg.
    EXPECT_EQ(s.find_type("CompanySumAggregate"), nullptr);
    EXPECT_EQ(s.find_type("CompanyAggregate")->field("sum"), nullptr);
    EXPECT_NE(s.find_type("CompanyMaxAggregate"), nullptr);
    // Aggregate names are claimed after the other query types: a class keeps its name.
    const Schema c = build_schema(model::parse_model(json::parse(R"({
      "attributes": {"n": {"type": "number"}},
      "classes": {"product": {"attributes": {"n": {}}}, "product_aggregate": {},
                  "product_sum": {"attributes": {"n": {}}}}
    })")));
    EXPECT_EQ(c.class_type_name("product_aggregate"), "ProductAggregate");
    const auto& product = c.class_of_query_field("product")->second;
    EXPECT_EQ(product.aggregate_type, "ProductAggregate_2");
    EXPECT_EQ(product.sum_type, "ProductSumAggregate");
    EXPECT_EQ(c.class_of_query_field("productSum")->second.aggregate_type, "ProductSumAggregate_2");
    EXPECT_EQ(c.class_of_query_field("productAggregate")->second.sum_type, "");
}

TEST(GraphqlQuerySchema, ReferenceFiltersAndReverseCollections) {
    const Schema& s = shop();
    // The filter of a reference's target, beside the id filter; recursive across classes.
    EXPECT_EQ(s.find_type("ProductFilter")->input_field("maker")->type.to_string(),
              "CompanyFilter");
    EXPECT_EQ(s.find_type("CompanyFilter")->input_field("maker")->type.to_string(),
              "CompanyFilter");
    EXPECT_EQ(s.find_type("ProductOrderBy")->input_field("maker"), nullptr);
    // Company gets the collections of the things that refer to it, with the collection's
    // arguments, after its other fields.
    const Type* company = s.find_type("Company");
    const Field* by_maker = company->field("productCollectionByMaker");
    ASSERT_NE(by_maker, nullptr);
    EXPECT_EQ(by_maker->type.to_string(), "ProductConnection!");
    EXPECT_EQ(by_maker->arguments.size(), 6u);
    EXPECT_EQ(by_maker->arguments[0].type.to_string(), "ProductFilter");
    EXPECT_EQ(company->fields.back().name, "productCollectionByMaker");
    EXPECT_NE(company->field("companyCollectionByMaker"), nullptr);
    EXPECT_EQ(s.find_type("Product")->field("productCollectionByMaker"), nullptr);
    // An attribute keeps its plain name; the reverse collection takes the next one.
    const Schema c = build_schema(model::parse_model(json::parse(R"({
      "attributes": {"maker": {"type": "reference", "target": "company"},
                     "product_collection_by_maker": {"type": "text"}},
      "classes": {"product": {"attributes": {"maker": {}}},
                  "company": {"attributes": {"product_collection_by_maker": {}}}}
    })")));
    const auto& names = c.class_of_query_field("company")->second;
    ASSERT_EQ(names.reverse_collections.size(), 1u);
    EXPECT_EQ(names.reverse_collections[0].field, "productCollectionByMaker_2");
    EXPECT_EQ(c.attribute_field_name("company", "product_collection_by_maker"),
              "productCollectionByMaker");
    EXPECT_NE(print_sdl(c).find("  productCollectionByMaker_2(\n"), std::string::npos);
}

TEST(GraphqlCompile, Aggregates) {
    CompileResult r = compiled(root_of(
        "{ productCollection(filter: {price: {gt: 1}}) { aggregate { count __typename "
        "sum { price stock } avg { s: stock } min { name stock } max { __typename price } } } }"));
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_EQ(r.query->sql,
              "SELECT pg_catalog.jsonb_build_object('aggregate', (SELECT "
              "pg_catalog.jsonb_build_object('count', pg_catalog.count(*)::integer, "
              "'__typename', 'ProductAggregate', 'sum', pg_catalog.jsonb_build_object('price', "
              "pg_catalog.sum(t1.\"price\"), 'stock', pg_catalog.sum(t1.\"stock\")::text), "
              "'avg', pg_catalog.jsonb_build_object('s', "
              "pg_catalog.avg(t1.\"stock\")::double precision), 'min', "
              "pg_catalog.jsonb_build_object('name', pg_catalog.min(t1.\"name\"), 'stock', "
              "pg_catalog.min(t1.\"stock\")::text), 'max', pg_catalog.jsonb_build_object("
              "'__typename', 'ProductMaxAggregate', 'price', pg_catalog.max(t1.\"price\"))) "
              "FROM \"tenant_acme\".\"tc_product\" t1 WHERE NOT t1.is_deleted AND "
              "(t1.\"price\" > $2::numeric)))");
    // The unused page's filter comes first.
    EXPECT_EQ(r.query->params.size(), 2u);
}

TEST(GraphqlCompile, ReferenceFilters) {
    CompileResult r =
        compiled(root_of("{ productCollection(filter: {maker: {name: {eq: \"Acme\"}, maker: {}}, "
                         "not: {maker: {name: {eq: \"x\"}}}}) { edges { cursor } } }"));
    ASSERT_TRUE(r.ok()) << r.error->message;
    const std::string& sql = r.query->sql;
    EXPECT_NE(sql.find("FROM \"tenant_acme\".\"tc_product\" a WHERE NOT a.is_deleted AND "
                       "(EXISTS (SELECT 1 FROM \"tenant_acme\".\"tc_company\" t1 WHERE t1.id = "
                       "a.\"maker\" AND NOT t1.is_deleted AND (EXISTS (SELECT 1 FROM "
                       "\"tenant_acme\".\"tc_company\" t2 WHERE t2.id = t1.\"maker\" AND NOT "
                       "t2.is_deleted AND TRUE) AND t1.\"name\" = $1::text)) AND NOT "
                       "COALESCE((EXISTS (SELECT 1 FROM \"tenant_acme\".\"tc_company\" t3 WHERE "
                       "t3.id = a.\"maker\" AND NOT t3.is_deleted AND (t3.\"name\" = "
                       "$2::text))), false)) ORDER BY"),
              std::string::npos)
        << sql;
    EXPECT_EQ(r.query->params,
              (std::vector<std::optional<std::string>>{"Acme", "x", "Product|id"}));
    // Each level of a reference filter is a level of things.
    const std::string deep =
        "{ productCollection(filter: {maker: {maker: {maker: {maker: {name: {eq: \"a\"}}}}}}) "
        "{ totalCount } }";
    EXPECT_EQ(refusal(root_of(deep)), "");
    const std::string deeper =
        "{ productCollection(filter: {maker: {maker: {maker: {maker: {maker: {}}}}}}) "
        "{ totalCount } }";
    EXPECT_EQ(refusal(root_of(deeper)), "The filter nests things deeper than 5 levels.");
    CompileLimits more;
    more.max_depth = 6;
    EXPECT_EQ(refusal(root_of(deeper), more), "");
    // Through a variable, a field the schema lacks is still refused.
    EXPECT_EQ(refusal(collection({{"filter", {{"maker", {{"nme", {{"eq", "a"}}}}}}}})),
              "Unknown filter field \"nme\".");
}

TEST(GraphqlCompile, ReverseCollections) {
    CompileResult r = compiled(root_of(
        "{ company(id: \"" + std::string(kId) +
        "\") { name productCollectionByMaker(first: 2, filter: {price: {gt: 1}}, orderBy: "
        "[{name: AscNullsLast}]) { totalCount aggregate { count } edges { cursor node { name "
        "} } pageInfo { hasNextPage endCursor } } } }"));
    ASSERT_TRUE(r.ok()) << r.error->message;
    const std::string& sql = r.query->sql;
    // A correlated subquery of the same statement, with aliases of its own.
    EXPECT_NE(sql.find("'productCollectionByMaker', (WITH t2 AS (SELECT t4.*, "
                       "pg_catalog.row_number() OVER (ORDER BY t4.\"name\" ASC NULLS LAST, "
                       "t4.\"id\" ASC NULLS LAST) AS \"udm__rn\" FROM "
                       "\"tenant_acme\".\"tc_product\" t4 WHERE NOT t4.is_deleted AND "
                       "t4.\"maker\" = t1.id AND (t4.\"price\" > $2::numeric) ORDER BY"),
              std::string::npos)
        << sql;
    EXPECT_NE(sql.find("(SELECT pg_catalog.count(*) FROM \"tenant_acme\".\"tc_product\" t5 "
                       "WHERE NOT t5.is_deleted AND t5.\"maker\" = t1.id AND"),
              std::string::npos)
        << sql;
    EXPECT_NE(sql.find("FROM t2 t3 WHERE t3.\"udm__rn\" <= 2"), std::string::npos) << sql;
    EXPECT_EQ(sql.find(';'), std::string::npos);
    // Nested in a page of a collection, correlated with its rows.
    r = compiled(
        root_of("{ companyCollection { edges { node { productCollectionByMaker { edges { node { "
                "maker { name } } } } } } } }"));
    ASSERT_TRUE(r.ok()) << r.error->message;
    EXPECT_NE(r.query->sql.find("t3.\"maker\" = p.id"), std::string::npos) << r.query->sql;
    // The things of a reverse collection are one level deeper.
    const std::string five =
        "{ company(id: \"" + std::string(kId) +
        "\") { companyCollectionByMaker { edges { node { companyCollectionByMaker { edges { node { "
        "productCollectionByMaker { edges { node { maker { id } } } } } } } } } } } }";
    EXPECT_EQ(refusal(root_of(five)), "");
    CompileLimits four;
    four.max_depth = 4;
    EXPECT_EQ(refusal(root_of(five), four), "The query nests things deeper than 4 levels.");
}

// A model with relationships: one way with an inverse, both ways on one class, and one of
// at most one target without an inverse.
const model::Model& related_model() {
    static const model::Model m = model::parse_model(json::parse(R"({
      "attributes": {"name": {"type": "text"}},
      "classes": {"company": {"attributes": {"name": {}}}, "product": {"attributes": {"name": {}}},
                  "person": {"attributes": {"name": {}}}},
      "relationship_types": {"supplies": {"inverse": "supplied_by"}, "knows": {}, "owns": {}},
      "relationships": [
        {"from": "company", "to": "product", "type": "supplies"},
        {"from": "person", "to": "person", "type": "knows", "bidirectional": true},
        {"from": "person", "to": "company", "type": "owns", "cardinality": {"max_targets": 1}}]
    })"));
    return m;
}

const Schema& related() {
    static const Schema s = build_schema(related_model());
    return s;
}

CompileResult compiled_related(const std::string& doc) {
    PrepareResult p = prepare(related(), doc, json(), std::nullopt);
    EXPECT_TRUE(p.ok()) << doc << (p.errors.empty() ? "" : p.errors[0].message);
    if (!p.ok())
        return {};
    return compile_query(related(), related_model(), "tenant_acme", p.operation->root_field());
}

TEST(GraphqlQuerySchema, RelationshipFieldsAreConnections) {
    const Schema& s = related();
    const Field* supplies = s.find_type("Company")->field("supplies");
    ASSERT_NE(supplies, nullptr);
    EXPECT_EQ(supplies->type.to_string(), "ProductConnection!");
    EXPECT_EQ(supplies->arguments.size(), 6u);
    EXPECT_EQ(s.find_type("Product")->field("suppliedBy")->type.to_string(), "CompanyConnection!");
    EXPECT_EQ(s.find_type("Person")->field("knows")->type.to_string(), "PersonConnection!");
    // At most one target: a nullable object field, without arguments.
    EXPECT_EQ(s.find_type("Person")->field("owns")->type.to_string(), "Company");
    EXPECT_TRUE(s.find_type("Person")->field("owns")->arguments.empty());
}

TEST(GraphqlCompile, RelationshipFields) {
    const std::string id = kId;
    CompileResult r = compiled_related("{ company(id: \"" + id +
                                       "\") { supplies(first: 1) { totalCount edges { node { "
                                       "name suppliedBy { totalCount } } } } } }");
    ASSERT_TRUE(r.ok()) << r.error->message;
    const std::string& sql = r.query->sql;
    // Outgoing: the things at the other end of the thing's relationships of the type (the
    // type's name a parameter), in a collection correlated with the thing.
    EXPECT_NE(sql.find("FROM \"tenant_acme\".\"tc_product\" t4 WHERE NOT t4.is_deleted AND t4.id "
                       "IN (SELECT t5.to_id FROM \"tenant_acme\".\"relationships\" t5 WHERE "
                       "t5.relationship_type_id = (SELECT t6.id FROM "
                       "\"tenant_acme\".\"relationship_types\" t6 WHERE t6.name = $2::text) AND "
                       "t5.from_id = t1.id) AND TRUE ORDER BY"),
              std::string::npos)
        << sql;
    EXPECT_EQ(r.query->params[1], "supplies");
    // Incoming, nested in the page: the other way round, correlated with the page's rows.
    EXPECT_NE(sql.find("t15.id IN (SELECT t16.from_id FROM \"tenant_acme\".\"relationships\" t16 "
                       "WHERE t16.relationship_type_id = (SELECT t17.id FROM "
                       "\"tenant_acme\".\"relationship_types\" t17 WHERE t17.name = $5::text) "
                       "AND t16.to_id = t3.id)"),
              std::string::npos)
        << sql;
    EXPECT_EQ(sql.find(';'), std::string::npos);
    r = compiled_related("{ person(id: \"" + id +
                         "\") { owns { name } knows { edges { node { name } } } } }");
    ASSERT_TRUE(r.ok()) << r.error->message;
    // At most one target: the first by id.
    EXPECT_NE(r.query->sql.find("'owns', (SELECT pg_catalog.jsonb_build_object('name', "
                                "t2.\"name\") FROM \"tenant_acme\".\"tc_company\" t2 WHERE NOT "
                                "t2.is_deleted AND t2.id IN (SELECT t3.to_id FROM "
                                "\"tenant_acme\".\"relationships\" t3 WHERE"),
              std::string::npos)
        << r.query->sql;
    EXPECT_NE(r.query->sql.find("AND t3.from_id = t1.id) ORDER BY t2.id LIMIT 1)"),
              std::string::npos);
    // Both ways: a relationship written either way round.
    EXPECT_NE(r.query->sql.find("t7.id IN (SELECT CASE WHEN t8.from_id = t1.id THEN t8.to_id "
                                "ELSE t8.from_id END FROM \"tenant_acme\".\"relationships\" t8 "
                                "WHERE t8.relationship_type_id = (SELECT t9.id FROM "
                                "\"tenant_acme\".\"relationship_types\" t9 WHERE t9.name = "
                                "$3::text) AND (t8.from_id = t1.id OR t8.to_id = t1.id))"),
              std::string::npos)
        << r.query->sql;
    // Each relationship is a level of things.
    CompileResult deep = compiled_related(
        "{ person(id: \"" + id +
        "\") { knows { edges { node { knows { edges { node { knows { edges { node { owns { "
        "supplies { totalCount } } } } } } } } } } } } }");
    ASSERT_FALSE(deep.ok());
    EXPECT_EQ(deep.error->message, "The query nests things deeper than 5 levels.");
}

TEST(GraphqlCompile, OnlyThingFields) {
    EXPECT_FALSE(reads_things(shop(), root_of("{ schemaVersion }")));
    EXPECT_TRUE(reads_things(shop(), root_of("{ x: companyCollection { totalCount } }")));
    CompileResult r = compiled(root_of("{ sdl }"));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.code, "INTERNAL");
}

}  // namespace
}  // namespace udm::graphql
