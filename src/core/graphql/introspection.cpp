// Introspection: the __ types and their values, read from a Schema. The types, fields and
// descriptions are graphql-js 16's (introspection.js), so a client sees what it would see
// from graphql-js serving the same SDL, in the same order.
#include "introspection.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "literal.hpp"
#include "values.hpp"

namespace udm::graphql {

namespace {

TypeRef named(const char* name) {
    return TypeRef::named(name);
}
TypeRef nn(TypeRef t) {
    return TypeRef::non_null(std::move(t));
}

// A field of an introspection type; deprecated says whether it takes includeDeprecated
// (required is whether that argument is Boolean!).
Field field(const char* name, TypeRef type, const char* description) {
    Field f;
    f.name = name;
    f.type = std::move(type);
    if (description != nullptr)
        f.description = std::string(description);
    return f;
}
Field field(const char* name, TypeRef type, const char* description, bool required) {
    Field f = field(name, std::move(type), description);
    f.arguments.push_back({"includeDeprecated", std::nullopt,
                           required ? nn(named("Boolean")) : named("Boolean"), Json(false)});
    return f;
}

Type object_type(const char* name, const char* description, std::vector<Field> fields) {
    Type t;
    t.kind = TypeKind::kObject;
    t.name = name;
    t.description = std::string(description);
    t.fields = std::move(fields);
    t.builtin = true;
    return t;
}

Type enum_type(const char* name, const char* description,
               std::vector<std::pair<const char*, const char*>> values) {
    Type t;
    t.kind = TypeKind::kEnum;
    t.name = name;
    t.description = std::string(description);
    for (const auto& [v, d] : values)
        t.values.push_back({v, std::string(d)});
    t.builtin = true;
    return t;
}

// The planned fields of a selection, grouped by field name in order of first appearance:
// each name's value is computed once, for the union of what its aliases select.
using Selected = std::vector<const PlannedField*>;
std::vector<std::pair<std::string, Selected>> group_by_name(const Selected& fields) {
    std::vector<std::pair<std::string, Selected>> out;
    std::map<std::string, std::size_t> index;
    for (const PlannedField* f : fields) {
        for (const PlannedField& child : f->selection) {
            if (child.name == "__typename")
                continue;
            auto [it, fresh] = index.emplace(child.name, out.size());
            if (fresh)
                out.push_back({child.name, {}});
            out[it->second].second.push_back(&child);
        }
    }
    return out;
}

class Introspector {
  public:
    Introspector(const Schema& s, std::size_t& budget) : s_(s), budget_(budget) {}

    // Whether the budget ran out: the value is then incomplete.
    bool over() const { return over_; }

    Json schema(const Selected& sel) {
        Json out = Json::object();
        for (const auto& [name, sub] : by_name(sel)) {
            if (name == "description") {
                out[name] = nullptr;
            } else if (name == "types") {
                Json list = Json::array();
                for (const Type* t : type_map())
                    list.push_back(named_type(*t, sub));
                out[name] = std::move(list);
            } else if (name == "queryType" || name == "mutationType" ||
                       name == "subscriptionType") {
                const std::string_view root = name == "queryType"      ? kQueryType
                                              : name == "mutationType" ? kMutationType
                                                                       : kSubscriptionType;
                const Type* t = s_.find_type(root);
                out[name] = t != nullptr ? named_type(*t, sub) : Json();
            } else if (name == "directives") {
                Json list = Json::array();
                // graphql-js lists a schema's own directives first, then the specified ones.
                for (bool builtin : {false, true}) {
                    for (const DirectiveDefinition& d : s_.directives) {
                        if (d.builtin == builtin)
                            list.push_back(directive(d, sub));
                    }
                }
                out[name] = std::move(list);
            }
        }
        return out;
    }

    // The __Type of a type name, or null when the schema does not serve it.
    Json type_by_name(const std::string& name, const Selected& sel) {
        for (const Type* t : type_map()) {
            if (t->name == name)
                return named_type(*t, sel);
        }
        return nullptr;
    }

