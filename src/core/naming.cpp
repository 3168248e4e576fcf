// Tenant names, derived object names and SQL quoting.
#include "udm/core/naming.hpp"

#include <cstdint>

#include "udm/core/error.hpp"

namespace udm::naming {

namespace {

constexpr std::string_view kSchemaPrefix = "tenant_";

bool is_lower(char c) noexcept {
    return c >= 'a' && c <= 'z';
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

}  // namespace

std::optional<std::string> tenant_name_violation(std::string_view name) {
    if (name.empty())
        return "The name is empty.";
    if (name.size() > kMaxTenantNameLength) {
        return "The name is " + std::to_string(name.size()) + " bytes long; the limit is " +
               std::to_string(kMaxTenantNameLength) + ".";
    }
    if (!is_lower(name.front()))
        return std::string("The name does not start with a lower-case letter.");
    for (char c : name) {
        if (!is_lower(c) && !is_digit(c) && c != '_') {
            return std::string("The name contains a character other than a-z, 0-9 and _.");
        }
    }
    return std::nullopt;
}

void check_tenant_name(std::string_view name) {
    if (auto why = tenant_name_violation(name)) {
        throw Error(sqlstate::kInvalidParameterValue,
                    "invalid tenant name \"" + abbreviate(name) + "\": tenant names must match " +
                        std::string(kTenantNameRule),
                    *why);
    }
}

TenantNames tenant_names(std::string_view tenant) {
    check_tenant_name(tenant);
    std::string schema = std::string(kSchemaPrefix) + std::string(tenant);
    return TenantNames{std::string(tenant), schema, schema + "_owner", schema + "_role"};
}

std::optional<std::string> tenant_of_schema(std::string_view schema) {
    if (schema.substr(0, kSchemaPrefix.size()) != kSchemaPrefix)
        return std::nullopt;
    std::string_view tenant = schema.substr(kSchemaPrefix.size());
    if (tenant_name_violation(tenant))
        return std::nullopt;
    return std::string(tenant);
}

std::optional<std::string> model_name_violation(std::string_view name) {
    if (name.empty())
        return "The name is empty.";
    if (name.size() > kMaxModelNameLength) {
        return "The name is " + std::to_string(name.size()) + " bytes long; the limit is " +
               std::to_string(kMaxModelNameLength) + ".";
    }
    if (!is_lower(name.front()))
        return std::string("The name does not start with a lower-case letter.");
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '_') {
            if (i + 1 == name.size())
                return std::string("The name ends with an underscore.");
            if (name[i + 1] == '_')
                return std::string("The name contains two underscores in a row.");
        } else if (!is_lower(c) && !is_digit(c)) {
            return std::string("The name contains a character other than a-z, 0-9 and _.");
        }
    }
    return std::nullopt;
}

std::string_view kind_name(NameKind kind) {
    switch (kind) {
        case NameKind::kClass:
            return "class";
        case NameKind::kAttribute:
            return "attribute";
        case NameKind::kRelationshipType:
            return "relationship type";
    }
    return "object";
}

bool is_reserved_column(std::string_view name) {
    static constexpr std::string_view kReserved[] = {
        // udm's own columns of every class table
        "id", "created_at", "updated_at", "created_by", "is_deleted", "row_version",
        // PostgreSQL's system columns
        "tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "oid"};
    for (std::string_view r : kReserved) {
        if (r == name)
            return true;
    }
    return false;
}

void check_model_name(NameKind kind, std::string_view name) {
    const std::string what(kind_name(kind));
    if (auto why = model_name_violation(name)) {
        throw Error(sqlstate::kInvalidParameterValue,
                    "invalid " + what + " name \"" + abbreviate(name) + "\": names must match " +
                        std::string(kModelNameRule),
                    *why);
    }
    if (kind == NameKind::kAttribute && is_reserved_column(name)) {
        throw Error(sqlstate::kInvalidParameterValue,
                    "attribute name \"" + std::string(name) + "\" is reserved",
                    "Every class table has the columns id, created_at, updated_at, created_by, "
                    "is_deleted and row_version; PostgreSQL reserves tableoid, xmin, cmin, xmax, "
                    "cmax, ctid and oid.");
    }
}

std::string fit_identifier(std::string_view ident) {
    if (ident.size() <= kMaxIdentifierBytes)
        return std::string(ident);
    // 32-bit FNV-1a: small, fixed forever (physical names depend on it), well spread.
    std::uint32_t hash = 2166136261u;
    for (unsigned char c : ident) {
        hash ^= c;
        hash *= 16777619u;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string suffix = "_";
    for (int shift = 28; shift >= 0; shift -= 4)
        suffix += kHex[(hash >> shift) & 0xF];
    std::size_t keep = kMaxIdentifierBytes - suffix.size();
    while (keep > 0 && ident[keep - 1] == '_')
        --keep;  // no "__" before the hash
    return std::string(ident.substr(0, keep)) + suffix;
}

std::string quote_identifier(std::string_view ident) {
    std::string out;
    out.reserve(ident.size() + 2);
    out += '"';
    for (char c : ident) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string quote_literal(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 3);
    if (value.find('\\') != std::string_view::npos)
        out += 'E';
    out += '\'';
    for (char c : value) {
        if (c == '\'' || c == '\\')
            out += c;
        out += c;
    }
    out += '\'';
    return out;
}

std::string qualified(std::string_view schema, std::string_view name) {
    return quote_identifier(schema) + "." + quote_identifier(name);
}

std::string abbreviate(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes)
        return std::string(text);
    std::size_t cut = max_bytes;
    // Step back over UTF-8 continuation bytes so no character is split.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return std::string(text.substr(0, cut)) + "...";
}

}  // namespace udm::naming
