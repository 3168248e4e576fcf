// The SQL API of change events: udm.schema_events, udm.schema_at, udm.data_events,
// udm.data_head and udm.prune_events. docs/events.md describes how a consumer follows a
// tenant with them.
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/history.hpp"
#include "udm/core/model.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/tenant_access.hpp"

extern "C" {
#include "utils/fmgrprotos.h"
}

namespace {

namespace pg = udm::pg;
using udm::naming::qualified;

// The largest number of events one call of udm.data_events returns.
constexpr int kMaxEventsPerRead = 100000;

// Transactions that may still commit events: every one from the oldest running
// transaction on, and the reader's own (its uncommitted events are not news yet).
constexpr const char* kWatermark =
    "LEAST(pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()),"
    " pg_catalog.pg_current_xact_id_if_assigned())";

// A position is epoch * 2^96 + transaction id * 2^32 + number within the transaction.
constexpr const char* kPosition =
    "(e.epoch::numeric * 79228162514264337593543950336 + e.xid::text::numeric * 4294967296 + "
    "e.seq)";

// The events whose transactions have all ended, of the outbox as alias e: those of epochs
// before the current one (written on a node the tenant has left; all ended before it
// left), and those of the current epoch below the watermark. The current epoch is the
// tenant's data_events_epoch when its events are written on this node, and the next one
// while no event has been written here since the tenant came. On Citus the whole query
// runs on the node that holds the tenant, where its transaction ids and schema_state are.
std::string final_events(const udm::naming::TenantNames& names) {
    // One row comparison, an upper bound of an index scan of the primary key (epoch, xid,
    // seq), both sides computed once: no event has an epoch above the current one.
    return "(e.epoch, e.xid) < ((SELECT s.data_events_epoch + CASE WHEN s.data_events_node = "
           "udm.node_group() THEN 0 ELSE 1 END FROM " +
           qualified(names.schema, "schema_state") + " s), " + kWatermark + ")";
}

// Argument n (numeric) as a position: a whole number, zero or more, as digits.
std::string position_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n))
        throw udm::Error(udm::sqlstate::kNullValueNotAllowed, "after_position must not be null");
    char* text = pg::guard(
        [&] { return DatumGetCString(DirectFunctionCall1(numeric_out, PG_GETARG_DATUM(n))); });
    std::string out(text);
    pfree(text);
    bool digits = !out.empty() && out.size() <= 60;
    for (char c : out)
        digits = digits && c >= '0' && c <= '9';
    if (!digits) {
        throw udm::Error(
            udm::sqlstate::kInvalidParameterValue, "invalid data event position " + out,
            "Positions are whole numbers, zero or more, as udm.data_events returns them.",
            "Pass 0 to read from the oldest event kept.");
    }
    return out;
}

}  // namespace

// udm.schema_events(tenant, after_version) returns setof (version, previous_version, actor,
// created_at, diff): the tenant's schema changes after a version, oldest first. Model
// changes of a tenant take its lock in turn, so versions commit in order: a reader never
// finds a version below one it has read.
UDM_PG_FUNCTION(udm_schema_events) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::int64_t after = pg::int64_arg(fcinfo, 1, "after_version");
    if (after < 0)
        throw udm::Error(udm::sqlstate::kInvalidParameterValue, "after_version must be 0 or more");
    const std::vector<pg::Row> rows = pg::with_spi(true, [&](pg::Spi& spi) {
        return spi.query("SELECT version, previous_version, actor, created_at, diff FROM " +
                             qualified(names.schema, "schema_versions") +
                             " WHERE version > $1::bigint ORDER BY version",
                         {std::to_string(after)});
    });
    return pg::return_rows(fcinfo, rows);
}

