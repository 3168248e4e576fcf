// Tenant names, derived object names and SQL quoting.
#include "udm/core/naming.hpp"

#include "udm/core/error.hpp"

namespace udm::naming {

namespace {

constexpr std::string_view kSchemaPrefix = "tenant_";

bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::string> tenant_name_violation(std::string_view name) {
    if (name.empty()) return "The name is empty.";
    if (name.size() > kMaxTenantNameLength) {
        return "The name is " + std::to_string(name.size()) + " bytes long; the limit is " +
               std::to_string(kMaxTenantNameLength) + ".";
    }
    if (!is_lower(name.front())) return std::string("The name does not start with a lower-case letter.");
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
    if (schema.substr(0, kSchemaPrefix.size()) != kSchemaPrefix) return std::nullopt;
    std::string_view tenant = schema.substr(kSchemaPrefix.size());
    if (tenant_name_violation(tenant)) return std::nullopt;
    return std::string(tenant);
}

std::string quote_identifier(std::string_view ident) {
    std::string out;
    out.reserve(ident.size() + 2);
    out += '"';
    for (char c : ident) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string quote_literal(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 3);
    if (value.find('\\') != std::string_view::npos) out += 'E';
    out += '\'';
    for (char c : value) {
        if (c == '\'' || c == '\\') out += c;
        out += c;
    }
    out += '\'';
    return out;
}

std::string qualified(std::string_view schema, std::string_view name) {
    return quote_identifier(schema) + "." + quote_identifier(name);
}

std::string abbreviate(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    std::size_t cut = max_bytes;
    // Step back over UTF-8 continuation bytes so no character is split.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return std::string(text.substr(0, cut)) + "...";
}

}  // namespace udm::naming
