// Validation rules as the @constraint directive on field definitions.
#include "constraint.hpp"

#include <cstdint>
#include <limits>

namespace udm::graphql {

namespace {

using model::DataType;

bool is_numeric(DataType t) { return t == DataType::kNumber || t == DataType::kInteger; }
bool is_temporal(DataType t) { return t == DataType::kDate || t == DataType::kTimestamp; }

// A length for an Int argument: rule lengths are 64-bit, GraphQL Int is 32-bit. No text
// value is longer than PostgreSQL's 1 GB limit, so clamping changes no outcome.
Json clamped_length(const Json& v) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
    if (v.is_number_unsigned()) return v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMax) ? Json(kMax) : v;
    return v.get<std::int64_t>() > kMax ? Json(kMax) : v;
}

bool all_of_type(const Json& v, bool (Json::*is)() const noexcept) {
    if (!v.is_array() || v.empty()) return false;
    for (const Json& x : v) {
        if (!(x.*is)()) return false;
    }
    return true;
}

}  // namespace

DirectiveDefinition constraint_definition() {
    auto arg = [](const char* name, TypeRef type, const char* description) {
        return InputValue{name, std::string(description), std::move(type)};
    };
    const TypeRef kInt = TypeRef::named("Int"), kFloat = TypeRef::named("Float"),
                  kString = TypeRef::named("String"), kBoolean = TypeRef::named("Boolean");
    DirectiveDefinition d;
    d.name = "constraint";
    d.description =
        "The validation rules udm enforces on this field's values when a thing is written "
        "(the effective rules of the attribute on this class: attribute rules overridden by "
        "the class's own, key by key).";
    d.arguments = {
        arg("minLength", kInt, "At least this many characters (Unicode code points)."),
        arg("maxLength", kInt, "At most this many characters (Unicode code points)."),
        arg("pattern", kString, "An RE2 regular expression the value must contain a match of."),
        arg("format", kString, "A named format: email, uri, uuid, date, date-time, ipv4, ipv6 or hostname."),
        arg("notBlank", kBoolean, "Not empty and not only white space."),
        arg("enum", TypeRef::list(TypeRef::non_null(kString)), "The text values allowed."),
        arg("numberEnum", TypeRef::list(TypeRef::non_null(kFloat)), "The numbers allowed."),
        arg("min", kFloat, "Inclusive lower bound of a number."),
        arg("max", kFloat, "Inclusive upper bound of a number."),
        arg("exclusiveMin", kFloat, "Exclusive lower bound of a number."),
        arg("exclusiveMax", kFloat, "Exclusive upper bound of a number."),
        arg("multipleOf", kFloat, "The number must be a whole multiple of this."),
        arg("earliest", kString,
            "Inclusive lower bound of a date or time: a literal, or relative such as \"today-18y\" or \"now+1d\"."),
        arg("latest", kString, "Inclusive upper bound of a date or time, written like earliest."),
        arg("required", kBoolean, "A value must be given."),
        arg("unique", kBoolean, "No two live things of the class have the same value."),
    };
    d.locations = {"FIELD_DEFINITION"};
    return d;
}

std::optional<AppliedDirective> constraint_directive(DataType type, const Json& rules) {
    if (!rules.is_object()) return std::nullopt;
    AppliedDirective d{"constraint", {}};
    auto value = [&rules](const char* key) -> const Json* {
        auto it = rules.find(key);
        return it == rules.end() ? nullptr : &*it;
    };
    auto add = [&d](const char* name, Json v) { d.arguments.emplace_back(name, std::move(v)); };
    const bool text = type == DataType::kText;
    // In the order of the directive's arguments.
    if (const Json* v = value("min_length"); v && text && v->is_number_integer() && *v >= 0) add("minLength", clamped_length(*v));
    if (const Json* v = value("max_length"); v && text && v->is_number_integer() && *v >= 0) add("maxLength", clamped_length(*v));
    if (const Json* v = value("pattern"); v && text && v->is_string()) add("pattern", *v);
    if (const Json* v = value("format"); v && text && v->is_string()) add("format", *v);
    if (const Json* v = value("not_blank"); v && text && v->is_boolean()) add("notBlank", *v);
    if (const Json* v = value("enum"); v && text && all_of_type(*v, &Json::is_string)) add("enum", *v);
    if (const Json* v = value("enum"); v && is_numeric(type) && all_of_type(*v, &Json::is_number)) add("numberEnum", *v);
    for (auto [key, arg] : {std::pair{"min", "min"}, {"max", "max"}, {"exclusive_min", "exclusiveMin"},
                            {"exclusive_max", "exclusiveMax"}, {"multiple_of", "multipleOf"}}) {
        if (const Json* v = value(key); v && is_numeric(type) && v->is_number()) add(arg, *v);
    }
    if (const Json* v = value("min"); v && is_temporal(type) && v->is_string()) add("earliest", *v);
    if (const Json* v = value("max"); v && is_temporal(type) && v->is_string()) add("latest", *v);
    if (const Json* v = value("required"); v && v->is_boolean()) add("required", *v);
    if (const Json* v = value("unique"); v && v->is_boolean()) add("unique", *v);
    if (d.arguments.empty()) return std::nullopt;
    return d;
}

}  // namespace udm::graphql
