// Checking, coercing and printing input values.
#include "values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "literal.hpp"
#include "suggest.hpp"

namespace udm::graphql {

namespace {

using Kind = Value::Kind;

// The 64-bit value of an Int literal, or nullopt when it does not fit.
std::optional<std::int64_t> int_of(const std::string& text) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return v;
}

double float_of(const std::string& text) {
    double v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    return v;
}

bool fits_int32(std::int64_t v) {
    return v >= std::numeric_limits<std::int32_t>::min() &&
           v <= std::numeric_limits<std::int32_t>::max();
}

// " Did you mean the enum value ...?" for a name that is not a value of an enum.
std::string enum_hint(const Type& type, const std::string& name) {
    std::vector<std::string> names;
    for (const EnumValue& v : type.values)
        names.push_back(v.name);
    return did_you_mean(suggestions(name, names), "the enum value");
}

// The message why a literal of a named input type is not one, or nullopt when it is.
std::optional<std::string> literal_problem(const Type& type, const Value& v) {
    const std::string& n = type.name;
    if (type.kind == TypeKind::kEnum) {
        if (v.kind != Kind::kEnum) {
            return "Enum \"" + n + "\" cannot represent non-enum value: " + print_value(v) + "." +
                   enum_hint(type, print_value(v));
        }
        if (!type.has_value(v.text))
            return "Value \"" + v.text + "\" does not exist in \"" + n + "\" enum." +
                   enum_hint(type, v.text);
        return std::nullopt;
    }
    if (n == "Int") {
        if (v.kind != Kind::kInt)
            return "Int cannot represent non-integer value: " + print_value(v);
        auto i = int_of(v.text);
        if (!i || !fits_int32(*i))
            return "Int cannot represent non 32-bit signed integer value: " + v.text;
    } else if (n == "Float") {
        if (v.kind != Kind::kInt && v.kind != Kind::kFloat)
            return "Float cannot represent non numeric value: " + print_value(v);
    } else if (n == "String") {
        if (v.kind != Kind::kString)
            return "String cannot represent a non string value: " + print_value(v);
    } else if (n == "Boolean") {
        if (v.kind != Kind::kBoolean)
            return "Boolean cannot represent a non boolean value: " + print_value(v);
    } else if (n == "ID") {
        if (v.kind != Kind::kString && v.kind != Kind::kInt) {
            return "ID cannot represent a non-string and non-integer value: " + print_value(v);
        }
    }
    // The schema's own scalars (BigInt, Date, DateTime, JSON) take any literal, as
    // graphql-js takes them for scalars declared in SDL.
    return std::nullopt;
}

// A literal of one of the schema's own scalars as plain JSON.
Json untyped(const Value& v, const Json& variables) {
    switch (v.kind) {
        case Kind::kVariable: {
            auto it = variables.find(v.text);
            return it == variables.end() ? Json() : *it;
        }
        case Kind::kInt:
            if (auto i = int_of(v.text))
                return *i;
            return float_of(v.text);
        case Kind::kFloat:
            return float_of(v.text);
        case Kind::kString:
        case Kind::kEnum:
            return v.text;
        case Kind::kBoolean:
            return v.boolean;
        case Kind::kNull:
            return nullptr;
        case Kind::kList: {
            Json out = Json::array();
            for (const Value& x : v.list)
                out.push_back(untyped(x, variables));
            return out;
        }
        case Kind::kObject: {
            // graphql-js valueFromASTUntyped: a missing variable leaves its field out.
            Json out = Json::object();
            for (const auto& [k, x] : v.fields) {
                if (x.kind != Kind::kVariable || variables.contains(x.text))
                    out[k] = untyped(x, variables);
            }
            return out;
        }
    }
    return nullptr;
}

// Why a JSON value is not a value of a named input type, or nullopt; out gets the
// coerced value (IDs given as numbers become strings).
std::optional<std::string> json_problem(const Type& type, const Json& v, Json& out) {
    const std::string& n = type.name;
    out = v;
    if (type.kind == TypeKind::kEnum) {
        if (!v.is_string())
            return "Enum \"" + n + "\" cannot represent non-string value: " + inspect(v) + ".";
        if (!type.has_value(v.get<std::string>())) {
            return "Value \"" + v.get<std::string>() + "\" does not exist in \"" + n + "\" enum." +
                   enum_hint(type, v.get<std::string>());
        }
        return std::nullopt;
    }
    if (n == "Int") {
        const bool integral =
            v.is_number_integer() ||
            (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>());
        if (!integral)
            return "Int cannot represent non-integer value: " + inspect(v);
        const double d = v.get<double>();
        if (d < std::numeric_limits<std::int32_t>::min() ||
            d > std::numeric_limits<std::int32_t>::max()) {
            return "Int cannot represent non 32-bit signed integer value: " + inspect(v);
        }
        out = static_cast<std::int64_t>(d);
    } else if (n == "Float") {
        if (!v.is_number())
            return "Float cannot represent non numeric value: " + inspect(v);
    } else if (n == "String") {
        if (!v.is_string())
            return "String cannot represent a non string value: " + inspect(v);
    } else if (n == "Boolean") {
        if (!v.is_boolean())
            return "Boolean cannot represent a non boolean value: " + inspect(v);
    } else if (n == "ID") {
        if (v.is_number_integer()) {
            out = inspect(v);
        } else if (!v.is_string()) {
            return "ID cannot represent value: " + inspect(v);
        }
    }
    return std::nullopt;
}

std::optional<std::string> coerce_json(const Schema& s, const Json& v, const TypeRef& type,
                                       Json& out, std::string& path, Json& bad);

// An input object's fields from a JSON object (graphql-js coerceInputValue): defaults for
// absent fields, every required one present, no unknown one.
std::optional<std::string> coerce_object(const Schema& s, const Type& t, const Json& v, Json& out,
                                         std::string& path, Json& bad) {
    if (!v.is_object()) {
        bad = v;
        return "Expected type \"" + t.name + "\" to be an object.";
    }
    out = Json::object();
    for (const InputValue& field : t.input_fields) {
        auto it = v.find(field.name);
        if (it == v.end()) {
            if (field.default_value) {
                out[field.name] = default_value(s, field);
            } else if (field.type.is_non_null()) {
                bad = v;
                return "Field \"" + field.name + "\" of required type \"" + field.type.to_string() +
                       "\" was not provided.";
            }
            continue;
        }
        const std::size_t mark = path.size();
        path += "." + field.name;
        Json item;
        if (auto e = coerce_json(s, *it, field.type, item, path, bad))
            return e;
        path.resize(mark);
        out[field.name] = std::move(item);
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
        if (t.input_field(it.key()) != nullptr)
            continue;
        std::vector<std::string> names;
        for (const InputValue& f : t.input_fields)
            names.push_back(f.name);
        bad = v;
        return "Field \"" + it.key() + "\" is not defined by type \"" + t.name + "\"." +
               did_you_mean(suggestions(it.key(), names));
    }
    return std::nullopt;
}

// Coerces v to type; path is where in the variable's value ("x[0]", "x.a").
std::optional<std::string> coerce_json(const Schema& s, const Json& v, const TypeRef& type,
                                       Json& out, std::string& path, Json& bad) {
    if (type.is_non_null()) {
        if (v.is_null()) {
            bad = v;
            return "Expected non-nullable type \"" + type.to_string() + "\" not to be null.";
        }
        return coerce_json(s, v, type.of(), out, path, bad);
    }
    if (v.is_null()) {
        out = nullptr;
        return std::nullopt;
    }
    if (type.is_list()) {
        out = Json::array();
        if (!v.is_array()) {
            Json item;
            if (auto e = coerce_json(s, v, type.of(), item, path, bad))
                return e;
            out.push_back(std::move(item));
            return std::nullopt;
        }
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::size_t mark = path.size();
            path += "[" + std::to_string(i) + "]";
            Json item;
            if (auto e = coerce_json(s, v[i], type.of(), item, path, bad))
                return e;
            path.resize(mark);
            out.push_back(std::move(item));
        }
        return std::nullopt;
    }
    const Type* t = s.find_type(type.named_type());
    if (t == nullptr)
        return "Unknown type \"" + type.named_type() + "\".";
    if (t->kind == TypeKind::kInputObject)
        return coerce_object(s, *t, v, out, path, bad);
    auto problem = json_problem(*t, v, out);
    if (problem)
        bad = v;
    return problem;
}

}  // namespace

