// Serving one GraphQL request against a tenant's schema: prepare() parses and validates a
// document, picks its operation and coerces its variables and root-field arguments;
// execute() shapes a root value (an event, or the Query answers) by the selection set;
// the match helpers apply a subscription's filter arguments to events.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "udm/core/graphql/document.hpp"
#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

// A field to put in a response: what prepare() made of the selection set, with fragments
// spread, @skip/@include applied and fields of the same response key merged. Needs no
// schema, so a prepared operation outlives the schema it was prepared against.
struct PlannedField {
    std::string response_key;              // alias or name
    std::string name;                      // the schema field, or "__typename"
    TypeRef type;                          // the field's type
    TypeKind kind = TypeKind::kScalar;     // of the field's named type
    std::vector<std::string> enum_values;  // enums: the values the field can take
    std::string parent_type;  // the object type the field is on (the value of __typename)
    nlohmann::json arguments = nlohmann::json::object();  // coerced; absent optional ones left out
    std::vector<PlannedField> selection;  // object fields: what to select of the value
    Location location;
    // The value prepare() resolved for the field, used instead of the parent value's member:
    // the introspection fields __schema and __type (keyed by field name, like any value).
    std::optional<nlohmann::json> resolved;
};

// An operation ready to run.
struct PreparedOperation {
    OperationType type = OperationType::kQuery;
    std::optional<std::string> name;
    nlohmann::json variables = nlohmann::json::object();  // coerced
    // The selected root fields: exactly one for a subscription (schemaChanged or
    // thingChanged); for a query or a mutation, any fields of its root type, __typename,
    // and for a query __schema and __type (resolved already).
    std::vector<PlannedField> root_fields;
    // For a <class>Changed subscription, the model class whose events it gets; else empty.
    std::string event_class;

    // Whether a root field is __schema or __type, whose value prepare() resolved.
    bool introspects() const;

    // The one root field of a subscription (the first one of a query; a query whose
    // fields @skip removed all has none).
    const PlannedField& root_field() const { return root_fields.front(); }
};

// A prepared operation, or the errors of the request (GraphQL's "errors").
struct PrepareResult {
    std::optional<PreparedOperation> operation;
    std::vector<Error> errors;
    bool ok() const { return operation.has_value(); }
};

// How a deployment serves requests.
struct PrepareOptions {
    ParseLimits limits;
    // Whether __schema and __type may be queried; when false they are refused, as
    // graphql-js's NoSchemaIntrospectionCustomRule refuses them.
    bool introspection = true;
};

// Parses, validates (graphql-js's rules and messages) and prepares the operation called
// operation_name (or the only one) of document with variables (a JSON object or null).
// An operation whose root type the schema lacks (a mutation without a Mutation type) is
// refused as graphql-js refuses it. Introspection fields are resolved here, from the
// schema, into PlannedField::resolved. Executing a mutation is the caller's: prepare()
// validates it and coerces its arguments. Does not throw (except bad_alloc).
PrepareResult prepare(const Schema& schema, std::string_view document,
                      const nlohmann::json& variables,
                      const std::optional<std::string>& operation_name,
                      const PrepareOptions& options);
// prepare() with introspection on and limits.
PrepareResult prepare(const Schema& schema, std::string_view document,
                      const nlohmann::json& variables,
                      const std::optional<std::string>& operation_name,
                      const ParseLimits& limits = {});

// A document parsed and validated against a schema, for prepare_checked(): what a cache of
// documents keeps, so that a repeated document is neither parsed nor validated again.
struct CheckResult {
    std::shared_ptr<const Document> document;  // set when it parsed and validated
    std::vector<Error> errors;
    bool ok() const { return document != nullptr; }
};

// The first half of prepare(): parses document and validates it (graphql-js's rules).
CheckResult check_document(const Schema& schema, std::string_view document,
                           const PrepareOptions& options);

// The second half of prepare(), for a document check_document() accepted against the same
// schema and options: selects the operation, coerces the variables, plans the selection.
PrepareResult prepare_checked(const Schema& schema, const Document& document,
                              const nlohmann::json& variables,
                              const std::optional<std::string>& operation_name);

// The response of one execution, members in selection order: {"data": {...}}, with
// "errors" when a value of the root
// value does not fit its field (a missing non-null field, a wrong type); the null then
// spreads to the nearest nullable field as GraphQL specifies. For a subscription,
// root_value is the event ({"version": 42, ...} or {"position": "123", ...}); for a query,
// an object with the Query fields' values ({"schemaVersion": 42, "sdl": "..."}); a field
// with a resolved value (introspection) takes that value instead.
nlohmann::ordered_json execute(const PreparedOperation& operation,
                               const nlohmann::json& root_value);

// What estimate_response_bytes() counts for a value it cannot know before execution, and
// how many items it counts in a list.
inline constexpr std::size_t kLeafValueBytes = 64;
inline constexpr std::size_t kListItemsEstimate = 16;

// An estimate of the bytes of execute()'s response, made before executing it: every `sdl`
// field counts sdl_bytes (the SDL's size), any other scalar or enum kLeafValueBytes, a list
// kListItemsEstimate items, plus the response keys. A document selecting a large value
// under many aliases (`{ a0: sdl a1: sdl ... }`) is priced by it without being run.
std::size_t estimate_response_bytes(const PreparedOperation& operation, std::size_t sdl_bytes);

// Whether a schema change event passes the classes/attributes arguments of a
// schemaChanged subscription: without them every event does; with one, an event does
// when any entry of its "changes" names one of the listed classes (or attributes).
bool schema_change_matches(const PreparedOperation& operation, const nlohmann::json& event);

// Whether a thing event passes a thingChanged or <class>Changed subscription: its "class"
// is the class argument (the field's class) and, when operations is given, its "operation"
// is one of them.
bool thing_event_matches(const PreparedOperation& operation, const nlohmann::json& event);

// The thing field of a <class>Changed subscription (the one `thing` of its selection), or
// nullptr when it selects none or is another operation.
const PlannedField* event_thing_field(const PreparedOperation& operation);

// execute() of a <class>Changed subscription for one event whose thing (the value of its
// thing field, null for none) was read apart from the event: when read_error is given, the
// thing is null with that error at its path (extensions.code: error_code). Members of event
// whose names begin with "__" (what the gateway attached for other subscribers) are not
// part of the root value.
nlohmann::ordered_json execute_thing_event(const PreparedOperation& operation,
                                           const nlohmann::json& event, const nlohmann::json& thing,
                                           const std::optional<std::string>& read_error,
                                           const std::string& error_code);

}  // namespace udm::graphql
