// The SQL API of models: udm.create_class ... udm.apply, udm.plan, udm.model,
// udm.migrations, udm.verify, udm.refresh_summary, udm.class_table.
//
// Every function takes the tenant first; tenant_arg checks it exists and that the caller
// may use it. Changes go through change_model: one transaction, one new schema version.
#include <set>
#include <string>
#include <vector>

#include "udm/core/edit.hpp"
#include "udm/core/error.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/model_catalog.hpp"
#include "udm/pg/model_change.hpp"
#include "udm/pg/tenant_access.hpp"

extern "C" {
#include "utils/lsyscache.h"
}

namespace {

using udm::model::Json;
using udm::model::Model;
namespace edit = udm::edit;
namespace pg = udm::pg;

const Json kNoRules = Json::object();

// Runs edit as a change of the tenant in argument 0 and returns the new schema version.
// A change that would destroy data is refused unless loss says it may.
Datum change(FunctionCallInfo fcinfo, const std::function<void(Model&)>& edit_fn,
             const pg::DataLoss& loss = {}) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    pg::ChangeResult r = pg::change_model(
        names,
        [&](const Model& current) {
            Model m = current;
            edit_fn(m);
            return m;
        },
        false, loss);
    PG_RETURN_INT64(r.version);
}

// The data loss a fine-grained call allows: what its force argument (argument n) says.
pg::DataLoss force_arg(FunctionCallInfo fcinfo, int n, const std::string& call) {
    return {pg::bool_arg(fcinfo, n, false), "Call " + call + " to destroy it."};
}

// The model document given to udm.apply or udm.plan, parsed and checked.
Model desired_model(FunctionCallInfo fcinfo, int n) {
    return udm::model::parse_model(pg::required_jsonb_arg(fcinfo, n, "model"));
}

}  // namespace

using pg::optional_text_arg;
using pg::text_arg;

// udm.create_class(tenant, name, description, validation_rules) returns bigint
UDM_PG_FUNCTION(udm_create_class) {
    const std::string name = text_arg(fcinfo, 1, "class name");
    const auto description = optional_text_arg(fcinfo, 2);
    const Json rules = pg::jsonb_arg(fcinfo, 3, kNoRules);
    return change(fcinfo, [&](Model& m) { edit::create_class(m, name, description, rules); });
}

// udm.rename_class(tenant, name, new_name) returns bigint
UDM_PG_FUNCTION(udm_rename_class) {
    const std::string name = text_arg(fcinfo, 1, "class name");
    const std::string new_name = text_arg(fcinfo, 2, "new class name");
    return change(fcinfo, [&](Model& m) { edit::rename_class(m, name, new_name); });
}

// udm.drop_class(tenant, name, force) returns bigint
UDM_PG_FUNCTION(udm_drop_class) {
    const std::string name = text_arg(fcinfo, 1, "class name");
    return change(
        fcinfo, [&](Model& m) { edit::drop_class(m, name); },
        force_arg(fcinfo, 2, "udm.drop_class(tenant, name, force => true)"));
}

// udm.set_class_events(tenant, class, on) returns bigint
UDM_PG_FUNCTION(udm_set_class_events) {
    const std::string name = text_arg(fcinfo, 1, "class name");
    const bool on = pg::required_bool_arg(fcinfo, 2, "on");
    return change(fcinfo, [&](Model& m) { edit::set_class_events(m, name, on); });
}

// udm.create_attribute(tenant, name, data_type, validation_rules, target_class, description)
// returns bigint
UDM_PG_FUNCTION(udm_create_attribute) {
    const std::string name = text_arg(fcinfo, 1, "attribute name");
    const std::string type = text_arg(fcinfo, 2, "data type");
    const Json rules = pg::jsonb_arg(fcinfo, 3, kNoRules);
    const auto target = optional_text_arg(fcinfo, 4);
    const auto description = optional_text_arg(fcinfo, 5);
    return change(fcinfo, [&](Model& m) {
        edit::create_attribute(m, name, type, rules, target, description);
    });
}

