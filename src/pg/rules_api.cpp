// The SQL API of rules: udm.check_rules, udm.effective_rules, udm.validate,
// udm.rule_impact.
#include <functional>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/model_catalog.hpp"
#include "udm/pg/model_change.hpp"
#include "udm/pg/rules_check.hpp"
#include "udm/pg/tenant_access.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "access/relation.h"
#include "access/xact.h"
#include "utils/lsyscache.h"
}

using udm::model::Json;
namespace pg = udm::pg;

// udm.check_rules(data_type, rules) returns setof (path, problem, sqlstate): the problems
// of a rule set for a data type, changing nothing; no rows when it is fine.
UDM_PG_FUNCTION(udm_check_rules) {
    const std::string type_name = pg::text_arg(fcinfo, 0, "data type");
    auto type = udm::model::parse_data_type(type_name);
    if (!type) {
        throw udm::Error(udm::sqlstate::kInvalidParameterValue,
                         "unknown data type \"" + udm::naming::abbreviate(type_name) + "\"",
                         "The data types are " + std::string(udm::model::data_type_list()) + ".");
    }
    const Json rules = pg::required_jsonb_arg(fcinfo, 1, "rules");
    std::vector<pg::Row> rows;
    for (const auto& p : udm::rules::lint_rules(*type, rules))
        rows.push_back({p.path, p.message, p.sqlstate});
    return pg::return_rows(fcinfo, rows);
}

// udm.effective_rules(tenant, class) returns setof (attribute, data_type, rules): the
// merged rules of every attribute of the class.
UDM_PG_FUNCTION(udm_effective_rules) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string cls_name = pg::text_arg(fcinfo, 1, "class name");
    const udm::model::Model m = pg::read_model(names);
    const udm::model::ThingClass& cls = pg::find_class_of(m, cls_name);
    std::vector<pg::Row> rows;
    for (const auto& [aname, as] : cls.assignments) {
        rows.push_back({aname, std::string(udm::model::type_name(m.attributes.at(aname).type)),
                        udm::rules::effective_rules(m, cls, as).dump()});
    }
    return pg::return_rows(fcinfo, rows);
}

// udm.validate(tenant, class, doc) returns jsonb: the violations a document would cause
// as a row of the class ([] when none), writing nothing.
UDM_PG_FUNCTION(udm_validate) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string cls_name = pg::text_arg(fcinfo, 1, "class name");
    const Json doc = pg::required_jsonb_arg(fcinfo, 2, "document");
    udm::naming::check_model_name(udm::naming::NameKind::kClass, cls_name);
    const std::string table = udm::physical::table_name(cls_name);
    const Oid relid =
        pg::guard([&] { return get_relname_relid(table.c_str(), pg::tenant_namespace(names)); });
    if (!OidIsValid(relid))
        throw udm::Error(udm::sqlstate::kUndefinedObject,
                         "class \"" + cls_name + "\" does not exist");
    Relation rel = pg::guard([&] { return relation_open(relid, AccessShareLock); });
    std::shared_ptr<const pg::ClassValidator> v = pg::validator_for(rel);
    pg::guard([&] { relation_close(rel, AccessShareLock); });

    std::vector<udm::rules::Violation> violations;
    std::vector<udm::rules::Value> values =
        udm::rules::values_from_json(v->compiled, doc, violations);
    const std::int64_t now =
        pg::guard([] { return static_cast<std::int64_t>(GetCurrentTransactionStartTimestamp()); });
    udm::rules::evaluate(v->compiled, values, now, violations);
    // Custom functions take the value in the column's type (and run as the tenant's role).
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!v->custom[i].named() || values[i].is_null)
            continue;
        const Json& field = doc.at(v->compiled.attributes[i].name);
        const std::string text = field.is_string() ? field.get<std::string>() : field.dump();
        const Oid typid = v->typids[i];
        Datum d = pg::guard([&] {
            Oid input, ioparam;
            getTypeInputInfo(typid, &input, &ioparam);
            return OidInputFunctionCall(input, const_cast<char*>(text.c_str()), ioparam, -1);
        });
        pg::check_custom(*v, i, d, violations);
    }
    return pg::jsonb_datum(udm::rules::to_json(violations));
}

// udm.rule_impact(tenant, class, attribute, rules) returns setof (id, rule, message): the
// rows of the class that would break the attribute's rules if its assignment had these.
UDM_PG_FUNCTION(udm_rule_impact) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string cls_name = pg::text_arg(fcinfo, 1, "class name");
    const std::string attr_name = pg::text_arg(fcinfo, 2, "attribute name");
    const Json candidate = pg::required_jsonb_arg(fcinfo, 3, "rules");
    const std::vector<pg::Row> rows = pg::with_spi(true, [&](pg::Spi& spi) {
        udm::model::Model m = pg::load_model(spi, names);
        udm::model::ThingClass& cls =
            const_cast<udm::model::ThingClass&>(pg::find_class_of(m, cls_name));
        auto as = cls.assignments.find(attr_name);
        if (as == cls.assignments.end()) {
            throw udm::Error(udm::sqlstate::kUndefinedObject,
                             "attribute \"" + udm::naming::abbreviate(attr_name) +
                                 "\" is not assigned to class \"" + cls_name + "\"");
        }
        auto problems = udm::rules::lint_rules(m.attributes.at(attr_name).type, candidate);
        if (!problems.empty()) {
            throw udm::Error(problems.front().sqlstate, "invalid rules: " + problems.front().path +
                                                            " " + problems.front().message);
        }
        as->second.rules = candidate;
        std::vector<pg::Row> found;
        pg::scan_violations(
            spi, names, m, cls,
            [&](const std::string& id, const std::vector<udm::rules::Violation>& vs) {
                for (const auto& violation : vs) {
                    if (violation.attribute == attr_name)
                        found.push_back({id, violation.rule, violation.message});
                }
                return true;
            },
            [&](const udm::rules::CompiledAttribute& a) { return a.name == attr_name; });
        return found;
    });
    return pg::return_rows(fcinfo, rows);
}