// udm.schema_at(tenant, version) returns jsonb: the model as it was at a version, in the
// format of udm.apply; version 0 is the empty model.
UDM_PG_FUNCTION(udm_schema_at) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::int64_t version = pg::int64_arg(fcinfo, 1, "version");
    if (version == 0)
        return pg::jsonb_datum(udm::model::to_json(udm::model::Model{}));
    const std::vector<pg::Row> rows = pg::with_spi(true, [&](pg::Spi& spi) {
        // The last checkpoint at or before the version, and the patches after it.
        const std::string versions = qualified(names.schema, "schema_versions");
        std::vector<pg::Row> found;
        if (version > 0) {
            found = spi.query(
                "SELECT version, model::text, model_patch::text FROM " + versions +
                    " WHERE version <= $1::bigint AND version >= (SELECT max(version) FROM " +
                    versions +
                    " WHERE version <= $1::bigint AND model IS NOT NULL) ORDER BY version",
                {std::to_string(version)});
        }
        if (found.empty() || !found.back()[0] || std::stoll(*found.back()[0]) != version ||
            !found.front()[1]) {
            pg::Cell current =
                spi.query_value("SELECT version FROM " + qualified(names.schema, "schema_state"));
            throw udm::Error(
                udm::sqlstate::kInvalidParameterValue,
                "tenant \"" + names.tenant + "\" has no schema version " + std::to_string(version),
                "Its versions run from 0 to " + current.value_or("0") + ".");
        }
        return found;
    });
    const std::int64_t first = std::stoll(*rows.front()[0]);
    if (static_cast<std::int64_t>(rows.size()) != version - first + 1) {
        throw udm::Error(udm::sqlstate::kInternalError,
                         "the schema history of tenant \"" + names.tenant + "\" has a gap",
                         "Versions " + std::to_string(first) + " to " + std::to_string(version) +
                             " are not all stored.");
    }
    std::vector<udm::model::Json> patches;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        patches.push_back(udm::model::Json::parse(rows[i][2].value_or("[]"), nullptr, false));
        if (patches.back().is_discarded() || !rows[i][2]) {
            throw udm::Error(udm::sqlstate::kInternalError,
                             "the schema history of tenant \"" + names.tenant + "\" is damaged",
                             "Version " + rows[i][0].value_or("?") + " holds no patch.");
        }
    }
    return pg::jsonb_datum(
        udm::history::rebuild(udm::model::Json::parse(*rows.front()[1]), patches));
}

// udm.data_events(tenant, after_position, max_events) returns setof (position, class,
// operation, thing_id, changed, created_at): the tenant's data events after a position,
// in position order, at most max_events of them.
//
// Only events of transactions below the watermark are read: those transactions have all
// ended, so no event can later appear below the last one returned. A position is the
// writing epoch times 2^96 plus its transaction's full id times 2^32 plus the event's
// number within it (docs/events.md).
UDM_PG_FUNCTION(udm_data_events) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string after = position_arg(fcinfo, 1);
    const int max_events = pg::int32_arg(fcinfo, 2, "max_events");
    if (max_events < 1 || max_events > kMaxEventsPerRead) {
        throw udm::Error(udm::sqlstate::kInvalidParameterValue,
                         "max_events must be between 1 and " + std::to_string(kMaxEventsPerRead));
    }
    const std::vector<pg::Row> rows = pg::with_spi(true, [&](pg::Spi& spi) {
        std::vector<pg::Row> pruned = spi.query(
            "SELECT data_events_pruned_through::text, $1::numeric < data_events_pruned_through "
            "FROM " +
                qualified(names.schema, "schema_state"),
            {after});
        if (after != "0" && !pruned.empty() && pruned[0][1] && *pruned[0][1] == "t") {
            throw udm::Error(
                udm::sqlstate::kInvalidParameterValue,
                "data events of tenant \"" + names.tenant + "\" after position " + after +
                    " were pruned",
                "udm.prune_events removed the events up to position " + *pruned[0][0] + ".",
                "Resynchronize the consumer, then read on from position " + *pruned[0][0] + ".");
        }
        const std::string outbox = qualified(names.schema, "data_events");
        return spi.query(
            std::string("SELECT ") + kPosition +
                ", e.class, e.operation, e.thing_id, e.changed, e.created_at FROM " + outbox +
                " e WHERE (e.epoch, e.xid, e.seq) >"
                " (pg_catalog.div($1::numeric, 79228162514264337593543950336)::bigint,"
                "  pg_catalog.div(pg_catalog.mod($1::numeric, 79228162514264337593543950336),"
                "                 4294967296)::text::xid8,"
                "  pg_catalog.mod($1::numeric, 4294967296)::bigint)"
                " AND " +
                final_events(names) + " ORDER BY e.epoch, e.xid, e.seq LIMIT $2::integer",
            {after, std::to_string(max_events)});
    });
    return pg::return_rows(fcinfo, rows);
}

