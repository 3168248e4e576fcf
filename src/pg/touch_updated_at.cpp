// udm.touch_updated_at(): BEFORE UPDATE row trigger keeping updated_at current.
#include "udm/core/error.hpp"
#include "udm/pg/barrier.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

// Sets NEW.updated_at to the transaction's start time, as now() would, and increments
// NEW.row_version when the table has one (class tables do).
UDM_PG_FUNCTION(udm_touch_updated_at) {
    using namespace udm;
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.touch_updated_at() must be called as a trigger");
    }
    auto* trigdata = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
        !TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event)) {
        throw Error(sqlstate::kTriggerProtocolViolated,
                    "udm.touch_updated_at() must be fired BEFORE UPDATE FOR EACH ROW");
    }
    TupleDesc desc = trigdata->tg_relation->rd_att;
    int attnum = pg::guard([&] { return SPI_fnumber(desc, "updated_at"); });
    if (attnum <= 0 || TupleDescAttr(desc, attnum - 1)->attisdropped) {
        throw Error(sqlstate::kUndefinedColumn,
                    "udm.touch_updated_at() needs a column \"updated_at\"");
    }
    if (TupleDescAttr(desc, attnum - 1)->atttypid != TIMESTAMPTZOID) {
        throw Error(sqlstate::kDatatypeMismatch,
                    "column \"updated_at\" must be of type timestamp with time zone");
    }
    int version_att = pg::guard([&] { return SPI_fnumber(desc, "row_version"); });
    const bool versioned = version_att > 0 && !TupleDescAttr(desc, version_att - 1)->attisdropped &&
                           TupleDescAttr(desc, version_att - 1)->atttypid == INT8OID;
    return pg::guard([&] {
        int cols[2] = {attnum, version_att};
        Datum values[2] = {TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), (Datum)0};
        bool nulls[2] = {false, false};
        if (versioned) {
            bool old_null = false;
            Datum old = heap_getattr(trigdata->tg_trigtuple, version_att, desc, &old_null);
            values[1] = Int64GetDatum(old_null ? 1 : DatumGetInt64(old) + 1);
        }
        HeapTuple updated = heap_modify_tuple_by_cols(trigdata->tg_newtuple, desc,
                                                      versioned ? 2 : 1, cols, values, nulls);
        return PointerGetDatum(updated);
    });
}
