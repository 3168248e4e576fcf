// udm.things(tenant schema): every thing of every class of a tenant, behind its view
// "things". The view names no class table: this function reads the tenant's classes and
// then their tables when the view is read, with the reader's privileges and row-level
// security (it is SECURITY INVOKER), so classes come and go without rebuilding a view that
// would name every table.
#include <string>
#include <utility>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/tenant_access.hpp"

extern "C" {
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
}

namespace {

constexpr long kFetchBatch = 1000;

}  // namespace

UDM_PG_FUNCTION(udm_things) {
    using namespace udm;
    const Oid nsp = pg::guard([&] { return PG_GETARG_OID(0); });
    const std::optional<naming::TenantNames> names = pg::tenant_of_namespace(nsp);
    if (!names) {
        throw Error(sqlstate::kUndefinedObject, "schema is not the schema of a udm tenant",
                    "udm.things reads the class tables of a tenant schema (tenant_<name>).");
    }
    // Inside a query over the tenant's tables that Citus sends to its worker (refreshing
    // thing_class_summary, say), its queries run there.
    pg::citus::allow_nested_execution_for(nsp);
    // The rows go into the function's tuplestore, in the query's memory: nothing of the
    // connection outlives it.
    pg::with_spi(/*read_only=*/true, [&](pg::Spi& spi) {
        // As the reader: without the tenant's privileges the catalog shows no class. A
        // class whose table is missing (udm.verify reports it) is left out, not an error.
        std::vector<std::pair<std::string, std::string>> classes;
        for (const pg::Row& row :
             spi.query("SELECT id::text, name FROM " +
                       naming::qualified(names->schema, "thing_classes") + " ORDER BY name")) {
            const std::string table = physical::table_name(*row[1]);
            if (pg::guard([&] { return OidIsValid(get_relname_relid(table.c_str(), nsp)); }))
                classes.emplace_back(*row[0], *row[1]);
        }
        const std::string sql = physical::things_query(names->schema, classes);
        pg::guard([&] {
            InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
            auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
            Portal portal = SPI_cursor_open_with_args(nullptr, sql.c_str(), 0, nullptr, nullptr,
                                                      nullptr, true, 0);
            for (;;) {
                SPI_cursor_fetch(portal, true, kFetchBatch);
                if (SPI_processed == 0)
                    break;
                for (std::uint64_t i = 0; i < SPI_processed; ++i)
                    tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
                SPI_freetuptable(SPI_tuptable);
            }
            SPI_cursor_close(portal);
        });
    });
    return (Datum)0;
}
