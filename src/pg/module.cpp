// The udm module: magic block, _PG_init and the udm.* settings.
#include "udm/pg/barrier.hpp"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

namespace {

// udm.actor: who the application says is acting, recorded in created_by columns.
char* actor_setting = nullptr;

}  // namespace

// Defines the udm.* settings. Runs once per backend when udm.so is loaded.
extern "C" void _PG_init(void) {
    DefineCustomStringVariable(
        "udm.actor", "Who is acting, as the application names them (for example a user id).",
        "Recorded in the created_by columns of the tenant catalog and in schema history; "
        "the session user is recorded when it is empty.",
        &actor_setting, "", PGC_USERSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("udm");
}
