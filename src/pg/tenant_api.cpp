// Tenant provisioning and state: udm.create_tenant, udm.drop_tenant, udm.tenant_schema,
// udm.tenant_list, udm.tenant_state.
//
// A tenant is a schema tenant_<name> holding a schema_state table; the registry is derived
// from the database itself (udm.tenants), so a tenant restored from pg_dump -n is a tenant.
#include <map>
#include <optional>
#include <set>
#include <unordered_set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
#include "access/xact.h"
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
#include "utils/timestamp.h"
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

// Moves an existing tenant into a Citus distributed schema (to.distributed) or back into a
// plain schema of this node: udm.distribute_tenant, udm.undistribute_tenant.
void change_placement(Spi& spi, const udm::naming::TenantNames& names, udm::catalog::Placement to) {
    using namespace udm;
    const char* call = to.distributed ? "udm.distribute_tenant" : "udm.undistribute_tenant";
    if (!pg::citus::loaded()) {
        throw Error(sqlstate::kFeatureNotSupported,
                    std::string(call) + " needs Citus, which this database does not have", {},
                    "docs/scale-out.md says how to run udm on a Citus cluster.");
    }
    pg::lock_tenant_name(spi, names);
    pg::require_tenant(names);
    const Oid nsp = pg::tenant_namespace(names);
    if (pg::citus::placement_of(spi, nsp).distributed == to.distributed) {
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "tenant \"" + names.tenant + "\" is " + (to.distributed ? "already" : "not") +
                        " a distributed schema");
    }
    // Model changes wait, as for one another.
    spi.execute("SELECT 1 FROM " + naming::qualified(names.schema, "schema_state") + " FOR UPDATE");
    std::vector<std::string> tables;
    for (const pg::Row& row :
         spi.query("SELECT c.relname::pg_catalog.text FROM pg_catalog.pg_policy p"
                   " JOIN pg_catalog.pg_class c ON c.oid = p.polrelid"
                   " WHERE c.relnamespace = $1::oid AND p.polname = 'tenant_members'"
                   " ORDER BY 1",
                   {std::to_string(nsp)})) {
        if (row[0])
            tables.push_back(*row[0]);
    }
    std::vector<catalog::TableTrigger> triggers;
    for (const pg::Row& row :
         spi.query("SELECT c.relname::pg_catalog.text, t.tgname::pg_catalog.text,"
                   " t.tgenabled::pg_catalog.text"
                   " FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid"
                   " WHERE c.relnamespace = $1::oid AND c.relkind = 'r' AND NOT t.tgisinternal"
                   " AND t.tgenabled <> 'D' ORDER BY 1, 2",
                   {std::to_string(nsp)})) {
        if (row[0] && row[1] && row[2] && !row[2]->empty())
            triggers.push_back({*row[0], *row[1], (*row[2])[0]});
    }
    std::vector<catalog::TableComment> comments;
    if (!to.distributed) {
        for (const pg::Row& row : spi.query(
                 "SELECT c.relname::pg_catalog.text, a.attname::pg_catalog.text, d.description"
                 " FROM pg_catalog.pg_description d"
                 " JOIN pg_catalog.pg_class c ON c.oid = d.objoid"
                 " LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = "
                 "d.objsubid"
                 " WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass"
                 " AND c.relnamespace = $1::oid AND c.relkind = 'r'"
                 " AND (d.objsubid = 0 OR a.attnum IS NOT NULL) ORDER BY 1, d.objsubid",
                 {std::to_string(nsp)})) {
            if (row[0] && row[2])
                comments.push_back({*row[0], row[1], *row[2]});
        }
    }
    const catalog::Replacement steps =
        catalog::change_placement(names, tables, triggers, comments, to);
    const std::string schema = naming::quote_literal(naming::quote_identifier(names.schema));
    pg::citus::DdlSettings citus_settings;
    pg::run_statements(spi, steps.drop_views);
    pg::run_statements(spi, steps.disable_triggers);
    if (to.distributed) {
        pg::run_statements(spi, steps.fit_tables);
        spi.execute("SELECT pg_catalog.citus_schema_distribute(" + schema + "::regnamespace)");
    } else {
        spi.execute("SELECT pg_catalog.citus_schema_undistribute(" + schema + "::regnamespace)");
        pg::run_statements(spi, steps.fit_tables);
    }
    pg::run_statements(spi, steps.enable_triggers);
    pg::run_statements(spi, steps.views);
    citus_settings.restore();
}

}  // namespace