// udm.data_head(tenant) returns numeric: the position a consumer starting now reads on
// from (udm.data_events(tenant, head) returns exactly the events committed afterwards):
// the newest event below the watermark, or how far udm.prune_events went, or 0. Events
// below the watermark are final, so none can appear at or below the head later.
UDM_PG_FUNCTION(udm_data_head) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const pg::Cell head = pg::with_spi(true, [&](pg::Spi& spi) {
        // The primary key (epoch, xid, seq) read backwards from the watermark: one probe.
        const std::string outbox = qualified(names.schema, "data_events");
        return spi.query_value(
            std::string("SELECT GREATEST(s.data_events_pruned_through, coalesce((SELECT ") +
            kPosition + " FROM " + outbox + " e WHERE " + final_events(names) +
            " ORDER BY e.epoch DESC, e.xid DESC, e.seq DESC LIMIT 1), 0))"
            " FROM " +
            qualified(names.schema, "schema_state") + " s");
    });
    const std::string text = head.value_or("0");
    return pg::guard([&] {
        return DirectFunctionCall3(numeric_in, CStringGetDatum(text.c_str()),
                                   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
    });
}

// udm.prune_events(tenant, older_than) returns bigint: removes the data events older than
// an interval, as a prefix of the outbox (never leaving an older position behind a
// removed one), and records how far it pruned; returns how many it removed.
UDM_PG_FUNCTION(udm_prune_events) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    if (PG_ARGISNULL(1))
        throw udm::Error(udm::sqlstate::kNullValueNotAllowed, "older_than must not be null");
    const std::string older_than = pg::guard([&] {
        return std::string(DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(1))));
    });
    const std::string state = qualified(names.schema, "schema_state");
    const std::string events = qualified(names.schema, "data_events");
    const std::uint64_t removed = pg::with_spi(false, [&](pg::Spi& spi) {
        // One pruning at a time per tenant.
        pg::Cell negative = spi.query_value(
            "SELECT $1::interval < '0'::interval FROM " + state + " FOR UPDATE", {older_than});
        if (negative && *negative == "t") {
            throw udm::Error(udm::sqlstate::kInvalidParameterValue,
                             "older_than must not be negative");
        }
        std::vector<pg::Row> last = spi.query(
            std::string("SELECT e.epoch::text, e.xid::text, e.seq::text, ") + kPosition +
                "::text FROM " + events +
                " e WHERE e.created_at < pg_catalog.now() - $1::interval AND " +
                final_events(names) + " ORDER BY e.epoch DESC, e.xid DESC, e.seq DESC LIMIT 1",
            {older_than});
        if (last.empty())
            return std::uint64_t{0};
        const std::uint64_t n =
            spi.execute("DELETE FROM " + events +
                            " WHERE (epoch, xid, seq) <= ($1::bigint, $2::xid8, $3::bigint)",
                        {last[0][0], last[0][1], last[0][2]});
        spi.execute("UPDATE " + state +
                        " SET data_events_pruned_through = GREATEST(data_events_pruned_through,"
                        " $1::numeric)",
                    {last[0][3]});
        return n;
    });
    PG_RETURN_INT64(static_cast<std::int64_t>(removed));
}

// udm.node_group() returns integer: the Citus group of the node that runs it (the
// coordinator's is 0), 0 without Citus: where a tenant's data events are being written.
UDM_PG_FUNCTION(udm_node_group) {
    const std::int32_t group =
        pg::with_spi(true, [&](pg::Spi& spi) { return pg::citus::local_group(spi); });
    PG_RETURN_INT32(group);
}
