// udm.touch_updated_at(): BEFORE UPDATE row trigger keeping updated_at current.
#include "udm/core/error.hpp"
#include "udm/pg/barrier.hpp"

// Sets NEW.updated_at to the transaction's start time, as now() would.
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
    return pg::guard([&] {
        Datum value = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
        bool isnull = false;
        HeapTuple updated =
            heap_modify_tuple_by_cols(trigdata->tg_newtuple, desc, 1, &attnum, &value, &isnull);
        return PointerGetDatum(updated);
    });
}
