// The SQL that provisions a tenant: roles, schema, the UDM catalog, privileges, policies.
#pragma once

#include <string>
#include <vector>

#include "udm/core/naming.hpp"

namespace udm::catalog {

// Version of the per-tenant catalog layout this build creates; stored in each tenant's
// schema_state so that later versions of udm can upgrade tenant catalogs in place.
inline constexpr int kCatalogVersion = 1;

// The catalog tables of every tenant schema, in creation order.
inline constexpr const char* kCatalogTables[] = {
    "thing_classes",       "attributes",          "attribute_assignments",
    "relationship_types",  "thing_class_relationships", "schema_state",
};

// Who runs a statement: the provisioning superuser, or the tenant's owner role, so that
// everything inside the tenant schema is owned by that role and its default privileges
// apply to it.
enum class RunAs { kAdmin, kOwner };

// One SQL statement; parameters are passed as text ($1, $2, ...), never spliced in.
struct Statement {
    RunAs run_as;
    std::string sql;
    std::vector<std::string> params;
};

// Every statement that creates the tenant, in order. Identifiers are quoted; the only
// literals are the tenant's own role name inside its row-level security policies.
std::vector<Statement> provision_tenant(const naming::TenantNames& names);

// Every statement that removes a tenant whose existence the caller has checked.
std::vector<Statement> drop_tenant(const naming::TenantNames& names);

}  // namespace udm::catalog
