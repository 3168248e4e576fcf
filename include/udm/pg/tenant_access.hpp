// Finding a tenant and checking that the caller may use it.
#pragma once

#include <optional>

#include "udm/core/naming.hpp"
#include "udm/pg/barrier.hpp"

extern "C" {
#include "utils/relcache.h"
}

namespace udm::pg {

// Namespace OID of the tenant's schema when it is a tenant schema (it holds
// schema_state), else InvalidOid.
Oid tenant_namespace(const naming::TenantNames& names);

// The tenant whose schema is nsp, or nullopt when nsp is no tenant schema.
std::optional<naming::TenantNames> tenant_of_namespace(Oid nsp);

// The tenant whose schema holds rel, or nullopt when rel is in no tenant schema.
std::optional<naming::TenantNames> tenant_of_relation(Relation rel);

// Throws 42704 unless the tenant exists.
void require_tenant(const naming::TenantNames& names);

// Throws 42501 unless the calling role has the privileges of the tenant's application
// role (or is a superuser). The caller is the role outside udm's SECURITY DEFINER
// functions: the session user or the role it SET ROLE to.
void authorize(const naming::TenantNames& names);

// Whether authorize(names) would let the caller through.
bool authorized(const naming::TenantNames& names);

// The tenant named by argument n of an SQL function, checked: a valid name (22023), an
// existing tenant (42704), a caller allowed to use it (42501).
naming::TenantNames tenant_arg(FunctionCallInfo fcinfo, int n);

}  // namespace udm::pg
