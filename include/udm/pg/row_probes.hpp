// The rules of a row that other rows decide: a unique attribute's value must not be taken by
// another live thing of the class, and a reference must point at a live thing of its target
// class. The validation trigger probes the indexes behind them directly (not through SPI,
// so row-level security hides nothing) and reports what it finds in model terms before the
// unique index or the foreign key, which stay as the backstop, would report it physically.
#pragma once

#include <string>
#include <vector>

#include "udm/core/model.hpp"
#include "udm/core/rules.hpp"
#include "udm/pg/postgres.hpp"

extern "C" {
#include "access/htup.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"
}

namespace udm::pg {

// A unique attribute of a class and the partial unique index over its live rows.
struct UniqueProbe {
    std::string attribute;
    AttrNumber attnum = 0;
    Oid index = InvalidOid;
    Oid eq_proc = InvalidOid;  // the index's equality function and collation
    Oid collation = InvalidOid;
    Oid subtype = InvalidOid;
};

// A reference attribute of a class and the primary key of the table it points into.
struct ReferenceProbe {
    std::string attribute;
    std::string target_class;
    AttrNumber attnum = 0;
    Oid target_table = InvalidOid;
    Oid target_pkey = InvalidOid;
    AttrNumber target_is_deleted = 0;
    Oid eq_proc = InvalidOid;
};

// A foreign key of another class table pointing at this one, and an index to find the rows
// that refer to a thing through it.
struct ReferrerProbe {
    Oid table = InvalidOid;  // the referring class table
    AttrNumber attnum = 0;   // its reference column
    Oid index = InvalidOid;  // a plain btree index whose first column that is
};

// What to probe for the rows of one class table.
struct RowProbes {
    std::vector<UniqueProbe> unique;
    std::vector<ReferenceProbe> references;
    std::vector<ReferrerProbe> referrers;  // for a DELETE of one of its things
    AttrNumber is_deleted = 0;
    bool empty() const { return unique.empty() && references.empty(); }
};

// The probes of class cls (of model m) whose table is rel: every unique attribute whose
// index exists, every reference attribute whose target table and key exist, and every
// foreign key pointing at rel that has an index to probe (what is missing is left to the
// physical constraints).
RowProbes build_row_probes(Relation rel, const model::Model& m, const model::ThingClass& cls);

// Probes the new row of an INSERT (old_tuple null) or an UPDATE; appends a "unique" violation
// for a value another live thing of the class holds (waiting, as the index would, for a
// transaction that is writing the same value) and a "reference" violation for a reference to
// no thing, or to a deleted one, of the target class. Only what the row sets or changes is
// probed: a unique value when it is new, changed, or its row comes back from deletion; a
// reference when it is new or changed. While an INSERT ... ON CONFLICT into rel runs, neither
// unique values nor the references of the row it proposes to insert are probed (it may not
// be written); in the statement that loaded udm, unique values are probed only when its
// portal shows a plain INSERT or UPDATE of rel.
void probe_row(const RowProbes& probes, Relation rel, const std::string& class_name,
               HeapTuple old_tuple, TupleTableSlot* new_slot, HeapTuple new_tuple,
               std::vector<rules::Violation>& out);

// Tracks the INSERT ... ON CONFLICT statements that are running: a conflict is theirs to
// handle, so no unique value of their tables, and no reference of a row they propose to
// insert, is probed. Called from _PG_init.
void register_row_probes();

}  // namespace udm::pg
