// A PostgreSQL text[] literal of strings, for a parameter cast with $n::text[] (the
// gateway's queries of udm.tenant_state take their tenants that way).
#pragma once

#include <string>
#include <vector>

namespace udm::gateway {

// {"a","b\"c"}: every element quoted, its quotes and backslashes escaped.
inline std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (const auto& item : items) {
        if (out.size() > 1)
            out += ',';
        out += '"';
        for (char c : item) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

}  // namespace udm::gateway
