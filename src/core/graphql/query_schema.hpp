// The query side of a tenant's schema: Query.<class> and Query.<class>Collection, with
// the connection, edge, filter and order types they take and return (docs/graphql.md,
// "Queries").
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "names.hpp"
#include "udm/core/graphql/schema.hpp"
#include "udm/core/model.hpp"

namespace udm::graphql {

// Small builders of type-system parts, shared by query_schema.cpp and mutation_schema.cpp.
namespace parts {

// The named type name.
inline TypeRef named(std::string name) {
    return TypeRef::named(std::move(name));
}
// t, non-null.
inline TypeRef required(TypeRef t) {
    return TypeRef::non_null(std::move(t));
}
// A field with a description.
inline Field field(std::string name, TypeRef type, std::string description) {
    Field f;
    f.name = std::move(name);
    f.type = std::move(type);
    f.description = std::move(description);
    return f;
}
// An input value (argument or input field).
inline InputValue input(std::string name, TypeRef type, std::optional<std::string> description = {},
                        std::optional<Json> default_value = {}) {
    return {std::move(name), std::move(description), std::move(type), std::move(default_value)};
}

// References to the fixed types of a schema being built (Int, ID, StringFilter, ...), made
// once per type and then shared: copying a TypeRef shares its nodes, where making one
// allocates. Every class refers to them from many fields and arguments (1,000 classes:
// tens of thousands of times). A class's own types are referred to a few times each: those
// references are made where they are needed.
class TypeRefs {
  public:
    // T; name is a string literal (or one of the scalar names the builders return), looked
    // up by its address among the few names used.
    const TypeRef& named(const char* name) { return entry(name, false).named; }
    // T!.
    const TypeRef& required(const char* name);
    // The filter type of a scalar: StringFilter for "String".
    const TypeRef& filter(const char* scalar) { return entry(scalar, true).named; }

  private:
    struct Entry {
        const char* name;
        bool filter;
        TypeRef named, required;  // required is made on first use
    };
    Entry& entry(const char* name, bool filter);
    // A few dozen at most; a deque, so that the references handed out stay valid.
    std::deque<Entry> entries_;
};

}  // namespace parts

// The types queries share, whatever the model, in printing order: Cursor, PageInfo,
// OrderByDirection, FilterIs and one filter type per scalar (StringFilter, ...).
std::vector<Type> query_fixed_types();

// Gives every class of s (whose class types build_schema has made, in s.classes, named by
// name_classes) its Query fields and its Connection, Edge, Filter, OrderBy and aggregate
// types, appended to s.types.
void add_query_types(const model::Model& m, Schema& s);

// Adds the reverse collection fields (ClassNames::reverse_collections) to the class types,
// which are s.types[first_class_type + i] for the i-th class of s.classes, and makes their
// relationship fields of many things connections; after add_query_types, which names the
// connection types.
void add_connection_fields(Schema& s, std::size_t first_class_type);
// Gives s a Mutation type (when the model has classes) with every class's insert, update and
// delete fields and the input and response types they take and return, appended to s.types
// after the query types (mutation_schema.cpp; docs/graphql.md, "Mutations").
void add_mutation_types(const model::Model& m, Schema& s);

}  // namespace udm::graphql
