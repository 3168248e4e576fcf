// Names of tenants and of the database objects derived from them, and SQL quoting.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace udm::naming {

// Longest tenant name: "tenant_" + name + "_owner" must stay within PostgreSQL's
// 63-byte identifier limit, so no derived name is ever truncated.
inline constexpr std::size_t kMaxTenantNameLength = 48;

// The tenant-name rule, as stated in error messages and documentation.
inline constexpr std::string_view kTenantNameRule = "^[a-z][a-z0-9_]{0,47}$";

// Why name breaks the tenant-name rule (a full sentence), or nullopt when it follows it.
std::optional<std::string> tenant_name_violation(std::string_view name);

// Throws udm::Error 22023 stating the rule when name is not a valid tenant name.
void check_tenant_name(std::string_view name);

// The database objects that make up one tenant.
struct TenantNames {
    std::string tenant;      // acme
    std::string schema;      // tenant_acme
    std::string owner_role;  // tenant_acme_owner: NOLOGIN, owns the schema and everything in it
    std::string app_role;    // tenant_acme_role: what the application's login roles are granted
};

// The object names of a tenant; checks the name first (udm::Error 22023).
TenantNames tenant_names(std::string_view tenant);

// The tenant a schema name belongs to, or nullopt when it is not a tenant schema name.
std::optional<std::string> tenant_of_schema(std::string_view schema);

// An SQL identifier, always double-quoted, embedded quotes doubled. Always quoting is
// correct for every identifier, keywords included, without a keyword list.
std::string quote_identifier(std::string_view ident);

// An SQL string literal, as PostgreSQL's quote_literal writes it (E'' when it holds a
// backslash). For DDL, which takes no parameters; values in DML go as $n parameters.
std::string quote_literal(std::string_view value);

// A schema-qualified name, both parts quoted.
std::string qualified(std::string_view schema, std::string_view name);

// Longest class, attribute or relationship-type name.
inline constexpr std::size_t kMaxModelNameLength = 128;

// The rule for names of classes, attributes and relationship types: lower-case snake_case.
inline constexpr std::string_view kModelNameRule = "^[a-z][a-z0-9]*(_[a-z0-9]+)*$";

// What kind of model object a name belongs to, for error messages.
enum class NameKind { kClass, kAttribute, kRelationshipType };

// Why name breaks the model-name rule (a full sentence), or nullopt when it follows it.
std::optional<std::string> model_name_violation(std::string_view name);

// Throws udm::Error 22023 when name is not a valid name for kind; attribute names must
// also not be one of the columns every class table has, nor a system column.
void check_model_name(NameKind kind, std::string_view name);

// True for the column names every class table has or PostgreSQL reserves.
bool is_reserved_column(std::string_view name);

// "class", "attribute" or "relationship type".
std::string_view kind_name(NameKind kind);

// PostgreSQL's identifier limit (NAMEDATALEN - 1).
inline constexpr std::size_t kMaxIdentifierBytes = 63;

// An identifier no longer than 63 bytes: ident itself when it fits, else a prefix of it,
// "_" and eight hex digits of a hash of the whole of it. Stable: the same input always
// gives the same output, and distinct long inputs differ unless their hashes collide.
std::string fit_identifier(std::string_view ident);

// Shortens text for echoing in an error message, on a UTF-8 character boundary.
std::string abbreviate(std::string_view text, std::size_t max_bytes = 63);

}  // namespace udm::naming
