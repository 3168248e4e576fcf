// The GraphQL names of a model's classes (docs/graphql.md, "Names"), claimed in one place
// for build_schema and print_model_sdl, so that the schema and the SDL printed straight
// from the model can never name anything differently.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/model.hpp"

namespace udm::graphql {

// The types of the schema that do not depend on the model, in printing order, but the
// query types' (query_fixed_types): the scalars, Query and Subscription with their fixed
// fields, and the types of the schema and thing events (schema.cpp).
std::vector<Type> fixed_types();
// The fields every class's object type starts with: id, createdAt, updatedAt, createdBy,
// rowVersion.
std::vector<Field> class_system_fields();

using ClassNameList = std::vector<std::pair<std::string, ClassNames>>;

// The names of every class of m, in model-name order: its types, its fields (attributes,
// reference ids, relationships, reverse collections), its Query, Mutation and Subscription
// fields, and its filter's logical fields. fixed holds the types whose names are taken
// before any class claims one (the model-independent types, in printing order).
// Assignments of unknown attributes and references to unknown classes get no names, and
// so no fields.
ClassNameList name_classes(const model::Model& m, const std::vector<Type>& fixed);

// The scalar of values of a data type in filters and order fields (filter_scalar), in
// aggregates (aggregate_scalar: sum = true for sum and avg, else min and max) and in
// mutation inputs (input_scalar); nullptr where there is none.
const char* filter_scalar(model::DataType type);
const char* aggregate_scalar(model::DataType type, bool sum);
const char* input_scalar(model::DataType type);
// The GraphQL type of an attribute value that is not a reference: String, Float, ...
const char* value_type_name(model::DataType type);

// The system columns as filter and order fields: GraphQL name and scalar.
inline constexpr std::pair<const char*, const char*> kSystemFields[] = {{"id", "ID"},
                                                                        {"createdAt", "DateTime"},
                                                                        {"updatedAt", "DateTime"},
                                                                        {"createdBy", "String"},
                                                                        {"rowVersion", "BigInt"}};

// The parts of a class's aggregate type after count, in field order: the field, its type's
// name in ClassNames ("" when the class has no attribute it applies to), the field's
// description, what its type's description starts with, and whether it sums (sum and avg)
// or picks values (min and max).
struct AggregatePart {
    const char* field;
    std::string ClassNames::*type;
    const char* description;
    const char* what;
    bool sum;
};
inline const AggregatePart kAggregateParts[] = {
    {"sum", &ClassNames::sum_type,
     "The sum of each number and integer field (null without values).", "Sums", true},
    {"avg", &ClassNames::avg_type,
     "The average of each number and integer field (null without values).", "Averages", true},
    {"min", &ClassNames::min_type,
     "The smallest value of each number, integer, date, timestamp and text field.",
     "Smallest values", false},
    {"max", &ClassNames::max_type,
     "The largest value of each number, integer, date, timestamp and text field.", "Largest values",
     false}};

}  // namespace udm::graphql
