// Checking, coercing and printing input values.
#include "values.hpp"

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
            Json out = Json::object();
            for (const auto& [k, x] : v.fields)
                out[k] = untyped(x, variables);
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
            return "Enum \"" + n + "\" cannot represent non-string value: " + v.dump() + ".";
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
            return "Int cannot represent non-integer value: " + v.dump();
        const double d = v.get<double>();
        if (d < std::numeric_limits<std::int32_t>::min() ||
            d > std::numeric_limits<std::int32_t>::max()) {
            return "Int cannot represent non 32-bit signed integer value: " + v.dump();
        }
        out = static_cast<std::int64_t>(d);
    } else if (n == "Float") {
        if (!v.is_number())
            return "Float cannot represent non numeric value: " + v.dump();
    } else if (n == "String") {
        if (!v.is_string())
            return "String cannot represent a non string value: " + v.dump();
    } else if (n == "Boolean") {
        if (!v.is_boolean())
            return "Boolean cannot represent a non boolean value: " + v.dump();
    } else if (n == "ID") {
        if (v.is_number_integer()) {
            out = v.dump();
        } else if (!v.is_string()) {
            return "ID cannot represent value: " + v.dump();
        }
    }
    return std::nullopt;
}

// Coerces v to type; path is where in the variable's value ("x[0]").
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
    return t != nullptr && (t->kind == TypeKind::kScalar || t->kind == TypeKind::kEnum);
}

void check_literal(const Schema& s, const Value& v, const TypeRef& type,
                   std::vector<Error>& errors) {
    if (v.kind == Kind::kVariable)
        return;
    if (type.is_non_null()) {
        if (v.kind == Kind::kNull) {
            errors.push_back({"Expected value of type \"" + type.to_string() + "\", found null.",
                              {v.location},
                              {}});
            return;
        }
        check_literal(s, v, type.of(), errors);
        return;
    }
    if (v.kind == Kind::kNull)
        return;
    if (type.is_list()) {
        if (v.kind != Kind::kList) {
            check_literal(s, v, type.of(), errors);
            return;
        }
        for (const Value& item : v.list)
            check_literal(s, item, type.of(), errors);
        return;
    }
    const Type* t = s.find_type(type.named_type());
    if (t == nullptr)
        return;  // reported as an unknown type
    if (t->kind == TypeKind::kObject) {
        errors.push_back(
            {"Expected value of type \"" + type.to_string() + "\", found " + print_value(v) + ".",
             {v.location},
             {}});
        return;
    }
    if (auto problem = literal_problem(*t, v))
        errors.push_back({*problem, {v.location}, {}});
}

Coerced coerce_variable(const Schema& s, const std::string& name, const Json& value,
                        const TypeRef& type) {
    Coerced c;
    std::string path;
    Json bad;
    if (auto problem = coerce_json(s, value, type, c.value, path, bad)) {
        c.error = "Variable \"$" + name + "\" got invalid value " + bad.dump() +
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
    if (t == nullptr || literal_problem(*t, v))
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
