// The unique and reference probes of the validation trigger, the trigger that refuses to
// delete a referenced thing (udm.check_referrers), and the tracking of running INSERT ...
// ON CONFLICT statements that turns the unique probes, and the reference probes of the rows
// they propose to insert, off for their tables.
//
// A unique value is looked up in its partial unique index the way PostgreSQL checks an
// exclusion constraint (execIndexing.c, check_exclusion_or_unique_constraint): with a dirty
// snapshot, waiting for a transaction that is writing a conflicting row, then looking again,
// so two sessions inserting the same value get the model-terms error too. A reference is
// looked up in the target table's primary key with SnapshotSelf: committed rows and this
// transaction's own, never waiting, as a foreign key check does not wait for a thing another
// transaction has not committed yet. The things referring to a deleted one are looked up
// in the referring tables' indexes with a dirty snapshot, as described at referred_to().
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/barrier.hpp"
#include "udm/pg/row_probes.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "access/genam.h"
#include "access/relation.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "tcop/pquery.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/portal.h"
#include "utils/rel.h"
#include "utils/array.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace udm::pg {

namespace {

// --- INSERT ... ON CONFLICT statements running in this backend -----------------------------

// One ModifyTable of a running statement that inserts with ON CONFLICT into relid.
struct OnConflict {
    QueryDesc* query;
    Oid relid;
    SubTransactionId subxact;
};

// A fixed array: the executor hooks allocate nothing and cannot fail. More at once than
// it holds (nested statements) turns every unique probe off until the transaction ends.
constexpr int kMaxOnConflict = 16;
OnConflict on_conflict[kMaxOnConflict];
int on_conflict_count = 0;
bool on_conflict_overflow = false;
// The statement during which udm.so was loaded: the statements running then started
// unseen, so until it ends only its portal tells what it writes (load_statement_writes).
// 0 when loaded outside a transaction.
TimestampTz loaded_in_statement = 0;

ExecutorStart_hook_type prev_executor_start = nullptr;
ExecutorEnd_hook_type prev_executor_end = nullptr;

// Records the ON CONFLICT inserts of one plan tree's top node.
void note_plan(QueryDesc* query, Plan* plan) {
    if (plan == nullptr || !IsA(plan, ModifyTable))
        return;
    auto* mt = reinterpret_cast<ModifyTable*>(plan);
    if (mt->operation != CMD_INSERT || mt->onConflictAction == ONCONFLICT_NONE)
        return;
    ListCell* lc;
    foreach (lc, mt->resultRelations) {
        if (on_conflict_count == kMaxOnConflict) {
            on_conflict_overflow = true;
            return;
        }
        const Oid relid = rt_fetch(lfirst_int(lc), query->plannedstmt->rtable)->relid;
        on_conflict[on_conflict_count++] = {query, relid, GetCurrentSubTransactionId()};
    }
}

// ExecutorStart hook: notes the ON CONFLICT inserts of a statement that started.
void track_executor_start(QueryDesc* query, int eflags) {
    if (prev_executor_start != nullptr)
        prev_executor_start(query, eflags);
    else
        standard_ExecutorStart(query, eflags);
    PlannedStmt* stmt = query->plannedstmt;
    if (stmt == nullptr || (stmt->commandType != CMD_INSERT && !stmt->hasModifyingCTE))
        return;
    note_plan(query, stmt->planTree);
    ListCell* lc;
    foreach (lc, stmt->subplans)
        note_plan(query, static_cast<Plan*>(lfirst(lc)));
}

// Removes the entries for which drop(entry) holds.
template <typename Pred>
void forget_on_conflict(Pred drop) {
    int kept = 0;
    for (int i = 0; i < on_conflict_count; ++i) {
        if (!drop(on_conflict[i]))
            on_conflict[kept++] = on_conflict[i];
    }
    on_conflict_count = kept;
}

// ExecutorEnd hook: forgets a statement that ended.
void track_executor_end(QueryDesc* query) {
    forget_on_conflict([query](const OnConflict& e) { return e.query == query; });
    if (prev_executor_end != nullptr)
        prev_executor_end(query);
    else
        standard_ExecutorEnd(query);
}

// A transaction that ended ended its statements, whether ExecutorEnd ran or not.
void on_xact_end(XactEvent, void*) {
    on_conflict_count = 0;
    on_conflict_overflow = false;
}

// So did a subtransaction that aborted (and the ones inside it).
void on_subxact_end(SubXactEvent event, SubTransactionId sub, SubTransactionId, void*) {
    if (event == SUBXACT_EVENT_ABORT_SUB)
        forget_on_conflict([sub](const OnConflict& e) { return e.subxact >= sub; });
}

// What a statement may be doing to a relation, as far as the probes care.
enum class Writes {
    kPlain,       // an INSERT or UPDATE of it with no ON CONFLICT anywhere: probe all
    kOnConflict,  // an INSERT ... ON CONFLICT into it: leave the conflicts to it
    kUnknown,     // not known: leave unique values to the index
};

// Whether plan, or a plan below it, is a ModifyTable with ON CONFLICT into relid (any
// relation when relid is InvalidOid). Reads a plan tree only: cannot fail.
bool upserts(const PlannedStmt* stmt, const Plan* plan, Oid relid) {
    if (plan == nullptr)
        return false;
    if (IsA(plan, ModifyTable)) {
        const auto* mt = reinterpret_cast<const ModifyTable*>(plan);
        if (mt->onConflictAction != ONCONFLICT_NONE) {
            if (!OidIsValid(relid))
                return true;
            const ListCell* lc;
            foreach (lc, mt->resultRelations) {
                if (rt_fetch(lfirst_int(lc), stmt->rtable)->relid == relid)
                    return true;
            }
        }
    }
    return upserts(stmt, plan->lefttree, relid) || upserts(stmt, plan->righttree, relid);
}

// Whether stmt has an ON CONFLICT into relid (any relation when InvalidOid), in its plan or
// in a subplan (a WITH clause).
bool statement_upserts(const PlannedStmt* stmt, Oid relid) {
    if (upserts(stmt, stmt->planTree, relid))
        return true;
    const ListCell* lc;
    foreach (lc, stmt->subplans) {
        if (upserts(stmt, static_cast<const Plan*>(lfirst(lc)), relid))
            return true;
    }
    return false;
}

// What the statement of the active portal writes to relid. The statement during which udm
// was loaded started unseen by the executor hooks; it is known when the portal holds one
// planned statement: an ON CONFLICT into relid there, or a plain INSERT or UPDATE of relid
// with no ON CONFLICT anywhere. Anything else (a function call, whose statements are not
// known, a utility statement, several statements) is not known. Reads fields of this
// backend only: cannot fail.
Writes load_statement_writes(Oid relid) {
    if (ActivePortal == nullptr || list_length(ActivePortal->stmts) != 1)
        return Writes::kUnknown;
    const Node* node = static_cast<const Node*>(linitial(ActivePortal->stmts));
    if (!IsA(node, PlannedStmt))
        return Writes::kUnknown;
    const auto* stmt = reinterpret_cast<const PlannedStmt*>(node);
    if (stmt->utilityStmt != nullptr)
        return Writes::kUnknown;
    if (statement_upserts(stmt, relid))
        return Writes::kOnConflict;
    if (statement_upserts(stmt, InvalidOid) ||
        (stmt->commandType != CMD_INSERT && stmt->commandType != CMD_UPDATE))
        return Writes::kUnknown;
    const ListCell* lc;
    foreach (lc, stmt->resultRelations) {
        if (rt_fetch(lfirst_int(lc), stmt->rtable)->relid == relid)
            return Writes::kPlain;
    }
    return Writes::kUnknown;
}

// What the running statements may be doing to relid: kOnConflict while an INSERT ... ON
// CONFLICT into it runs (or too many ran to tell), kUnknown in the statement that loaded
// udm when its portal does not tell (load_statement_writes), else kPlain. Reads fields of
// this backend only: cannot fail.
Writes running_writes(Oid relid) {
    if (on_conflict_overflow)
        return Writes::kOnConflict;
    for (int i = 0; i < on_conflict_count; ++i) {
        if (on_conflict[i].relid == relid)
            return Writes::kOnConflict;
    }
    if (loaded_in_statement != 0 && GetCurrentStatementStartTimestamp() == loaded_in_statement)
        return load_statement_writes(relid);
    return Writes::kPlain;
}

// --- probes --------------------------------------------------------------------------------

// The index at oid, locked, if it is still a valid index of table (whose first column is
// attnum, when not 0; the primary key, when primary); null when it was dropped or its OID
// names something else now. The probes are cached by OID: the invalidation that made one
// stale rebuilds it for the next row, and the row at hand leaves that value to the
// constraint behind the probe. Calls PostgreSQL and holds no C++ object: run inside guard().
Relation open_probe_index(Oid oid, Oid table, AttrNumber attnum, bool primary) {
    Relation index = try_relation_open(oid, AccessShareLock);
    if (index == nullptr)
        return nullptr;
    const Form_pg_index form = index->rd_index;
    if (index->rd_rel->relkind != RELKIND_INDEX || form == nullptr || form->indrelid != table ||
        !form->indisvalid || form->indnkeyatts < 1 ||
        (attnum != 0 && form->indkey.values[0] != attnum) || (primary && !form->indisprimary)) {
        relation_close(index, AccessShareLock);
        return nullptr;
    }
    return index;
}

// The table at oid, locked, if it still is one; null when not (as open_probe_index).
Relation open_probe_table(Oid oid) {
    Relation table = try_relation_open(oid, AccessShareLock);
    if (table == nullptr)
        return nullptr;
    if (table->rd_rel->relkind != RELKIND_RELATION &&
        table->rd_rel->relkind != RELKIND_PARTITIONED_TABLE) {
        relation_close(table, AccessShareLock);
        return nullptr;
    }
    return table;
}

// Whether a live row of rel other than the one at self (null on INSERT) holds value in the
// probe's unique index; waits for transactions writing such a row. False when the index is
// gone (left to the index that replaced it). Calls PostgreSQL and holds no C++ object: run
// inside guard().
bool unique_taken(Relation rel, const UniqueProbe& probe, AttrNumber is_deleted, Datum value,
                  ItemPointer self) {
    Relation index = open_probe_index(probe.index, RelationGetRelid(rel), probe.attnum, false);
    if (index == nullptr)
        return false;
    TupleTableSlot* slot = table_slot_create(rel, nullptr);
    ScanKeyData key;
    ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid, probe.collation,
                           probe.eq_proc, value);
    SnapshotData dirty;
    InitDirtySnapshot(dirty);
    bool taken = false;
    bool again = true;
    while (again) {
        again = false;
        IndexScanDesc scan = index_beginscan(rel, index, &dirty, 1, 0);
        index_rescan(scan, &key, 1, nullptr, 0);
        while (index_getnext_slot(scan, ForwardScanDirection, slot)) {
            if (self != nullptr && ItemPointerEquals(&slot->tts_tid, self))
                continue;
            // Written by a transaction still running: wait for it, then look again.
            const TransactionId xwait = TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;
            if (TransactionIdIsValid(xwait)) {
                ItemPointerData tid = slot->tts_tid;
                const uint32 token = dirty.speculativeToken;
                ExecClearTuple(slot);
                index_endscan(scan);
                if (token != 0)
                    SpeculativeInsertionWait(dirty.xmin, token);
                else
                    XactLockTableWait(xwait, rel, &tid, XLTW_InsertIndexUnique);
                again = true;
                break;
            }
            bool isnull = false;
            const Datum deleted = slot_getattr(slot, is_deleted, &isnull);
            if (!isnull && DatumGetBool(deleted))
                continue;
            taken = true;
            break;
        }
        if (!again)
            index_endscan(scan);
    }
    ExecDropSingleTupleTableSlot(slot);
    index_close(index, NoLock);
    return taken;
}