// udm.distribute_tenant(name text): makes an existing tenant (created before Citus, or
// with citus.enable_schema_based_sharding off) a Citus distributed schema, as
// udm.create_tenant makes new ones; its data and events go on. docs/scale-out.md.
UDM_PG_FUNCTION(udm_distribute_tenant) {
    using namespace udm;
    const naming::TenantNames names = naming::tenant_names(pg::text_arg(fcinfo, 0, "tenant name"));
    pg::refuse_inside_extension_script("udm.distribute_tenant");
    pg::with_spi(false, [&](Spi& spi) { change_placement(spi, names, {true}); });
    PG_RETURN_VOID();
}

// udm.undistribute_tenant(name text): makes a distributed tenant a plain schema of the
// coordinator again (Citus' citus_schema_undistribute, around which udm rebuilds the views
// and gives the tables back to the tenant's owner role).
UDM_PG_FUNCTION(udm_undistribute_tenant) {
    using namespace udm;
    const naming::TenantNames names = naming::tenant_names(pg::text_arg(fcinfo, 0, "tenant name"));
    pg::refuse_inside_extension_script("udm.undistribute_tenant");
    pg::with_spi(false, [&](Spi& spi) { change_placement(spi, names, {false}); });
    PG_RETURN_VOID();
}

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

// Appends to the result the row of a distributed tenant read on the node that holds it:
// name, created_at and version as its schema_state holds them (null when not read). Calls
// PostgreSQL: run inside guard(), with nothing of C++ to destroy.
void put_state_row(Tuplestorestate* store, TupleDesc result_desc, const char* name,
                   const std::int64_t* created, const std::int64_t* version, const char* schema,
                   const char* owner_name) {
    Datum values[6];
    bool nulls[6] = {name == nullptr,   false, owner_name == nullptr, false, created == nullptr,
                     version == nullptr};
    values[0] = name != nullptr ? CStringGetTextDatum(name) : (Datum)0;
    values[1] = CStringGetTextDatum(schema);
    values[2] = owner_name != nullptr ? CStringGetTextDatum(owner_name) : (Datum)0;
    values[3] = PointerGetDatum(cstring_to_text(psprintf("%s_role", schema)));
    values[4] = created != nullptr ? TimestampTzGetDatum(*created) : (Datum)0;
    values[5] = version != nullptr ? Int64GetDatum(*version) : (Datum)0;
    tuplestore_putvalues(store, result_desc, values, nulls);
}

// Reads the one row of the table state_oid (a tenant's schema_state), locked only meanwhile
// as put_tenant_row does: the text of each of the ncolumns columns into out (palloc'd, null
// for a null or missing column). A timestamptz is given as its microseconds since
// 2000-01-01 UTC, PostgreSQL's own value, so that it reads back the same whatever the
// DateStyle and TimeZone of the connection that carries it. False when the table is gone or
// empty.
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
        const Oid type = TupleDescAttr(desc, att - 1)->atttypid;
        if (type == TIMESTAMPTZOID) {
            out[i] = psprintf(INT64_FORMAT, DatumGetTimestampTz(value));
            continue;
        }
        Oid output = InvalidOid;
        bool varlena = false;
        getTypeOutputInfo(type, &output, &varlena);
        out[i] = OidOutputFunctionCall(output, value);
    }
    table_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    relation_close(rel, AccessShareLock);  // releases the lock now
    return found;
}

// The columns of schema_state that udm.tenant_list and udm.tenant_state return of a
// distributed tenant, in this order.
constexpr const char* kStateColumns[] = {"tenant_name", "created_at", "version",
                                         "data_events_pruned_through", "limits_version"};
constexpr int kStateColumnCount = 5;

