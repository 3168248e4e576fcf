// Executable GraphQL documents (operations and fragments, GraphQL spec October 2021): the
// syntax tree and the parser. Bad input is reported as an Error value, never thrown.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "udm/core/graphql/type_ref.hpp"

namespace udm::graphql {

// A position in a document: 1-based line and column, columns counted in UTF-16 code
// units as graphql-js counts them.
struct Location {
    int line = 1;
    int column = 1;
    bool operator==(const Location& o) const { return line == o.line && column == o.column; }
};

// A GraphQL error as it goes into a response: {"message", "locations": [{line, column}],
// "path"}, members in that order.
struct Error {
    std::string message;
    std::vector<Location> locations;
    std::vector<nlohmann::json> path;  // execution errors: response keys and list indexes

    nlohmann::ordered_json to_json() const;
};

// The errors as a JSON array, for a response's "errors".
nlohmann::ordered_json to_json(const std::vector<Error>& errors);

// A value literal. Strings hold their decoded value; numbers their source text.
struct Value {
    enum class Kind { kVariable, kInt, kFloat, kString, kBoolean, kNull, kEnum, kList, kObject };
    Kind kind = Kind::kNull;
    std::string text;  // variable name (without "$"), number text, string value, enum name
    bool boolean = false;
    std::vector<Value> list;
    std::vector<std::pair<std::string, Value>> fields;  // objects, in source order
    std::vector<Location> field_locations;              // objects: where each field's name is
    Location location;
};

struct Argument {
    std::string name;
    Value value;
    Location location;
};

struct Directive {
    std::string name;
    std::vector<Argument> arguments;
    Location location;
};

struct Selection;
using SelectionSet = std::vector<Selection>;

// A field, a fragment spread or an inline fragment.
struct Selection {
    enum class Kind { kField, kFragmentSpread, kInlineFragment };
    Kind kind = Kind::kField;
    std::string alias;  // fields: empty when there is none
    std::string name;   // fields: the field; spreads: the fragment
    std::vector<Argument> arguments;
    std::vector<Directive> directives;
    std::optional<std::string> type_condition;  // inline fragments
    Location type_condition_location;
    SelectionSet selection_set;  // empty for a field without one
    Location selection_set_location;
    Location location;
    Location name_location;  // fragment spreads: the fragment's name

    // The key of a field in the response: its alias, else its name.
    const std::string& response_key() const { return alias.empty() ? name : alias; }
};

struct VariableDefinition {
    std::string name;  // without "$"
    TypeRef type;
    Location type_location;
    std::optional<Value> default_value;
    std::vector<Directive> directives;
    Location location;
};

enum class OperationType { kQuery, kMutation, kSubscription };

struct OperationDefinition {
    OperationType type = OperationType::kQuery;
    std::optional<std::string> name;
    std::vector<VariableDefinition> variables;
    std::vector<Directive> directives;
    SelectionSet selection_set;
    Location location;
    Location name_location;
};

struct FragmentDefinition {
    std::string name;
    std::string type_condition;
    Location type_condition_location;
    std::vector<Directive> directives;
    SelectionSet selection_set;
    Location location;
    Location name_location;
};

// A parsed document: its operations and fragments, each in source order.
struct Document {
    std::vector<OperationDefinition> operations;
    std::vector<FragmentDefinition> fragments;
};

// Bounds against hostile documents; a document beyond one fails to parse.
struct ParseLimits {
    std::size_t max_bytes = 256 * 1024;  // the source
    std::size_t max_tokens = 20000;      // lexical tokens, comments excluded
    std::size_t max_depth = 64;          // nesting of selection sets, lists and objects
};

// A document, or the syntax error that stopped the parser.
struct ParseResult {
    Document document;
    std::optional<Error> error;
    bool ok() const { return !error.has_value(); }
};

// Parses an executable document. Errors read "Syntax Error: ..." as graphql-js writes
// them, with the location of the offending token. Does not throw (except bad_alloc).
ParseResult parse(std::string_view source, const ParseLimits& limits = {});

// The name of an operation type: "query", "mutation" or "subscription".
std::string_view operation_type_name(OperationType type);

}  // namespace udm::graphql