enum class Target { kLive, kMissing, kDeleted };

// What a reference to value finds in the probe's target table; kLive when the table or its
// key is gone (left to the foreign key). Calls PostgreSQL and holds no C++ object: run inside
// guard().
Target reference_target(const ReferenceProbe& probe, Datum value) {
    Relation table = open_probe_table(probe.target_table);
    if (table == nullptr)
        return Target::kLive;
    Relation index = open_probe_index(probe.target_pkey, probe.target_table, 0, true);
    if (index == nullptr) {
        table_close(table, AccessShareLock);
        return Target::kLive;
    }
    TupleTableSlot* slot = table_slot_create(table, nullptr);
    ScanKeyData key;
    ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid, InvalidOid, probe.eq_proc,
                           value);
    IndexScanDesc scan = index_beginscan(table, index, SnapshotSelf, 1, 0);
    index_rescan(scan, &key, 1, nullptr, 0);
    Target found = Target::kMissing;
    while (index_getnext_slot(scan, ForwardScanDirection, slot)) {
        bool isnull = false;
        const Datum deleted = slot_getattr(slot, probe.target_is_deleted, &isnull);
        if (isnull || !DatumGetBool(deleted)) {
            found = Target::kLive;
            break;
        }
        found = Target::kDeleted;
    }
    index_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    index_close(index, NoLock);
    table_close(table, NoLock);
    return found;
}