  private:
    // The types a client sees, in graphql-js's order (GraphQLSchema's type map for a
    // schema built from this SDL): each printed type in printing order, each followed by
    // the built-in types first referenced from it (depth first), then those the
    // directives' arguments reference, then the introspection types.
    const std::vector<const Type*>& type_map() {
        if (!types_.empty())
            return types_;
        std::set<std::string_view> printed;
        for (const Type& t : s_.types) {
            if (!t.builtin)
                printed.insert(t.name);
        }
        for (const Type& t : s_.types) {
            if (!t.builtin) {
                seen_.insert(t.name);
                types_.push_back(&t);
                references(t, printed);
            }
        }
        for (bool builtin : {false, true}) {
            for (const DirectiveDefinition& d : s_.directives) {
                if (d.builtin != builtin)
                    continue;
                for (const InputValue& a : d.arguments)
                    collect(a.type.named_type(), printed);
            }
        }
        collect("__Schema", printed);
        return types_;
    }

    // graphql-js collectReferencedTypes: the type, then what its fields (each field's type,
    // then its arguments') and input fields reference.
    void collect(const std::string& name, const std::set<std::string_view>& printed) {
        if (printed.count(name) || !seen_.insert(name).second)
            return;
        const Type* t = s_.find_type(name);
        if (t == nullptr)
            return;
        types_.push_back(t);
        references(*t, printed);
    }

    void references(const Type& t, const std::set<std::string_view>& printed) {
        for (const Field& f : t.fields) {
            collect(f.type.named_type(), printed);
            for (const InputValue& a : f.arguments)
                collect(a.type.named_type(), printed);
        }
        for (const InputValue& f : t.input_fields)
            collect(f.type.named_type(), printed);
    }

    Json named_type(const Type& t, const Selected& sel) {
        Json out = Json::object();
        for (const auto& [name, sub] : by_name(sel)) {
            if (name == "kind") {
                out[name] = t.kind == TypeKind::kScalar   ? "SCALAR"
                            : t.kind == TypeKind::kObject ? "OBJECT"
                            : t.kind == TypeKind::kEnum   ? "ENUM"
                                                          : "INPUT_OBJECT";
            } else if (name == "name") {
                out[name] = t.name;
            } else if (name == "description") {
                out[name] = t.description ? Json(*t.description) : Json();
            } else if (name == "specifiedByURL") {
                out[name] = t.kind == TypeKind::kScalar && t.specified_by_url
                                ? Json(*t.specified_by_url)
                                : Json();
            } else if (name == "fields") {
                out[name] =
                    list_if(t.kind == TypeKind::kObject, t.fields, sub,
                            [this](const Field& f, const Selected& s) { return field(f, s); });
            } else if (name == "interfaces") {
                out[name] = t.kind == TypeKind::kObject ? Json::array() : Json();
            } else if (name == "possibleTypes") {
                out[name] = nullptr;
            } else if (name == "enumValues") {
                out[name] = list_if(
                    t.kind == TypeKind::kEnum, t.values, sub,
                    [this](const EnumValue& v, const Selected& s) { return enum_value(v, s); });
            } else if (name == "inputFields") {
                out[name] = list_if(
                    t.kind == TypeKind::kInputObject, t.input_fields, sub,
                    [this](const InputValue& v, const Selected& s) { return input_value(v, s); });
            } else if (name == "ofType") {
                out[name] = nullptr;
            } else if (name == "isOneOf") {
                out[name] = t.kind == TypeKind::kInputObject ? Json(false) : Json();
            }
        }
        return out;
    }

    template <typename Item, typename F>
    static Json list_if(bool applies, const std::vector<Item>& items, const Selected& sel, F of) {
        if (!applies)
            return nullptr;
        Json list = Json::array();
        for (const Item& item : items)
            list.push_back(of(item, sel));
        return list;
    }

    // The __Type of a type reference: a wrapper (LIST, NON_NULL) or a named type.
    Json type_ref(const TypeRef& ref, const Selected& sel) {
        if (ref.kind() == TypeRef::Kind::kNamed) {
            const Type* t = s_.find_type(ref.named_type());
            return t != nullptr ? named_type(*t, sel) : Json();
        }
        Json out = Json::object();
        for (const auto& [name, sub] : by_name(sel)) {
            if (name == "kind")
                out[name] = ref.is_list() ? "LIST" : "NON_NULL";
            else if (name == "ofType")
                out[name] = type_ref(ref.of(), sub);
            else if (name == "name" || name == "description" || name == "specifiedByURL" ||
                     name == "fields" || name == "interfaces" || name == "possibleTypes" ||
                     name == "enumValues" || name == "inputFields" || name == "isOneOf")
                out[name] = nullptr;
        }
        return out;
    }

