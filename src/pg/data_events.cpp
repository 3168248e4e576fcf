// udm.record_data_events(): the AFTER INSERT / UPDATE / DELETE statement triggers of every
// class table. One call per statement, whatever the number of rows: it reads the
// statement's transition table and writes one outbox row per thing (table_multi_insert).
//
// An event's position is its transaction's full id and its number within that
// transaction; docs/events.md explains why readers can then never miss one.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/pg/event_signals.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"
#include "utils/xid8.h"
}

namespace udm::pg {

namespace {

// Event numbers are below 2^32 (docs/events.md: position = xid * 2^32 + number).
constexpr std::int64_t kMaxEventNumber = 4294967295LL;

// The numbers of the current transaction's events: its full id and the last one used.
std::uint64_t numbering_xid = 0;
std::int64_t last_number = 0;

// The events of one kind from one statement.
struct Batch {
    const char* operation;
    std::vector<Datum> ids;            // uuids, copied out of the transition table
    std::vector<std::string> changed;  // per event, comma-separated attribute names; updates only
};

// The columns of the outbox, in order: what write_batch forms its rows for.
constexpr Oid kOutboxTypes[] = {INT8OID, XID8OID, INT8OID,      TEXTOID,
                                TEXTOID, UUIDOID, TEXTARRAYOID, TIMESTAMPTZOID};
constexpr int kOutboxColumns = sizeof kOutboxTypes / sizeof kOutboxTypes[0];
// Rows per table_multi_insert call.
constexpr std::size_t kChunk = 1000;

// A text[] Datum of the comma-separated names in list.
Datum name_array(const std::string& list) {
    std::vector<Datum> names;
    for (std::size_t start = 0; start < list.size();) {
        std::size_t end = list.find(',', start);
        if (end == std::string::npos)
            end = list.size();
        names.push_back(text_datum(list.substr(start, end - start)));
        start = end + 1;
    }
    return guard([&] {
        return PointerGetDatum(construct_array(names.data(), static_cast<int>(names.size()),
                                               TEXTOID, -1, false, TYPALIGN_INT));
    });
}

// Takes the numbers of n events of the current transaction; returns the number before
// the first of them.
std::int64_t take_numbers(std::uint64_t xid, std::size_t n) {
    if (xid != numbering_xid) {
        numbering_xid = xid;
        last_number = 0;
    }
    if (static_cast<std::int64_t>(n) > kMaxEventNumber - last_number) {
        throw Error(
            sqlstate::kProgramLimitExceeded, "too many data events in one transaction",
            "A transaction can record at most " + std::to_string(kMaxEventNumber) + " data events.",
            "Split the work into several transactions, or turn the class's events off with "
            "udm.set_class_events for a bulk load.");
    }
    const std::int64_t before = last_number;
    last_number += static_cast<std::int64_t>(n);
    return before;
}

// Inserts n_rows rows into the outbox outbox (numbers first_number + 1, ...): heap rows by
// chunks with table_multi_insert, as COPY does (one WAL record per page rather than per
// row), and their index entries. PostgreSQL types only, so that it runs inside guard() as
// plain C. Writes nothing and returns false when the outbox's layout is not udm's.
bool insert_outbox_rows(Oid outbox, int64 epoch, FullTransactionId fxid, int64 first_number,
                        Datum class_name, Datum operation, const Datum* ids, const Datum* changed,
                        Size n_rows) {
    Relation rel = table_open(outbox, RowExclusiveLock);
    TupleDesc desc = RelationGetDescr(rel);
    bool ok = desc->natts == kOutboxColumns && rel->rd_rel->relkind == RELKIND_RELATION &&
              rel->trigdesc == nullptr && rel->rd_rules == nullptr;
    for (int i = 0; ok && i < kOutboxColumns; ++i) {
        const Form_pg_attribute att = TupleDescAttr(desc, i);
        ok = !att->attisdropped && att->atttypid == kOutboxTypes[i];
    }
    if (!ok) {
        table_close(rel, RowExclusiveLock);
        return false;
    }
    EState* estate = CreateExecutorState();
    ResultRelInfo* result = makeNode(ResultRelInfo);
    InitResultRelInfo(result, rel, 1, nullptr, 0);
    ExecOpenIndices(result, false);
    const int chunk = static_cast<int>(std::min<Size>(n_rows, kChunk));
    TupleTableSlot** slots = static_cast<TupleTableSlot**>(palloc(sizeof(TupleTableSlot*) * chunk));
    for (int i = 0; i < chunk; ++i)
        slots[i] = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
    const Datum now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
    const CommandId cid = GetCurrentCommandId(true);
    BulkInsertState bistate = n_rows > 1 ? GetBulkInsertState() : nullptr;
    for (Size done = 0; done < n_rows;) {
        const int n = static_cast<int>(std::min<Size>(n_rows - done, chunk));
        for (int k = 0; k < n; ++k) {
            const Size i = done + static_cast<Size>(k);
            TupleTableSlot* slot = slots[k];
            ExecClearTuple(slot);
            slot->tts_values[0] = Int64GetDatum(epoch);
            slot->tts_values[1] = FullTransactionIdGetDatum(fxid);
            slot->tts_values[2] = Int64GetDatum(first_number + static_cast<int64>(i) + 1);
            slot->tts_values[3] = class_name;
            slot->tts_values[4] = operation;
            slot->tts_values[5] = ids[i];
            slot->tts_values[6] = changed == nullptr ? (Datum)0 : changed[i];
            slot->tts_values[7] = now;
            for (int c = 0; c < kOutboxColumns; ++c)
                slot->tts_isnull[c] = c == 6 && changed == nullptr;
            ExecStoreVirtualTuple(slot);
        }
        table_multi_insert(rel, slots, n, cid, 0, bistate);
        for (int k = 0; k < n; ++k) {
            ExecInsertIndexTuples(result, slots[k], estate, false, false, nullptr, NIL);
            ResetPerTupleExprContext(estate);
        }
        done += static_cast<Size>(n);
    }
    if (bistate != nullptr)
        FreeBulkInsertState(bistate);
    for (int i = 0; i < chunk; ++i)
        ExecDropSingleTupleTableSlot(slots[i]);
    ExecCloseIndices(result);
    FreeExecutorState(estate);
    table_close(rel, NoLock);  // the lock is kept until the transaction ends
    return true;
}

// Writes a batch into the tenant's outbox: heap rows and their index entries, without
// the executor. One row per statement would otherwise pay for planning checks, executor
// start-up and projection, which cost more than the row itself (scripts/bench_events).
// The outbox has no triggers, rules or constraints besides its key, and only udm writes
// it; its layout is checked on every call.
void write_batch(const ClassValidator& cls, const Batch& batch) {
    if (batch.ids.empty())
        return;
    const FullTransactionId fxid = guard([] { return GetTopFullTransactionId(); });
    const std::int64_t before = take_numbers(U64FromFullTransactionId(fxid), batch.ids.size());
    std::vector<Datum> changed;
    changed.reserve(batch.changed.size());
    for (const std::string& list : batch.changed)
        changed.push_back(name_array(list));
    const std::string& class_name = cls.class_name;
    // Found by name unless the validator holds the local shard of a Citus worker's.
    const Oid outbox = OidIsValid(cls.outbox) ? cls.outbox : guard([&] {
        return get_relname_relid("data_events", cls.tenant_namespace);
    });
    if (!OidIsValid(outbox)) {
        throw Error(sqlstate::kUndefinedTable,
                    "the data outbox of tenant \"" + cls.tenant + "\" is missing", {},
                    "udm.verify and the tenant's catalog need repair.");
    }
    const bool layout_ok = guard([&] {
        const Datum class_datum = PointerGetDatum(
            cstring_to_text_with_len(class_name.data(), static_cast<int>(class_name.size())));
        return insert_outbox_rows(outbox, cls.epoch, fxid, before, class_datum,
                                  PointerGetDatum(cstring_to_text(batch.operation)),
                                  batch.ids.data(), changed.empty() ? nullptr : changed.data(),
                                  batch.ids.size());
    });
    if (!layout_ok) {
        throw Error(sqlstate::kInternalError,
                    "the data outbox of tenant \"" + cls.tenant + "\" has been altered",
                    "udm writes data_events with the layout it created: no added, dropped or "
                    "retyped columns, no "
                    "triggers or rules.",
                    "Restore the table as udm created it.");
    }
    signal_data_change(cls.tenant);
}

// A slot reading a transition table from its first row, with a read pointer of its own
// (other triggers of the statement read the same table).
TupleTableSlot* open_transition_table(Tuplestorestate* table, TupleDesc desc, int* read_pointer) {
    return guard([&] {
        *read_pointer = tuplestore_alloc_read_pointer(table, EXEC_FLAG_REWIND);
        tuplestore_select_read_pointer(table, *read_pointer);
        tuplestore_rescan(table);
        return MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
    });
}

// Reads the next row of a transition table into slot; false at the end.
bool next_row(Tuplestorestate* table, int read_pointer, TupleTableSlot* slot) {
    return guard([&] {
        tuplestore_select_read_pointer(table, read_pointer);
        return tuplestore_gettupleslot(table, true, false, slot);
    });
}

// The id of the row in slot, copied.
Datum thing_id(const ClassValidator& cls, TupleTableSlot* slot) {
    return guard([&] {
        bool isnull = false;
        Datum d = slot_getattr(slot, cls.id_attnum, &isnull);
        if (isnull)
            elog(ERROR, "a class table row without id");
        return datumCopy(d, false, UUID_LEN);
    });
}

// One event per row of a transition table.
void collect_rows(const ClassValidator& cls, Tuplestorestate* table, TupleDesc desc, Batch& batch) {
    int pointer = 0;
    TupleTableSlot* slot = open_transition_table(table, desc, &pointer);
    while (next_row(table, pointer, slot))
        batch.ids.push_back(thing_id(cls, slot));
    guard([&] { ExecDropSingleTupleTableSlot(slot); });
}

// The attribute number of is_deleted in a class table, or 0.
AttrNumber is_deleted_attnum(TupleDesc desc) {
    for (int i = 0; i < desc->natts; ++i) {
        const Form_pg_attribute att = TupleDescAttr(desc, i);
        if (!att->attisdropped && att->atttypid == BOOLOID &&
            std::strcmp(NameStr(att->attname), "is_deleted") == 0) {
            return att->attnum;
        }
    }
    return 0;
}

// What an update did to is_deleted: -1 set it (a soft delete), 1 cleared it (a restore),
// 0 neither.
int deleted_change(TupleTableSlot* old_slot, TupleTableSlot* new_slot, AttrNumber attnum) {
    if (attnum <= 0)
        return 0;
    return guard([&] {
        bool old_null = false, new_null = false;
        const bool was = DatumGetBool(slot_getattr(old_slot, attnum, &old_null)) && !old_null;
        const bool is = DatumGetBool(slot_getattr(new_slot, attnum, &new_null)) && !new_null;
        return was == is ? 0 : (is ? -1 : 1);
    });
}

// The batches an UPDATE statement writes.
struct UpdateBatches {
    Batch updates{"update", {}, {}};
    Batch soft_deletes{"soft_delete", {}, {}};  // is_deleted set
    Batch restores{"restore", {}, {}};          // is_deleted cleared
    Batch deletes{"delete", {}, {}};
    Batch inserts{"insert", {}, {}};
};

// One event per updated row, with the attributes whose value changed: an update, or a
// soft delete or restore when is_deleted changed (so that consumers need not read the
// thing to tell them apart). The old and new transition tables hold the rows in the same
// order. The validation trigger refuses id changes; one made with udm's triggers disabled
// is another thing: the old one is deleted, the new one inserted.
void collect_updates(const ClassValidator& cls, Tuplestorestate* old_table,
                     Tuplestorestate* new_table, TupleDesc desc, UpdateBatches& out) {
    const AttrNumber is_deleted = is_deleted_attnum(desc);
    int old_pointer = 0, new_pointer = 0;
    TupleTableSlot* old_slot = open_transition_table(old_table, desc, &old_pointer);
    TupleTableSlot* new_slot = open_transition_table(new_table, desc, &new_pointer);
    std::vector<char> differs(cls.columns.size());
    for (;;) {
        const bool has_old = next_row(old_table, old_pointer, old_slot);
        const bool has_new = next_row(new_table, new_pointer, new_slot);
        if (has_old != has_new)
            throw Error(sqlstate::kInternalError,
                        "transition tables of an update differ in length");
        if (!has_old)
            break;
        const Datum old_id = thing_id(cls, old_slot);
        const Datum new_id = thing_id(cls, new_slot);
        const bool same_thing =
            guard([&] { return datum_image_eq(old_id, new_id, false, UUID_LEN); });
        if (!same_thing) {
            out.deletes.ids.push_back(old_id);
            out.inserts.ids.push_back(new_id);
            continue;
        }
        guard([&] {
            for (std::size_t i = 0; i < cls.columns.size(); ++i) {
                const AttrNumber attnum = cls.columns[i].attnum;
                const Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
                bool old_null = false, new_null = false;
                Datum o = slot_getattr(old_slot, attnum, &old_null);
                Datum n = slot_getattr(new_slot, attnum, &new_null);
                differs[i] = old_null != new_null ||
                             (!old_null && !datum_image_eq(o, n, att->attbyval, att->attlen));
            }
        });
        std::string names;
        for (std::size_t i = 0; i < cls.columns.size(); ++i) {
            if (!differs[i])
                continue;
            if (!names.empty())
                names += ',';
            names += cls.columns[i].attribute;  // model names hold no comma
        }
        const int deleted = deleted_change(old_slot, new_slot, is_deleted);
        Batch& batch = deleted < 0 ? out.soft_deletes : deleted > 0 ? out.restores : out.updates;
        batch.ids.push_back(new_id);
        batch.changed.push_back(std::move(names));
    }
    guard([&] {
        ExecDropSingleTupleTableSlot(old_slot);
        ExecDropSingleTupleTableSlot(new_slot);
    });
}

}  // namespace

}  // namespace udm::pg

