// Tenant provisioning and state: udm.create_tenant, udm.drop_tenant, udm.tenant_schema,
// udm.tenant_list, udm.tenant_state.
//
// A tenant is a schema tenant_<name> holding a schema_state table; the registry is derived
// from the database itself (udm.tenants), so a tenant restored from pg_dump -n is a tenant.
#include <set>
#include <unordered_set>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/core/tenant_catalog.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/module.hpp"
#include "udm/pg/spi.hpp"
#include "udm/pg/tenant_access.hpp"

extern "C" {
#include "access/relation.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
}

namespace udm::pg {

namespace {

using naming::TenantNames;

// Serializes provisioning of one tenant name across sessions until the transaction ends.
void lock_tenant_name(Spi& spi, const TenantNames& names) {
    spi.execute("SELECT pg_catalog.pg_advisory_xact_lock($2::integer, pg_catalog.hashtext($1))",
                {names.tenant, std::to_string(kAdvisoryLockKey)});
    // What a session that held the lock committed must be visible to the checks that follow.
    guard([] { AcceptInvalidationMessages(); });
}

// True when a role of that name exists in the cluster.
bool role_exists(const std::string& role) {
    return guard([&] { return OidIsValid(get_role_oid(role.c_str(), true)); });
}

// Refuses to run where the objects created would become members of an extension.
void refuse_inside_extension_script(const char* function) {
    if (creating_extension) {
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    std::string(function) + " cannot run inside an extension script",
                    "Objects it created would become members of the extension being created.");
    }
}

// Runs provisioning statements in order.
void run_statements(Spi& spi, const std::vector<catalog::Statement>& statements) {
    for (const catalog::Statement& st : statements)
        spi.execute(st.sql, st.params);
}

}  // namespace

}  // namespace udm::pg

using udm::pg::Spi;

namespace {

// Provisions the tenant: its schema, roles and catalog.
void create_tenant(Spi& spi, const udm::naming::TenantNames& names) {
    using namespace udm;
    pg::lock_tenant_name(spi, names);
    if (OidIsValid(pg::tenant_namespace(names))) {
        throw Error(sqlstate::kDuplicateObject, "tenant \"" + names.tenant + "\" already exists");
    }
    for (const std::string* role : {&names.owner_role, &names.app_role}) {
        if (pg::role_exists(*role)) {
            throw Error(sqlstate::kDuplicateObject, "role \"" + *role + "\" already exists",
                        "Roles are shared by every database of the cluster: another database may "
                        "hold a tenant named \"" +
                            names.tenant + "\", or the role was left behind.",
                        "Drop or rename the role, or choose another tenant name.");
        }
    }
    // On Citus with schema-based sharding, the tenant becomes a distributed schema once its
    // catalog exists.
    const bool distributed = pg::citus::distributes_new_schemas();
    pg::citus::DdlSettings citus_settings(/*new_schemas_local=*/true);
    const catalog::Provisioning provisioning = catalog::provision_tenant(names, {distributed});
    pg::run_statements(spi, provisioning.tables);
    if (distributed)
        pg::citus::distribute_schema(spi, names.schema);
    pg::run_statements(spi, provisioning.views);
    pg::run_statements(spi, {catalog::tenant_state(names)});
    citus_settings.restore();
}

// Removes the tenant's schema and roles; unless force, only when it holds no class.
void drop_tenant(Spi& spi, const udm::naming::TenantNames& names, bool force) {
    using namespace udm;
    pg::lock_tenant_name(spi, names);
    pg::require_tenant(names);
    if (!force) {
        const pg::Cell classes = spi.query_value("SELECT pg_catalog.count(*) FROM " +
                                                 naming::qualified(names.schema, "thing_classes"));
        if (classes && *classes != "0") {
            throw Error(sqlstate::kDependentObjectsStillExist,
                        "tenant \"" + names.tenant + "\" holds " + *classes +
                            (*classes == "1" ? " thing class" : " thing classes"),
                        "Dropping it would drop their tables and every row in them.",
                        "Drop the classes first, or call udm.drop_tenant(name, force => true).");
        }
    }
    pg::run_statements(spi, catalog::drop_tenant(names));
}

}  // namespace