// udm.alter_attribute(tenant, name, new_name, data_type, target_class, validation_rules,
// description) returns bigint
UDM_PG_FUNCTION(udm_alter_attribute) {
    const std::string name = text_arg(fcinfo, 1, "attribute name");
    edit::AttributeChange c;
    c.new_name = optional_text_arg(fcinfo, 2);
    c.data_type = optional_text_arg(fcinfo, 3);
    c.target = optional_text_arg(fcinfo, 4);
    if (!PG_ARGISNULL(5))
        c.rules = pg::jsonb_arg(fcinfo, 5, kNoRules);
    c.description = optional_text_arg(fcinfo, 6);
    return change(
        fcinfo, [&](Model& m) { edit::alter_attribute(m, name, c); },
        force_arg(fcinfo, 7, "udm.alter_attribute(tenant, name, ..., force => true)"));
}

// udm.drop_attribute(tenant, name, force) returns bigint
UDM_PG_FUNCTION(udm_drop_attribute) {
    const std::string name = text_arg(fcinfo, 1, "attribute name");
    const pg::DataLoss loss =
        force_arg(fcinfo, 2, "udm.drop_attribute(tenant, name, force => true)");
    return change(
        fcinfo, [&](Model& m) { edit::drop_attribute(m, name, loss.allowed); }, loss);
}

// udm.assign_attribute(tenant, class, attribute, is_required, assignment_rules) returns bigint
UDM_PG_FUNCTION(udm_assign_attribute) {
    const std::string cls = text_arg(fcinfo, 1, "class name");
    const std::string attr = text_arg(fcinfo, 2, "attribute name");
    const bool required = pg::bool_arg(fcinfo, 3, false);
    const Json rules = pg::jsonb_arg(fcinfo, 4, kNoRules);
    return change(fcinfo, [&](Model& m) { edit::assign_attribute(m, cls, attr, required, rules); });
}

// udm.alter_assignment(tenant, class, attribute, is_required, assignment_rules) returns
// bigint; a NULL argument leaves that part as it is.
UDM_PG_FUNCTION(udm_alter_assignment) {
    const std::string cls = text_arg(fcinfo, 1, "class name");
    const std::string attr = text_arg(fcinfo, 2, "attribute name");
    const std::optional<bool> required =
        PG_ARGISNULL(3) ? std::nullopt : std::optional<bool>(pg::bool_arg(fcinfo, 3, false));
    const std::optional<Json> rules =
        PG_ARGISNULL(4) ? std::nullopt : std::optional<Json>(pg::jsonb_arg(fcinfo, 4, kNoRules));
    return change(fcinfo, [&](Model& m) { edit::alter_assignment(m, cls, attr, required, rules); });
}

// udm.unassign_attribute(tenant, class, attribute, force) returns bigint
UDM_PG_FUNCTION(udm_unassign_attribute) {
    const std::string cls = text_arg(fcinfo, 1, "class name");
    const std::string attr = text_arg(fcinfo, 2, "attribute name");
    return change(
        fcinfo, [&](Model& m) { edit::unassign_attribute(m, cls, attr); },
        force_arg(fcinfo, 3, "udm.unassign_attribute(tenant, class, attribute, force => true)"));
}

// udm.create_relationship_type(tenant, name, inverse_name, description) returns bigint
UDM_PG_FUNCTION(udm_create_relationship_type) {
    const std::string name = text_arg(fcinfo, 1, "relationship type name");
    const auto inverse = optional_text_arg(fcinfo, 2);
    const auto description = optional_text_arg(fcinfo, 3);
    return change(fcinfo,
                  [&](Model& m) { edit::create_relationship_type(m, name, inverse, description); });
}

// udm.drop_relationship_type(tenant, name) returns bigint
UDM_PG_FUNCTION(udm_drop_relationship_type) {
    const std::string name = text_arg(fcinfo, 1, "relationship type name");
    return change(fcinfo, [&](Model& m) { edit::drop_relationship_type(m, name); });
}

// udm.allow_relationship(tenant, from_class, to_class, type, cardinality, bidirectional) returns
// bigint
UDM_PG_FUNCTION(udm_allow_relationship) {
    const std::string from = text_arg(fcinfo, 1, "from class");
    const std::string to = text_arg(fcinfo, 2, "to class");
    const std::string type = text_arg(fcinfo, 3, "relationship type");
    const Json cardinality = pg::jsonb_arg(fcinfo, 4, kNoRules);
    const bool bidirectional = pg::bool_arg(fcinfo, 5, false);
    return change(fcinfo, [&](Model& m) {
        edit::allow_relationship(m, from, to, type, cardinality, bidirectional);
    });
}