// The schema_state of each of the tenants that this node holds (by Citus' placement), as the
// tenant's name followed by the text of kStateColumns; tenants held elsewhere, or not at
// all, are left out. Each table is locked only while it is read.
std::vector<udm::pg::Row> states_here(Spi& spi, const std::vector<std::string>& tenants) {
    using namespace udm;
    std::vector<std::pair<std::string, Oid>> named;  // tenant, schema
    std::vector<Oid> nsps;
    std::set<std::string> seen;
    for (const std::string& tenant : tenants) {
        if (!seen.insert(tenant).second || naming::tenant_name_violation(tenant))
            continue;
        const Oid nsp = pg::tenant_namespace(naming::tenant_names(tenant));
        if (!OidIsValid(nsp))
            continue;
        named.emplace_back(tenant, nsp);
        nsps.push_back(nsp);
    }
    // One query for all of them: a node may hold thousands, read at every poll.
    const std::unordered_map<Oid, Oid> shards = pg::citus::placed_local_state_shards(spi, nsps);
    std::vector<pg::Row> out;
    for (const auto& [tenant, nsp] : named) {
        const auto shard = shards.find(nsp);
        char* text[kStateColumnCount] = {};
        if (shard == shards.end() || !pg::guard([&] {
                return read_state_text(shard->second, kStateColumns, kStateColumnCount, text);
            })) {
            continue;
        }
        pg::Row row{tenant};
        for (const char* t : text)
            row.push_back(t ? pg::Cell(t) : pg::Cell());
        out.push_back(std::move(row));
    }
    return out;
}

// A distributed tenant's schema_state as its node answered: kStateColumns' text, or (no
// values) why it could not be read now.
struct DistributedState {
    std::optional<udm::pg::Row> values;
    std::string unreachable;
};

// Reads the schema_state of distributed tenants (name, schema) on the nodes that hold them:
// one query per node, to every node at once, each on a connection and in a transaction of
// its own (udm.tenant_states_here). Nothing stays locked on this node, however many
// tenants are read, and a node that is down leaves only its own tenants unread, each with
// the reason, instead of failing the caller. In a REPEATABLE READ or SERIALIZABLE
// transaction, whose reads must all be of its snapshot, each tenant is read through Citus
// instead (a lock on its table to the end of the transaction, and an error while its node
// is down).
std::map<std::string, DistributedState> read_distributed_states(
    Spi& spi, const std::vector<std::pair<std::string, Oid>>& tenants) {
    using namespace udm;
    std::map<std::string, DistributedState> out;
    if (tenants.empty())
        return out;
    if (IsolationUsesXactSnapshot()) {
        // In the snapshot of the transaction, as the caller's other reads (the gateway reads
        // a tenant's version and its model in one REPEATABLE READ transaction): through
        // Citus, on the transaction's connection to each worker.
        for (const auto& tenant : tenants) {
            const std::vector<pg::Row> rows = spi.query(
                "SELECT tenant_name, ((EXTRACT(EPOCH FROM created_at) - 946684800) * 1000000)"
                "::pg_catalog.int8::pg_catalog.text, version::pg_catalog.text,"
                " data_events_pruned_through::pg_catalog.text, limits_version::pg_catalog.text"
                " FROM " +
                naming::qualified(naming::tenant_names(tenant.first).schema, "schema_state"));
            if (!rows.empty())
                out[tenant.first].values = rows[0];
            else
                out[tenant.first].unreachable = "its schema_state holds no row";
        }
        return out;
    }
    std::vector<Oid> nsps;
    for (const auto& tenant : tenants)
        nsps.push_back(tenant.second);
    const std::unordered_map<Oid, pg::citus::TenantNode> nodes = pg::citus::tenant_nodes(spi, nsps);
    const std::int32_t here = pg::citus::local_group(spi);
    std::vector<std::string> held_here;
    std::map<std::int32_t, std::vector<std::string>> held_by;  // by group
    std::map<std::int32_t, pg::citus::TenantNode> node_of;
    for (const auto& [tenant, nsp] : tenants) {
        auto node = nodes.find(nsp);
        if (node == nodes.end()) {
            out[tenant].unreachable = "it has no placement";
        } else if (node->second.group == here) {
            held_here.push_back(tenant);
        } else if (node->second.host.empty()) {
            out[tenant].unreachable =
                "Citus group " + std::to_string(node->second.group) + " has no active primary node";
        } else {
            held_by[node->second.group].push_back(tenant);
            node_of[node->second.group] = node->second;
        }
    }
    auto take = [&](const std::vector<pg::Row>& rows) {
        for (const pg::Row& row : rows) {
            if (row.size() != 1 + kStateColumnCount || !row[0])
                continue;
            out[*row[0]].values = pg::Row(row.begin() + 1, row.end());
        }
    };
    take(states_here(spi, held_here));
    std::vector<pg::citus::TenantNode> targets;
    std::vector<std::string> commands;
    std::vector<const std::vector<std::string>*> asked;
    for (const auto& [group, names] : held_by) {
        targets.push_back(node_of[group]);
        commands.push_back("SELECT udm.tenant_states_here(" +
                           naming::quote_literal(pg::text_array_literal(names)) +
                           "::pg_catalog.text[])");
        asked.push_back(&names);
    }
    const std::vector<pg::citus::NodeAnswer> answers =
        targets.empty() ? std::vector<pg::citus::NodeAnswer>{}
                        : pg::citus::run_on_nodes(spi, targets, commands);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const std::string where = targets[i].host + ":" + std::to_string(targets[i].port);
        const pg::citus::NodeAnswer& answer =
            i < answers.size() ? answers[i] : pg::citus::NodeAnswer{};
        std::vector<pg::Row> rows;
        std::string failure;
        if (!answer.ok) {
            failure = "node " + where + ": " + (answer.text.empty() ? "no answer" : answer.text);
        } else {
            const nlohmann::json parsed = nlohmann::json::parse(answer.text, nullptr, false);
            if (!parsed.is_array()) {
                failure = "node " + where + " answered no list of tenants";
            } else {
                for (const nlohmann::json& item : parsed) {
                    if (!item.is_array())
                        continue;
                    pg::Row row;
                    for (const nlohmann::json& cell : item)
                        row.push_back(cell.is_string() ? pg::Cell(cell.get<std::string>())
                                                       : pg::Cell());
                    rows.push_back(std::move(row));
                }
            }
        }
        take(rows);
        for (const std::string& tenant : *asked[i]) {
            DistributedState& state = out[tenant];
            if (!state.values) {
                state.unreachable = failure.empty()
                                        ? "node " + where + " no longer holds it (it is moving)"
                                        : failure;
            }
        }
    }
    return out;
}

}  // namespace

