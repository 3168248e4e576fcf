// udm on a Citus cluster (include/udm/pg/citus.hpp).
#include <string_view>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/pg/barrier.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/fmgr_values.hpp"

extern "C" {
#include "commands/extension.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

namespace udm::pg::citus {

namespace {

// The text of an oid[] of nsps, a query parameter.
std::string oid_array(const std::vector<Oid>& nsps) {
    std::vector<std::string> oids;
    oids.reserve(nsps.size());
    for (Oid nsp : nsps)
        oids.push_back(std::to_string(nsp));
    return text_array_literal(oids);
}

// Sets citus.allow_nested_distributed_execution to value in the nest level of the udm
// function being called (its SET clause's), so that it ends with the call.
void set_nested_execution(const char* value) {
    guard([value] {
        (void)set_config_option("citus.allow_nested_distributed_execution", value, PGC_USERSET,
                                PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    });
}

}  // namespace

bool loaded() {
    static LocalTransactionId checked_in = InvalidLocalTransactionId;
    static bool found = false;
    return guard([] {
        // Citus defines its settings when preloaded: no catalog lookup without it.
        if (GetConfigOption("citus.enable_schema_based_sharding", true, false) == nullptr)
            return false;
        if (checked_in != MyProc->lxid || checked_in == InvalidLocalTransactionId) {
            found = OidIsValid(get_extension_oid("citus", true));
            checked_in = MyProc->lxid;
        }
        return found;
    });
}

void allow_nested_execution_for(Oid nsp) {
    if (!loaded())
        return;
    // Only Citus' own connections run pushed-down queries.
    const char* name = guard([] { return GetConfigOption("application_name", true, false); });
    if (name == nullptr || std::string_view(name).rfind("citus_internal", 0) != 0)
        return;
    const bool here = with_spi(true, [&](Spi& spi) {
        return spi
            .query_value(
                "SELECT true FROM pg_catalog.pg_dist_shard s"
                " JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid"
                " WHERE s.logicalrelid = (SELECT c.oid FROM pg_catalog.pg_class c"
                "  WHERE c.relnamespace = $1::oid AND c.relname = 'schema_state')"
                " AND p.groupid = (SELECT groupid FROM pg_catalog.pg_dist_local_group)",
                {std::to_string(nsp)})
            .has_value();
    });
    if (here)
        set_nested_execution("on");
}

void disallow_nested_execution() {
    if (loaded())
        set_nested_execution("off");
}

bool distributes_new_schemas() {
    if (!loaded())
        return false;
    const char* on =
        guard([] { return GetConfigOption("citus.enable_schema_based_sharding", true, false); });
    return on != nullptr && std::string(on) == "on";
}

catalog::Placement placement_of(Spi& spi, Oid nsp) {
    if (!loaded())
        return {};
    const Cell found =
        spi.query_value("SELECT true FROM pg_catalog.pg_dist_schema WHERE schemaid = $1::oid",
                        {std::to_string(nsp)});
    return {found.has_value()};
}

std::unordered_set<Oid> distributed_schemas(Spi& spi) {
    std::unordered_set<Oid> out;
    if (!loaded())
        return out;
    for (const Row& row : spi.query("SELECT schemaid::oid::text FROM pg_catalog.pg_dist_schema")) {
        if (row[0])
            out.insert(static_cast<Oid>(std::stoul(*row[0])));
    }
    return out;
}

std::unordered_map<Oid, TenantNode> tenant_nodes(Spi& spi, const std::vector<Oid>& nsps) {
    std::unordered_map<Oid, TenantNode> out;
    if (nsps.empty() || !loaded())
        return out;
    const std::vector<Row> rows = spi.query(
        "SELECT c.relnamespace::pg_catalog.text, p.groupid::pg_catalog.text, n.nodename,"
        " n.nodeport::pg_catalog.text"
        " FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid = c.oid"
        " JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid"
        " LEFT JOIN pg_catalog.pg_dist_node n ON n.groupid = p.groupid"
        "  AND n.noderole = 'primary' AND n.isactive"
        " WHERE c.relname = 'schema_state' AND c.relnamespace = ANY ($1::pg_catalog.oid[])",
        {oid_array(nsps)});
    for (const Row& row : rows) {
        if (!row[0] || !row[1])
            continue;
        TenantNode node;
        node.group = static_cast<std::int32_t>(std::stol(*row[1]));
        if (row[2] && row[3]) {
            node.host = *row[2];
            node.port = std::stoi(*row[3]);
        }
        out[static_cast<Oid>(std::stoul(*row[0]))] = std::move(node);
    }
    return out;
}

bool held_elsewhere(Spi& spi, Oid nsp) {
    if (!loaded())
        return false;
    const auto nodes = tenant_nodes(spi, {nsp});
    const auto node = nodes.find(nsp);
    return node != nodes.end() && node->second.group != local_group(spi);
}

std::vector<NodeAnswer> run_on_nodes(Spi& spi, const std::vector<TenantNode>& nodes,
                                     const std::vector<std::string>& commands) {
    std::vector<std::string> hosts, ports;
    for (const TenantNode& node : nodes) {
        hosts.push_back(node.host);
        ports.push_back(std::to_string(node.port));
    }
    // master_run_on_worker answers in the order of its arrays (Citus' own run_command_on_*
    // functions rely on it too).
    const std::vector<Row> rows = spi.query(
        "SELECT r.success::pg_catalog.text, r.result FROM pg_catalog.master_run_on_worker("
        "$1::pg_catalog.text[], $2::pg_catalog.int4[], $3::pg_catalog.text[], true)"
        " WITH ORDINALITY r ORDER BY r.ordinality",
        {text_array_literal(hosts), text_array_literal(ports), text_array_literal(commands)});
    std::vector<NodeAnswer> out(nodes.size());
    for (std::size_t i = 0; i < rows.size() && i < out.size(); ++i) {
        out[i].ok = rows[i][0] && *rows[i][0] == "true";
        out[i].text = rows[i][1].value_or("");
    }
    return out;
}

std::unordered_map<Oid, Oid> placed_local_state_shards(Spi& spi, const std::vector<Oid>& nsps) {
    std::unordered_map<Oid, Oid> out;
    if (nsps.empty() || !loaded())
        return out;
    const std::vector<Row> rows = spi.query(
        "SELECT c.relnamespace::pg_catalog.text, pg_catalog.to_regclass("
        "pg_catalog.shard_name(c.oid, s.shardid))::oid::pg_catalog.text"
        " FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid = c.oid"
        " JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid"
        " WHERE c.relname = 'schema_state' AND c.relnamespace = ANY ($1::pg_catalog.oid[])"
        " AND p.groupid = (SELECT groupid FROM pg_catalog.pg_dist_local_group)",
        {oid_array(nsps)});
    for (const Row& row : rows) {
        if (row[0] && row[1])
            out[static_cast<Oid>(std::stoul(*row[0]))] = static_cast<Oid>(std::stoul(*row[1]));
    }
    return out;
}

DdlSettings::DdlSettings(bool new_schemas_local) {
    if (!loaded())
        return;
    std::vector<Setting> settings = {{"citus.enable_unsafe_triggers", "on"}};
    if (new_schemas_local)
        settings.push_back({"citus.enable_schema_based_sharding", "off"});
    nest_level_ = push_settings(settings, PGC_SUSET);
}

void DdlSettings::restore() {
    restore_settings(nest_level_, true);
    nest_level_ = -1;
}

namespace {

// Runs statement without Citus' NOTICEs ("distributing the schema ..."): udm's functions
// say the same on Citus as on a single server.
void execute_quietly(Spi& spi, const std::string& statement, const std::vector<Cell>& params) {
    const int level = push_settings({{"client_min_messages", "warning"}});
    spi.execute(statement, params);
    restore_settings(level, true);
}

}  // namespace

void distribute_schema(Spi& spi, const std::string& schema) {
    execute_quietly(spi, "SELECT pg_catalog.citus_schema_distribute($1::regnamespace)",
                    {naming::quote_identifier(schema)});
}

void distribute_table(Spi& spi, const std::string& schema, const std::string& table) {
    // A table of a distributed schema joins the group of the schema's other tables; the
    // catalog table thing_classes is always one of them.
    execute_quietly(
        spi, "SELECT pg_catalog.create_distributed_table($1::regclass, NULL, colocate_with => $2)",
        {naming::qualified(schema, table), naming::qualified(schema, "thing_classes")});
}

bool is_shard(Spi& spi, Oid relid) {
    if (!loaded())
        return false;
    const Cell shard = spi.query_value("SELECT pg_catalog.relation_is_a_known_shard($1::oid)",
                                       {std::to_string(relid)});
    return shard && *shard == "t";
}

Oid local_shard(Spi& spi, Oid relid) {
    // An index's shard is named for the shard of its table (Citus' shard_name).
    const Cell shard = spi.query_value(
        "SELECT pg_catalog.to_regclass(pg_catalog.shard_name($1::oid::regclass, s.shardid))::oid"
        " FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid = COALESCE("
        "(SELECT i.indrelid FROM pg_catalog.pg_index i WHERE i.indexrelid = $1::oid), $1::oid)",
        {std::to_string(relid)});
    return shard ? static_cast<Oid>(std::stoul(*shard)) : InvalidOid;
}

std::int32_t local_group(Spi& spi) {
    if (!loaded())
        return 0;
    const Cell group = spi.query_value("SELECT groupid FROM pg_catalog.pg_dist_local_group");
    return group ? static_cast<std::int32_t>(std::stol(*group)) : 0;
}

std::int64_t claim_epoch(Spi& spi, Oid state_shard) {
    const std::string group = std::to_string(local_group(spi));
    // Locked before its name is read: a shard moved away meanwhile is gone, not a name of
    // nothing.
    const std::string state = guard([&]() -> std::string {
        LockRelationOid(state_shard, RowExclusiveLock);
        const char* name = get_rel_name(state_shard);
        const char* schema = name ? get_namespace_name(get_rel_namespace(state_shard)) : nullptr;
        if (name == nullptr || schema == nullptr)
            return {};
        return quote_qualified_identifier(schema, name);
    });
    if (state.empty()) {
        throw Error(sqlstate::kObjectNotInPrerequisiteState,
                    "the schema_state of the tenant is no longer on this node",
                    "It moved while the tenant's first events here were written.",
                    "Run the statement again.");
    }
    // udm's own bookkeeping, in the writer's transaction, as the extension's owner (the
    // writer may only read schema_state).
    const Cell owner =
        spi.query_value("SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'udm'");
    if (!owner)
        throw Error(sqlstate::kInternalError, "the udm extension is missing on this node");
    ScopedUser as_udm(static_cast<Oid>(std::stoul(*owner)), SECURITY_RESTRICTED_OPERATION);
    const std::string read =
        "SELECT data_events_epoch FROM " + state + " WHERE data_events_node = $1::integer";
    // Read first: an UPDATE, even of no row, fires forget_compiled_rules, which would make
    // the validator being built stale at once.
    Cell epoch = spi.query_value(read, {group});
    if (!epoch) {
        // The events were last written on another node: this node's epoch is the next one,
        // recorded in this transaction. Concurrent first writers on this node wait here for
        // the one recording it, then take what it committed, or record it themselves if it
        // rolled back: committed events never carry an epoch schema_state does not record,
        // so the epochs of later moves, in either direction, continue above theirs. (Not
        // waiting would let an epoch go unrecorded: after a move back, newer events would
        // sort below it.) The price: the tenant's other writers on a node it has just
        // reached wait for the first one to end (docs/events.md).
        epoch = spi.query_value(
            "UPDATE " + state +
                " SET data_events_epoch = data_events_epoch + 1, data_events_node = $1::integer"
                " WHERE data_events_node <> $1::integer RETURNING data_events_epoch",
            {group});
    }
    if (!epoch)  // another session claimed it meanwhile
        epoch = spi.query_value(read, {group});
    if (!epoch) {
        // Events written with a made-up epoch could sort before those already read.
        throw Error(sqlstate::kInternalError,
                    "the schema_state of the tenant on this node holds no row",
                    "udm.verify and the tenant's catalog need repair.");
    }
    return std::stoll(*epoch);
}

}  // namespace udm::pg::citus
