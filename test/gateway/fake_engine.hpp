// A test double of the GraphQL engine: a tiny reader of one-field operations that is
// enough for the gateway's tests. It is not GraphQL; the core's engine replaces it.
//
// Understood documents: `[query|subscription] [Name] [($v: T, ...)] { field[(class: "x" |
// class: $v)] [{ a b c }] }` with field one of schemaVersion, sdl (query) or schemaChanged,
// thingChanged (subscription). Anything else is a GraphQL error with a location.
#pragma once

#include "graphql_engine.hpp"

namespace udm::gateway::testing {

// A builder of fake schemas; the SDL lists the model's classes.
SchemaBuilder fake_schema_builder();

}  // namespace udm::gateway::testing
