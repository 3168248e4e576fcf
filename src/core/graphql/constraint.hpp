// The @constraint directive: its definition and the directive applied to a field for the
// effective validation rules of an attribute (docs/graphql.md lists the mapping).
#pragma once

#include <optional>

#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

// The definition of @constraint, printed in every schema.
DirectiveDefinition constraint_definition();

// @constraint with the rule keys of effective_rules that GraphQL clients can use, for an
// attribute of type type; nullopt when there are none. Values of the wrong JSON type for
// their key are left out (the rules of a stored model were checked when written).
std::optional<AppliedDirective> constraint_directive(model::DataType type,
                                                     const Json& effective_rules);

}  // namespace udm::graphql
