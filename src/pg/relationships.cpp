// Relationships between things: udm.relate, udm.unrelate, and the trigger that forgets
// the relationships of deleted things.
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/model.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/module.hpp"
#include "udm/pg/tenant_access.hpp"

namespace {

namespace pg = udm::pg;
using udm::Error;
namespace sqlstate = udm::sqlstate;
using udm::naming::TenantNames;

// A thing found in its class table: its class id and name.
struct Thing {
    std::string class_id;
    std::string class_name;
};

// Finds the class of a thing and locks the thing against deletion until commit.
Thing find_thing(pg::Spi& spi, const std::string& s, const std::string& id, const char* role) {
    std::vector<pg::Row> rows = spi.query(
        "SELECT thing_class_id::text, class_name FROM " + s + ".things WHERE id = $1::uuid", {id});
    if (rows.empty()) {
        throw Error(sqlstate::kForeignKeyViolation,
                    std::string(role) + " thing " + id + " does not exist",
                    "No class table of this tenant holds a thing with that id.");
    }
    Thing t{*rows[0][0], *rows[0][1]};
    spi.execute("SELECT 1 FROM " + s + "." +
                    udm::naming::quote_identifier(udm::physical::table_name(t.class_name)) +
                    " WHERE id = $1::uuid FOR KEY SHARE",
                {id});
    return t;
}

// The rule allowing a relationship: its cardinality and whether it is stored reversed.
struct Allowed {
    udm::model::Cardinality cardinality;
    bool reversed = false;       // stored from to_id to from_id
    bool bidirectional = false;  // (a, b) and (b, a) are the same relationship
};

}  // namespace

// udm.relate(tenant, relationship_type, from_id, to_id) returns boolean: records that
// from_id relates to to_id; false when it already did.
UDM_PG_FUNCTION(udm_relate) {
    const TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string type = pg::text_arg(fcinfo, 1, "relationship type");
    std::string from_id = pg::uuid_arg(fcinfo, 2, "from_id");
    std::string to_id = pg::uuid_arg(fcinfo, 3, "to_id");
    const std::string s = udm::naming::quote_identifier(names.schema);

    pg::Spi spi;
    pg::Cell type_id = spi.query_value(
        "SELECT id::text FROM " + s + ".relationship_types WHERE name = $1", {type});
    if (!type_id)
        throw Error(udm::sqlstate::kUndefinedObject,
                    "relationship type \"" + udm::naming::abbreviate(type) + "\" does not exist");
    Thing from = find_thing(spi, s, from_id, "from");
    Thing to = find_thing(spi, s, to_id, "to");

    // Allowed as given, or reversed when the allowed relationship is bidirectional; a
    // bidirectional relationship is stored once, in the direction it was allowed.
    std::vector<pg::Row> rules = spi.query(
        "SELECT cardinality_rules::text, NOT (from_thing_class_id = $2::uuid AND to_thing_class_id "
        "= $3::uuid),"
        " is_bidirectional"
        " FROM " +
            s +
            ".thing_class_relationships WHERE relationship_type_id = $1::uuid"
            " AND ((from_thing_class_id = $2::uuid AND to_thing_class_id = $3::uuid)"
            "   OR (is_bidirectional AND from_thing_class_id = $3::uuid AND to_thing_class_id = "
            "$2::uuid))"
            " ORDER BY from_thing_class_id = $2::uuid DESC LIMIT 1",
        {*type_id, from.class_id, to.class_id});
    if (rules.empty()) {
        throw Error(sqlstate::kCheckViolation,
                    "relationship \"" + type + "\" is not allowed from class \"" + from.class_name +
                        "\" to class \"" + to.class_name + "\"",
                    {}, "udm.allow_relationship(tenant, from_class, to_class, type) allows it.");
    }
    Allowed allowed;
    allowed.cardinality =
        udm::model::parse_cardinality(udm::model::Json::parse(*rules[0][0]), "cardinality");
    allowed.reversed = *rules[0][1] == "t";
    allowed.bidirectional = *rules[0][2] == "t";
    if (allowed.reversed) {
        std::swap(from_id, to_id);
        std::swap(from, to);
    }

    // Concurrent relates of the same things wait for each other, so the counts hold.
    spi.execute(
        "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(x, $3::bigint))"
        " FROM pg_catalog.unnest(ARRAY[$1, $2]) AS x ORDER BY x",
        {from_id, to_id, std::to_string(pg::kAdvisoryLockKey)});
    const std::string table = s + ".relationships";
    // Counted with a fresh snapshot: a REPEATABLE READ transaction must see what the
    // sessions it just waited for committed, or two of them could both pass the limits.
    if (spi.query_value_latest(
            "SELECT 1 FROM " + table +
                " WHERE relationship_type_id = $1::uuid AND ((from_id = $2::uuid AND to_id = "
                "$3::uuid)"
                " OR ($4::boolean AND from_id = $3::uuid AND to_id = $2::uuid))",
            {*type_id, from_id, to_id, allowed.bidirectional ? "true" : "false"})) {
        spi.finish();
        PG_RETURN_BOOL(false);
    }
    auto check_max = [&](const std::optional<std::int64_t>& max, const char* side,
                         const std::string& id, const std::string& other_class_col,
                         const std::string& other_class_id, const std::string& what) {
        if (!max)
            return;
        pg::Cell n =
            spi.query_value_latest("SELECT pg_catalog.count(*) FROM " + table +
                                       " WHERE relationship_type_id = $1::uuid AND " + side +
                                       " = $2::uuid AND " + other_class_col + " = $3::uuid",
                                   {*type_id, id, other_class_id});
        if (std::stoll(*n) >= *max) {
            throw Error(sqlstate::kCheckViolation,
                        "thing " + id + " already has " + std::to_string(*max) + " \"" + type +
                            "\" " + what + " (the maximum)",
                        "The cardinality of relationship \"" + type + "\" from class \"" +
                            from.class_name + "\" to class \"" + to.class_name +
                            "\" allows no more.");
        }
    };
    check_max(allowed.cardinality.max_targets, "from_id", from_id, "to_class_id", to.class_id,
              "targets");
    check_max(allowed.cardinality.max_sources, "to_id", to_id, "from_class_id", from.class_id,
              "sources");
    {
        pg::ScopedUser as_owner(pg::owner_role(names));
        spi.execute("INSERT INTO " + table +
                        " (relationship_type_id, from_class_id, to_class_id, from_id, to_id)"
                        " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid)",
                    {*type_id, from.class_id, to.class_id, from_id, to_id});
    }
    spi.finish();
    PG_RETURN_BOOL(true);
}

