// Enforcing validation rules: the compiled rules of a class table, cached per backend and
// invalidated through the relcache; turning tuples and documents into rule values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "udm/core/naming.hpp"
#include "udm/core/rules.hpp"
#include "udm/pg/custom_function.hpp"
#include "udm/pg/row_probes.hpp"
#include "udm/pg/spi.hpp"

extern "C" {
#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/relcache.h"
}

namespace udm::pg {

// The column of one attribute in a class table.
struct AttributeColumn {
    std::string attribute;
    AttrNumber attnum = 0;
};

// What the triggers of one class table need to know, cached per backend: the compiled
// rules and where each attribute's column is; whose table it is.
struct ClassValidator {
    std::string tenant;            // empty for a table that is no class table
    Oid tenant_role = InvalidOid;  // the tenant's application role: custom functions run as it
    Oid tenant_namespace = InvalidOid;
    // On a Citus worker, the local shards of the tenant's data_events and relationships,
    // which the triggers of a shard write; InvalidOid elsewhere (found by name).
    Oid outbox = InvalidOid;
    Oid relationships = InvalidOid;
    Oid state = InvalidOid;  // and of its schema_state, whose invalidation makes this stale
    std::int64_t epoch = 0;  // of the events written here (docs/events.md); 0 off Citus
    std::string class_name;
    AttrNumber id_attnum = 0;
    std::vector<AttributeColumn> columns;  // every assigned attribute present in the table
    rules::CompiledClass compiled;
    std::vector<AttrNumber> attnums;     // per compiled attribute; 0 when the column is missing
    std::vector<Oid> typids;             // per compiled attribute
    std::vector<CustomFunction> custom;  // per compiled attribute; unnamed without one
    AttrNumber max_attnum = 0;           // the last column a rule reads
    RowProbes probes;                    // unique values and references, for the trigger
    bool empty = true;                   // nothing to check
    bool any_custom = false;             // some attribute has a custom function
    // Holds what the custom functions keep between calls (an SQL function's plans), so
    // that it goes with the validator: a child of CacheMemoryContext, deleted with it.
    std::shared_ptr<MemoryContextData> memory;
    // A custom function failed inside: its cached state is not to be trusted again.
    mutable bool broken = false;
    // The per-row buffers of check_tuple and check_slot, reused from row to row; busy while
    // a row is checked (a nested check of the same class uses buffers of its own).
    mutable std::vector<rules::Value> scratch_values;
    mutable std::vector<Datum> scratch_datums;
    mutable bool scratch_busy = false;
};

// Which custom functions check_tuple calls: all, or those of some attributes only.
using CustomFilter = std::function<bool(const rules::CompiledAttribute&)>;

// The validator of class cls of tenant names' model m for a relation with descriptor desc.
std::shared_ptr<ClassValidator> build_validator(const naming::TenantNames& names,
                                                const model::Model& m, const model::ThingClass& cls,
                                                TupleDesc desc);

// The cached validator of a class table, built on first use and after every invalidation
// of the table's relcache entry (a model change invalidates every class table of the
// tenant when it commits).
std::shared_ptr<const ClassValidator> validator_for(Relation rel);

// Checks a tuple; appends the violations, custom functions included (run as the tenant's
// role; only those filter accepts when given).
void check_tuple(const ClassValidator& v, TupleDesc desc, HeapTuple tuple,
                 std::vector<rules::Violation>& out, const CustomFilter& filter = nullptr);

// Checks the row in a trigger's slot, deforming it there once; appends the violations,
// custom functions included.
void check_slot(const ClassValidator& v, TupleTableSlot* slot, std::vector<rules::Violation>& out);

// Calls the custom rule function of compiled attribute i on a non-null value as the
// tenant's role; appends a violation when it says no.
void check_custom(const ClassValidator& v, std::size_t i, Datum value,
                  std::vector<rules::Violation>& out);

// Throws the error of a row with violations, detail the JSON array of all of them. The
// SQLSTATE is the one PostgreSQL would report first: 23514 when a rule of the row's own
// values is broken (message naming the class and the count), else 23505 when a unique value
// is taken, else 23503 for a reference to a missing or deleted thing (message naming the
// class and those attributes).
[[noreturn]] void throw_violations(const std::string& class_name,
                                   const std::vector<rules::Violation>& violations);

// Registers the relcache callback that keeps the cache current; called from _PG_init.
void register_validation_cache();

// Validators of the tables of these classes of a tenant must be rebuilt at commit: queues
// relcache invalidations of their tables (those that exist).
void invalidate_class_tables(const naming::TenantNames& names,
                             const std::vector<std::string>& class_names);

}  // namespace udm::pg
