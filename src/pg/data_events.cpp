// udm.record_data_events(): the AFTER INSERT / UPDATE / DELETE statement triggers of every
// class table. One call per statement, whatever the number of rows: it reads the
// statement's transition table and writes one outbox row per thing with one INSERT.
//
// An event's position is its transaction's full id and its number within that
// transaction; docs/events.md explains why readers can then never miss one.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/pg/events.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/validation.hpp"

namespace udm::pg {

namespace {

// Event numbers are below 2^32 (docs/events.md: position = xid * 2^32 + number).
constexpr std::int64_t kMaxEventNumber = 4294967295LL;

// The numbers of the current transaction's events: its full id and the last one used.
std::uint64_t numbering_xid = 0;
std::int64_t last_number = 0;

// The saved plans of the outbox INSERT of one tenant schema.
struct OutboxPlans {
    SPIPlanPtr one = nullptr;   // one event (most statements): plain VALUES, cheaper to run
    SPIPlanPtr many = nullptr;  // any number, from arrays
};

// Created on first use, one entry per tenant schema.
std::map<std::string, OutboxPlans>* plans = nullptr;

// The events of one kind from one statement.
struct Batch {
    const char* operation;
    std::vector<Datum> ids;            // uuids, copied out of the transition table
    std::vector<std::string> changed;  // per event, comma-separated attribute names; updates only
};

// Prepares and keeps a plan.
SPIPlanPtr keep_plan(const std::string& sql, Oid (&types)[6]) {
    return guard([&] {
        SPIPlanPtr p = SPI_prepare(sql.c_str(), 6, types);
        if (p == nullptr) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        if (SPI_keepplan(p) != 0) elog(ERROR, "SPI_keepplan failed");
        return p;
    });
}

// The outbox INSERTs of a tenant schema, prepared once per backend. They run as the
// tenant's owner and name every function and operator with its schema, so the caller's
// search_path cannot change what runs. $1 xid, $2 the number before the first event, $3
// class, $4 operation, $5 ids (one uuid, or uuid[]), $6 changed attribute lists (text, or
// text[]; comma-separated names).
const OutboxPlans& outbox_plans(const std::string& schema) {
    if (plans == nullptr) plans = new std::map<std::string, OutboxPlans>();
    OutboxPlans& p = (*plans)[schema];
    if (p.one != nullptr && p.many != nullptr) return p;
    const std::string insert =
        "INSERT INTO " + naming::qualified(schema, "data_events") + " (xid, seq, class, operation, thing_id, changed)";
    if (p.one == nullptr) {
        Oid types[6] = {XID8OID, INT8OID, TEXTOID, TEXTOID, UUIDOID, TEXTOID};
        p.one = keep_plan(insert + " VALUES ($1, $2 OPERATOR(pg_catalog.+) 1, $3, $4, $5,"
                                   " pg_catalog.string_to_array($6, ','))",
                          types);
    }
    if (p.many == nullptr) {
        Oid types[6] = {XID8OID, INT8OID, TEXTOID, TEXTOID, UUIDARRAYOID, TEXTARRAYOID};
        p.many = keep_plan(insert + " SELECT $1, $2 OPERATOR(pg_catalog.+) u.n, $3, $4, u.id,"
                                    " pg_catalog.string_to_array(u.changed, ',')"
                                    " FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6))"
                                    " WITH ORDINALITY AS u(id, changed, n)",
                           types);
    }
    return p;
}

// Takes the numbers of n events of the current transaction; returns the number before
// the first of them.
std::int64_t take_numbers(std::uint64_t xid, std::size_t n) {
    if (xid != numbering_xid) {
        numbering_xid = xid;
        last_number = 0;
    }
    if (static_cast<std::int64_t>(n) > kMaxEventNumber - last_number) {
        throw Error("54000", "too many data events in one transaction",
                    "A transaction can record at most " + std::to_string(kMaxEventNumber) + " data events.",
                    "Split the work into several transactions, or turn the class's events off with "
                    "udm.set_class_events for a bulk load.");
    }
    const std::int64_t before = last_number;
    last_number += static_cast<std::int64_t>(n);
    return before;
}

// Writes a batch into the tenant's outbox.
void write_batch(const ClassValidator& cls, const Batch& batch) {
    if (batch.ids.empty()) return;
    const std::string schema = naming::tenant_names(cls.tenant).schema;
    const FullTransactionId fxid = guard([] { return GetTopFullTransactionId(); });
    const std::int64_t before = take_numbers(U64FromFullTransactionId(fxid), batch.ids.size());
    std::vector<Datum> changed;
    if (!batch.changed.empty()) {
        changed.reserve(batch.changed.size());
        for (const std::string& c : batch.changed) changed.push_back(text_datum(c));
    }
    guard([] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    });
    const bool single = batch.ids.size() == 1;
    const OutboxPlans& plans_of_schema = outbox_plans(schema);
    SPIPlanPtr plan = single ? plans_of_schema.one : plans_of_schema.many;
    const std::string& class_name = cls.class_name;
    // The writer's role may read the outbox, not write it: the tenant's owner writes.
    ScopedUser as_owner(cls.owner_role);
    guard([&] {
        Datum values[6];
        char nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
        values[0] = FullTransactionIdGetDatum(fxid);
        values[1] = Int64GetDatum(before);
        values[2] = PointerGetDatum(cstring_to_text_with_len(class_name.data(), static_cast<int>(class_name.size())));
        values[3] = PointerGetDatum(cstring_to_text(batch.operation));
        if (single) {
            values[4] = batch.ids[0];
        } else {
            values[4] = PointerGetDatum(construct_array(const_cast<Datum*>(batch.ids.data()),
                                                        static_cast<int>(batch.ids.size()), UUIDOID, UUID_LEN, false,
                                                        TYPALIGN_CHAR));
        }
        if (changed.empty()) {
            values[5] = (Datum)0;
            nulls[5] = 'n';
        } else if (single) {
            values[5] = changed[0];
        } else {
            values[5] = PointerGetDatum(construct_array(changed.data(), static_cast<int>(changed.size()), TEXTOID, -1,
                                                        false, TYPALIGN_INT));
        }
        int rc = SPI_execute_plan(plan, values, nulls, false, 0);
        if (rc != SPI_OK_INSERT) elog(ERROR, "writing data events failed: %s", SPI_result_code_string(rc));
        if (SPI_finish() != SPI_OK_FINISH) elog(ERROR, "SPI_finish failed");
    });
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
        if (isnull) elog(ERROR, "a class table row without id");
        return datumCopy(d, false, UUID_LEN);
    });
}

