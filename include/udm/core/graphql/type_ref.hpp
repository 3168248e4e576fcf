// A reference to a GraphQL type as written in SDL and in variable definitions: a named
// type, a list of a type, or a non-null type ("[String!]!").
#pragma once

#include <memory>
#include <string>

namespace udm::graphql {

// A type reference; immutable once built, cheap to copy (one shared pointer: a schema holds
// one per field and argument).
class TypeRef {
  public:
    enum class Kind { kNamed, kList, kNonNull };

    // The named type name.
    static TypeRef named(std::string name);
    // A list of of.
    static TypeRef list(TypeRef of);
    // A non-null of; of must not itself be non-null.
    static TypeRef non_null(TypeRef of);

    // Which of the three the reference is.
    Kind kind() const;
    // Whether it is a non-null type, or a list type.
    bool is_non_null() const { return kind() == Kind::kNonNull; }
    bool is_list() const { return kind() == Kind::kList; }
    // The name of the innermost named type.
    const std::string& named_type() const;
    // The wrapped type of a list or non-null type.
    const TypeRef& of() const;
    // The type without its outer non-null wrapper.
    const TypeRef& nullable() const { return is_non_null() ? of() : *this; }
    // The type in GraphQL syntax, e.g. "[String!]!".
    std::string to_string() const;
    // Appends to_string() to out.
    void append_to(std::string& out) const;

  private:
    struct Node;
    // Null for a default-constructed TypeRef: the named type "".
    std::shared_ptr<const Node> node_;
};

// What a TypeRef refers to: a name, or the wrapped type of a list or non-null type.
struct TypeRef::Node {
    Kind kind = Kind::kNamed;
    std::string name;  // kNamed
    TypeRef of;        // kList, kNonNull
};

inline TypeRef::Kind TypeRef::kind() const {
    return node_ ? node_->kind : Kind::kNamed;
}

inline const TypeRef& TypeRef::of() const {
    return node_->of;
}

}  // namespace udm::graphql
