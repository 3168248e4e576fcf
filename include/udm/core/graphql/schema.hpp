// The GraphQL schema of a tenant's model: an in-memory type system built from a
// model::Model (build_schema) and printed as SDL (print_sdl). docs/graphql.md describes the
// mapping: types, scalars, relationship fields, name collisions, the @constraint directive.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "udm/core/graphql/type_ref.hpp"
#include "udm/core/model.hpp"

namespace udm::graphql {

using Json = nlohmann::json;

// An argument of a field or directive, or a field of an input object type.
struct InputValue {
    std::string name;
    std::optional<std::string> description;
    TypeRef type;
    // The default value, as a GraphQL value in JSON (an enum value as its name); printed
    // as a GraphQL literal ("atMost: Int! = 1").
    std::optional<Json> default_value;
};

// A directive applied to a field definition; argument values are printed as GraphQL
// literals (strings, numbers, booleans, lists of them).
struct AppliedDirective {
    std::string name;
    std::vector<std::pair<std::string, Json>> arguments;
};

// A field of an object type.
struct Field {
    std::string name;
    std::optional<std::string> description;
    TypeRef type;
    std::vector<InputValue> arguments;
    std::vector<AppliedDirective> directives;

    // The argument called name, or nullptr.
    const InputValue* argument(std::string_view name) const;
};

struct EnumValue {
    std::string name;
    std::optional<std::string> description;
};

enum class TypeKind { kScalar, kObject, kEnum, kInputObject };

// A named type. Built-in scalars (String, Int, Float, Boolean, ID) and the introspection
// types (__Schema, __Type, ...) are part of every schema but not printed.
struct Type {
    TypeKind kind = TypeKind::kObject;
    std::string name;
    std::optional<std::string> description;
    std::vector<Field> fields;             // objects
    std::vector<EnumValue> values;         // enums
    std::vector<InputValue> input_fields;  // input objects
    // Scalars: where their behaviour is specified (printed as @specifiedBy(url: ...)).
    std::optional<std::string> specified_by_url;
    bool builtin = false;  // built-in scalars and introspection types: never printed

    // The field called name, or nullptr.
    const Field* field(std::string_view name) const;
    // The input field called name of an input object type, or nullptr.
    const InputValue* input_field(std::string_view name) const;
    // Whether an enum has the value name.
    bool has_value(std::string_view name) const;
};

// A directive definition. Built-ins (@include, @skip, @deprecated, @specifiedBy, @oneOf, as
// graphql-js 16 defines them) are part of every schema but not printed.
struct DirectiveDefinition {
    std::string name;
    std::optional<std::string> description;
    std::vector<InputValue> arguments;
    std::vector<std::string> locations;
    bool builtin = false;

    // The argument called name, or nullptr.
    const InputValue* argument(std::string_view name) const;
};

// Model names and the GraphQL names given to them, sorted by model name. Flat vectors
// rather than maps: a schema holds one per class, built in model-name order.
using NameMap = std::vector<std::pair<std::string, std::string>>;

// A reverse collection: a field of a class's type listing the things of source_class whose
// reference attribute points at the thing (company.productCollectionByMaker).
struct ReverseCollection {
    std::string source_class;  // product
    std::string attribute;     // maker
    std::string field;         // productCollectionByMaker
};

// A relationship field of a class's type: the things related to the thing by relationship
// type `type` (docs/graphql.md, "Relationships").
struct RelationshipFieldNames {
    std::string field;         // suppliedBy
    std::string type;          // supplies
    std::string target_class;  // company: the class of the related things
    bool outgoing = true;      // the thing is the relationships' from (else their to)
    bool both_ways = false;    // bidirectional: a relationship written either way round counts
    bool single = false;       // a nullable object field, else a connection
    std::optional<std::string> description;
};

// The GraphQL names given to one model class and its attributes.
struct ClassNames {
    std::string type;             // PurchaseOrder
    NameMap attribute_fields;     // unit_price -> unitPrice
    NameMap reference_id_fields;  // supplier -> supplierId
    // Queries (docs/graphql.md, "Queries"): the Query fields and the types of a class.
    std::string query_field;       // purchaseOrder
    std::string collection_field;  // purchaseOrderCollection
    std::string connection_type;   // PurchaseOrderConnection
    std::string edge_type;         // PurchaseOrderEdge
    std::string filter_type;       // PurchaseOrderFilter
    std::string order_by_type;     // PurchaseOrderOrderBy
    // The logical fields of the filter type: "and", "or", "not" unless an attribute took them.
    std::string filter_and, filter_or, filter_not;
    // Connection.aggregate's type and its sum, avg, min and max types; each of the last four
    // is "" when the class has no attribute it applies to.
    std::string aggregate_type;  // PurchaseOrderAggregate
    std::string sum_type, avg_type, min_type, max_type;
    // The reverse collections of the class's type, in claiming order (source class, then
    // attribute).
    std::vector<ReverseCollection> reverse_collections;
    // The relationship fields of the class's type, in claiming order.
    std::vector<RelationshipFieldNames> relationships;
    // Mutations (docs/graphql.md, "Mutations"): the Mutation fields and the types of a class.
    std::string insert_field;            // insertIntoPurchaseOrderCollection
    std::string update_field;            // updatePurchaseOrderCollection
    std::string delete_field;            // deleteFromPurchaseOrderCollection
    std::string insert_input_type;       // PurchaseOrderInsertInput
    std::string update_input_type;       // PurchaseOrderUpdateInput
    std::string mutation_response_type;  // PurchaseOrderMutationResponse
    // Subscriptions (docs/graphql.md, "Live things"): the class's event field and its type.
    std::string changed_field;  // purchaseOrderChanged
    std::string event_type;     // PurchaseOrderEvent
};

// A whole schema: types in printing order, directives, and the model-to-GraphQL names.
struct Schema {
    std::vector<Type> types;
    std::vector<DirectiveDefinition> directives;
    std::vector<std::pair<std::string, ClassNames>> classes;  // sorted by model class name
    std::vector<std::size_t> types_by_name;                   // indexes of types, by name