std::string print_value(const Value& v) {
    switch (v.kind) {
        case Kind::kVariable:
            return "$" + v.text;
        case Kind::kString:
            return print_string(v.text);
        case Kind::kBoolean:
            return v.boolean ? "true" : "false";
        case Kind::kNull:
            return "null";
        case Kind::kList: {
            std::string out = "[";
            for (std::size_t i = 0; i < v.list.size(); ++i)
                out += (i ? ", " : "") + print_value(v.list[i]);
            return out + "]";
        }
        case Kind::kObject: {
            std::string out = "{";
            for (std::size_t i = 0; i < v.fields.size(); ++i) {
                out += (i ? ", " : "") + v.fields[i].first + ": " + print_value(v.fields[i].second);
            }
            return out + "}";
        }
        default:
            return v.text;
    }
}

bool is_input_type(const Schema& schema, const TypeRef& type) {
    const Type* t = schema.find_type(type.named_type());
    return t != nullptr && t->kind != TypeKind::kObject;
}

std::string inspect(const Json& v, int depth) {
    // graphql-js inspect(): strings quoted, objects as { a: 1 }, nesting beyond two levels
    // and lists beyond ten items abbreviated.
    constexpr int kMaxDepth = 2;
    constexpr std::size_t kMaxItems = 10;
    if (v.is_array()) {
        if (v.empty())
            return "[]";
        if (depth >= kMaxDepth)
            return "[Array]";
        std::string out = "[";
        const std::size_t shown = std::min(v.size(), kMaxItems);
        for (std::size_t i = 0; i < shown; ++i)
            out += (i ? ", " : "") + inspect(v[i], depth + 1);
        if (v.size() > shown) {
            const std::size_t more = v.size() - shown;
            out += ", ... " + std::to_string(more) + (more == 1 ? " more item" : " more items");
        }
        return out + "]";
    }
    if (v.is_object()) {
        if (v.empty())
            return "{}";
        if (depth >= kMaxDepth)
            return "[Object]";
        std::string out = "{ ";
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            out += (first ? "" : ", ") + it.key() + ": " + inspect(*it, depth + 1);
            first = false;
        }
        return out + " }";
    }
    return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json default_value(const Schema& schema, const InputValue& input) {
    if (!input.default_value)
        return nullptr;
    // Stored as written (an input object's default may leave out fields with defaults of
    // their own): coerced as graphql-js coerces the default literal when it builds a schema.
    Json out;
    std::string path;
    Json bad;
    if (coerce_json(schema, *input.default_value, input.type, out, path, bad))
        return *input.default_value;
    return out;
}

