// GraphQL names for model names: PascalCase types, camelCase fields, and the collision
// rule of docs/graphql.md (first claimant keeps the plain name, later ones get "_2", "_3").
#pragma once

#include <cstddef>
#include <cstdint>
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
    // Doubles the hash table and places every taken name again.
    void grow();

    // The taken names, lower-cased, one after the other, and where each is; an open
    // addressing hash table of their indexes (+ 1; 0 is a free slot), at most half full:
    // a few allocations per scope, none per name (a schema claims tens of thousands).
    std::string chars_;
    std::vector<Span> taken_;
    std::vector<std::uint32_t> slots_;
};

}  // namespace udm::graphql
