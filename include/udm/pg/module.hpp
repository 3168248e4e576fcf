// The udm module's settings (udm.*), defined in _PG_init, and its advisory-lock key.
#pragma once

namespace udm::pg {

// The key (or seed) of every advisory lock udm takes: provisioning a tenant name,
// relating things. Other applications' advisory locks should keep clear of it.
inline constexpr int kAdvisoryLockKey = 7697773;

// udm.ddl_lock_timeout in milliseconds (0: wait forever).
extern int ddl_lock_timeout_ms;

// udm.rules_not_valid: when on, a rule change does not check existing rows.
extern bool rules_not_valid;

// udm.graphql_introspection: whether GraphQL requests served in the database may query
// __schema and __type (udm::graphql::PrepareOptions::introspection).
extern bool graphql_introspection;
// udm.graphql_max_depth and udm.graphql_max_page_size: the bounds of udm.graphql's
// compiled statements (superusers set them, per deployment, database or role).
extern int graphql_max_depth;
extern int graphql_max_page_size;
// udm.graphql_max_things: the most things one udm.graphql request may read or write.
extern int graphql_max_things;

}  // namespace udm::pg