// Whether a row of the probe's table refers to id through its column. A row another
// transaction is inserting does not count (it is not committed, and its own foreign key
// check waits for this delete); one it is deleting, or whose key it changes, is waited for
// and looked at again, as the foreign key's check would. False when the table or the index
// is gone (left to the foreign key). Calls PostgreSQL and holds no C++ object: run inside
// guard().
bool referred_to(const ReferrerProbe& probe, Datum id) {
    Relation table = open_probe_table(probe.table);
    if (table == nullptr)
        return false;
    Relation index = open_probe_index(probe.index, probe.table, probe.attnum, false);
    if (index == nullptr) {
        table_close(table, AccessShareLock);
        return false;
    }
    TupleTableSlot* slot = table_slot_create(table, nullptr);
    ScanKeyData key;
    ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid, InvalidOid, F_UUID_EQ,
                           id);
    SnapshotData dirty;
    InitDirtySnapshot(dirty);
    bool found = false;
    bool again = true;
    while (again) {
        again = false;
        IndexScanDesc scan = index_beginscan(table, index, &dirty, 1, 0);
        index_rescan(scan, &key, 1, nullptr, 0);
        while (index_getnext_slot(scan, ForwardScanDirection, slot)) {
            if (TransactionIdIsValid(dirty.xmin))
                continue;
            if (TransactionIdIsValid(dirty.xmax)) {
                HeapTuple tuple = ExecFetchSlotHeapTuple(slot, false, nullptr);
                if ((tuple->t_data->t_infomask2 & HEAP_KEYS_UPDATED) != 0) {
                    const TransactionId xwait = dirty.xmax;
                    ItemPointerData tid = slot->tts_tid;
                    ExecClearTuple(slot);
                    index_endscan(scan);
                    XactLockTableWait(xwait, table, &tid, XLTW_Delete);
                    again = true;
                    break;
                }
            }
            found = true;
            break;
        }
        if (!again)
            index_endscan(scan);
    }
    ExecDropSingleTupleTableSlot(slot);
    index_close(index, NoLock);
    table_close(table, NoLock);
    return found;
}

