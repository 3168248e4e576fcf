// GraphQL names for model names: PascalCase types, camelCase fields, and the collision
// rule of docs/graphql.md (first claimant keeps the plain name, later ones get "_2", "_3").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace udm::graphql {

// purchase_order -> PurchaseOrder.
std::string pascal_case(std::string_view model_name);
// unit_price -> unitPrice.
std::string camel_case(std::string_view model_name);

// Hands out unique names within one scope (the types of a schema, the fields of a type).
// Names are compared case-insensitively, so no two differ only in case.
class NameAllocator {
  public:
    // expected: about how many names the scope will hold.
    explicit NameAllocator(std::size_t expected);
    // Takes name unconditionally (a fixed name of the schema).
    void reserve(std::string_view name);
    // plain when it is free, else plain + "_2", "_3", ...: the first free one.
    std::string claim(std::string_view plain);

  private:
    // Where a taken name is in chars_.
    struct Span {
        std::size_t begin, size;
    };

    // Takes name when no name that differs from it only in case is taken; false when one is.
    bool take(std::string_view name);
    // The lower-cased name at s.
    std::string_view taken(Span s) const;

    // The taken names, lower-cased, one after the other, and where each is, sorted by name:
    // two allocations per scope, and no string is moved when a name is inserted.
    std::string chars_;
    std::vector<Span> taken_;
};

}  // namespace udm::graphql
