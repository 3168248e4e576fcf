// Validation of an executable document against a schema (GraphQL spec section 5).
#pragma once

#include <vector>

#include "udm/core/graphql/document.hpp"
#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

// Every problem of document against schema, with graphql-js's messages; empty when the
// document is valid. At most 100 errors and a last one saying it stopped.
std::vector<Error> validate(const Schema& schema, const Document& document);

}  // namespace udm::graphql