// The column of the single-column foreign key constraint, or 0. Calls PostgreSQL: run
// inside guard().
AttrNumber foreign_key_column(Oid constraint) {
    HeapTuple tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(constraint));
    if (!HeapTupleIsValid(tuple))
        return 0;
    bool isnull = false;
    const Datum keys = SysCacheGetAttr(CONSTROID, tuple, Anum_pg_constraint_conkey, &isnull);
    AttrNumber attnum = 0;
    if (!isnull) {
        ArrayType* array = DatumGetArrayTypeP(keys);
        if (ARR_NDIM(array) == 1 && ARR_DIMS(array)[0] == 1)
            attnum = reinterpret_cast<const int16*>(ARR_DATA_PTR(array))[0];
    }
    ReleaseSysCache(tuple);
    return attnum;
}

// A valid plain (not partial) btree index of table whose first column is attnum, or
// InvalidOid. Calls PostgreSQL: run inside guard().
Oid index_leading_with(Oid table_oid, AttrNumber attnum) {
    Relation table = table_open(table_oid, AccessShareLock);
    List* indexes = RelationGetIndexList(table);
    Oid found = InvalidOid;
    ListCell* lc;
    foreach (lc, indexes) {
        Relation index = index_open(lfirst_oid(lc), AccessShareLock);
        if (index->rd_rel->relam == BTREE_AM_OID && index->rd_index->indisvalid &&
            index->rd_index->indnkeyatts >= 1 && index->rd_index->indkey.values[0] == attnum &&
            heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, nullptr)) {
            found = RelationGetRelid(index);
        }
        index_close(index, NoLock);
        if (OidIsValid(found))
            break;
    }
    list_free(indexes);
    table_close(table, NoLock);
    return found;
}

