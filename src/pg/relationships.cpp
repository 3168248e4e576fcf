// Relationships between things: udm.relate, udm.unrelate, and the trigger that forgets
// the relationships of deleted things.
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/core/relate.hpp"
#include "udm/core/tenant_catalog.hpp"
#include "udm/pg/barrier.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/module.hpp"
#include "udm/pg/spi.hpp"
#include "udm/pg/tenant_access.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
}

namespace {

namespace pg = udm::pg;
namespace relate = udm::relate;
using udm::Error;
using udm::naming::TenantNames;

// Runs a statement built by the core; returns the number of rows it processed.
std::uint64_t execute(pg::Spi& spi, const relate::Statement& st) {
    return spi.execute(st.sql, {st.params.begin(), st.params.end()});
}

// Runs a query built by the core; returns every row.
std::vector<pg::Row> query(pg::Spi& spi, const relate::Statement& st) {
    return spi.query(st.sql, {st.params.begin(), st.params.end()});
}

// The id of the relationship type named type; 42704 when the tenant has none.
std::string type_id_of(pg::Spi& spi, const TenantNames& names, const std::string& type) {
    const relate::Statement st = relate::type_id_query(names, type);
    pg::Cell id = spi.query_value(st.sql, {st.params.begin(), st.params.end()});
    if (!id)
        throw relate::unknown_type(type);
    return *id;
}

// Finds a live thing among the classes that can hold it at this end (a soft-deleted one is
// refused, 23503) and locks it against deletion until commit: one index probe per candidate class,
// not one per class of the tenant. A thing no candidate holds cannot take part; it is looked up
// everywhere only to name its class in the error that follows (or to say it does not exist).
relate::Thing find_thing(pg::Spi& spi, const TenantNames& names,
                         const std::vector<relate::Allowance>& allowances, relate::End end,
                         const std::string& id) {
    for (const relate::ClassRef& cls : relate::candidate_classes(allowances, end)) {
        const std::vector<pg::Row> rows = query(spi, relate::lock_thing(names, cls, id));
        if (rows.empty())
            continue;
        const relate::Thing thing{id, cls};
        if (rows[0][0] == std::optional<std::string>("t"))
            throw relate::thing_deleted(end, thing);
        return thing;
    }
    std::vector<relate::ClassRef> classes;
    for (const pg::Row& row : query(spi, relate::classes_query(names)))
        classes.push_back({*row[0], *row[1]});
    if (!classes.empty()) {
        const relate::Statement st = relate::find_class(names, classes, id);
        if (pg::Cell k = spi.query_value(st.sql, {st.params.begin(), st.params.end()}))
            return {id, classes.at(std::stoul(*k))};
    }
    throw relate::thing_not_found(end, id);
}

}  // namespace

namespace {

// udm.relate and udm.relate_as: records that from_id relates to to_id; false when it already
// did. created_by is actor when given, else the table's default. What it decides is decided
// in udm/core/relate.hpp; this runs the statements.
bool relate_things(FunctionCallInfo fcinfo, const std::optional<std::string>& actor) {
    const TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string type = pg::text_arg(fcinfo, 1, "relationship type");
    const std::string from_id = pg::uuid_arg(fcinfo, 2, "from_id");
    const std::string to_id = pg::uuid_arg(fcinfo, 3, "to_id");

    return pg::with_spi(false, [&](pg::Spi& spi) {
        if (pg::citus::held_elsewhere(spi, pg::tenant_namespace(names))) {
            // On a Citus coordinator: the whole call runs on the worker that holds the tenant,
            // in this transaction, so that its lock and its counts with a fresh snapshot are
            // the worker's (through Citus, a REPEATABLE READ transaction would count with the
            // worker's snapshot of the transaction, taken before the lock was waited for).
            // Who relates is this session's (udm.actor, session_user), not Citus' connection's.
            const pg::Cell who =
                actor ? pg::Cell(*actor)
                      : spi.query_value("SELECT " + std::string(udm::catalog::actor_default()));
            const std::string call = "SELECT udm.relate_as($1, $2, $3::uuid, $4::uuid, $5)";
            try {
                const pg::Cell done =
                    spi.query_value(call + "::pg_catalog.text FROM " +
                                        udm::naming::qualified(names.schema, "schema_state"),
                                    {names.tenant, type, from_id, to_id, who});
                return done == pg::Cell("true");
            } catch (const pg::PgError& e) {
                // The worker's error as udm.relate raises it: without the context line of
                // this statement, which is udm's, not the caller's.
                ErrorData* data = e.data();
                if (data->context != nullptr) {
                    char* at = strstr(data->context, ("SQL statement \"" + call).c_str());
                    if (at == data->context)
                        data->context = nullptr;
                    else if (at != nullptr && at[-1] == '\n')
                        at[-1] = '\0';
                }
                throw;
            }
        }
        const std::string type_id = type_id_of(spi, names, type);
        std::vector<relate::Allowance> allowances;
        for (const pg::Row& row : query(spi, relate::allowances_query(names, type_id)))
            allowances.push_back(relate::allowance_from_row(row));
        const relate::Thing from = find_thing(spi, names, allowances, relate::End::kFrom, from_id);
        const relate::Thing to = find_thing(spi, names, allowances, relate::End::kTo, to_id);
        const relate::Decision d = relate::decide(type, allowances, from, to);

        // Concurrent relates of the same things wait for each other, so the counts hold.
        execute(spi, relate::advisory_lock(d, pg::kAdvisoryLockKey));
        // Counted with a fresh snapshot: a REPEATABLE READ transaction must see what the
        // sessions it just waited for committed, or two of them could both pass the limits.
        const relate::Statement exists = relate::existing(names, type_id, d);
        if (spi.query_value_latest(exists.sql, {exists.params.begin(), exists.params.end()}))
            return false;
        for (const relate::LimitCheck& check : relate::limit_checks(names, type_id, d)) {
            pg::Cell n = spi.query_value_latest(
                check.count.sql, {check.count.params.begin(), check.count.params.end()});
            relate::check_limit(type, d, check, std::stoll(n.value_or("0")));
        }
        execute(spi, relate::insert(names, type_id, d, actor));
        return true;
    });
}

}  // namespace

