// The per-backend caches of udm.graphql (docs/graphql.md, "The plan cache"): the schema of
// a tenant's model, documents parsed and validated against it, and the prepared SPI plans
// of compiled statements. A repeated request is neither parsed, validated nor planned again.
//
// Schemas and documents are keyed by the tenant and its model key (version and writer), so
// a model change, or a tenant dropped and created anew, never meets an entry of before.
// Plans are keyed by their SQL text: a document run with other variable values compiles to
// the same text; PostgreSQL's plan cache revalidates a kept plan after DDL on its tables.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/model.hpp"
#include "udm/pg/model_catalog.hpp"
#include "udm/pg/postgres.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace udm::pg {

// The schema of a tenant's model m (whose key is key), built once per key.
std::shared_ptr<const graphql::Schema> graphql_schema(const std::string& tenant,
                                                      const ModelKey& key, const model::Model& m);

// A document checked against that schema with options, parsed and validated once per
// (tenant, key, introspection switch, text); a refused document is not kept.
graphql::CheckResult graphql_document(const std::string& tenant, const ModelKey& key,
                                      const graphql::Schema& schema, const std::string& text,
                                      const graphql::PrepareOptions& options);

// The kept plan of a statement with nargs text parameters, or nullptr when it has none yet.
SPIPlanPtr graphql_plan(const std::string& sql, int nargs);
// Keeps plan (made by SPI_prepare and SPI_keepplan) for sql; frees it instead when the
// cache takes no more now (a call of udm.graphql nested in another runs a plan of the
// outer one: nothing is freed then).
void keep_graphql_plan(const std::string& sql, SPIPlanPtr plan);

// udm.graphql calls in progress in this backend, kept by a GraphqlCall while it lives.
class GraphqlCall {
  public:
    GraphqlCall();
    ~GraphqlCall();
    GraphqlCall(const GraphqlCall&) = delete;
    GraphqlCall& operator=(const GraphqlCall&) = delete;
};

// What the caches hold and how often they were hit, for tests (udm._graphql_cache()).
struct GraphqlCacheStats {
    std::int64_t schemas = 0, documents = 0, plans = 0;
    std::int64_t schema_hits = 0, document_hits = 0, plan_hits = 0;
};
GraphqlCacheStats graphql_cache_stats();

}  // namespace udm::pg