// One event per row of a transition table.
void collect_rows(const ClassValidator& cls, Tuplestorestate* table, TupleDesc desc, Batch& batch) {
    int pointer = 0;
    TupleTableSlot* slot = open_transition_table(table, desc, &pointer);
    while (next_row(table, pointer, slot)) batch.ids.push_back(thing_id(cls, slot));
    guard([&] { ExecDropSingleTupleTableSlot(slot); });
}

// One update event per updated row, with the attributes whose value changed. The old and
// new transition tables hold the rows in the same order. A row whose id changed is
// another thing: the old one is deleted, the new one inserted.
void collect_updates(const ClassValidator& cls, Tuplestorestate* old_table, Tuplestorestate* new_table,
                     TupleDesc desc, Batch& updates, Batch& deletes, Batch& inserts) {
    int old_pointer = 0, new_pointer = 0;
    TupleTableSlot* old_slot = open_transition_table(old_table, desc, &old_pointer);
    TupleTableSlot* new_slot = open_transition_table(new_table, desc, &new_pointer);
    std::vector<char> differs(cls.columns.size());
    for (;;) {
        const bool has_old = next_row(old_table, old_pointer, old_slot);
        const bool has_new = next_row(new_table, new_pointer, new_slot);
        if (has_old != has_new) throw Error(sqlstate::kInternalError, "transition tables of an update differ in length");
        if (!has_old) break;
        const Datum old_id = thing_id(cls, old_slot);
        const Datum new_id = thing_id(cls, new_slot);
        const bool same_thing = guard([&] { return datum_image_eq(old_id, new_id, false, UUID_LEN); });
        if (!same_thing) {
            deletes.ids.push_back(old_id);
            inserts.ids.push_back(new_id);
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
            if (!differs[i]) continue;
            if (!names.empty()) names += ',';
            names += cls.columns[i].attribute;  // model names hold no comma
        }
        updates.ids.push_back(new_id);
        updates.changed.push_back(std::move(names));
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
        throw Error(sqlstate::kTriggerProtocolViolated, "udm.record_data_events() must be called as a trigger");
    }
    auto* trigdata = reinterpret_cast<TriggerData*>(fcinfo->context);
    const TriggerEvent event = trigdata->tg_event;
    const bool is_update = TRIGGER_FIRED_BY_UPDATE(event);
    const bool is_insert = TRIGGER_FIRED_BY_INSERT(event);
    if (!TRIGGER_FIRED_AFTER(event) || TRIGGER_FIRED_FOR_ROW(event) || TRIGGER_FIRED_BY_TRUNCATE(event) ||
        (!is_insert && trigdata->tg_oldtable == nullptr) || (!TRIGGER_FIRED_BY_DELETE(event) && trigdata->tg_newtable == nullptr)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.record_data_events() must be fired AFTER INSERT, UPDATE or DELETE FOR EACH STATEMENT"
                    " with transition tables");
    }
    Tuplestorestate* rows = is_insert ? trigdata->tg_newtable : trigdata->tg_oldtable;
    if (pg::guard([&] { return tuplestore_tuple_count(rows); }) == 0) return PointerGetDatum(nullptr);
    std::shared_ptr<const pg::ClassValidator> cls = pg::validator_for(trigdata->tg_relation);
    if (cls->tenant.empty() || cls->id_attnum <= 0) {
        throw Error(sqlstate::kTriggerProtocolViolated, "udm.record_data_events() fires only on udm class tables");
    }
    TupleDesc desc = RelationGetDescr(trigdata->tg_relation);
    if (is_update) {
        pg::Batch updates{"update", {}, {}}, deletes{"delete", {}, {}}, inserts{"insert", {}, {}};
        pg::collect_updates(*cls, trigdata->tg_oldtable, trigdata->tg_newtable, desc, updates, deletes, inserts);
        pg::write_batch(*cls, updates);
        pg::write_batch(*cls, deletes);
        pg::write_batch(*cls, inserts);
    } else {
        pg::Batch batch{is_insert ? "insert" : "delete", {}, {}};
        pg::collect_rows(*cls, rows, desc, batch);
        pg::write_batch(*cls, batch);
    }
    return PointerGetDatum(nullptr);
}