// One column of the new row, and of the old one on UPDATE.
struct Column {
    Datum value = 0;
    bool is_null = true;
    Datum old_value = 0;
    bool old_null = true;
    bool same = false;  // UPDATE, and old and new hold the same value
};

// Reads column attnum of the new row (from the slot when there is one) and of the old one,
// and whether they are equal. Calls PostgreSQL: run inside guard().
void read_column(Relation rel, HeapTuple old_tuple, TupleTableSlot* new_slot, HeapTuple new_tuple,
                 AttrNumber attnum, Column& c) {
    TupleDesc desc = RelationGetDescr(rel);
    c.value = new_slot != nullptr ? slot_getattr(new_slot, attnum, &c.is_null)
                                  : heap_getattr(new_tuple, attnum, desc, &c.is_null);
    if (old_tuple == nullptr)
        return;
    c.old_value = heap_getattr(old_tuple, attnum, desc, &c.old_null);
    const Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
    c.same = c.is_null == c.old_null &&
             (c.is_null || datumIsEqual(c.value, c.old_value, att->attbyval, att->attlen));
}

}  // namespace

RowProbes build_row_probes(Relation rel, const model::Model& m, const model::ThingClass& cls) {
    RowProbes probes;
    TupleDesc desc = RelationGetDescr(rel);
    const Oid nsp = RelationGetNamespace(rel);
    probes.is_deleted =
        guard([&] { return static_cast<AttrNumber>(SPI_fnumber(desc, "is_deleted")); });
    if (probes.is_deleted <= 0)
        return {};
    const std::string table = physical::table_name(cls.name);
    for (const auto& [aname, as] : cls.assignments) {
        const model::Attribute& attr = m.attributes.at(aname);
        const std::string column = physical::column_name(aname);
        const int attnum = guard([&] { return SPI_fnumber(desc, column.c_str()); });
        if (attnum <= 0 || TupleDescAttr(desc, attnum - 1)->attisdropped)
            continue;
        if (model::wants_unique(m, cls, as)) {
            const std::string index_name = physical::unique_name(table, column);
            UniqueProbe probe;
            probe.attribute = aname;
            probe.attnum = static_cast<AttrNumber>(attnum);
            guard([&] {
                probe.index = get_relname_relid(index_name.c_str(), nsp);
                if (!OidIsValid(probe.index))
                    return;
                Relation index = index_open(probe.index, AccessShareLock);
                const Oid opcintype = index->rd_opcintype[0];
                const Oid eq = get_opfamily_member(index->rd_opfamily[0], opcintype, opcintype,
                                                   BTEqualStrategyNumber);
                probe.eq_proc = OidIsValid(eq) ? get_opcode(eq) : InvalidOid;
                probe.collation = index->rd_indcollation[0];
                index_close(index, NoLock);
            });
            if (OidIsValid(probe.index) && OidIsValid(probe.eq_proc))
                probes.unique.push_back(std::move(probe));
        }
        if (attr.type == model::DataType::kReference && attr.target) {
            const std::string target = physical::table_name(*attr.target);
            const std::string pkey = physical::pkey_name(target);
            ReferenceProbe probe;
            probe.attribute = aname;
            probe.target_class = *attr.target;
            probe.attnum = static_cast<AttrNumber>(attnum);
            probe.eq_proc = F_UUID_EQ;
            guard([&] {
                probe.target_table = get_relname_relid(target.c_str(), nsp);
                probe.target_pkey = get_relname_relid(pkey.c_str(), nsp);
                if (OidIsValid(probe.target_table))
                    probe.target_is_deleted = get_attnum(probe.target_table, "is_deleted");
            });
            if (OidIsValid(probe.target_pkey) && probe.target_is_deleted > 0)
                probes.references.push_back(std::move(probe));
        }
    }
    // The foreign keys pointing here: the relcache entry's RI triggers name each (a new or
    // dropped one invalidates this table's entry, and so this validator).
    if (rel->trigdesc != nullptr) {
        for (int i = 0; i < rel->trigdesc->numtriggers; ++i) {
            const Trigger& t = rel->trigdesc->triggers[i];
            if (!t.tgisinternal || t.tgfoid != F_RI_FKEY_NOACTION_DEL)
                continue;
            ReferrerProbe probe;
            probe.table = t.tgconstrrelid;
            guard([&] {
                probe.attnum = foreign_key_column(t.tgconstraint);
                if (probe.attnum > 0)
                    probe.index = index_leading_with(probe.table, probe.attnum);
            });
            if (OidIsValid(probe.index))
                probes.referrers.push_back(probe);
        }
    }
    return probes;
}