    // The type called name, or nullptr.
    const Type* find_type(std::string_view name) const;
    // Adds a type (printed after the types already there) and indexes it by name; false,
    // adding nothing, when the schema has a type of that name.
    bool add_type(Type type);
    // Rebuilds types_by_name, for code that edits types directly.
    void index_types();
    // The directive called name (without "@"), or nullptr.
    const DirectiveDefinition* find_directive(std::string_view name) const;

    // The class whose mutation field is field_name (insertInto..., update..., deleteFrom...),
    // or nullptr.
    const std::pair<std::string, ClassNames>* class_of_mutation_field(
        std::string_view field_name) const;
    // The GraphQL object type of a model class, or nullopt for an unknown class.
    std::optional<std::string> class_type_name(std::string_view class_name) const;
    // The GraphQL field of an attribute assigned to a class (for a reference: the object
    // field), or nullopt when the class does not have it.
    std::optional<std::string> attribute_field_name(std::string_view class_name,
                                                    std::string_view attribute) const;
    // The ID field of a reference attribute of a class ("supplierId"), or nullopt.
    std::optional<std::string> reference_id_field_name(std::string_view class_name,
                                                       std::string_view attribute) const;
    // The model class whose GraphQL type is type_name, or nullopt.
    std::optional<std::string> class_of_type(std::string_view type_name) const;
    // The model class and names whose Query field (single or collection) is field_name, or
    // nullptr.
    const std::pair<std::string, ClassNames>* class_of_query_field(
        std::string_view field_name) const;
    // The model class and names whose Subscription field <class>Changed is field_name, or
    // nullptr (subscription_schema.cpp).
    const std::pair<std::string, ClassNames>* class_of_changed_field(
        std::string_view field_name) const;
};

// The schema of a model whose references resolve (model::check_references); names that
// do not resolve are skipped rather than reported. Deterministic: the same model always
// gives the same schema.
Schema build_schema(const model::Model& model);

// The schema as SDL that graphql-js buildSchema accepts, formatted as graphql-js
// printSchema formats it (plus applied @constraint directives), ending with a newline.
std::string print_sdl(const Schema& schema);

// print_sdl(build_schema(model)), byte for byte, printed straight from the model without
// building the schema (sdl_model.cpp): a tenth of the work and of the memory for a large
// model (1,000 classes: 10 MB of SDL), for callers that need the text only.
std::string print_model_sdl(const model::Model& model);
// The same, written into out (cleared first), whose capacity is kept: a caller printing
// large SDL again and again reuses the memory instead of touching new pages each time.
void print_model_sdl(const model::Model& model, std::string& out);

// The fixed names of the schema, for callers that build on it.
inline constexpr std::string_view kQueryType = "Query";
inline constexpr std::string_view kMutationType = "Mutation";
// The Mutation fields of udm.relate and udm.unrelate (when the model allows a relationship).
inline constexpr std::string_view kRelateField = "relate";
inline constexpr std::string_view kUnrelateField = "unrelate";
inline constexpr std::string_view kSubscriptionType = "Subscription";
// The field of a class's event type (<class>Changed) holding the thing itself.
inline constexpr std::string_view kEventThingField = "thing";

}  // namespace udm::graphql