// udm.create_tenant(name text) returns text: provisions the tenant, returns its schema.
UDM_PG_FUNCTION(udm_create_tenant) {
    using namespace udm;
    const naming::TenantNames names = naming::tenant_names(pg::text_arg(fcinfo, 0, "tenant name"));
    pg::refuse_inside_extension_script("udm.create_tenant");
    pg::with_spi(false, [&](Spi& spi) { create_tenant(spi, names); });
    return pg::text_datum(names.schema);
}

// udm.drop_tenant(name text, force boolean): removes the tenant's schema and roles.
UDM_PG_FUNCTION(udm_drop_tenant) {
    using namespace udm;
    const naming::TenantNames names = naming::tenant_names(pg::text_arg(fcinfo, 0, "tenant name"));
    const bool force = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
    pg::refuse_inside_extension_script("udm.drop_tenant");
    pg::with_spi(false, [&](Spi& spi) { drop_tenant(spi, names, force); });
    PG_RETURN_VOID();
}

// udm.tenant_schema(name text) returns text: the schema of an existing tenant.
UDM_PG_FUNCTION(udm_tenant_schema) {
    using namespace udm;
    const naming::TenantNames names = naming::tenant_names(pg::text_arg(fcinfo, 0, "tenant name"));
    pg::require_tenant(names);
    return pg::text_datum(names.schema);
}

namespace {

// Appends to the result the row of the tenant whose schema_state table is state_oid: its
// name, version and creation time with schema, owner (owner_name, may be null) and roles.
// The table is locked only while its one row is read, so that listing every tenant takes
// one lock at a time, not a lock per tenant until the end of the transaction (10,000
// tenants would need more than a default lock table holds). A table dropped meanwhile is
// left out. Only udm.tenant_list's caller, the extension owner, reads it (as before, when
// one UNION ALL read them all, row-level security does not apply to it).
void put_tenant_row(Tuplestorestate* store, TupleDesc result_desc, Oid state_oid,
                    const char* schema, const char* owner_name) {
    Relation rel = try_relation_open(state_oid, AccessShareLock);
    if (rel == nullptr)
        return;
    TupleDesc desc = RelationGetDescr(rel);
    const int name_att = SPI_fnumber(desc, "tenant_name");
    const int created_att = SPI_fnumber(desc, "created_at");
    const int version_att = SPI_fnumber(desc, "version");
    // The result's columns take the values as they are: each must have the type udm gave it.
    auto typed = [desc](int att, Oid type) {
        return att > 0 && TupleDescAttr(desc, att - 1)->atttypid == type;
    };
    if (rel->rd_rel->relkind != RELKIND_RELATION || !typed(name_att, TEXTOID) ||
        !typed(created_att, TIMESTAMPTZOID) || !typed(version_att, INT8OID)) {
        relation_close(rel, AccessShareLock);
        return;
    }
    TupleTableSlot* slot = table_slot_create(rel, nullptr);
    TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, nullptr);
    if (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
        Datum values[6];
        bool nulls[6] = {false, false, false, false, false, false};
        values[0] = slot_getattr(slot, name_att, &nulls[0]);
        // Its own copy: a value kept out of line would point into a TOAST table whose lock
        // is released below.
        if (!nulls[0])
            values[0] = PointerGetDatum(PG_DETOAST_DATUM_COPY(values[0]));
        values[1] = CStringGetTextDatum(schema);
        values[2] = owner_name != nullptr ? CStringGetTextDatum(owner_name) : (Datum)0;
        nulls[2] = owner_name == nullptr;
        values[3] = PointerGetDatum(cstring_to_text(psprintf("%s_role", schema)));
        values[4] = slot_getattr(slot, created_att, &nulls[4]);
        values[5] = slot_getattr(slot, version_att, &nulls[5]);
        tuplestore_putvalues(store, result_desc, values, nulls);
    }
    table_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    relation_close(rel, AccessShareLock);  // releases the lock now
}

