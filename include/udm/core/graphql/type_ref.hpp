// A reference to a GraphQL type as written in SDL and in variable definitions: a named
// type, a list of a type, or a non-null type ("[String!]!").
#pragma once

#include <memory>
#include <string>

namespace udm::graphql {

// A type reference; immutable once built, cheap to copy (the wrapped type is shared).
class TypeRef {
  public:
    enum class Kind { kNamed, kList, kNonNull };

    // The named type name.
    static TypeRef named(std::string name);
    // A list of of.
    static TypeRef list(TypeRef of);
    // A non-null of; of must not itself be non-null.
    static TypeRef non_null(TypeRef of);

    Kind kind() const { return kind_; }
    bool is_non_null() const { return kind_ == Kind::kNonNull; }
    bool is_list() const { return kind_ == Kind::kList; }
    // The name of the innermost named type.
    const std::string& named_type() const;
    // The wrapped type of a list or non-null type.
    const TypeRef& of() const { return *of_; }
    // The type without its outer non-null wrapper.
    const TypeRef& nullable() const { return is_non_null() ? *of_ : *this; }
    // The type in GraphQL syntax, e.g. "[String!]!".
    std::string to_string() const;
    // Appends to_string() to out.
    void append_to(std::string& out) const;

  private:
    Kind kind_ = Kind::kNamed;
    std::string name_;
    std::shared_ptr<const TypeRef> of_;
};

}  // namespace udm::graphql
