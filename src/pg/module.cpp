// The udm module: magic block, _PG_init and the udm.* settings.
#include <climits>

#include "udm/pg/module.hpp"

#include "udm/pg/event_signals.hpp"
#include "udm/pg/row_probes.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "utils/guc.h"
}

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
}

namespace udm::pg {

int ddl_lock_timeout_ms = 5000;
bool rules_not_valid = false;
bool graphql_introspection = true;
int graphql_max_depth = 5;
int graphql_max_page_size = 1000;
int graphql_max_things = 20000;

}  // namespace udm::pg

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
    DefineCustomIntVariable(
        "udm.ddl_lock_timeout",
        "How long a model change waits for a lock before it gives up (0: no limit).",
        "DDL on a class table waits for readers and blocks new ones while it waits; this bounds "
        "the wait. Applies to every statement of udm's model changes.",
        &udm::pg::ddl_lock_timeout_ms, 5000, 0, INT_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr,
        nullptr);
    DefineCustomBoolVariable(
        "udm.rules_not_valid", "Apply tightened validation rules to new and updated rows only.",
        "Off: a model change whose rules rows of a class already break is refused with their "
        "count. On: it is applied, and udm.rule_impact lists the rows that break it.",
        &udm::pg::rules_not_valid, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    // Per deployment, not per session: only a superuser sets it (postgresql.conf, ALTER
    // DATABASE or ALTER ROLE), so an application cannot turn it back on.
    DefineCustomBoolVariable(
        "udm.graphql_introspection", "Whether GraphQL requests may query __schema and __type.",
        "Off: introspection fields are refused as graphql-js's NoSchemaIntrospectionCustomRule "
        "refuses them; __typename still works.",
        &udm::pg::graphql_introspection, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "udm.graphql_max_depth", "Levels of things a GraphQL request of udm.graphql may nest.",
        "A root thing is level 1, its reference level 2; a deeper request is refused.",
        &udm::pg::graphql_max_depth, 5, 1, 20, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("udm.graphql_max_page_size",
                            "The most things one collection page (first/last) or one mutation "
                            "(objects, atMost) of udm.graphql may take.",
                            nullptr, &udm::pg::graphql_max_page_size, 1000, 1, 10000, PGC_SUSET, 0,
                            nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "udm.graphql_max_things",
        "The most things one udm.graphql request may read or write, estimated before it runs.",
        "Each collection counts its page size times what each of its things nests; a request "
        "estimated above this is refused before any SQL runs.",
        &udm::pg::graphql_max_things, 20000, 1, 10000000, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("udm");
    udm::pg::register_validation_cache();
    udm::pg::register_event_signals();
    udm::pg::register_row_probes();
}
