// From a model to its GraphQL schema: the fixed types the gateway serves, one object type
// per class, and the lookups from model names to GraphQL names.
#include "udm/core/graphql/schema.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "constraint.hpp"
#include "introspection.hpp"
#include "names.hpp"
#include "query_schema.hpp"
#include "schema_names.hpp"
#include "subscription_schema.hpp"

namespace udm::graphql {

namespace {

using model::DataType;

// The named type name.
TypeRef named(const char* name) {
    return TypeRef::named(name);
}
// t, non-null.
TypeRef required(TypeRef t) {
    return TypeRef::non_null(std::move(t));
}
// A non-null list of non-null t: [T!]!.
TypeRef list_of(TypeRef t) {
    return required(TypeRef::list(required(std::move(t))));
}

// A description.
std::optional<std::string> text(const char* s) {
    return std::string(s);
}

// A field of one of the fixed types.
Field field(const char* name, TypeRef type, const char* description = nullptr) {
    Field f;
    f.name = name;
    f.type = std::move(type);
    if (description != nullptr)
        f.description = std::string(description);
    return f;
}

// A scalar type.
Type scalar(const char* name, const char* description, bool builtin = false) {
    Type t;
    t.kind = TypeKind::kScalar;
    t.name = name;
    if (description != nullptr)
        t.description = std::string(description);
    t.builtin = builtin;
    return t;
}

// One of the fixed object types.
Type object(const char* name, const char* description, std::vector<Field> fields) {
    Type t;
    t.kind = TypeKind::kObject;
    t.name = name;
    t.description = std::string(description);
    t.fields = std::move(fields);
    return t;
}

// The directives every GraphQL schema has: graphql-js 16's specifiedDirectives, in its
// order, with its descriptions (introspection shows them).
std::vector<DirectiveDefinition> builtin_directives() {
    auto directive = [](const char* name, const char* description, std::vector<InputValue> args,
                        std::vector<std::string> locations) {
        DirectiveDefinition d;
        d.name = name;
        d.description = std::string(description);
        d.arguments = std::move(args);
        d.locations = std::move(locations);
        d.builtin = true;
        return d;
    };
    const std::vector<std::string> kConditional = {"FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT"};
    return {
        directive("include",
                  "Directs the executor to include this field or fragment only when the `if` "
                  "argument is true.",
                  {{"if", text("Included when true."), required(named("Boolean")), std::nullopt}},
                  kConditional),
        directive("skip",
                  "Directs the executor to skip this field or fragment when the `if` argument is "
                  "true.",
                  {{"if", text("Skipped when true."), required(named("Boolean")), std::nullopt}},
                  kConditional),
        directive("deprecated", "Marks an element of a GraphQL schema as no longer supported.",
                  {{"reason",
                    text("Explains why this element was deprecated, usually also including a "
                         "suggestion for how to access supported similar data. Formatted using "
                         "the Markdown syntax, as specified by "
                         "[CommonMark](https://commonmark.org/)."),
                    named("String"), Json("No longer supported")}},
                  {"FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION",
                   "ENUM_VALUE", "DIRECTIVE_DEFINITION"}),
        directive("specifiedBy", "Exposes a URL that specifies the behavior of this scalar.",
                  {{"url", text("The URL that specifies the behavior of this scalar."),
                    required(named("String")), std::nullopt}},
                  {"SCALAR"}),
        directive("oneOf",
                  "Indicates exactly one field must be supplied and this field must not be "
                  "`null`.",
                  {}, {"INPUT_OBJECT"}),
    };
}

}  // namespace

// The types of the schema that do not depend on the model, in printing order.
std::vector<Type> fixed_types() {
    std::vector<Type> t;
    // graphql-js's descriptions: introspection shows them.
    t.push_back(scalar("String",
                       "The `String` scalar type represents textual data, represented as UTF-8 "
                       "character sequences. The String type is most often used by GraphQL to "
                       "represent free-form human-readable text.",
                       true));
    t.push_back(scalar("Int",
                       "The `Int` scalar type represents non-fractional signed whole numeric "
                       "values. Int can represent values between -(2^31) and 2^31 - 1.",
                       true));
    t.push_back(scalar("Float",
                       "The `Float` scalar type represents signed double-precision fractional "
                       "values as specified by [IEEE 754](https://en.wikipedia.org/wiki/"
                       "IEEE_floating_point).",
                       true));
    t.push_back(scalar("Boolean", "The `Boolean` scalar type represents `true` or `false`.", true));
    t.push_back(scalar("ID",
                       "The `ID` scalar type represents a unique identifier, often used to "
                       "refetch an object or as key for a cache. The ID type appears in a JSON "
                       "response as a String; however, it is not intended to be human-readable. "
                       "When expected as an input type, any string (such as `\"4\"`) or integer "
                       "(such as `4`) input value will be accepted as an ID.",
                       true));
    t.push_back(scalar(
        "BigInt",
        "A 64-bit signed integer: an `integer` attribute (PostgreSQL bigint), which GraphQL's "
        "32-bit Int cannot hold. Serialized as a JSON string of decimal digits, e.g. "
        "\"9007199254740993\", so JavaScript clients lose no precision; accepted as such a "
        "string or as a JSON integer."));
    t.push_back(scalar("Date", "A calendar date, `YYYY-MM-DD` (ISO 8601), e.g. \"2026-11-22\"."));
    t.push_back(scalar(
        "DateTime", "A point in time, RFC 3339 with a UTC offset, e.g. \"2026-11-22T10:00:00Z\"."));
    t.push_back(scalar("JSON", "Any JSON value: a `json` attribute (PostgreSQL jsonb)."));
    // build_schema adds the queries of things (query_schema.cpp) after these two.
    t.push_back(object("Query", "The tenant's schema and its things.",
                       {field("schemaVersion", required(named("Int")),
                              "The version of the tenant's model this schema was built from."),
                        field("sdl", required(named("String")), "This schema, as SDL.")}));
    Field schema_changed = field(
        "schemaChanged", required(named("SchemaChange")),
        "Every change of the tenant's model from now on. A burst of changes may arrive as one "
        "event covering several versions, from previousVersion to version.");
    schema_changed.arguments = {
        {"classes",
         text("Only changes altering one of these classes (model names, e.g. "
              "\"purchase_order\"; a class yet to be created may be named): the class itself, "
              "its assignments, the attributes assigned to it, its relationships, references "
              "to it. At least one."),
         TypeRef::list(required(named("String"))), std::nullopt},
        {"attributes",
         text("Only changes of one of these attributes (model names; an attribute yet to be "
              "created may be named). At least one."),
         TypeRef::list(required(named("String"))), std::nullopt}};
    Field thing_changed =
        field("thingChanged", required(named("ThingEvent")),
              "Every insert, update, soft delete, restore and delete of a thing of one class "
              "from now on.");
    thing_changed.arguments = {
        {"class",
         text("The class, by its model name (e.g. \"purchase_order\"); one of the schema's "
              "classes."),
         required(named("String")), std::nullopt},
        {"operations", text("Only these operations (at least one); all when absent."),
         TypeRef::list(required(named("Operation"))), std::nullopt}};
    t.push_back(object("Subscription", "Events of the tenant's model and things.",
                       {std::move(schema_changed), std::move(thing_changed)}));
    Type operation;
    operation.kind = TypeKind::kEnum;
    operation.name = "Operation";
    operation.description = "What happened to a thing.";
    operation.values = {
        {"INSERT", text("The thing was inserted.")},
        {"UPDATE", text("The thing was updated, and is_deleted did not change.")},
        {"SOFT_DELETE", text("An update set is_deleted to true (other attributes may have "
                             "changed with it).")},
        {"RESTORE", text("An update set is_deleted back to false.")},
        {"DELETE", text("The thing's row was deleted.")}};
    t.push_back(std::move(operation));
    t.push_back(object(
        "SchemaChange", "A new version of the tenant's model.",
        {field("version", required(named("Int")), "The new schema version."),
         field("previousVersion", required(named("Int")),
               "The version before the first change this event covers."),
         field("time", required(named("DateTime")),
               "When the transaction that made the last change covered started (PostgreSQL's "
               "now() in it); versions are ordered by commit."),
         field("actor", required(named("String")),
               "Who made the change (udm.actor or the session user)."),
         field("breaking", required(named("Boolean")),
               "Whether any change may break existing clients."),
         field("changes", list_of(named("SchemaChangeEntry")), "What changed."),
         field("sdl", required(named("String")), "The schema of the new version, as SDL.")}));
    t.push_back(object(
        "SchemaChangeEntry", "One change of a model, as recorded in the tenant's schema history.",
        {field("kind", required(named("String")),
               "What changed: class, attribute, assignment, relationship_type or relationship."),
         field("change", required(named("String")),
               "How: added, removed, renamed, retyped, retargeted or changed."),
         field("class", named("String"),
               "The class (model name) of a class or assignment change; a renamed class's new "
               "name."),
         field("attribute", named("String"),
               "The attribute (model name) of an attribute or assignment change; a renamed "
               "attribute's new name."),
         field("classes", list_of(named("String")),
               "Every class (model name) the change alters: its class, the classes its "
               "attribute is assigned to, both ends of its relationships, the target of its "
               "reference; a renamed or removed class also by its old name."),
         field("type", named("String"),
               "The data type of an added attribute or assignment (a retyped attribute has its "
               "old and new type in detail.from and detail.to)."),
         field("breaking", required(named("Boolean")),
               "Whether this change may break existing clients."),
         field("detail", named("JSON"), "The rest of the recorded change.")}));
    t.push_back(
        object("ThingEvent", "A thing was inserted, updated, soft deleted, restored or deleted.",
               {field("position", required(named("String")),
                      "The event's position in the tenant's event stream."),
                field("operation", required(named("Operation"))),
                field("class", required(named("String")), "The thing's class (model name)."),
                field("id", required(named("ID")), "The thing's id."),
                field("changedAttributes", list_of(named("String")),
                      "For UPDATE, SOFT_DELETE and RESTORE, the attributes (model names) whose "
                      "values changed; empty for INSERT and DELETE."),
                field("time", required(named("DateTime")),
                      "When the writing transaction started (PostgreSQL's now() in it); events "
                      "are ordered by commit, not by time.")}));
    return t;
}

std::vector<Field> class_system_fields() {
    return {field("id", required(named("ID")), "The thing's id (a UUID)."),
            field("createdAt", required(named("DateTime")), "When the thing was created."),
            field("updatedAt", required(named("DateTime")), "When the thing was last changed."),
            field("createdBy", required(named("String")), "Who created the thing."),
            field("rowVersion", required(named("BigInt")),
                  "Incremented by every update: compare it to detect concurrent changes.")};
}

namespace {

// What every class has in common: the system fields, and shared type references (copying
// one shares it).
struct CommonTypes {
    std::vector<Field> system_fields;
    TypeRef value[8];           // by DataType
    TypeRef required_value[8];  // by DataType
    TypeRef id = named("ID");
    TypeRef required_id = required(named("ID"));