// udm.tenant_states_here(tenants text[]) returns text: the schema_state of each named tenant
// that this node holds, as a JSON array of arrays of text (the tenant's name, then
// kStateColumns). What udm.tenant_list and udm.tenant_state ask each node of a Citus
// cluster, as the extension's owner; EXECUTE is revoked from PUBLIC.
UDM_PG_FUNCTION(udm_tenant_states_here) {
    using namespace udm;
    constexpr std::size_t kMaxTenants = 100000;
    const std::vector<std::string> tenants = pg::text_array_arg(fcinfo, 0, "tenants", kMaxTenants);
    const std::vector<pg::Row> rows =
        pg::with_spi(true, [&](Spi& spi) { return states_here(spi, tenants); });
    nlohmann::json out = nlohmann::json::array();
    for (const pg::Row& row : rows) {
        nlohmann::json item = nlohmann::json::array();
        for (const pg::Cell& cell : row)
            item.push_back(cell ? nlohmann::json(*cell) : nlohmann::json());
        out.push_back(std::move(item));
    }
    return pg::text_datum(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// udm.tenant_list() returns setof (name, schema_name, owner_role, app_role, created_at,
// schema_version): every tenant of this database, read from each tenant's schema_state, in
// the order of the schemas' names. On a Citus coordinator, a distributed tenant whose node
// cannot be reached is listed with a null created_at and schema_version, and a WARNING
// says why.
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
        struct Listed {
            std::string tenant;
            const pg::Row* row;
            bool distributed;
        };
        std::vector<Listed> listed;
        std::vector<std::pair<std::string, Oid>> remote;
        for (const pg::Row& row : schemas) {
            if (!row[0] || !row[1] || !row[3])
                continue;
            const auto tenant = naming::tenant_of_schema(*row[0]);
            const Oid nsp = static_cast<Oid>(std::stoul(*row[3]));
            // A schema of that name is not a tenant unless udm made it (owned by the
            // tenant's owner role, as everywhere else): anyone with CREATE may make one.
            if (!tenant || pg::tenant_namespace(naming::tenant_names(*tenant)) != nsp)
                continue;
            const bool on_citus = distributed.count(nsp) != 0;
            listed.push_back({*tenant, &row, on_citus});
            if (on_citus)
                remote.emplace_back(*tenant, nsp);
        }
        // On a Citus coordinator the tables here are empty shells: read where they are.
        const std::map<std::string, DistributedState> states = read_distributed_states(spi, remote);
        std::map<std::string, std::vector<std::string>> unread;  // tenants by reason
        for (const Listed& entry : listed) {
            const pg::Row& row = *entry.row;
            const char* schema = row[0]->c_str();
            const char* owner = row[2] ? row[2]->c_str() : nullptr;
            if (!entry.distributed) {
                const Oid state_oid = static_cast<Oid>(std::stoul(*row[1]));
                pg::guard([&] {
                    put_tenant_row(rsinfo->setResult, rsinfo->setDesc, state_oid, schema, owner);
                });
                continue;
            }
            auto state = states.find(entry.tenant);
            const pg::Row* values =
                state != states.end() && state->second.values ? &*state->second.values : nullptr;
            if (values == nullptr) {
                unread[state != states.end() ? state->second.unreachable : "no answer"].push_back(
                    entry.tenant);
            }
            // Unread: the tenant's own name, created_at and version null.
            const char* name = values == nullptr ? entry.tenant.c_str()
                               : (*values)[0]    ? (*values)[0]->c_str()
                                                 : nullptr;
            std::optional<std::int64_t> created, version;
            if (values != nullptr && (*values)[1])
                created = std::stoll(*(*values)[1]);
            if (values != nullptr && (*values)[2])
                version = std::stoll(*(*values)[2]);
            pg::guard([&] {
                put_state_row(rsinfo->setResult, rsinfo->setDesc, name,
                              created ? &*created : nullptr, version ? &*version : nullptr, schema,
                              owner);
            });
        }
        for (const auto& [why, tenants] : unread) {
            std::string names;
            for (const std::string& tenant : tenants)
                names += (names.empty() ? "" : ", ") + tenant;
            const std::string message =
                "the schema_state of tenants " + names + " could not be read: " + why;
            pg::guard([&] {
                ereport(WARNING,
                        (errcode(ERRCODE_CONNECTION_FAILURE), errmsg("%s", message.c_str()),
                         errhint("Their created_at and schema_version are listed as "
                                 "null.")));
            });
        }
    });
    return (Datum)0;
}

