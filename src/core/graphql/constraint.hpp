// The @constraint directive: its definition and the directive applied to a field for the
// effective validation rules of an attribute (docs/graphql.md lists the mapping).
#pragma once

#include <optional>

#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

// The definition of @constraint, printed in every schema.
DirectiveDefinition constraint_definition();

// @constraint with the rule keys of the effective rules of an attribute of type type on a
// class that GraphQL clients can use; nullopt when there are none. The effective rules are
// read from their layers in place, with rules::effective_rules's precedence: the
// assignment's rules, then the attribute's, then the class defaults for the type, key by
// key; "required" is true when the assignment is required. Values of the wrong JSON type
// for their key are left out (the rules of a stored model were checked when written).
std::optional<AppliedDirective> constraint_directive(model::DataType type, const Json& class_rules,
                                                     const Json& attribute_rules,
                                                     const Json& assignment_rules, bool required);

}  // namespace udm::graphql