    CommonTypes() {
        system_fields = class_system_fields();
        for (DataType t :
             {DataType::kText, DataType::kNumber, DataType::kInteger, DataType::kBoolean,
              DataType::kDate, DataType::kTimestamp, DataType::kJson}) {
            value[static_cast<int>(t)] = named(value_type_name(t));
            required_value[static_cast<int>(t)] = required(named(value_type_name(t)));
        }
    }
};

// The types of the fields that refer to one class.
struct ClassTypes {
    TypeRef single, required_single, list;
};

// The entry for name of pairs sorted by their first member (a name), or nullptr.
template <typename Pairs>
auto find_sorted(Pairs& pairs, std::string_view name) -> decltype(&pairs.front()) {
    auto it = std::lower_bound(pairs.begin(), pairs.end(), name,
                               [](const auto& p, std::string_view n) { return p.first < n; });
    return it != pairs.end() && it->first == name ? &*it : nullptr;
}

// The types referring to each class, by model class name (sorted).
using ClassTypeMap = std::vector<std::pair<std::string_view, ClassTypes>>;

// The object type of a class, with the field names of names (name_classes). Relationship
// fields of many things are lists here and reverse collections are left out: both are
// added by add_connection_fields once the connection types exist.
Type class_type(const model::Model& m, const model::ThingClass& cls, const ClassNames& names,
                const ClassTypeMap& class_types, const CommonTypes& common) {
    Type t;
    t.kind = TypeKind::kObject;
    t.name = names.type;
    if (cls.description && !cls.description->empty())
        t.description = cls.description;
    t.fields.reserve(common.system_fields.size() + names.attribute_fields.size() +
                     names.reference_id_fields.size() + names.relationships.size() +
                     names.reverse_collections.size());
    t.fields = common.system_fields;
    auto id_field = names.reference_id_fields.begin();
    // The named attributes are some of the class's assignments and of the model's
    // attributes, all three in name order: one walk pairs them.
    auto assignment = cls.assignments.begin();
    auto attribute = m.attributes.begin();
    for (const auto& [aname, fname] : names.attribute_fields) {
        while (assignment->first != aname)
            ++assignment;
        while (attribute->first != aname)
            ++attribute;
        const model::Attribute& attr = attribute->second;
        const model::Assignment& as = assignment->second;
        const ClassTypes* target = attr.type == DataType::kReference
                                       ? &find_sorted(class_types, *attr.target)->second
                                       : nullptr;
        Field& f = t.fields.emplace_back();
        f.name = fname;
        if (target != nullptr) {
            f.type = as.required ? target->required_single : target->single;
        } else {
            const int type = static_cast<int>(attr.type);
            f.type = as.required ? common.required_value[type] : common.value[type];
        }
        if (attr.description && !attr.description->empty())
            f.description = attr.description;
        if (auto d =
                constraint_directive(attr.type, cls.rules, attr.rules, as.rules, as.required)) {
            f.directives.push_back(std::move(*d));
        }
        if (target == nullptr)
            continue;
        std::string id_description = "The id of " + fname + ".";
        Field& id = t.fields.emplace_back();  // f is not used from here on
        id.name = (id_field++)->second;
        id.type = as.required ? common.required_id : common.id;
        id.description = std::move(id_description);
    }
    for (const RelationshipFieldNames& r : names.relationships) {
        // name_classes keeps only relationships between classes of the model.
        const ClassTypes& target = find_sorted(class_types, r.target_class)->second;
        Field& f = t.fields.emplace_back();
        f.name = r.field;
        f.type = r.single ? target.single : target.list;
        if (r.description && !r.description->empty())
            f.description = r.description;
    }
    return t;
}

// The argument called name of a field or directive definition, or nullptr.
template <typename T>
const InputValue* find_argument(const T& owner, std::string_view name) {
    for (const InputValue& a : owner.arguments) {
        if (a.name == name)
            return &a;
    }
    return nullptr;
}

}  // namespace

const InputValue* Field::argument(std::string_view name) const {
    return find_argument(*this, name);
}

const InputValue* DirectiveDefinition::argument(std::string_view name) const {
    return find_argument(*this, name);
}

const Field* Type::field(std::string_view name) const {
    for (const Field& f : fields) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

const InputValue* Type::input_field(std::string_view name) const {
    for (const InputValue& f : input_fields) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

bool Type::has_value(std::string_view name) const {
    for (const EnumValue& v : values) {
        if (v.name == name)
            return true;
    }
    return false;
}

bool Schema::add_type(Type type) {
    auto it =
        std::lower_bound(types_by_name.begin(), types_by_name.end(), type.name,
                         [this](std::size_t i, const std::string& n) { return types[i].name < n; });
    if (it != types_by_name.end() && types[*it].name == type.name)
        return false;
    types_by_name.insert(it, types.size());
    types.push_back(std::move(type));
    return true;
}

void Schema::index_types() {
    // Sorted with the names beside the indexes: a large schema has 13,000 types, and
    // comparing through the indexes costs a cache miss per name.
    std::vector<std::pair<std::string_view, std::size_t>> names;
    names.reserve(types.size());
    for (std::size_t i = 0; i < types.size(); ++i)
        names.emplace_back(types[i].name, i);
    std::sort(names.begin(), names.end());
    types_by_name.resize(types.size());
    for (std::size_t i = 0; i < names.size(); ++i)
        types_by_name[i] = names[i].second;
}

const Type* Schema::find_type(std::string_view name) const {
    auto it =
        std::lower_bound(types_by_name.begin(), types_by_name.end(), name,
                         [this](std::size_t i, std::string_view n) { return types[i].name < n; });
    return it != types_by_name.end() && types[*it].name == name ? &types[*it] : nullptr;
}

const DirectiveDefinition* Schema::find_directive(std::string_view name) const {
    for (const DirectiveDefinition& d : directives) {
        if (d.name == name)
            return &d;
    }
    return nullptr;
}

std::optional<std::string> Schema::class_type_name(std::string_view class_name) const {
    const auto* c = find_sorted(classes, class_name);
    return c == nullptr ? std::nullopt : std::optional<std::string>(c->second.type);
}

std::optional<std::string> Schema::attribute_field_name(std::string_view class_name,
                                                        std::string_view attribute) const {
    const auto* c = find_sorted(classes, class_name);
    const auto* f = c == nullptr ? nullptr : find_sorted(c->second.attribute_fields, attribute);
    return f == nullptr ? std::nullopt : std::optional<std::string>(f->second);
}

std::optional<std::string> Schema::reference_id_field_name(std::string_view class_name,
                                                           std::string_view attribute) const {
    const auto* c = find_sorted(classes, class_name);
    const auto* f = c == nullptr ? nullptr : find_sorted(c->second.reference_id_fields, attribute);
    return f == nullptr ? std::nullopt : std::optional<std::string>(f->second);
}

std::optional<std::string> Schema::class_of_type(std::string_view type_name) const {
    for (const auto& [cls, names] : classes) {
        if (names.type == type_name)
            return cls;
    }
    return std::nullopt;
}

const std::pair<std::string, ClassNames>* Schema::class_of_query_field(
    std::string_view field_name) const {
    for (const auto& c : classes) {
        if (c.second.query_field == field_name || c.second.collection_field == field_name)
            return &c;
    }
    return nullptr;
}

const std::pair<std::string, ClassNames>* Schema::class_of_mutation_field(
    std::string_view field_name) const {
    if (field_name.empty())
        return nullptr;
    for (const auto& c : classes) {
        if (c.second.insert_field == field_name || c.second.update_field == field_name ||
            c.second.delete_field == field_name)
            return &c;
    }
    return nullptr;
}

Schema build_schema(const model::Model& m) {
    Schema s;
    s.directives = builtin_directives();
    s.directives.push_back(constraint_definition());
    s.types = fixed_types();
    for (Type& t : query_fixed_types())
        s.types.push_back(std::move(t));
    s.classes = name_classes(m, s.types);
    // Both in model-name order, as m.classes.
    ClassTypeMap class_types;
    class_types.reserve(s.classes.size());
    for (const auto& [cname, names] : s.classes) {
        TypeRef single = TypeRef::named(names.type);
        class_types.emplace_back(cname, ClassTypes{single, required(single), list_of(single)});
    }
    const CommonTypes common;
    s.types.reserve(s.types.size() + 10 * m.classes.size() + 8);
    const std::size_t first_class_type = s.types.size();
    for (const auto& [cname, names] : s.classes)
        s.types.push_back(class_type(m, m.classes.at(cname), names, class_types, common));
    add_query_types(m, s);
    add_connection_fields(s, first_class_type);
    add_mutation_types(m, s);
    add_subscription_types(s);
    for (Type& t : introspection_types())
        s.types.push_back(std::move(t));
    s.index_types();
    return s;
}

}  // namespace udm::graphql
