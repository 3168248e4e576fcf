// An upper estimate of a response's size before it is executed, so that a small document
// selecting a large value under many aliases is refused instead of built.
#include <string_view>

#include "udm/core/graphql/subscription.hpp"

namespace udm::graphql {

namespace {

// What a member costs besides its value: quotes, colon, comma.
constexpr std::size_t kMemberOverhead = 4;

// The estimated bytes of one planned field's member (key and value).
std::size_t field_bytes(const PlannedField& field, std::size_t sdl_bytes) {
    std::size_t value = 0;
    if (field.resolved) {
        // Introspection: its value is known, and can be far larger than the estimate.
        value = field.resolved->dump().size();
    } else if (field.kind == TypeKind::kObject) {
        value = 2;
        for (const PlannedField& child : field.selection)
            value += field_bytes(child, sdl_bytes);
    } else if (field.name == "sdl") {
        value = sdl_bytes + 2;
    } else {
        value = kLeafValueBytes;
    }
    if (field.type.nullable().is_list())
        value *= kListItemsEstimate;
    return field.response_key.size() + kMemberOverhead + value;
}

}  // namespace

std::size_t estimate_response_bytes(const PreparedOperation& operation, std::size_t sdl_bytes) {
    std::size_t total = std::string_view(R"({"data":{}})").size();
    for (const PlannedField& field : operation.root_fields)
        total += field_bytes(field, sdl_bytes);
    return total;
}

}  // namespace udm::graphql