// udm.unrelate(tenant, relationship_type, from_id, to_id) returns boolean: removes the
// relationship (in either direction when it is bidirectional); false when there was none.
UDM_PG_FUNCTION(udm_unrelate) {
    const TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string type = pg::text_arg(fcinfo, 1, "relationship type");
    const std::string from_id = pg::uuid_arg(fcinfo, 2, "from_id");
    const std::string to_id = pg::uuid_arg(fcinfo, 3, "to_id");
    const std::string s = udm::naming::quote_identifier(names.schema);
    pg::Spi spi;
    pg::Cell type_id = spi.query_value(
        "SELECT id::text FROM " + s + ".relationship_types WHERE name = $1", {type});
    if (!type_id)
        throw Error(udm::sqlstate::kUndefinedObject,
                    "relationship type \"" + udm::naming::abbreviate(type) + "\" does not exist");
    std::uint64_t removed;
    {
        pg::ScopedUser as_owner(pg::owner_role(names));
        removed =
            spi.execute("DELETE FROM " + s +
                            ".relationships r WHERE r.relationship_type_id = $1::uuid AND"
                            " ((r.from_id = $2::uuid AND r.to_id = $3::uuid) OR (r.from_id = "
                            "$3::uuid AND r.to_id = $2::uuid AND"
                            "  EXISTS (SELECT 1 FROM " +
                            s +
                            ".thing_class_relationships x WHERE x.relationship_type_id = $1::uuid"
                            "   AND x.from_thing_class_id = r.from_class_id AND "
                            "x.to_thing_class_id = r.to_class_id"
                            "   AND x.is_bidirectional)))",
                        {*type_id, from_id, to_id});
    }
    spi.finish();
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
    const std::string s = udm::naming::quote_identifier(tenant->schema);
    const std::string old_name = trigdata->tg_trigger->tgoldtable;
    pg::Spi spi;
    pg::guard([&] { return SPI_register_trigger_data(trigdata); });
    const std::string old_q = udm::naming::quote_identifier(old_name);
    spi.execute("DELETE FROM " + s + ".relationships WHERE from_id IN (SELECT id FROM " + old_q +
                ")");
    spi.execute("DELETE FROM " + s + ".relationships WHERE to_id IN (SELECT id FROM " + old_q +
                ")");
    spi.finish();
    return PointerGetDatum(nullptr);
}