// udm.relate(tenant, relationship_type, from_id, to_id) returns boolean: records that
// from_id relates to to_id; false when it already did.
UDM_PG_FUNCTION(udm_relate) {
    PG_RETURN_BOOL(relate_things(fcinfo, std::nullopt));
}

// udm.relate_as(tenant, relationship_type, from_id, to_id, actor) returns boolean: udm.relate
// recording actor as created_by. What udm.relate on a Citus coordinator runs on the worker
// that holds the tenant, as the extension's owner; EXECUTE is revoked from PUBLIC.
UDM_PG_FUNCTION(udm_relate_as) {
    const std::string actor = pg::text_arg(fcinfo, 4, "actor");
    PG_RETURN_BOOL(relate_things(fcinfo, actor));
}

// udm.unrelate(tenant, relationship_type, from_id, to_id) returns boolean: removes the
// relationship (in either direction when it is bidirectional); false when there was none.
UDM_PG_FUNCTION(udm_unrelate) {
    const TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string type = pg::text_arg(fcinfo, 1, "relationship type");
    const std::string from_id = pg::uuid_arg(fcinfo, 2, "from_id");
    const std::string to_id = pg::uuid_arg(fcinfo, 3, "to_id");
    const std::uint64_t removed = pg::with_spi(false, [&](pg::Spi& spi) {
        const std::string type_id = type_id_of(spi, names, type);
        return execute(spi, relate::remove(names, type_id, from_id, to_id));
    });
    PG_RETURN_BOOL(removed > 0);
}

// udm.forget_relationships(): AFTER DELETE statement trigger of every class table; removes
// the relationships of the deleted things (one statement, whatever the number of rows).
UDM_PG_FUNCTION(udm_forget_relationships) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        throw Error(udm::sqlstate::kTriggerProtocolViolated,
                    "udm.forget_relationships() must be called as a trigger");
    }
    auto* trigdata = reinterpret_cast<TriggerData*>(fcinfo->context);
    if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
        !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
        !TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) || trigdata->tg_oldtable == nullptr) {
        throw Error(udm::sqlstate::kTriggerProtocolViolated,
                    "udm.forget_relationships() must be fired AFTER DELETE FOR EACH STATEMENT with "
                    "an OLD TABLE");
    }
    if (pg::guard([&] { return tuplestore_tuple_count(trigdata->tg_oldtable); }) == 0)
        return PointerGetDatum(nullptr);
    const auto tenant = pg::tenant_of_relation(trigdata->tg_relation);
    if (!tenant) {
        throw Error(udm::sqlstate::kTriggerProtocolViolated,
                    "udm.forget_relationships() fires only on udm class tables");
    }
    // On a Citus worker, the local shard of the relationships: Citus cannot plan a
    // distributed table joined with a transition table.
    const Oid shard = pg::validator_for(trigdata->tg_relation)->relationships;
    const std::string relationships =
        OidIsValid(shard)
            ? udm::naming::qualified(tenant->schema, pg::guard([&] { return get_rel_name(shard); }))
            : udm::naming::qualified(tenant->schema, "relationships");
    const std::string old_q = udm::naming::quote_identifier(trigdata->tg_trigger->tgoldtable);
    pg::with_spi(false, [&](pg::Spi& spi) {
        pg::guard([&] { return SPI_register_trigger_data(trigdata); });
        spi.execute("DELETE FROM " + relationships + " WHERE from_id IN (SELECT id FROM " + old_q +
                    ")");
        spi.execute("DELETE FROM " + relationships + " WHERE to_id IN (SELECT id FROM " + old_q +
                    ")");
    });
    return PointerGetDatum(nullptr);
}