    Json field(const Field& f, const Selected& sel) {
        Json out = Json::object();
        for (const auto& [name, sub] : by_name(sel)) {
            if (name == "name")
                out[name] = f.name;
            else if (name == "description")
                out[name] = f.description ? Json(*f.description) : Json();
            else if (name == "args")
                out[name] = input_values(f.arguments, sub);
            else if (name == "type")
                out[name] = type_ref(f.type, sub);
            else if (name == "isDeprecated")
                out[name] = false;
            else if (name == "deprecationReason")
                out[name] = nullptr;
        }
        return out;
    }

    Json input_values(const std::vector<InputValue>& values, const Selected& sel) {
        Json list = Json::array();
        for (const InputValue& v : values)
            list.push_back(input_value(v, sel));
        return list;
    }

    Json input_value(const InputValue& v, const Selected& sel) {
        Json out = Json::object();
        for (const auto& [name, sub] : by_name(sel)) {
            if (name == "name")
                out[name] = v.name;
            else if (name == "description")
                out[name] = v.description ? Json(*v.description) : Json();
            else if (name == "type")
                out[name] = type_ref(v.type, sub);
            else if (name == "defaultValue")
                out[name] = v.default_value
                                ? Json(print_default_value(s_, v.type, default_value(s_, v)))
                                : Json();
            else if (name == "isDeprecated")
                out[name] = false;
            else if (name == "deprecationReason")
                out[name] = nullptr;
        }
        return out;
    }

    Json enum_value(const EnumValue& v, const Selected& sel) {
        Json out = Json::object();
        for (const auto& [name, sub] : by_name(sel)) {
            if (name == "name")
                out[name] = v.name;
            else if (name == "description")
                out[name] = v.description ? Json(*v.description) : Json();
            else if (name == "isDeprecated")
                out[name] = false;
            else if (name == "deprecationReason")
                out[name] = nullptr;
        }
        return out;
    }

    Json directive(const DirectiveDefinition& d, const Selected& sel) {
        Json out = Json::object();
        for (const auto& [name, sub] : by_name(sel)) {
            if (name == "name")
                out[name] = d.name;
            else if (name == "description")
                out[name] = d.description ? Json(*d.description) : Json();
            else if (name == "isRepeatable" || name == "isDeprecated")
                out[name] = false;
            else if (name == "locations")
                out[name] = d.locations;
            else if (name == "args")
                out[name] = input_values(d.arguments, sub);
            else if (name == "deprecationReason")
                out[name] = nullptr;
        }
        return out;
    }

    // The selection grouped by name, for one object of the answer: one unit of the budget.
    std::vector<std::pair<std::string, Selected>> by_name(const Selected& fields) {
        if (budget_ == 0) {
            over_ = true;
            return {};
        }
        --budget_;
        return group_by_name(fields);
    }

    const Schema& s_;
    std::size_t& budget_;
    bool over_ = false;
    std::vector<const Type*> types_;
    std::set<std::string> seen_;
};

// The meta fields of the query root.
const Field& schema_field() {
    static const Field f =
        field("__schema", nn(named("__Schema")), "Access the current type schema of this server.");
    return f;
}
const Field& type_field() {
    static const Field f = [] {
        Field t =
            field("__type", named("__Type"), "Request the type information of a single type.");
        t.arguments.push_back({"name", std::nullopt, nn(named("String")), std::nullopt});
        return t;
    }();
    return f;
}

void append_default(std::string& out, const Schema& s, const TypeRef& type, const Json& v) {
    if (v.is_null()) {
        out += "null";
        return;
    }
    const TypeRef& t = type.nullable();
    if (t.is_list()) {
        if (!v.is_array()) {
            append_default(out, s, t.of(), v);
            return;
        }
        out += '[';
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i > 0)
                out += ", ";
            append_default(out, s, t.of(), v[i]);
        }
        out += ']';
        return;
    }
    const Type* named_type = s.find_type(t.named_type());
    if (named_type != nullptr && named_type->kind == TypeKind::kInputObject && v.is_object()) {
        // astFromValue: the type's fields in definition order, those the value has.
        out += '{';
        bool first = true;
        for (const InputValue& f : named_type->input_fields) {
            auto it = v.find(f.name);
            if (it == v.end())
                continue;
            out += first ? "" : ", ";
            first = false;
            out += f.name;
            out += ": ";
            append_default(out, s, f.type, *it);
        }
        out += '}';
        return;
    }
    if (named_type != nullptr && named_type->kind == TypeKind::kEnum && v.is_string()) {
        out += v.get_ref<const std::string&>();
        return;
    }
    if (v.is_number_float()) {
        // JavaScript prints an integral number without a fraction: an Int literal.
        const double d = v.get<double>();
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 1e21) {
            append_json_literal(out, Json(static_cast<std::int64_t>(d)));
            return;
        }
    }
    append_json_literal(out, v);
}

}  // namespace

