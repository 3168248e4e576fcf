// What udm.relate and udm.unrelate decide, and the statements that carry it out.
#include "udm/core/relate.hpp"

#include <algorithm>
#include <utility>

#include "udm/core/physical.hpp"

namespace udm::relate {

namespace {

using naming::quote_identifier;

// The tenant's schema, quoted, followed by a dot and the quoted name.
std::string in_schema(const naming::TenantNames& tenant, std::string_view name) {
    return quote_identifier(tenant.schema) + "." + quote_identifier(name);
}

// The value of one column of a catalog row; throws XX000 for NULL or a missing column.
const std::string& cell(const std::vector<std::optional<std::string>>& row, std::size_t i) {
    if (i >= row.size() || !row[i])
        throw Error(sqlstate::kInternalError, "unexpected row of thing_class_relationships");
    return *row[i];
}

}  // namespace

Statement type_id_query(const naming::TenantNames& tenant, const std::string& type) {
    return {"SELECT id::text FROM " + in_schema(tenant, "relationship_types") + " WHERE name = $1",
            {type}};
}

Error unknown_type(const std::string& type) {
    return Error(sqlstate::kUndefinedObject,
                 "relationship type \"" + naming::abbreviate(type) + "\" does not exist");
}

Statement allowances_query(const naming::TenantNames& tenant, const std::string& type_id) {
    const std::string classes = in_schema(tenant, "thing_classes");
    return {
        "SELECT x.from_thing_class_id::text, f.name, x.to_thing_class_id::text, t.name,"
        " x.cardinality_rules::text, x.is_bidirectional FROM " +
            in_schema(tenant, "thing_class_relationships") + " x JOIN " + classes +
            " f ON f.id = x.from_thing_class_id JOIN " + classes +
            " t ON t.id = x.to_thing_class_id"
            " WHERE x.relationship_type_id = $1::uuid ORDER BY f.name, t.name",
        {type_id}};
}

Allowance allowance_from_row(const std::vector<std::optional<std::string>>& row) {
    if (row.size() != 6)
        throw Error(sqlstate::kInternalError, "unexpected row of thing_class_relationships");
    Allowance a;
    a.from = {cell(row, 0), cell(row, 1)};
    a.to = {cell(row, 2), cell(row, 3)};
    a.cardinality_json = cell(row, 4);
    a.bidirectional = cell(row, 5) == "t";
    return a;
}

std::vector<ClassRef> candidate_classes(const std::vector<Allowance>& allowances, End end) {
    std::vector<ClassRef> out;
    auto add = [&out](const ClassRef& c) {
        const bool known =
            std::any_of(out.begin(), out.end(), [&c](const ClassRef& o) { return o.id == c.id; });
        if (!known)
            out.push_back(c);
    };
    for (const Allowance& a : allowances) {
        add(end == End::kFrom ? a.from : a.to);
        if (a.bidirectional)
            add(end == End::kFrom ? a.to : a.from);
    }
    return out;
}

Statement lock_thing(const naming::TenantNames& tenant, const ClassRef& cls,
                     const std::string& id) {
    return {"SELECT is_deleted FROM " + in_schema(tenant, physical::table_name(cls.name)) +
                " WHERE id = $1::uuid FOR KEY SHARE",
            {id}};
}

Statement classes_query(const naming::TenantNames& tenant) {
    return {"SELECT id::text, name FROM " + in_schema(tenant, "thing_classes") + " ORDER BY name",
            {}};
}

Statement find_class(const naming::TenantNames& tenant, const std::vector<ClassRef>& classes,
                     const std::string& id) {
    std::string union_all;
    for (std::size_t i = 0; i < classes.size(); ++i) {
        if (i > 0)
            union_all += " UNION ALL ";
        union_all += "SELECT " + std::to_string(i) + " AS k FROM " +
                     in_schema(tenant, physical::table_name(classes[i].name)) +
                     " WHERE id = $1::uuid";
    }
    return {"SELECT k FROM (" + union_all + ") x LIMIT 1", {id}};
}

Error thing_not_found(End end, const std::string& id) {
    return Error(
        sqlstate::kForeignKeyViolation,
        std::string(end == End::kFrom ? "from" : "to") + " thing " + id + " does not exist",
        "No class table of this tenant holds a thing with that id.");
}

Error thing_deleted(End end, const Thing& thing) {
    return Error(sqlstate::kForeignKeyViolation,
                 std::string(end == End::kFrom ? "from" : "to") + " thing " + thing.id +
                     " of class \"" + thing.cls.name + "\" is deleted",
                 "A deleted thing takes part in no new relationship.");
}

Decision decide(const std::string& type, const std::vector<Allowance>& allowances,
                const Thing& from, const Thing& to) {
    const Allowance* as_given = nullptr;
    const Allowance* other_way = nullptr;
    for (const Allowance& a : allowances) {
        if (a.from.id == from.cls.id && a.to.id == to.cls.id)
            as_given = &a;
        else if (a.bidirectional && a.from.id == to.cls.id && a.to.id == from.cls.id)
            other_way = &a;
    }
    const Allowance* chosen = as_given != nullptr ? as_given : other_way;
    if (chosen == nullptr) {
        throw Error(sqlstate::kCheckViolation,
                    "relationship \"" + type + "\" is not allowed from class \"" + from.cls.name +
                        "\" to class \"" + to.cls.name + "\"",
                    {}, "udm.allow_relationship(tenant, from_class, to_class, type) allows it.");
    }
    Decision d;
    d.cardinality =
        model::parse_cardinality(model::Json::parse(chosen->cardinality_json), "cardinality");
    d.bidirectional = chosen->bidirectional;
    d.reversed = chosen == other_way;
    d.from = d.reversed ? to : from;
    d.to = d.reversed ? from : to;
    return d;
}

Statement advisory_lock(const Decision& d, std::int64_t key) {
    // In id order, so that two relates of the same pair cannot deadlock.
    return {
        "SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(x, $3::bigint))"
        " FROM pg_catalog.unnest(ARRAY[$1, $2]) AS x ORDER BY x",
        {d.from.id, d.to.id, std::to_string(key)}};
}

Statement existing(const naming::TenantNames& tenant, const std::string& type_id,
                   const Decision& d) {
    std::string sql = "SELECT 1 FROM " + in_schema(tenant, "relationships") +
                      " WHERE relationship_type_id = $1::uuid AND ((from_id = $2::uuid AND to_id "
                      "= $3::uuid)";
    if (d.bidirectional)
        sql += " OR (from_id = $3::uuid AND to_id = $2::uuid)";
    sql += ")";
    return {std::move(sql), {type_id, d.from.id, d.to.id}};
}

std::vector<LimitCheck> limit_checks(const naming::TenantNames& tenant, const std::string& type_id,
                                     const Decision& d) {
    const std::string table = in_schema(tenant, "relationships");
    std::vector<LimitCheck> out;
    if (d.cardinality.max_targets) {
        out.push_back({{"SELECT pg_catalog.count(*) FROM " + table +
                            " WHERE relationship_type_id = $1::uuid AND from_id = $2::uuid"
                            " AND to_class_id = $3::uuid",
                        {type_id, d.from.id, d.to.cls.id}},
                       *d.cardinality.max_targets,
                       End::kFrom});
    }
    if (d.cardinality.max_sources) {
        out.push_back({{"SELECT pg_catalog.count(*) FROM " + table +
                            " WHERE relationship_type_id = $1::uuid AND to_id = $2::uuid"
                            " AND from_class_id = $3::uuid",
                        {type_id, d.to.id, d.from.cls.id}},
                       *d.cardinality.max_sources,
                       End::kTo});
    }
    return out;
}

void check_limit(const std::string& type, const Decision& d, const LimitCheck& check,
                 std::int64_t count) {
    if (count < check.max)
        return;
    const bool targets = check.end == End::kFrom;
    throw Error(sqlstate::kCheckViolation,
                "thing " + (targets ? d.from.id : d.to.id) + " already has " +
                    std::to_string(check.max) + " \"" + type + "\" " +
                    (targets ? "target" : "source") + (check.max == 1 ? "" : "s") +
                    ", the most allowed",
                std::string(kCardinalityDetail) + "\"" + type + "\" from class \"" +
                    d.from.cls.name + "\" to class \"" + d.to.cls.name + "\" allows no more.");
}

Statement insert(const naming::TenantNames& tenant, const std::string& type_id, const Decision& d,
                 const std::optional<std::string>& actor) {
    if (actor) {
        return {
            "INSERT INTO " + in_schema(tenant, "relationships") +
                " (relationship_type_id, from_class_id, to_class_id, from_id, to_id, created_by)"
                " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6)",
            {type_id, d.from.cls.id, d.to.cls.id, d.from.id, d.to.id, *actor}};
    }
    return {"INSERT INTO " + in_schema(tenant, "relationships") +
                " (relationship_type_id, from_class_id, to_class_id, from_id, to_id)"
                " VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid)",
            {type_id, d.from.cls.id, d.to.cls.id, d.from.id, d.to.id}};
}

Statement remove(const naming::TenantNames& tenant, const std::string& type_id,
                 const std::string& from_id, const std::string& to_id) {
    return {"DELETE FROM " + in_schema(tenant, "relationships") +
                " r WHERE r.relationship_type_id = $1::uuid AND"
                " ((r.from_id = $2::uuid AND r.to_id = $3::uuid) OR (r.from_id = $3::uuid AND"
                " r.to_id = $2::uuid AND EXISTS (SELECT 1 FROM " +
                in_schema(tenant, "thing_class_relationships") +
                " x WHERE x.relationship_type_id = $1::uuid"
                " AND x.from_thing_class_id = r.from_class_id"
                " AND x.to_thing_class_id = r.to_class_id AND x.is_bidirectional)))",
            {type_id, from_id, to_id}};
}

}  // namespace udm::relate
