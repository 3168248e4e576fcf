// Per-tenant limits: definitions, validation and merging of changes, role statements.
#include "udm/core/tenant_limits.hpp"

#include <string>

#include "udm/core/error.hpp"

namespace udm::limits {

namespace {

using nlohmann::json;

// The key's allowed values, as the error messages and the docs say them.
std::string range_of(const Definition& d) {
    return "a whole number from " + std::to_string(d.min) + " to " + std::to_string(d.max) + " (" +
           d.unit + ")";
}

std::string known_keys() {
    std::string out;
    for (const Definition& d : definitions())
        out += (out.empty() ? "" : ", ") + std::string(d.key);
    return out;
}

const Definition* find(const std::string& key) {
    for (const Definition& d : definitions()) {
        if (key == d.key)
            return &d;
    }
    return nullptr;
}

// The value of key, checked against its definition; throws 22023 naming key and range.
std::int64_t checked_value(const Definition& d, const json& value) {
    // JSON numbers such as 1e3 or 10.0 are whole numbers too; 10.5, "10" and true are not.
    std::int64_t n = 0;
    bool whole = false;
    if (value.is_number_integer()) {
        if (value.is_number_unsigned() &&
            value.get<std::uint64_t>() > static_cast<std::uint64_t>(d.max)) {
            whole = false;
        } else {
            n = value.get<std::int64_t>();
            whole = true;
        }
    } else if (value.is_number_float()) {
        const double v = value.get<double>();
        if (v >= static_cast<double>(d.min) && v <= static_cast<double>(d.max) &&
            v == static_cast<double>(static_cast<std::int64_t>(v))) {
            n = static_cast<std::int64_t>(v);
            whole = true;
        }
    }
    if (!whole || n < d.min || n > d.max) {
        throw Error(sqlstate::kInvalidParameterValue,
                    std::string("invalid value for tenant limit \"") + d.key + "\"",
                    std::string("\"") + d.key + "\" must be " + range_of(d) + ".",
                    "Use null to restore its default, " + std::to_string(d.def) + ".");
    }
    return n;
}

const Definition& checked_key(const std::string& key) {
    const Definition* d = find(key);
    if (d == nullptr) {
        // The key is a caller's own text: shown only when it is short and plain.
        const bool plain =
            key.size() <= 63 &&
            key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos &&
            !key.empty();
        throw Error(sqlstate::kInvalidParameterValue,
                    plain ? "unknown tenant limit \"" + key + "\"" : "unknown tenant limit",
                    "The limits are " + known_keys() + ".");
    }
    return *d;
}

void require_object(const json& j, const char* what) {
    if (!j.is_object()) {
        throw Error(sqlstate::kInvalidParameterValue, std::string(what) + " must be a JSON object",
                    "For example {\"max_connections\": 20}; the limits are " + known_keys() + ".");
    }
}

}  // namespace

const std::vector<Definition>& definitions() {
    // Built on first use: no static object whose constructor could throw.
    static const std::vector<Definition>* defs = new std::vector<Definition>{
        {"max_connections", 10, 1, 500, "connections",
         "database connections of the tenant's pool in udm-gateway and PgBouncer; the "
         "CONNECTION LIMIT of its role"},
        {"statement_timeout", 30000, 100, 3600000, "ms",
         "longest statement; the setting of its role and SET LOCAL in the gateway"},
        {"work_mem", 4096, 64, 1048576, "kB",
         "memory of one sort or hash before it spills to disk; the setting of its role and "
         "SET LOCAL in the gateway"},
        {"max_rows_per_page", 1000, 1, 10000, "rows", "most things one page of a query returns"},
        {"requests_per_second", 1000, 1, 100000, "requests/s",
         "sustained request rate in udm-gateway (a token bucket); beyond it 429"},
        {"max_subscriptions", 1000, 0, 100000, "subscriptions",
         "GraphQL subscriptions open at once in udm-gateway"},
    };
    return *defs;
}

json merge(const json& stored, const json& change) {
    require_object(change, "limits");
    effective(stored);  // what is stored is checked as well
    json out = stored.is_object() ? stored : json::object();
    for (const auto& [key, value] : change.items()) {
        const Definition& d = checked_key(key);
        if (value.is_null()) {
            out.erase(key);
            continue;
        }
        out[key] = checked_value(d, value);
    }
    return out;
}

json effective(const json& stored) {
    if (stored.is_null())
        return effective(json::object());
    require_object(stored, "stored limits");
    json out = json::object();
    for (const Definition& d : definitions())
        out[d.key] = d.def;
    for (const auto& [key, value] : stored.items()) {
        const Definition& d = checked_key(key);
        if (!value.is_null())
            out[key] = checked_value(d, value);
    }
    return out;
}

std::int64_t lenient_value(const json& stored, const char* key, bool* malformed) noexcept {
    const Definition* d = find(key);
    if (malformed != nullptr)
        *malformed = false;
    if (d == nullptr)
        return 0;
    auto fallback = [&](std::int64_t v) {
        if (malformed != nullptr)
            *malformed = true;
        return v;
    };
    if (stored.is_null())
        return d->def;
    if (!stored.is_object())
        return fallback(d->def);
    const auto it = stored.find(key);
    if (it == stored.end() || it->is_null())
        return d->def;
    if (it->is_number_unsigned()) {
        const std::uint64_t v = it->get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(d->max))
            return fallback(d->max);
        return it->get<std::int64_t>() < d->min ? fallback(d->min) : it->get<std::int64_t>();
    }
    if (it->is_number_integer()) {
        const std::int64_t v = it->get<std::int64_t>();
        if (v < d->min)
            return fallback(d->min);
        if (v > d->max)
            return fallback(d->max);
        return v;
    }
    if (it->is_number_float()) {
        const double v = it->get<double>();
        if (!(v == v))  // NaN
            return fallback(d->def);
        if (v <= static_cast<double>(d->min))
            return v == static_cast<double>(d->min) ? d->min : fallback(d->min);
        if (v >= static_cast<double>(d->max))
            return v == static_cast<double>(d->max) ? d->max : fallback(d->max);
        const auto n = static_cast<std::int64_t>(v);
        return static_cast<double>(n) == v ? n : fallback(n);
    }
    return fallback(d->def);
}

std::vector<std::string> role_statements(const naming::TenantNames& names,
                                         const json& effective_limits) {
    const std::string role = naming::quote_identifier(names.app_role);
    auto value = [&](const char* key) {
        return std::to_string(checked_value(*find(key), effective_limits.at(key)));
    };
    return {
        "ALTER ROLE " + role + " CONNECTION LIMIT " + value("max_connections"),
        "ALTER ROLE " + role + " SET statement_timeout = " + value("statement_timeout"),
        "ALTER ROLE " + role + " SET work_mem = " + value("work_mem"),
    };
}

}  // namespace udm::limits
