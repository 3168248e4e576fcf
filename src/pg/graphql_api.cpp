// The SQL API of the GraphQL schema: udm.graphql_sdl. docs/graphql.md describes the
// schema; udm-gateway serves the same text, built by the same core from the same model.
#include <string>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/model.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/model_catalog.hpp"
#include "udm/pg/model_change.hpp"
#include "udm/pg/tenant_access.hpp"

namespace pg = udm::pg;

// udm.graphql_sdl(tenant) returns text: the GraphQL SDL of the tenant's current model, the
// model udm.model returns, printed as the gateway prints it.
UDM_PG_FUNCTION(udm_graphql_sdl) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const udm::model::Model m = pg::read_model(names);
    return pg::text_datum(udm::graphql::print_sdl(udm::graphql::build_schema(m)));
}
