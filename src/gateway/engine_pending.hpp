// The engine udm-gateway is linked with until the core's GraphQL engine (SDL generator,
// parser, validator, executor) is merged: it refuses every operation with a GraphQL error
// saying so. The adapter to udm::graphql replaces this file at merge time.
#pragma once

#include "graphql_engine.hpp"

namespace udm::gateway {

// A SchemaBuilder whose schemas have an empty SDL and refuse every operation.
SchemaBuilder pending_engine_builder();

}  // namespace udm::gateway
