// GraphQL names for model names: PascalCase types, camelCase fields, and the collision
// rule of docs/graphql.md (first claimant keeps the plain name, later ones get "_2", "_3").
#pragma once

#include <vector>
#include <cstddef>
#include <string>
#include <string_view>

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
    explicit NameAllocator(std::size_t expected) { taken_.reserve(expected); }
    // Takes name unconditionally (a fixed name of the schema).
    void reserve(std::string_view name);
    // plain when it is free, else plain + "_2", "_3", ...: the first free one.
    std::string claim(const std::string& plain);

  private:
    bool taken(const std::string& lowered) const;
    void take(std::string lowered);
    std::vector<std::string>
        taken_;  // lower-cased, sorted: scopes are small, and this allocates least
};

}  // namespace udm::graphql