// udm.record_data_events(): AFTER INSERT, UPDATE or DELETE ... FOR EACH STATEMENT trigger
// of every class table, with transition tables udm_new and udm_old.
UDM_PG_FUNCTION(udm_record_data_events) {
    using namespace udm;
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.record_data_events() must be called as a trigger");
    }
    auto* trigdata = reinterpret_cast<TriggerData*>(fcinfo->context);
    const TriggerEvent event = trigdata->tg_event;
    const bool is_update = TRIGGER_FIRED_BY_UPDATE(event);
    const bool is_insert = TRIGGER_FIRED_BY_INSERT(event);
    if (!TRIGGER_FIRED_AFTER(event) || TRIGGER_FIRED_FOR_ROW(event) ||
        TRIGGER_FIRED_BY_TRUNCATE(event) || (!is_insert && trigdata->tg_oldtable == nullptr) ||
        (!TRIGGER_FIRED_BY_DELETE(event) && trigdata->tg_newtable == nullptr)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.record_data_events() must be fired AFTER INSERT, UPDATE or DELETE FOR "
                    "EACH STATEMENT"
                    " with transition tables");
    }
    Tuplestorestate* rows = is_insert ? trigdata->tg_newtable : trigdata->tg_oldtable;
    if (pg::guard([&] { return tuplestore_tuple_count(rows); }) == 0)
        return PointerGetDatum(nullptr);
    std::shared_ptr<const pg::ClassValidator> cls = pg::validator_for(trigdata->tg_relation);
    if (cls->tenant.empty() || cls->id_attnum <= 0) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.record_data_events() fires only on udm class tables");
    }
    TupleDesc desc = RelationGetDescr(trigdata->tg_relation);
    if (is_update) {
        pg::UpdateBatches batches;
        pg::collect_updates(*cls, trigdata->tg_oldtable, trigdata->tg_newtable, desc, batches);
        for (const pg::Batch* batch : {&batches.updates, &batches.soft_deletes, &batches.restores,
                                       &batches.deletes, &batches.inserts}) {
            pg::write_batch(*cls, *batch);
        }
    } else {
        pg::Batch batch{is_insert ? "insert" : "delete", {}, {}};
        pg::collect_rows(*cls, rows, desc, batch);
        pg::write_batch(*cls, batch);
    }
    return PointerGetDatum(nullptr);
}