// Appends to the result the row of a tenant from the text of its schema_state's
// tenant_name, created_at and version, as read through Citus (put_tenant_row's columns).
void put_state_row(Tuplestorestate* store, TupleDesc result_desc, const udm::pg::Row& state,
                   const char* schema, const char* owner_name) {
    Datum values[6];
    bool nulls[6] = {!state[0], false, owner_name == nullptr, false, !state[1], !state[2]};
    values[0] = state[0] ? CStringGetTextDatum(state[0]->c_str()) : (Datum)0;
    values[1] = CStringGetTextDatum(schema);
    values[2] = owner_name != nullptr ? CStringGetTextDatum(owner_name) : (Datum)0;
    values[3] = PointerGetDatum(cstring_to_text(psprintf("%s_role", schema)));
    values[4] = state[1] ? DirectFunctionCall3(timestamptz_in, CStringGetDatum(state[1]->c_str()),
                                               ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1))
                         : (Datum)0;
    values[5] =
        state[2] ? DirectFunctionCall1(int8in, CStringGetDatum(state[2]->c_str())) : (Datum)0;
    tuplestore_putvalues(store, result_desc, values, nulls);
}

// Reads the one row of the table state_oid (a tenant's schema_state), locked only meanwhile
// as put_tenant_row does: the text of each of the ncolumns columns into out (palloc'd, null
// for a null or missing column). False when the table is gone or empty.
bool read_state_text(Oid state_oid, const char* const* columns, int ncolumns, char** out) {
    Relation rel = try_relation_open(state_oid, AccessShareLock);
    if (rel == nullptr)
        return false;
    if (rel->rd_rel->relkind != RELKIND_RELATION) {
        relation_close(rel, AccessShareLock);
        return false;
    }
    TupleDesc desc = RelationGetDescr(rel);
    TupleTableSlot* slot = table_slot_create(rel, nullptr);
    TableScanDesc scan = table_beginscan(rel, GetActiveSnapshot(), 0, nullptr);
    const bool found = table_scan_getnextslot(scan, ForwardScanDirection, slot);
    for (int i = 0; found && i < ncolumns; ++i) {
        out[i] = nullptr;
        const int att = SPI_fnumber(desc, columns[i]);
        if (att <= 0)
            continue;
        bool isnull = false;
        const Datum value = slot_getattr(slot, att, &isnull);
        if (isnull)
            continue;
        Oid output = InvalidOid;
        bool varlena = false;
        getTypeOutputInfo(TupleDescAttr(desc, att - 1)->atttypid, &output, &varlena);
        out[i] = OidOutputFunctionCall(output, value);
    }
    table_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    relation_close(rel, AccessShareLock);  // releases the lock now
    return found;
}

}  // namespace