void probe_row(const RowProbes& probes, Relation rel, const std::string& class_name,
               HeapTuple old_tuple, TupleTableSlot* new_slot, HeapTuple new_tuple,
               std::vector<rules::Violation>& out) {
    if (probes.empty())
        return;
    Column deleted;
    guard([&] { read_column(rel, old_tuple, new_slot, new_tuple, probes.is_deleted, deleted); });
    const bool live = deleted.is_null || !DatumGetBool(deleted.value);
    const bool was_live =
        old_tuple != nullptr && (deleted.old_null || !DatumGetBool(deleted.old_value));
    // An INSERT ... ON CONFLICT handles its conflicts itself; a statement not known not to
    // be one leaves unique values to the index.
    const Writes writes = running_writes(RelationGetRelid(rel));
    if (live && !probes.unique.empty() && writes == Writes::kPlain) {
        for (const UniqueProbe& probe : probes.unique) {
            Column c;
            guard([&] { read_column(rel, old_tuple, new_slot, new_tuple, probe.attnum, c); });
            // The index holds the old value of a live row already.
            if (c.is_null || (c.same && was_live))
                continue;
            ItemPointer self = old_tuple != nullptr ? &old_tuple->t_self : nullptr;
            if (guard([&] { return unique_taken(rel, probe, probes.is_deleted, c.value, self); })) {
                out.push_back(
                    {probe.attribute, "unique",
                     "is already taken by another thing of class \"" + class_name + "\""});
            }
        }
    }
    // The row an INSERT ... ON CONFLICT proposes may never be written (it conflicts, and
    // then nothing or the DO UPDATE is): its references are left to the foreign key. The
    // DO UPDATE is an UPDATE and probed as one.
    if (old_tuple == nullptr && writes == Writes::kOnConflict)
        return;
    for (const ReferenceProbe& probe : probes.references) {
        Column c;
        guard([&] { read_column(rel, old_tuple, new_slot, new_tuple, probe.attnum, c); });
        if (c.is_null || c.same)
            continue;
        const Target t = guard([&] { return reference_target(probe, c.value); });
        if (t == Target::kMissing) {
            out.push_back({probe.attribute, "reference",
                           "refers to no thing of class \"" + probe.target_class + "\""});
        } else if (t == Target::kDeleted) {
            out.push_back({probe.attribute, "reference",
                           "refers to a deleted thing of class \"" + probe.target_class + "\""});
        }
    }
}

