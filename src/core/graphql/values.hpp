// Input values of the schema: literals checked against a type (validation), JSON variable
// values and literals coerced to JSON (preparation), values printed for messages. The
// schema's input types are its scalars, enums and input objects, and lists of them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "udm/core/graphql/document.hpp"
#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

// A value literal as graphql-js print writes it: "abc", [1, 2], {a: true}, $x, INSERT.
std::string print_value(const Value& value);

// Whether type names a scalar, an enum or an input object (wrapped in lists and non-nulls
// or not).
bool is_input_type(const Schema& schema, const TypeRef& type);

// A JSON value as graphql-js inspect() shows it in messages: "abc" quoted, { a: [1, 2] }.
std::string inspect(const Json& value, int depth = 0);

// The default value of an argument or input field, coerced to its type (an input object's
// fields get their own defaults); null when it has none.
Json default_value(const Schema& schema, const InputValue& input);

// Appends an error for each part of a literal that cannot be a value of type (graphql-js
// ValuesOfCorrectTypeRule and UniqueInputFieldNamesRule: unknown, missing required and
// repeated fields of input objects too). Variables are left to the variable rules.
void check_literal(const Schema& schema, const Value& value, const TypeRef& type,
                   std::vector<Error>& errors);

// Coerces a variable's JSON value to type (spec CoerceVariableValues): the coerced value,
// or the message of why it cannot be one, prefixed as graphql-js does.
struct Coerced {
    Json value;
    std::optional<std::string> error;
};
Coerced coerce_variable(const Schema& schema, const std::string& name, const Json& value,
                        const TypeRef& type);

// The JSON value of a literal of a valid document (spec ValueFromAST), variables taken from
// the coerced ones; nullopt when it has none (a null for a non-null type, which only a
// variable can bring in).
std::optional<Json> coerce_literal(const Schema& schema, const Value& value, const TypeRef& type,
                                   const Json& variables);

}  // namespace udm::graphql
