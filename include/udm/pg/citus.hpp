// udm on a Citus cluster with schema-based sharding (docs/scale-out.md). Citus is found at
// run time, in the database's catalog; udm is never built or linked against it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "udm/core/tenant_catalog.hpp"
#include "udm/pg/spi.hpp"

namespace udm::pg::citus {

// True when the citus extension is created in the current database. Cheap where Citus is
// not preloaded; otherwise answered once per transaction.
bool loaded();

// Called by every udm function for the tenant it works on (schema nsp): when Citus runs
// the call inside a query it pushed down to a worker (a udm function called for each row
// of a query over the tenant's tables), and that worker holds the tenant, lets udm's own
// queries run there for the rest of the call. They touch only that tenant, whose tables
// are all on that worker, so Citus' reason to refuse them (a shard elsewhere, not seeing
// this transaction's writes) does not hold; for any other tenant Citus refuses as before.
// The setting ends with the call (the function's SET clause's nest level).
void allow_nested_execution_for(Oid nsp);

// Inside a GUC nest level of the caller's (with_own_settings): what udm allowed for its
// own queries does not extend to user code (a custom rule function) called meanwhile.
void disallow_nested_execution();

// True when a tenant created now becomes a Citus distributed schema: Citus is loaded and
// citus.enable_schema_based_sharding is on, as for a schema created by hand.
bool distributes_new_schemas();

// Where the tables of the tenant schema nsp live.
catalog::Placement placement_of(Spi& spi, Oid nsp);

// The distributed schemas of the database (none without Citus), for a caller that looks
// at many schemas at once.
std::unordered_set<Oid> distributed_schemas(Spi& spi);

// The node that holds a distributed tenant schema: the Citus group of its schema_state's
// placement and that group's primary node (host empty when the group has none).
struct TenantNode {
    std::int32_t group = 0;
    std::string host;
    int port = 0;
};

// Where each of the distributed tenant schemas nsps is placed, by schema; a schema without
// a placement (not distributed) is left out.
std::unordered_map<Oid, TenantNode> tenant_nodes(Spi& spi, const std::vector<Oid>& nsps);

// True when the tenant schema nsp is distributed and held on another node than this one
// (this is the coordinator, say): what must read the tenant's latest committed rows runs
// there, where its snapshots are taken.
bool held_elsewhere(Spi& spi, Oid nsp);

// What a node answered to its command: its one value, or (ok false) why it could not.
struct NodeAnswer {
    bool ok = false;
    std::string text;
};

// Runs commands[i] on nodes[i], all at once, each on a new connection of the current user
// (Citus' master_run_on_worker) and in a transaction of its own: nothing it locks there
// outlives it, and a node that is down or fails answers with its error instead of failing
// the caller.
std::vector<NodeAnswer> run_on_nodes(Spi& spi, const std::vector<TenantNode>& nodes,
                                     const std::vector<std::string>& commands);

// For each of the schemas nsps, the shard of its schema_state that Citus' metadata places
// on this node, in one query; a schema whose shard is placed elsewhere is left out, even
// while the copy a move left behind still waits here for its clean-up.
std::unordered_map<Oid, Oid> placed_local_state_shards(Spi& spi, const std::vector<Oid>& nsps);

// The settings udm's own DDL needs on Citus, for as long as the object lives: the triggers
// of the class tables are Citus "unsafe" triggers (they read colocated tables of the same
// schema, which is safe there); with new_schemas_local, a schema created meanwhile stays a
// plain schema until distribute_schema (Citus would distribute only the tables a client
// creates in it). Nothing when Citus is not loaded.
// restore() ends them once the DDL ran; after an error the (sub)transaction's abort does
// (the destructor calls nothing of PostgreSQL: it may run after an ereport).
class DdlSettings {
  public:
    explicit DdlSettings(bool new_schemas_local = false);
    DdlSettings(const DdlSettings&) = delete;
    DdlSettings& operator=(const DdlSettings&) = delete;
    void restore();

  private:
    int nest_level_ = -1;
};

// Makes the schema a Citus distributed schema, every table in it colocated on one node.
void distribute_schema(Spi& spi, const std::string& schema);

// Adds a table created in the distributed schema to that schema's colocation group, as
// Citus does on its own only for a CREATE TABLE sent by a client (udm's comes through SPI).
void distribute_table(Spi& spi, const std::string& schema, const std::string& table);

// True when relid is a Citus shard: udm's triggers fire on the shards of a distributed
// schema, on the worker that holds it.
bool is_shard(Spi& spi, Oid relid);

// On a worker, the local shard of relid, a table of a distributed schema or an index of
// one; InvalidOid when this node holds none. What a trigger on a shard reads or writes
// directly (the outbox, the indexes its rules probe) is the shard, never the empty shell
// table of the same name.
Oid local_shard(Spi& spi, Oid relid);

// The Citus group of this node (the coordinator's is 0); 0 without Citus.
std::int32_t local_group(Spi& spi);

// The epoch of the data events this node writes for a tenant whose schema_state has its
// local shard state_shard: its data_events_epoch, moved on by one (and data_events_node set
// to this node) when the events were last written on another node. docs/events.md.
std::int64_t claim_epoch(Spi& spi, Oid state_shard);

}  // namespace udm::pg::citus