void register_row_probes() {
    prev_executor_start = ExecutorStart_hook;
    ExecutorStart_hook = track_executor_start;
    prev_executor_end = ExecutorEnd_hook;
    ExecutorEnd_hook = track_executor_end;
    RegisterXactCallback(on_xact_end, nullptr);
    RegisterSubXactCallback(on_subxact_end, nullptr);
    if (IsTransactionState())
        loaded_in_statement = GetCurrentStatementStartTimestamp();
}

}  // namespace udm::pg

// udm.check_referrers(): AFTER DELETE row trigger of every class table. Refuses to delete a
// thing that things of some class refer to, in model terms, before the foreign key's own
// trigger would (its name sorts before PostgreSQL's RI_ConstraintTrigger_a_*, so it fires
// first for each row, at the end of the statement: references among the rows the statement
// deletes are gone by then).
UDM_PG_FUNCTION(udm_check_referrers) {
    using namespace udm;
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.check_referrers() must be called as a trigger");
    }
    auto* trigdata = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
        !TRIGGER_FIRED_BY_DELETE(trigdata->tg_event)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.check_referrers() must be fired AFTER DELETE FOR EACH ROW");
    }
    Relation rel = trigdata->tg_relation;
    std::shared_ptr<const pg::ClassValidator> v = pg::validator_for(rel);
    if (v->probes.referrers.empty() || v->id_attnum <= 0)
        return PointerGetDatum(nullptr);
    bool isnull = false;
    const Datum id = pg::guard([&] {
        return heap_getattr(trigdata->tg_trigtuple, v->id_attnum, RelationGetDescr(rel), &isnull);
    });
    if (isnull)
        return PointerGetDatum(nullptr);
    model::Json detail = model::Json::array();
    for (const pg::ReferrerProbe& probe : v->probes.referrers) {
        if (!pg::guard([&] { return pg::referred_to(probe, id); }))
            continue;
        // Named in model terms by the referring table's own validator.
        Relation referring = pg::guard([&] { return table_open(probe.table, AccessShareLock); });
        std::shared_ptr<const pg::ClassValidator> rv = pg::validator_for(referring);
        pg::guard([&] { table_close(referring, NoLock); });
        std::string attribute;
        for (const pg::AttributeColumn& c : rv->columns) {
            if (c.attnum == probe.attnum)
                attribute = c.attribute;
        }
        if (rv->class_name.empty() || attribute.empty())
            continue;  // not a class table: left to the foreign key
        detail.push_back({{"class", rv->class_name},
                          {"attribute", attribute},
                          {"rule", "reference"},
                          {"message", "refers to this thing"}});
    }
    if (detail.empty())
        return PointerGetDatum(nullptr);
    throw Error(
        sqlstate::kForeignKeyViolation,
        "cannot delete a thing of class \"" + v->class_name + "\" that other things refer to",
        detail.dump(),
        "Soft-delete it instead (is_deleted = true), or first clear or change the "
        "references to it.");
}