// udm.disallow_relationship(tenant, from_class, to_class, type, force) returns bigint
UDM_PG_FUNCTION(udm_disallow_relationship) {
    const std::string from = text_arg(fcinfo, 1, "from class");
    const std::string to = text_arg(fcinfo, 2, "to class");
    const std::string type = text_arg(fcinfo, 3, "relationship type");
    return change(
        fcinfo, [&](Model& m) { edit::disallow_relationship(m, from, to, type); },
        force_arg(fcinfo, 4,
                  "udm.disallow_relationship(tenant, from_class, to_class, type, force => true)"));
}

// udm.apply(tenant, model, allow_data_loss) returns bigint: makes the tenant's model the
// given one.
UDM_PG_FUNCTION(udm_apply) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const Model desired = desired_model(fcinfo, 1);
    const pg::DataLoss loss{pg::bool_arg(fcinfo, 2, false),
                            "Call udm.apply(tenant, model, allow_data_loss => true) to destroy "
                            "it, or keep those objects in the model."};
    pg::ChangeResult r = pg::change_model(
        names, [&](const Model&) { return desired; }, false, loss);
    PG_RETURN_INT64(r.version);
}

// udm.plan(tenant, model) returns setof (step, action, object, breaking, destructive,
// destroys, statements): what udm.apply would do, changing nothing.
UDM_PG_FUNCTION(udm_plan) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const Model desired = desired_model(fcinfo, 1);
    pg::ChangeResult r = pg::change_model(names, [&](const Model&) { return desired; }, true, {});
    std::vector<pg::Row> rows;
    for (std::size_t i = 0; i < r.plan.steps.size(); ++i) {
        const udm::planner::Step& step = r.plan.steps[i];
        const Json& destroys = r.destroys[i];
        bool destructive = false;
        if (destroys.is_object()) {
            for (const auto& [unit, count] : destroys.items())
                destructive = destructive || count.get<std::int64_t>() > 0;
        }
        rows.push_back({std::to_string(i + 1), step.action, step.object,
                        step.breaking ? "true" : "false", destructive ? "true" : "false",
                        destroys.is_null() ? pg::Cell() : pg::Cell(destroys.dump()),
                        pg::text_array_literal(step.ddl)});
    }
    return pg::return_rows(fcinfo, rows);
}

// udm.model(tenant) returns jsonb: the current model, in the format of udm.apply.
UDM_PG_FUNCTION(udm_model) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    return pg::model_document(names);
}

// udm.migrations(tenant) returns setof (version, previous_version, actor, created_at, diff, ddl)
UDM_PG_FUNCTION(udm_migrations) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::vector<pg::Row> rows = pg::with_spi(true, [&](pg::Spi& spi) {
        return spi.query("SELECT version, previous_version, actor, created_at, diff, ddl FROM " +
                         udm::naming::qualified(names.schema, "schema_versions") +
                         " ORDER BY version");
    });
    return pg::return_rows(fcinfo, rows);
}