namespace {

// ValuesOfCorrectTypeRule and UniqueInputFieldNamesRule on one literal at a position of
// type location.
void check(const Schema& s, const Value& v, const TypeRef& location, std::vector<Error>& errors) {
    if (v.kind == Kind::kVariable)
        return;
    if (v.kind == Kind::kNull) {
        if (location.is_non_null()) {
            errors.push_back(
                {"Expected value of type \"" + location.to_string() + "\", found null.",
                 {v.location},
                 {}});
        }
        return;
    }
    const TypeRef& type = location.nullable();
    if (type.is_list() && v.kind == Kind::kList) {
        for (const Value& item : v.list)
            check(s, item, type.of(), errors);
        return;
    }
    // A single value where a list is expected is checked as an item of it (input
    // coercion makes it a list of one); messages still name the whole position's type.
    const Type* t = s.find_type(type.named_type());
    if (t == nullptr)
        return;  // reported as an unknown type
    if (t->kind == TypeKind::kObject ||
        (t->kind == TypeKind::kInputObject && v.kind != Kind::kObject)) {
        errors.push_back({"Expected value of type \"" + location.to_string() + "\", found " +
                              print_value(v) + ".",
                          {v.location},
                          {}});
        return;
    }
    if (t->kind != TypeKind::kInputObject) {
        if (auto problem = literal_problem(*t, v))
            errors.push_back({*problem, {v.location}, {}});
        return;
    }
    for (const InputValue& f : t->input_fields) {
        if (!f.type.is_non_null() || f.default_value)
            continue;
        const bool given = std::any_of(v.fields.begin(), v.fields.end(),
                                       [&f](const auto& field) { return field.first == f.name; });
        if (!given) {
            errors.push_back({"Field \"" + t->name + "." + f.name + "\" of required type \"" +
                                  f.type.to_string() + "\" was not provided.",
                              {v.location},
                              {}});
        }
    }
    for (std::size_t i = 0; i < v.fields.size(); ++i) {
        const auto& [name, value] = v.fields[i];
        const Location at = i < v.field_locations.size() ? v.field_locations[i] : v.location;
        const InputValue* def = t->input_field(name);
        if (def == nullptr) {
            std::vector<std::string> names;
            for (const InputValue& f : t->input_fields)
                names.push_back(f.name);
            errors.push_back({"Field \"" + name + "\" is not defined by type \"" + t->name + "\"." +
                                  did_you_mean(suggestions(name, names)),
                              {at},
                              {}});
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (v.fields[j].first != name)
                continue;
            const Location first = j < v.field_locations.size() ? v.field_locations[j] : v.location;
            errors.push_back(
                {"There can be only one input field named \"" + name + "\".", {first, at}, {}});
            break;
        }
        if (def != nullptr)
            check(s, value, def->type, errors);
    }
}

}  // namespace

