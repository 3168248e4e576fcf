// Per-tenant limits: their names, defaults and allowed ranges, how a change merges into
// the stored ones, and what of them PostgreSQL enforces through the tenant's role.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "udm/core/naming.hpp"

namespace udm::limits {

// One limit: a whole number in unit, from min to max, def when the tenant set none.
struct Definition {
    const char* key;
    std::int64_t def;
    std::int64_t min;
    std::int64_t max;
    const char* unit;         // "connections", "ms", "kB", "rows", "requests/s", ...
    const char* description;  // one line, for the docs and udm.tenant_limit_definitions
};

// Every limit, in a fixed order.
const std::vector<Definition>& definitions();

// The stored overrides after change: change must be a JSON object whose keys are limits
// and whose values are whole numbers within their range (a key set to null goes back to
// its default, i.e. leaves the stored object). Throws 22023 naming the key and its range.
nlohmann::json merge(const nlohmann::json& stored, const nlohmann::json& change);

// Every limit with its value: the stored overrides over the defaults. Stored overrides are
// checked as a change is (22023): a bad row written around udm is reported, not used.
nlohmann::json effective(const nlohmann::json& stored);

// One limit's value for a read path, which must not fail because of one bad stored limit
// (a row restored from a newer udm, a hand UPDATE): the stored value clamped to the
// limit's range, or its default when the stored limits or the value are not usable.
// Never throws; *malformed (when given) says whether the stored value was not used as is.
// Unknown keys are ignored here; set_tenant_limits still refuses them (effective()).
std::int64_t lenient_value(const nlohmann::json& stored, const char* key,
                           bool* malformed = nullptr) noexcept;

// The statements that make PostgreSQL apply the limits it can to sessions logged in as the
// tenant's application role: its CONNECTION LIMIT (max_connections) and its settings
// statement_timeout and work_mem. Identifiers quoted; values are whole numbers checked by
// effective(), so nothing a caller wrote is spliced in unchecked.
std::vector<std::string> role_statements(const naming::TenantNames& names,
                                         const nlohmann::json& effective_limits);

}  // namespace udm::limits
