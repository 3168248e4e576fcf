// Introspection (GraphQL spec 4.2): the __ types every schema has, the meta fields
// __schema and __type of the query root, and their values, resolved from a Schema.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"

namespace udm::graphql {

// The introspection types (__Schema, __Type, ...), as graphql-js 16 defines them, marked
// builtin (never printed).
std::vector<Type> introspection_types();

// The definition of field name on parent: its own field, or the meta field __schema or
// __type when parent is the query root; nullptr when there is none (and for __typename).
const Field* field_definition(const Schema& schema, const Type& parent, std::string_view name);

// Whether a type name is one of the introspection types'.
bool is_introspection_type(std::string_view name);

// How many objects the introspection answers of one operation may hold: a full
// introspection of a schema of 1,000 classes of 20 attributes had about 66,000 objects,
// and between 200,000 and 400,000 since every class has its query types (connection,
// edge, filter, order; #18), and 432,000 since connections have aggregates (#18); many
// aliases of one introspection field would otherwise multiply the work and memory.
inline constexpr std::size_t kMaxIntrospectionObjects = 600000;

// The value of a planned __schema or __type field, keyed by field name for execute() to
// shape: only what the field's selection asks for, every field name of it once (aliases
// of one name share its value: their arguments, includeDeprecated, change nothing here,
// where nothing is deprecated). Each object of it spends one unit of budget; nullopt once
// the budget is spent.
std::optional<Json> introspect(const Schema& schema, const PlannedField& field,
                               std::size_t& budget);

// A default value as graphql-js prints it (astFromValue, then print): "1", "ASC", "{a: 1}".
std::string print_default_value(const Schema& schema, const TypeRef& type, const Json& value);

}  // namespace udm::graphql
