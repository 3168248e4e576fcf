// Per-tenant limits: udm.set_tenant_limits, udm.tenant_limits and
// udm.tenant_limit_definitions (docs/limits.md).
//
// The limits are kept in the tenant's own schema_state row (so pg_dump -n carries them and
// drop_tenant drops them); what PostgreSQL can enforce of them is written to the tenant's
// application role (CONNECTION LIMIT, statement_timeout, work_mem) in the same
// transaction; a change is signalled on udm_schema with a limits version of its own.
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/core/tenant_limits.hpp"
#include "udm/pg/event_signals.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/spi.hpp"
#include "udm/pg/tenant_access.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/acl.h"
}

namespace {

namespace pg = udm::pg;
using nlohmann::json;
using udm::naming::qualified;
using udm::naming::TenantNames;

// Whether the caller (outside udm's SECURITY DEFINER functions) may run
// udm.set_tenant_limits: the operator may read what it may set.
bool may_set_limits(udm::pg::Spi& spi) {
    const Oid caller = pg::guard([] { return GetOuterUserId(); });
    const pg::Cell ok = spi.query_value(
        "SELECT pg_catalog.has_function_privilege($1::oid,"
        " 'udm.set_tenant_limits(pg_catalog.text, pg_catalog.jsonb)'::pg_catalog.regprocedure,"
        " 'EXECUTE')",
        {std::to_string(caller)});
    return ok && *ok == "t";
}

// No tenant's roles change limits, whatever was granted: a tenant that could would raise its
// own, or lower another's. Refused is any caller (not a superuser) with the privileges of
// any role named as a tenant's application or owner role (udm's naming rule, so tenants of
// other databases of the cluster too), not only of the tenant named: a grant of EXECUTE to
// PUBLIC or to a tenant's login role hands no tenant any limits.
void refuse_tenant_roles(pg::Spi& spi, const TenantNames& names) {
    const Oid caller = pg::guard([] { return GetOuterUserId(); });
    if (pg::guard([&] { return superuser_arg(caller); }))
        return;
    const pg::Cell tenant_role = spi.query_value(
        "SELECT r.rolname::pg_catalog.text FROM pg_catalog.pg_roles r"
        " WHERE r.rolname OPERATOR(pg_catalog.~) '^tenant_[a-z][a-z0-9_]*_(role|owner)$'"
        " AND pg_catalog.pg_has_role($1::oid, r.oid, 'USAGE')"
        " ORDER BY r.rolname OPERATOR(pg_catalog.<>) $2, r.rolname LIMIT 1",
        {std::to_string(caller), names.app_role});
    if (tenant_role) {
        const bool own = *tenant_role == names.app_role;
        throw udm::Error(
            udm::sqlstate::kInsufficientPrivilege,
            "permission denied to change the limits of tenant \"" + names.tenant + "\"",
            own ? "A role with the privileges of " + names.app_role +
                      " cannot change its own tenant's limits."
                : "A role with the privileges of a tenant's role (" + *tenant_role +
                      ") cannot change any tenant's limits.",
            "The platform's operator sets them.");
    }
}

// The stored overrides of the tenant (its schema_state row), locked when for_update: a
// change of limits waits for a model change of the tenant and the other way round.
json stored_limits(pg::Spi& spi, const TenantNames& names, bool for_update) {
    const pg::Cell limits =
        spi.query_value("SELECT limits::text FROM " + qualified(names.schema, "schema_state") +
                        (for_update ? " FOR UPDATE" : ""));
    if (!limits)
        return json::object();
    return json::parse(*limits, nullptr, false);
}

}  // namespace

// udm.set_tenant_limits(tenant, limits jsonb) returns jsonb: merges limits into the
// tenant's (a key set to null returns to its default), writes what PostgreSQL enforces to
// the tenant's role, signals the change, and returns every limit with its value now.
UDM_PG_FUNCTION(udm_set_tenant_limits) {
    const TenantNames names = udm::naming::tenant_names(pg::text_arg(fcinfo, 0, "tenant name"));
    pg::require_tenant(names);
    const json now = pg::with_spi(false, [&](pg::Spi& spi) {
        refuse_tenant_roles(spi, names);
        const json change = pg::required_jsonb_arg(fcinfo, 1, "limits");
        const json before = stored_limits(spi, names, true);
        const json stored = udm::limits::merge(before, change);
        const json effective = udm::limits::effective(stored);
        // Written again every time, so that a call with {} repairs the role's settings (after
        // a restore into a cluster whose roles were made anew, say).
        for (const std::string& sql : udm::limits::role_statements(names, effective))
            spi.execute(sql);
        if (stored == before)
            return effective;
        const std::vector<pg::Row> versions =
            spi.query("UPDATE " + qualified(names.schema, "schema_state") +
                          " SET limits = $1::jsonb, limits_version = limits_version + 1"
                          " RETURNING version::text, limits_version::text",
                      {stored.dump()});
        pg::signal_limits_change(names.tenant, std::stoll(*versions.at(0).at(0)),
                                 std::stoll(*versions.at(0).at(1)));
        return effective;
    });
    return pg::jsonb_datum(now);
}

// udm.tenant_limits(tenant) returns jsonb: every limit of the tenant with its value, for
// the tenant's roles and for whoever may set them.
UDM_PG_FUNCTION(udm_tenant_limits) {
    const TenantNames names = udm::naming::tenant_names(pg::text_arg(fcinfo, 0, "tenant name"));
    pg::require_tenant(names);
    const json effective = pg::with_spi(true, [&](pg::Spi& spi) {
        if (!pg::authorized(names) && !may_set_limits(spi))
            pg::authorize(names);  // throws 42501
        return udm::limits::effective(stored_limits(spi, names, false));
    });
    return pg::jsonb_datum(effective);
}

// udm.tenant_limit_definitions() returns setof (name, default_value, min_value, max_value,
// unit, description): every limit a tenant has.
UDM_PG_FUNCTION(udm_tenant_limit_definitions) {
    std::vector<pg::Row> rows;
    for (const udm::limits::Definition& d : udm::limits::definitions()) {
        rows.push_back({std::string(d.key), std::to_string(d.def), std::to_string(d.min),
                        std::to_string(d.max), std::string(d.unit), std::string(d.description)});
    }
    return pg::return_rows(fcinfo, rows);
}
