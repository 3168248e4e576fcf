// The SQL that provisions a tenant: roles, schema, the UDM catalog, privileges, policies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "udm/core/naming.hpp"

namespace udm::catalog {

// Version of the per-tenant catalog layout this build creates; stored in each tenant's
// schema_state so that later versions of udm can upgrade tenant catalogs in place.
inline constexpr int kCatalogVersion = 1;

// The catalog tables of every tenant schema, in creation order: each has row-level
// security and is readable, not writable, by the tenant's application role.
inline constexpr const char* kCatalogTables[] = {
    "thing_classes",
    "attributes",
    "attribute_assignments",
    "relationship_types",
    "thing_class_relationships",
    "schema_state",
    "schema_versions",
    "data_events",
    "relationships",
};

// The catalog tables with an updated_at column kept by udm.touch_updated_at().
inline constexpr const char* kTouchedTables[] = {
    "thing_classes",
    "attributes",
    "attribute_assignments",
    "relationship_types",
    "thing_class_relationships",
    "schema_state",
};

// The views of every tenant schema, readable by the tenant's application role.
inline constexpr const char* kCatalogViews[] = {
    "things",
    "thing_class_summary",
    "thing_class_metrics",
    "schema_storage_metrics",
};

// One SQL statement, run as udm (the extension's owner, never as another user: on a Citus
// cluster every node would be reached as that user); parameters are passed as text ($1,
// $2, ...; nullopt is NULL), never spliced in.
struct Statement {
    std::string sql;
    std::vector<std::optional<std::string>> params;
};

// Where a tenant's tables live. In a Citus distributed schema, row-level security policies
// may not hold subqueries, so the membership check runs once per row instead of once per
// statement; everything else is the same.
struct Placement {
    bool distributed = false;
};

// The column default recording who made a row: udm.actor when set, else the session user.
std::string_view actor_default();

// The row-level security policy of every table of a tenant: only roles with the
// privileges of the tenant's application role see or write rows.
std::string member_policy(const naming::TenantNames& names, const std::string& qualified_table,
                          Placement placement);

// Every statement that creates the tenant, in order. Identifiers are quoted; the only
// literals are the tenant's own role name inside its row-level security policies. What
// the schema holds is created by udm and then given to the owner role.
//
// In two parts: on Citus the schema is distributed in between, so that the views are
// created over distributed tables, on every node.
struct Provisioning {
    std::vector<Statement> tables;  // roles, schema, catalog tables and what is on them
    std::vector<Statement> views;   // the catalog's views and what is on them
};
Provisioning provision_tenant(const naming::TenantNames& names, Placement placement = {});

// The tenant's schema_state row, which makes the schema a tenant: inserted after
// provision_tenant (and, on Citus, once the schema is distributed, so that the row is
// written on the worker rather than copied there).
Statement tenant_state(const naming::TenantNames& names);

// An enabled trigger of a tenant's table: the table's name, its own, and when it fires
// (pg_trigger.tgenabled: 'O' origin and local, 'A' always, 'R' replica).
struct TableTrigger {
    std::string table;
    std::string trigger;
    char mode = 'O';
};

// A comment of a tenant's table, or of one of its columns.
struct TableComment {
    std::string table;
    std::optional<std::string> column;
    std::string text;
};

// What makes an existing tenant fit another placement (udm.distribute_tenant,
// udm.undistribute_tenant; docs/scale-out.md), in parts the caller runs around Citus'
// citus_schema_distribute or citus_schema_undistribute: the views go first (Citus cannot
// carry them over); the enabled triggers given are disabled while Citus copies the rows
// from one node to the other (a copy is no write: no validation, no events) and enabled
// again after, each as it fired; the tables (those given, udm's catalog and class tables) take the
// owner and member policies of the placement while they are plain tables; and the views come back
// as provision_tenant creates them. The application role logs in where the tenant is distributed.
// The comments given are set again with fit_tables (Citus' citus_schema_undistribute creates the
// tables anew without them; udm.verify reads a class table's).
struct Replacement {
    std::vector<Statement> drop_views;
    std::vector<Statement> disable_triggers;
    std::vector<Statement> fit_tables;
    std::vector<Statement> enable_triggers;
    std::vector<Statement> views;
};
Replacement change_placement(const naming::TenantNames& names,
                             const std::vector<std::string>& tables,
                             const std::vector<TableTrigger>& enabled_triggers,
                             const std::vector<TableComment>& comments, Placement to);

// Every statement that removes a tenant whose existence the caller has checked.
std::vector<Statement> drop_tenant(const naming::TenantNames& names);

}  // namespace udm::catalog