void check_literal(const Schema& s, const Value& v, const TypeRef& type,
                   std::vector<Error>& errors) {
    check(s, v, type, errors);
}

Coerced coerce_variable(const Schema& s, const std::string& name, const Json& value,
                        const TypeRef& type) {
    Coerced c;
    std::string path;
    Json bad;
    if (auto problem = coerce_json(s, value, type, c.value, path, bad)) {
        c.error = "Variable \"$" + name + "\" got invalid value " + inspect(bad) +
                  (path.empty() ? std::string() : " at \"" + name + path + "\"") + "; " + *problem;
    }
    return c;
}

std::optional<Json> coerce_literal(const Schema& s, const Value& v, const TypeRef& type,
                                   const Json& variables) {
    if (v.kind == Kind::kVariable) {
        auto it = variables.find(v.text);
        if (it == variables.end())
            return std::nullopt;
        if (it->is_null() && type.is_non_null())
            return std::nullopt;
        return *it;
    }
    if (type.is_non_null()) {
        if (v.kind == Kind::kNull)
            return std::nullopt;
        return coerce_literal(s, v, type.of(), variables);
    }
    if (v.kind == Kind::kNull)
        return Json(nullptr);
    if (type.is_list()) {
        Json out = Json::array();
        if (v.kind != Kind::kList) {
            auto item = coerce_literal(s, v, type.of(), variables);
            if (!item)
                return std::nullopt;
            out.push_back(std::move(*item));
            return out;
        }
        for (const Value& x : v.list) {
            // A missing variable in a list is null (spec: ValueFromAST).
            if (x.kind == Kind::kVariable && !variables.contains(x.text)) {
                if (type.of().is_non_null())
                    return std::nullopt;
                out.push_back(nullptr);
                continue;
            }
            auto item = coerce_literal(s, x, type.of(), variables);
            if (!item)
                return std::nullopt;
            out.push_back(std::move(*item));
        }
        return out;
    }
    const Type* t = s.find_type(type.named_type());
    if (t == nullptr)
        return std::nullopt;
    if (t->kind == TypeKind::kInputObject) {
        if (v.kind != Kind::kObject)
            return std::nullopt;
        // graphql-js valueFromAST: fields in definition order, defaults for absent ones and
        // for variables not given.
        Json out = Json::object();
        for (const InputValue& field : t->input_fields) {
            const Value* given = nullptr;
            for (const auto& [name, value] : v.fields) {
                if (name == field.name)
                    given = &value;
            }
            if (given == nullptr ||
                (given->kind == Kind::kVariable && !variables.contains(given->text))) {
                if (field.default_value)
                    out[field.name] = default_value(s, field);
                else if (field.type.is_non_null())
                    return std::nullopt;
                continue;
            }
            auto item = coerce_literal(s, *given, field.type, variables);
            if (!item)
                return std::nullopt;
            out[field.name] = std::move(*item);
        }
        return out;
    }
    if (literal_problem(*t, v))
        return std::nullopt;
    if (t->kind == TypeKind::kEnum)
        return Json(v.text);
    const std::string& n = t->name;
    if (n == "Int")
        return Json(*int_of(v.text));
    if (n == "Float")
        return Json(float_of(v.text));
    if (n == "String" || n == "ID")
        return Json(v.text);
    if (n == "Boolean")
        return Json(v.boolean);
    return untyped(v, variables);
}

}  // namespace udm::graphql
