// The GraphQL engine of udm-gateway: the core's SDL generator, parser, validator and
// executor (udm::graphql, docs/graphql.md) behind the gateway's engine interface.
#pragma once

#include "graphql_engine.hpp"

namespace udm::gateway {

// How the core serves requests.
struct EngineOptions {
    bool introspection = true;  // __schema and __type allowed
};

// A SchemaBuilder that parses a model document (udm.model / udm.schema_at) and builds its
// GraphQL schema and SDL. Throws udm::Error on a document the core refuses.
SchemaBuilder core_engine_builder(EngineOptions options = {});

}  // namespace udm::gateway
