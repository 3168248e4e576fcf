// A hand-made schema with what build_schema does not make yet: input objects (nested, in
// lists, with required fields and defaults), enums in inputs, a Cursor scalar with
// @specifiedBy, query fields with arguments and a Mutation type. The unit tests and the
// graphql-js oracle (udm_graphql_corpus) check validation, coercion and introspection on it.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/model.hpp"

namespace udm::test {

inline graphql::Schema graphql_types_schema() {
    using graphql::Field;
    using graphql::InputValue;
    using graphql::Json;
    using graphql::Type;
    using graphql::TypeKind;
    using graphql::TypeRef;
    const auto named = [](const char* n) { return TypeRef::named(n); };
    const auto nn = [](TypeRef t) { return TypeRef::non_null(std::move(t)); };
    const auto list = [](TypeRef t) { return TypeRef::list(std::move(t)); };
    const auto input = [](const char* name, TypeRef type,
                          std::optional<Json> default_value = std::nullopt,
                          const char* description = nullptr) {
        InputValue v;
        v.name = name;
        v.type = std::move(type);
        v.default_value = std::move(default_value);
        if (description != nullptr)
            v.description = std::string(description);
        return v;
    };
    const auto input_object = [](const char* name, std::vector<InputValue> fields,
                                 const char* description = nullptr) {
        Type t;
        t.kind = TypeKind::kInputObject;
        t.name = name;
        t.input_fields = std::move(fields);
        if (description != nullptr)
            t.description = std::string(description);
        return t;
    };
    const auto enum_type = [](const char* name, std::vector<const char*> values) {
        Type t;
        t.kind = TypeKind::kEnum;
        t.name = name;
        for (const char* v : values)
            t.values.push_back({v, std::nullopt});
        return t;
    };

    graphql::Schema s = graphql::build_schema(model::parse_model(nlohmann::json::parse(R"({
      "attributes": {"name": {"type": "text"}, "price": {"type": "number"},
                     "stock": {"type": "integer"}, "launched": {"type": "date"},
                     "seen": {"type": "timestamp"}, "tags": {"type": "json"}},
      "classes": {"product": {"description": "Something for sale",
                              "attributes": {"name": {"required": true}, "price": {},
                                             "stock": {}, "launched": {}, "seen": {},
                                             "tags": {}}}}
    })")));

    // build_schema makes the query and mutation types of #18 (Cursor, ProductFilter,
    // Query.product, Mutation, ...);
    // this schema keeps its own hand-made variants of them, so it drops those first.
    const std::vector<std::string> replaced = {"Cursor",        "StringFilter",   "FloatFilter",
                                               "ProductFilter", "ProductOrderBy", "Mutation"};
    s.types.erase(std::remove_if(s.types.begin(), s.types.end(),
                                 [&](const Type& t) {
                                     return std::find(replaced.begin(), replaced.end(), t.name) !=
                                            replaced.end();
                                 }),
                  s.types.end());
    for (Type& t : s.types) {
        if (t.name == graphql::kQueryType)
            t.fields.resize(2);  // schemaVersion, sdl
    }
    s.index_types();

    Type cursor;
    cursor.kind = TypeKind::kScalar;
    cursor.name = "Cursor";
    cursor.description = "An opaque position in a list.";
    cursor.specified_by_url = "https://example.com/cursor";
    s.add_type(std::move(cursor));
    s.add_type(enum_type("Direction", {"ASC", "DESC"}));
    s.add_type(enum_type("Nullness", {"NULL", "NOT_NULL"}));
    s.add_type(input_object("StringFilter",
                            {input("eq", named("String")), input("in", list(nn(named("String")))),
                             input("like", named("String"))}));
    s.add_type(
        input_object("FloatFilter", {input("eq", named("Float")), input("gt", named("Float")),
                                     input("in", list(nn(named("Float"))))}));
    s.add_type(input_object(
        "ProductFilter",
        {input("id", named("ID")), input("name", named("StringFilter")),
         input("price", named("FloatFilter")), input("is", named("Nullness")),
         input("and", list(nn(named("ProductFilter")))), input("not", named("ProductFilter"))},
        "Which products."));
    s.add_type(input_object(
        "ProductOrderBy", {input("name", named("Direction")), input("price", named("Direction"))}));
    s.add_type(input_object(
        "ProductInput",
        {input("name", nn(named("String")), std::nullopt, "Required."),
         input("price", named("Float"), Json(9.5)), input("stock", named("BigInt")),
         input("launched", named("Date")), input("seen", named("DateTime")),
         input("tags", named("JSON")), input("direction", nn(named("Direction")), Json("ASC")),
         input("filter", named("StringFilter"), Json{{"like", "a%"}})}));
    s.add_type(input_object(
        "Page", {input("first", nn(named("Int")), Json(20)), input("after", named("Cursor"))}));

    Type result;
    result.kind = TypeKind::kObject;
    result.name = "ProductResult";
    result.fields = {Field{"affectedCount", std::nullopt, nn(named("Int")), {}, {}},
                     Field{"records", std::nullopt, nn(list(nn(named("Product")))), {}, {}}};
    s.add_type(std::move(result));

    Type mutation;
    mutation.kind = TypeKind::kObject;
    mutation.name = "Mutation";
    mutation.fields = {
        Field{"insertProducts",
              std::nullopt,
              nn(named("ProductResult")),
              {input("objects", nn(list(nn(named("ProductInput")))))},
              {}},
        Field{"updateProducts",
              "Changes at most atMost products.",
              nn(named("ProductResult")),
              {input("set", nn(named("ProductInput"))), input("filter", named("ProductFilter")),
               input("atMost", nn(named("Int")), Json(1))},
              {}}};
    s.add_type(std::move(mutation));

    // Query fields with arguments, after the ones build_schema makes.
    for (Type& t : s.types) {
        if (t.name != graphql::kQueryType)
            continue;
        t.fields.push_back(
            Field{"product", std::nullopt, named("Product"), {input("id", nn(named("ID")))}, {}});
        t.fields.push_back(Field{
            "products",
            "Products, filtered and ordered.",
            nn(list(nn(named("Product")))),
            {input("filter", named("ProductFilter")),
             input("orderBy", list(nn(named("ProductOrderBy"))), Json::array({{{"name", "ASC"}}})),
             input("first", named("Int"), Json(20)), input("after", named("Cursor")),
             input("page", named("Page")), input("tags", named("JSON"))},
            {}});
    }
    return s;
}

}  // namespace udm::test