namespace {

// The class tables of a tenant as they are, read from pg_catalog.
std::vector<udm::physical::Table> actual_tables(pg::Spi& spi,
                                                const udm::naming::TenantNames& names) {
    std::vector<pg::Row> rows = spi.query(
        "SELECT c.relname, pg_catalog.obj_description(c.oid, 'pg_class'), c.relrowsecurity,"
        " (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(a.attname,"
        "   pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull))"
        "  FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT "
        "a.attisdropped),"
        " (SELECT pg_catalog.jsonb_agg(i.relname) FROM pg_catalog.pg_index x"
        "  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid),"
        " (SELECT pg_catalog.jsonb_agg(con.conname || ': ' || a.attname || ' -> ' || r.relname)"
        "  FROM pg_catalog.pg_constraint con"
        "  JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]"
        "  JOIN pg_catalog.pg_class r ON r.oid = con.confrelid WHERE con.conrelid = c.oid AND "
        "con.contype = 'f'),"
        " (SELECT pg_catalog.jsonb_agg(t.tgname || CASE t.tgenabled WHEN 'D' THEN ' (disabled)' "
        "ELSE '' END)"
        "  FROM pg_catalog.pg_trigger t"
        "  WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)"
        " FROM pg_catalog.pg_class c"
        " WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p') AND c.relname LIKE "
        "'tc\\_%'",
        {udm::naming::quote_identifier(names.schema)});
    std::vector<udm::physical::Table> out;
    auto strings = [](const pg::Cell& cell) {
        std::vector<std::string> v;
        if (cell) {
            for (const auto& item : Json::parse(*cell))
                v.push_back(item.get<std::string>());
        }
        return v;
    };
    for (const pg::Row& row : rows) {
        udm::physical::Table t;
        t.name = *row[0];
        const std::string prefix = "udm class ";
        if (row[1] && row[1]->compare(0, prefix.size(), prefix) == 0)
            t.class_name = row[1]->substr(prefix.size());
        t.row_security = row[2] && *row[2] == "t";
        if (row[3]) {
            for (const auto& col : Json::parse(*row[3])) {
                t.columns.push_back(
                    {col[0].get<std::string>(), col[1].get<std::string>(), col[2].get<bool>()});
            }
        }
        t.indexes = strings(row[4]);
        t.foreign_keys = strings(row[5]);
        t.triggers = strings(row[6]);
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace

// udm.verify(tenant) returns setof (object, problem, expected, actual): every difference
// between the catalog and the class tables; none when they agree.
UDM_PG_FUNCTION(udm_verify) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::vector<pg::Row> rows = pg::with_spi(true, [&](pg::Spi& spi) {
        const Model m = pg::load_model(spi, names);
        const std::vector<udm::physical::Table> actual = actual_tables(spi, names);
        const auto differences = udm::physical::compare(udm::physical::expected_tables(m), actual);
        std::vector<pg::Row> found;
        for (const auto& d : differences) {
            found.push_back({d.object, d.problem,
                             d.expected.empty() ? pg::Cell() : pg::Cell(d.expected),
                             d.actual.empty() ? pg::Cell() : pg::Cell(d.actual)});
        }
        // Relationships whose thing is gone (an id changed before udm refused that, or rows
        // written around udm): one row per class and side.
        std::set<std::string> tables;
        for (const auto& t : actual)
            tables.insert(t.name);
        const std::string relationships = udm::naming::qualified(names.schema, "relationships");
        for (const auto& [cname, cls] : m.classes) {
            const std::string table = udm::physical::table_name(cname);
            if (cls.id.empty() || tables.count(table) == 0)
                continue;
            for (const char* side : {"from", "to"}) {
                const std::string sql = std::string("SELECT count(*) FROM ") + relationships +
                                        " r WHERE r." + side +
                                        "_class_id = $1::uuid AND NOT EXISTS (SELECT 1 FROM " +
                                        udm::naming::qualified(names.schema, table) +
                                        " t WHERE t.id = r." + side + "_id)";
                const pg::Cell n = spi.query_value(sql, {cls.id});
                if (n && *n != "0") {
                    found.push_back({"relationships", std::string("dangling ") + side + "_id",
                                     pg::Cell("a thing of class " + cname),
                                     pg::Cell(*n + " missing")});
                }
            }
        }
        return found;
    });
    return pg::return_rows(fcinfo, rows);
}

// udm.refresh_summary(tenant): refreshes the materialized thing_class_summary.
UDM_PG_FUNCTION(udm_refresh_summary) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    pg::with_spi(false, [&](pg::Spi& spi) {
        spi.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY " +
                    udm::naming::qualified(names.schema, "thing_class_summary"));
    });
    PG_RETURN_VOID();
}

// udm.class_table(tenant, class) returns regclass: the table of a class. Looked up in the
// system caches, not by a query: the planner may call this STABLE function while planning,
// with a snapshot older than the change that created the class.
UDM_PG_FUNCTION(udm_class_table) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string cls = text_arg(fcinfo, 1, "class name");
    udm::naming::check_model_name(udm::naming::NameKind::kClass, cls);
    const std::string table = udm::physical::table_name(cls);
    Oid rel =
        pg::guard([&] { return get_relname_relid(table.c_str(), pg::tenant_namespace(names)); });
    if (!OidIsValid(rel))
        throw udm::Error(udm::sqlstate::kUndefinedObject, "class \"" + cls + "\" does not exist");
    PG_RETURN_OID(rel);
}
