// Validation of an executable document against a schema (GraphQL spec section 5).
#pragma once

#include <cstddef>
#include <vector>

#include "udm/core/graphql/document.hpp"
#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

// Bounds on validating one document; a document beyond one is refused with one error,
// "Document is too complex: ...". Every walk of the document (selections visited, fields
// collected to check that they merge, variable usages of spread fragments) spends units of
// one budget, so validation costs at most kMaxValidationWork steps however fragments spread.
inline constexpr std::size_t kMaxFragments = 1000;
inline constexpr std::size_t kMaxValidationWork = 200000;

// Every problem of document against schema, with graphql-js's messages; empty when the
// document is valid. At most 100 errors and a last one saying it stopped. work, when given,
// gets the units of work spent. Without introspection, fields of introspection types
// (__schema, __type) are refused.
std::vector<Error> validate(const Schema& schema, const Document& document,
                            std::size_t* work = nullptr, bool introspection = true);

}  // namespace udm::graphql
