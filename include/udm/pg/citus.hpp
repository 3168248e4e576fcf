// udm on a Citus cluster with schema-based sharding (docs/scale-out.md). Citus is found at
// run time, in the database's catalog; udm is never built or linked against it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "udm/core/tenant_catalog.hpp"
#include "udm/pg/spi.hpp"

namespace udm::pg::citus {

// True when the citus extension is created in the current database. Cheap where Citus is
// not preloaded; otherwise answered once per transaction.
bool loaded();

// For the life of one of udm's SPI connections: lets its queries run inside a Citus task
// on a worker, as when a udm function is called in a query that Citus pushes down to the
// worker holding the tenant. They touch only that tenant's schema, whose tables are all
// on that worker, so Citus' reason to refuse (a shard elsewhere, not seeing this
// transaction's writes) does not hold. Returns the GUC nest level for restore, or -1 when
// Citus is not loaded.
int allow_nested_execution();

// Inside a GUC nest level of the caller's (with_own_settings): what udm allowed for its
// own queries does not extend to user code (a custom rule function) called meanwhile.
void disallow_nested_execution();

// Ends the settings of allow_nested_execution (level -1: nothing); ok is false after an
// error.
void restore_settings(int level, bool ok);

// True when a tenant created now becomes a Citus distributed schema: Citus is loaded and
// citus.enable_schema_based_sharding is on, as for a schema created by hand.
bool distributes_new_schemas();

// Where the tables of the tenant schema nsp live.
catalog::Placement placement_of(Spi& spi, Oid nsp);

// The distributed schemas of the database (none without Citus), for a caller that looks
// at many schemas at once.
std::vector<Oid> distributed_schemas(Spi& spi);

// The settings udm's own DDL needs on Citus, for as long as the object lives: the triggers
// of the class tables are Citus "unsafe" triggers (they read colocated tables of the same
// schema, which is safe there); with new_schemas_local, a schema created meanwhile stays a
// plain schema until distribute_schema (Citus would distribute only the tables a client
// creates in it). Nothing when Citus is not loaded.
class DdlSettings {
  public:
    explicit DdlSettings(bool new_schemas_local = false);
    ~DdlSettings();
    DdlSettings(const DdlSettings&) = delete;
    DdlSettings& operator=(const DdlSettings&) = delete;

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