// udm.tenant_state(tenants text[]) returns setof (tenant, identity, schema_version,
// data_events_pruned_through, limits_version, reachable): for each named tenant that exists
// and that the caller may use, what a consumer of its events follows. identity (its
// schema's OID) changes when a tenant is dropped and created again, not when it moves
// between the nodes of a Citus cluster. Other names (no tenant, not a valid name, a tenant
// the caller may not use) are left out, so one tenant a consumer lost access to does not
// stop the others. reachable is false for a tenant of a Citus cluster whose node could not
// be read now: it exists (its identity is known), but its versions are null.
UDM_PG_FUNCTION(udm_tenant_state) {
    using namespace udm;
    constexpr std::size_t kMaxTenants = 10000;
    const std::vector<std::string> wanted = pg::text_array_arg(fcinfo, 0, "tenants", kMaxTenants);
    const std::vector<pg::Row> rows = pg::with_spi(true, [&](Spi& spi) {
        const std::unordered_set<Oid> distributed = pg::citus::distributed_schemas(spi);
        std::set<std::string> seen;
        std::vector<pg::Row> found;
        std::vector<std::pair<std::string, Oid>> remote;
        std::vector<std::size_t> remote_rows;  // their places in found
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
            if (!OidIsValid(state))
                continue;
            if (distributed.count(nsp) != 0) {
                // On a Citus coordinator the table here is an empty shell: read below, where
                // it is.
                remote.emplace_back(tenant, nsp);
                remote_rows.push_back(found.size());
                found.push_back({tenant, std::to_string(nsp), {}, {}, {}, "false"});
                continue;
            }
            // Read without a lock kept to the end of the transaction: a consumer asks for
            // every tenant it follows at once (udm-gateway, every poll).
            static const char* const kColumns[] = {"version", "data_events_pruned_through",
                                                   "limits_version"};
            char* text[3] = {nullptr, nullptr, nullptr};
            if (!pg::guard([&] { return read_state_text(state, kColumns, 3, text); }))
                continue;
            auto cell = [](const char* t) { return t ? pg::Cell(t) : pg::Cell(); };
            found.push_back(
                {tenant, std::to_string(nsp), cell(text[0]), cell(text[1]), cell(text[2]), "true"});
        }
        const std::map<std::string, DistributedState> states = read_distributed_states(spi, remote);
        for (std::size_t place : remote_rows) {
            pg::Row& row = found[place];
            auto state = states.find(*row[0]);
            if (state == states.end() || !state->second.values)
                continue;
            const pg::Row& values = *state->second.values;  // kStateColumns
            row[2] = values[2];
            row[3] = values[3];
            row[4] = values[4];
            row[5] = "true";
        }
        return found;
    });
    return pg::return_rows(fcinfo, rows);
}
