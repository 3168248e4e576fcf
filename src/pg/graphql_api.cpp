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

namespace {

// The SDL this backend printed last, with the model it was printed from: printing a large
// model's SDL takes far longer than copying it (1,000 classes: 11 MB). One entry: a
// backend rarely serves the SDL of several tenants in turn. The next SDL is printed into
// the same string: its memory is kept rather than given back and faulted in again (but
// not for an SDL of less than a quarter of it).
struct PrintedSdl {
    std::string schema;
    pg::ModelKey key;
    std::string sdl;
};
PrintedSdl* printed = nullptr;  // created on first use

}  // namespace

// udm.graphql_sdl(tenant) returns text: the GraphQL SDL of the tenant's current model, the
// model udm.model returns, printed as the gateway prints it.
UDM_PG_FUNCTION(udm_graphql_sdl) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const pg::KnownModel known = pg::with_spi(/*read_only=*/true, [&](pg::Spi& spi) {
        return pg::model_at(spi, names, pg::model_key(spi, names, false));
    });
    if (printed == nullptr || printed->schema != names.schema || !(printed->key == known.key)) {
        if (printed == nullptr)
            printed = new PrintedSdl();
        // Never an entry whose SDL is another model's, should printing fail: the schema
        // name, which every lookup compares first, is set last.
        printed->schema.clear();
        udm::graphql::print_model_sdl(*known.model, printed->sdl);
        // A large SDL's memory is not kept for small ones.
        if (printed->sdl.capacity() > 4 * printed->sdl.size() + (1 << 20))
            printed->sdl.shrink_to_fit();
        printed->key = known.key;
        printed->schema = names.schema;
    }
    return pg::text_datum(printed->sdl);
}