// udm.tenant_list() returns setof (name, schema_name, owner_role, app_role, created_at,
// schema_version): every tenant of this database, read from each tenant's schema_state, in
// the order of the schemas' names.
UDM_PG_FUNCTION(udm_tenant_list) {
    using namespace udm;
    pg::guard([&] { InitMaterializedSRF(fcinfo, 0); });
    pg::with_spi(true, [&](Spi& spi) {
        const std::vector<pg::Row> schemas = spi.query(
            "SELECT n.nspname::pg_catalog.text, c.oid::pg_catalog.text,"
            " pg_catalog.pg_get_userbyid(n.nspowner)::pg_catalog.text, n.oid::pg_catalog.text"
            " FROM pg_catalog.pg_namespace n"
            " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid"
            "  AND c.relname = 'schema_state' AND c.relkind = 'r'"
            " WHERE n.nspname LIKE 'tenant\\_%' ORDER BY n.nspname::pg_catalog.text");
        ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
        const std::unordered_set<Oid> distributed = pg::citus::distributed_schemas(spi);
        for (const pg::Row& row : schemas) {
            if (!row[0] || !row[1] || !row[3])
                continue;
            const auto tenant = naming::tenant_of_schema(*row[0]);
            // A schema of that name is not a tenant unless udm made it (owned by the
            // tenant's owner role, as everywhere else): anyone with CREATE may make one.
            if (!tenant || pg::tenant_namespace(naming::tenant_names(*tenant)) !=
                               static_cast<Oid>(std::stoul(*row[3])))
                continue;
            const Oid state_oid = static_cast<Oid>(std::stoul(*row[1]));
            const char* schema = row[0]->c_str();
            const char* owner = row[2] ? row[2]->c_str() : nullptr;
            if (distributed.count(static_cast<Oid>(std::stoul(*row[3]))) != 0) {
                // On a Citus coordinator the table here is an empty shell: read the row
                // where it is, through Citus.
                const std::vector<pg::Row> state = spi.query(
                    // ISO 8601 in UTC: read back the same whatever DateStyle the worker's
                    // connection has.
                    "SELECT tenant_name, pg_catalog.to_char(created_at AT TIME ZONE 'UTC',"
                    " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00\"'), version::pg_catalog.text"
                    " FROM " +
                    naming::qualified(*row[0], "schema_state"));
                if (!state.empty()) {
                    pg::guard([&] {
                        put_state_row(rsinfo->setResult, rsinfo->setDesc, state[0], schema, owner);
                    });
                }
                continue;
            }
            pg::guard([&] {
                put_tenant_row(rsinfo->setResult, rsinfo->setDesc, state_oid, schema, owner);
            });
        }
    });
    return (Datum)0;
}

// udm.tenant_state(tenants text[]) returns setof (tenant, identity, schema_version,
// data_events_pruned_through, limits_version): for each named tenant that exists and that the
// caller may use, what a consumer of its events follows. identity changes when a tenant is dropped
// and created again. Other names (no tenant, not a valid name, a tenant the caller may not
// use) are left out, so one tenant a consumer lost access to does not stop the others.
UDM_PG_FUNCTION(udm_tenant_state) {
    using namespace udm;
    constexpr std::size_t kMaxTenants = 10000;
    const std::vector<std::string> wanted = pg::text_array_arg(fcinfo, 0, "tenants", kMaxTenants);
    const std::vector<pg::Row> rows = pg::with_spi(true, [&](Spi& spi) {
        const std::unordered_set<Oid> distributed = pg::citus::distributed_schemas(spi);
        std::set<std::string> seen;
        std::vector<pg::Row> found;
        for (const std::string& tenant : wanted) {
            if (!seen.insert(tenant).second || naming::tenant_name_violation(tenant))
                continue;
            const naming::TenantNames names = naming::tenant_names(tenant);
            const Oid nsp = pg::tenant_namespace(names);
            if (!OidIsValid(nsp))
                continue;
            if (!pg::authorized(names))
                continue;
            const Oid state = pg::guard([&] { return get_relname_relid("schema_state", nsp); });
            if (OidIsValid(state) && distributed.count(nsp) != 0) {
                // On a Citus coordinator the table here is an empty shell: read through Citus.
                const std::vector<pg::Row> st = spi.query(
                    "SELECT version::pg_catalog.text,"
                    " data_events_pruned_through::pg_catalog.text,"
                    " limits_version::pg_catalog.text FROM " +
                    naming::qualified(names.schema, "schema_state"));
                if (!st.empty())
                    found.push_back({tenant, std::to_string(state), st[0][0], st[0][1], st[0][2]});
                continue;
            }
            // Read without a lock kept to the end of the transaction: a consumer asks for
            // every tenant it follows at once (udm-gateway, every poll).
            static const char* const kColumns[] = {"version", "data_events_pruned_through",
                                                   "limits_version"};
            char* text[3] = {nullptr, nullptr, nullptr};
            if (!OidIsValid(state) ||
                !pg::guard([&] { return read_state_text(state, kColumns, 3, text); }))
                continue;
            auto cell = [](const char* t) { return t ? pg::Cell(t) : pg::Cell(); };
            found.push_back(
                {tenant, std::to_string(state), cell(text[0]), cell(text[1]), cell(text[2])});
        }
        return found;
    });
    return pg::return_rows(fcinfo, rows);
}
