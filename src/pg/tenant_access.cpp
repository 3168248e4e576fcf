// Finding a tenant and checking that the caller may use it.
#include <string>

#include "udm/core/error.hpp"
#include "udm/pg/citus.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/tenant_access.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

namespace udm::pg {

using naming::TenantNames;

Oid tenant_namespace(const TenantNames& names) {
    return guard([&] {
        Oid nsp = get_namespace_oid(names.schema.c_str(), true);
        if (!OidIsValid(nsp))
            return InvalidOid;
        // A schema anyone could create by that name is not enough: the tenant's owner role,
        // which only udm creates, must own it. udm's triggers write into the schema they
        // find with the rights of the extension owner.
        Oid owner = get_role_oid(names.owner_role.c_str(), true);
        if (!OidIsValid(owner) || !pg_namespace_ownercheck(nsp, owner) ||
            !OidIsValid(get_relname_relid("schema_state", nsp))) {
            return InvalidOid;
        }
        return nsp;
    });
}

std::optional<TenantNames> tenant_of_relation(Relation rel) {
    return tenant_of_namespace(RelationGetNamespace(rel));
}

std::optional<TenantNames> tenant_of_namespace(Oid nsp) {
    char* schema = guard([&] { return get_namespace_name(nsp); });
    if (schema == nullptr)
        return std::nullopt;
    auto tenant = naming::tenant_of_schema(schema);
    if (!tenant)
        return std::nullopt;
    TenantNames names = naming::tenant_names(*tenant);
    if (tenant_namespace(names) != nsp)
        return std::nullopt;
    return names;
}

void require_tenant(const TenantNames& names) {
    if (!OidIsValid(tenant_namespace(names))) {
        throw Error(sqlstate::kUndefinedObject, "tenant \"" + names.tenant + "\" does not exist",
                    {}, "udm.tenants lists the tenants of this database.");
    }
}

bool authorized(const TenantNames& names) {
    return guard([&] {
        Oid caller = GetOuterUserId();
        Oid app = get_role_oid(names.app_role.c_str(), true);
        return superuser_arg(caller) || (OidIsValid(app) && has_privs_of_role(caller, app));
    });
}

void authorize(const TenantNames& names) {
    if (!authorized(names)) {
        throw Error(sqlstate::kInsufficientPrivilege,
                    "permission denied for tenant \"" + names.tenant + "\"",
                    "Only roles with the privileges of " + names.app_role +
                        ", and superusers, may use it.");
    }
}

TenantNames tenant_arg(FunctionCallInfo fcinfo, int n) {
    TenantNames names = naming::tenant_names(text_arg(fcinfo, n, "tenant name"));
    require_tenant(names);
    authorize(names);
    citus::allow_nested_execution_for(tenant_namespace(names));
    return names;
}

}  // namespace udm::pg
