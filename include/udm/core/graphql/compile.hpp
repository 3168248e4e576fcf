// From a prepared query's root field to one SQL statement: the compiler of queries over
// things (docs/graphql.md, "Queries"). Pure: the statement is text with $n parameters,
// run by the caller (udm.graphql through SPI); identifiers are quoted by
// naming::quote_identifier and values only ever travel as parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/model.hpp"
#include "udm/core/rules.hpp"

namespace udm::graphql {

// The bounds a compiled query keeps to.
struct CompileLimits {
    int default_page_size = 100;     // first/last when neither is given
    int max_page_size = 1000;        // first/last at most
    int max_depth = 5;               // levels of things: a root thing is 1, its reference 2, ...
    std::size_t max_in_list = 1000;  // values of one "in" filter
};

// One SQL statement answering one root field: it returns one row of one jsonb column, the
// field's value shaped by its selection (response keys as object keys; null when a single
// thing does not exist). Every parameter is of type text; the statement casts it.
struct CompiledQuery {
    std::string sql;
    std::vector<std::optional<std::string>> params;  // $1, $2, ...; nullopt is SQL null
    // An update or delete: the row has a second column, how many things passed the filter
    // (counted up to at_most + 1); more than at_most means nothing was written and the field
    // fails with TOO_MANY_ROWS.
    std::optional<std::int64_t> at_most;
};

// A compiled statement, or the error of the field (message, locations, path) with its
// extensions.code: BAD_USER_INPUT for arguments, cursors and limits.
struct CompileResult {
    std::optional<CompiledQuery> query;
    std::optional<Error> error;
    std::string code;
    bool ok() const { return query.has_value(); }
};

// Whether a root field of a query reads things (one of the schema's class query fields);
// the others (schemaVersion, sdl, __typename) are answered by execute().
bool reads_things(const Schema& schema, const PlannedField& root);

// Compiles a root field that reads_things() into one statement over the class tables of
// the tenant schema tenant_schema ("tenant_acme"); m is the model schema was built from.
// Soft-deleted things are never read, also not through references. Does not throw (but
// bad_alloc).
CompileResult compile_query(const Schema& schema, const model::Model& m,
                            std::string_view tenant_schema, const PlannedField& root,
                            const CompileLimits& limits = {});

// Compiles the thing field of a <class>Changed subscription (event_thing_field) into one
// statement reading the things of a batch of events: $1 is the ids, a uuid[] given as the
// text of an array literal, which the caller sets (params[0] is left null here); the row's
// jsonb is an object from each id that is there and not soft deleted to the thing, shaped
// by the thing field's selection like a node of the class's collection. Does not throw (but
// bad_alloc).
CompileResult compile_thing_reads(const Schema& schema, const model::Model& m,
                                  std::string_view tenant_schema, const PreparedOperation& op,
                                  const CompileLimits& limits = {});

// Whether a root field of a mutation writes things (one of the schema's class mutation
// fields); the others (__typename) are answered by execute().
bool writes_things(const Schema& schema, const PlannedField& root);

// Compiles a root field that writes_things() into one statement: an INSERT, or an UPDATE
// of the things passing the filter (deleteFrom sets is_deleted), returning the field's value
// as compile_query does. The values of objects and set travel as parameters cast to the
// columns' types; the class's triggers check them. Does not throw (but bad_alloc).
CompileResult compile_mutation(const Schema& schema, const model::Model& m,
                               std::string_view tenant_schema, const PlannedField& root,
                               const CompileLimits& limits = {});

// A rule an input of a mutation breaks, found before any SQL runs.
struct InputViolation {
    std::string path;       // the input path: objects[3].price, set.price
    std::string attribute;  // the model attribute
    std::string rule;
    std::string message;  // never the value
};

// The compiled rules of a class, or nullptr when the caller has none to check with.
using RulesOf = std::function<const rules::CompiledClass*(const std::string& class_name)>;

// The rules of the class that the inputs of a mutation root field break (custom functions
// excepted: the trigger calls them), at time now (microseconds since 2000-01-01 UTC). For
// an update only the rules of the attributes it sets are judged, the class-level rules
// (which need the rest of the thing) are left to the trigger. Empty for other fields.
std::vector<InputViolation> check_inputs(const Schema& schema, const model::Model& m,
                                         const PlannedField& root, const RulesOf& rules_of,
                                         std::int64_t now);

// How many things a root field may read or write at most, estimated before any SQL runs:
// a collection counts its page size (first/last, or the default) times what each of its
// things costs, and one page more for totalCount or aggregate (they read what passes);
// a single thing 1 plus its nested things; a mutation its objects or atMost,
// whatever it selects, plus what its records nest.
// The sum over a request's root fields is bounded by the caller (udm.graphql_max_things).
std::uint64_t estimate_things(const Schema& schema, const PlannedField& root,
                              const CompileLimits& limits = {});

// Cursors: the opaque text of a position in a collection (base64 of a JSON array: the
// collection's type and order, then the sort key values as text, id last).
std::string encode_cursor(const nlohmann::json& array);
// The JSON array of a cursor, or nullopt when text is not one.
std::optional<nlohmann::json> decode_cursor(std::string_view text);

}  // namespace udm::graphql
