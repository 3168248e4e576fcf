// A tenant's model: attributes, classes and their assignments, relationship types and the
// relationships allowed between classes; parsed from and written to the JSON format of
// udm.apply (docs/model.md).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace udm::model {

using Json = nlohmann::json;

// The data types an attribute can have.
enum class DataType { kText, kNumber, kInteger, kBoolean, kDate, kTimestamp, kReference, kJson };

// The data type named name ("text", "number", ...), or nullopt.
std::optional<DataType> parse_data_type(std::string_view name);
// The name of a data type, as written in models and in the catalog.
std::string_view type_name(DataType type);
// The PostgreSQL type of the column holding an attribute of this type.
std::string_view sql_type(DataType type);
// The accepted data type names, for error messages.
std::string_view data_type_list();

// An attribute: defined once per tenant, assigned to any number of classes.
struct Attribute {
    std::string id;  // uuid; empty for an attribute not yet in the catalog
    std::string name;
    DataType type = DataType::kText;
    std::optional<std::string> description;
    Json rules = Json::object();
    std::optional<std::string> target;        // the class a reference points to
    std::optional<std::string> renamed_from;  // in a desired model: the current name
};

// An attribute assigned to a class: a column of the class table.
struct Assignment {
    std::string attribute;
    bool required = false;
    Json rules = Json::object();
};

// A thing class: a table tc_<name>.
struct ThingClass {
    std::string id;
    std::string name;
    std::optional<std::string> description;
    Json rules = Json::object();
    std::map<std::string, Assignment> assignments;  // by attribute name
    std::optional<std::string> renamed_from;
    bool events = true;  // inserts, updates and deletes are recorded as data events
};

// A named kind of relationship between things.
struct RelationshipType {
    std::string id;
    std::string name;
    std::optional<std::string> inverse;
    std::optional<std::string> description;
};

// At most how many things each side of a relationship may have; unbounded when absent.
struct Cardinality {
    std::optional<std::int64_t> max_targets;  // targets per source thing
    std::optional<std::int64_t> max_sources;  // sources per target thing
    bool operator==(const Cardinality& o) const {
        return max_targets == o.max_targets && max_sources == o.max_sources;
    }
};

// A relationship type allowed from one class to another.
struct AllowedRelationship {
    std::string id;
    std::string from;
    std::string to;
    std::string type;
    Cardinality cardinality;
    bool bidirectional = false;
};

// The key of an allowed relationship: from, type and to.
std::string relationship_key(std::string_view from, std::string_view type, std::string_view to);

// A whole model.
struct Model {
    std::map<std::string, Attribute> attributes;
    std::map<std::string, ThingClass> classes;
    std::map<std::string, RelationshipType> relationship_types;
    std::map<std::string, AllowedRelationship> relationships;  // by relationship_key
};

// What differs between a current model and a desired one, by name (and by id where both
// elements have one) and same_document. Finding it compares the two models once; what
// follows a change (checks, plan, history, validators) then looks only at what differs.
struct Delta {
    // Desired attributes that are new, renamed or changed, and current ones desired lacks.
    std::set<std::string> attributes;
    // Desired classes that are new, renamed or changed, or assign one of those attributes:
    // everything the rules of a class read is in these documents, so no other class's
    // rows can be judged differently, nor its table change.
    std::set<std::string> classes;
    // Current classes desired lacks by name (dropped, or renamed away).
    std::set<std::string> removed_classes;
    bool touches(const std::string& desired_class) const {
        return classes.count(desired_class) != 0;
    }
};
Delta delta(const Model& current, const Model& desired);

// Where a model document comes from: users may not set ids; the catalog always does.
enum class Source { kUser, kCatalog };

// Parses a model document and checks it is complete and consistent: every name valid,
// every reference resolving. Throws udm::Error 22023 naming the JSON path of the problem.
Model parse_model(const Json& doc, Source source = Source::kUser);

// Parses cardinality rules ({"max_targets": n, "max_sources": n}); 22023 on a bad shape.
Cardinality parse_cardinality(const Json& doc, const std::string& path);
Json cardinality_to_json(const Cardinality& c);

// Checks the cross-references of a model (targets, assignments, relationships). Throws
// udm::Error: 22023 for a bad document, 42704 for a name that does not resolve.
// Given the delta from a model that passed, only what it touches is checked.
void check_references(const Model& model, const Delta* delta = nullptr);

// The model as a document in the format parse_model reads; without ids and rename hints.
Json to_json(const Model& model);

// The parts of that document: one element of a map, and the relationships' array.
Json to_json(const Attribute& attribute);
Json to_json(const ThingClass& cls);
Json to_json(const RelationshipType& type);
Json to_json(const AllowedRelationship& relationship);
Json relationships_to_json(const Model& model);

// Whether two elements have the same document (ids, names and rename hints aside).
bool same_document(const Attribute& a, const Attribute& b);
bool same_document(const ThingClass& a, const ThingClass& b);
bool same_document(const RelationshipType& a, const RelationshipType& b);
bool same_document(const AllowedRelationship& a, const AllowedRelationship& b);

// Bounds on what one element of a model may hold: every model change stores and copies
// it, and every reader of the model (the gateway among them) loads it.
inline constexpr std::size_t kMaxDescriptionBytes = 10000;
inline constexpr std::size_t kMaxRulesBytes = 65536;

// Checks the descriptions and rule sets that desired adds or changes against current:
// 22001 for a description over kMaxDescriptionBytes, 54000 for rules over kMaxRulesBytes
// (as JSON text). What current already holds is left alone.
void check_limits(const Model& current, const Model& desired, const Delta* delta = nullptr);

// The names of the classes with a reference attribute pointing at class_name.
std::vector<std::string> classes_referencing(const Model& model, const std::string& class_name);

// Whether the assignment's merged rules (attribute rules, then assignment rules) ask for
// an index or a unique index.
bool wants_index(const Model& model, const ThingClass& cls, const Assignment& a);
bool wants_unique(const Model& model, const ThingClass& cls, const Assignment& a);

}  // namespace udm::model