std::vector<Type> introspection_types() {
    std::vector<Type> t;
    t.reserve(8);
    t.push_back(object_type("__Schema",
                            "A GraphQL Schema defines the capabilities of a GraphQL server. It "
                            "exposes all available types and directives on the server, as well as "
                            "the entry points for query, mutation, and subscription operations.",
                            {
                                field("description", named("String"), nullptr),
                                field("types", nn(TypeRef::list(nn(named("__Type")))),
                                      "A list of all types supported by this server."),
                                field("queryType", nn(named("__Type")),
                                      "The type that query operations will be rooted at."),
                                field("mutationType", named("__Type"),
                                      "If this server supports mutation, the type that mutation "
                                      "operations will be rooted at."),
                                field("subscriptionType", named("__Type"),
                                      "If this server support subscription, the type that "
                                      "subscription operations will be rooted at."),
                                field("directives", nn(TypeRef::list(nn(named("__Directive")))),
                                      "A list of all directives supported by this server.", true),
                            }));
    t.push_back(object_type(
        "__Directive",
        "A Directive provides a way to describe alternate runtime execution and type validation "
        "behavior in a GraphQL document.\n\nIn some cases, you need to provide options to alter "
        "GraphQL's execution behavior in ways field arguments will not suffice, such as "
        "conditionally including or skipping a field. Directives provide this by describing "
        "additional information to the executor.",
        {
            field("name", nn(named("String")), nullptr),
            field("description", named("String"), nullptr),
            field("isRepeatable", nn(named("Boolean")), nullptr),
            field("locations", nn(TypeRef::list(nn(named("__DirectiveLocation")))), nullptr),
            field("args", nn(TypeRef::list(nn(named("__InputValue")))), nullptr, false),
            field("isDeprecated", nn(named("Boolean")), nullptr),
            field("deprecationReason", named("String"), nullptr),
        }));
    t.push_back(enum_type(
        "__DirectiveLocation",
        "A Directive can be adjacent to many parts of the GraphQL language, a __DirectiveLocation "
        "describes one such possible adjacencies.",
        {
            {"QUERY", "Location adjacent to a query operation."},
            {"MUTATION", "Location adjacent to a mutation operation."},
            {"SUBSCRIPTION", "Location adjacent to a subscription operation."},
            {"FIELD", "Location adjacent to a field."},
            {"FRAGMENT_DEFINITION", "Location adjacent to a fragment definition."},
            {"FRAGMENT_SPREAD", "Location adjacent to a fragment spread."},
            {"INLINE_FRAGMENT", "Location adjacent to an inline fragment."},
            {"VARIABLE_DEFINITION", "Location adjacent to a variable definition."},
            {"SCHEMA", "Location adjacent to a schema definition."},
            {"SCALAR", "Location adjacent to a scalar definition."},
            {"OBJECT", "Location adjacent to an object type definition."},
            {"FIELD_DEFINITION", "Location adjacent to a field definition."},
            {"ARGUMENT_DEFINITION", "Location adjacent to an argument definition."},
            {"INTERFACE", "Location adjacent to an interface definition."},
            {"UNION", "Location adjacent to a union definition."},
            {"ENUM", "Location adjacent to an enum definition."},
            {"ENUM_VALUE", "Location adjacent to an enum value definition."},
            {"INPUT_OBJECT", "Location adjacent to an input object type definition."},
            {"INPUT_FIELD_DEFINITION", "Location adjacent to an input object field definition."},
            {"DIRECTIVE_DEFINITION", "Location adjacent to a directive definition."},
        }));
    t.push_back(object_type(
        "__Type",
        "The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in "
        "GraphQL as represented by the `__TypeKind` enum.\n\nDepending on the kind of a type, "
        "certain fields describe information about that type. Scalar types provide no information "
        "beyond a name, description and optional `specifiedByURL`, while Enum types provide their "
        "values. Object and Interface types provide the fields they describe. Abstract types, "
        "Union and Interface, provide the Object types possible at runtime. List and NonNull types "
        "compose other types.",
        {
            field("kind", nn(named("__TypeKind")), nullptr),
            field("name", named("String"), nullptr),
            field("description", named("String"), nullptr),
            field("specifiedByURL", named("String"), nullptr),
            field("fields", TypeRef::list(nn(named("__Field"))), nullptr, false),
            field("interfaces", TypeRef::list(nn(named("__Type"))), nullptr),
            field("possibleTypes", TypeRef::list(nn(named("__Type"))), nullptr),
            field("enumValues", TypeRef::list(nn(named("__EnumValue"))), nullptr, false),
            field("inputFields", TypeRef::list(nn(named("__InputValue"))), nullptr, false),
            field("ofType", named("__Type"), nullptr),
            field("isOneOf", named("Boolean"), nullptr),
        }));
    t.push_back(
        object_type("__Field",
                    "Object and Interface types are described by a list of Fields, each of which "
                    "has a name, potentially a list of arguments, and a return type.",
                    {
                        field("name", nn(named("String")), nullptr),
                        field("description", named("String"), nullptr),
                        field("args", nn(TypeRef::list(nn(named("__InputValue")))), nullptr, false),
                        field("type", nn(named("__Type")), nullptr),
                        field("isDeprecated", nn(named("Boolean")), nullptr),
                        field("deprecationReason", named("String"), nullptr),
                    }));
    t.push_back(object_type(
        "__InputValue",
        "Arguments provided to Fields or Directives and the input fields of an InputObject are "
        "represented as Input Values which describe their type and optionally a default value.",
        {
            field("name", nn(named("String")), nullptr),
            field("description", named("String"), nullptr),
            field("type", nn(named("__Type")), nullptr),
            field(
                "defaultValue", named("String"),
                "A GraphQL-formatted string representing the default value for this input value."),
            field("isDeprecated", nn(named("Boolean")), nullptr),
            field("deprecationReason", named("String"), nullptr),
        }));
    t.push_back(object_type("__EnumValue",
                            "One possible value for a given Enum. Enum values are unique values, "
                            "not a placeholder for a string or numeric value. However an Enum "
                            "value is returned in a JSON response as a string.",
                            {
                                field("name", nn(named("String")), nullptr),
                                field("description", named("String"), nullptr),
                                field("isDeprecated", nn(named("Boolean")), nullptr),
                                field("deprecationReason", named("String"), nullptr),
                            }));
    t.push_back(enum_type(
        "__TypeKind", "An enum describing what kind of type a given `__Type` is.",
        {
            {"SCALAR", "Indicates this type is a scalar."},
            {"OBJECT",
             "Indicates this type is an object. `fields` and `interfaces` are valid fields."},
            {"INTERFACE",
             "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are "
             "valid fields."},
            {"UNION", "Indicates this type is a union. `possibleTypes` is a valid field."},
            {"ENUM", "Indicates this type is an enum. `enumValues` is a valid field."},
            {"INPUT_OBJECT",
             "Indicates this type is an input object. `inputFields` is a valid field."},
            {"LIST", "Indicates this type is a list. `ofType` is a valid field."},
            {"NON_NULL", "Indicates this type is a non-null. `ofType` is a valid field."},
        }));
    return t;
}

bool is_introspection_type(std::string_view name) {
    return name.size() > 2 && name.compare(0, 2, "__") == 0;
}

const Field* field_definition(const Schema& schema, const Type& parent, std::string_view name) {
    if (name.size() > 2 && name[0] == '_' && name[1] == '_' && parent.name == kQueryType &&
        schema.find_type(kQueryType) == &parent) {
        if (name == "__schema")
            return &schema_field();
        if (name == "__type")
            return &type_field();
    }
    return parent.field(name);
}

std::optional<Json> introspect(const Schema& schema, const PlannedField& field,
                               std::size_t& budget) {
    Introspector introspector(schema, budget);
    Json value;
    if (field.name == "__schema") {
        value = introspector.schema({&field});
    } else {
        auto name = field.arguments.find("name");
        if (name != field.arguments.end() && name->is_string())
            value = introspector.type_by_name(name->get<std::string>(), {&field});
    }
    if (introspector.over())
        return std::nullopt;
    return value;
}

std::string print_default_value(const Schema& schema, const TypeRef& type, const Json& value) {
    std::string out;
    append_default(out, schema, type, value);
    return out;
}

}  // namespace udm::graphql
