// Validation rules as the @constraint directive on field definitions.
#include "constraint.hpp"

#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

namespace udm::graphql {

namespace {

using model::DataType;

// Whether the rules of numbers apply to values of type t.
bool is_numeric(DataType t) {
    return t == DataType::kNumber || t == DataType::kInteger;
}
// Whether the rules of dates and times apply to values of type t.
bool is_temporal(DataType t) {
    return t == DataType::kDate || t == DataType::kTimestamp;
}

// A length for an Int argument: rule lengths are 64-bit, GraphQL Int is 32-bit. No text
// value is longer than PostgreSQL's 1 GB limit, so clamping changes no outcome.
Json clamped_length(const Json& v) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
    if (v.is_number_unsigned())
        return v.get<std::uint64_t>() > static_cast<std::uint64_t>(kMax) ? Json(kMax) : v;
    return v.get<std::int64_t>() > kMax ? Json(kMax) : v;
}

// Whether v is a non-empty array whose items all are of the JSON type that is tests.
bool all_of_type(const Json& v, bool (Json::*is)() const noexcept) {
    if (!v.is_array() || v.empty())
        return false;
    for (const Json& x : v) {
        if (!(x.*is)())
            return false;
    }
    return true;
}

}  // namespace

DirectiveDefinition constraint_definition() {
    auto arg = [](const char* name, TypeRef type, const char* description) {
        return InputValue{name, std::string(description), std::move(type), std::nullopt};
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
        arg("format", kString,
            "A named format: email, uri, uuid, date, date-time, ipv4, ipv6 or hostname."),
        arg("notBlank", kBoolean, "Not empty and not only white space."),
        arg("enum", TypeRef::list(TypeRef::non_null(kString)), "The text values allowed."),
        arg("numberEnum", TypeRef::list(TypeRef::non_null(kFloat)), "The numbers allowed."),
        arg("min", kFloat, "Inclusive lower bound of a number."),
        arg("max", kFloat, "Inclusive upper bound of a number."),
        arg("exclusiveMin", kFloat, "Exclusive lower bound of a number."),
        arg("exclusiveMax", kFloat, "Exclusive upper bound of a number."),
        arg("multipleOf", kFloat, "The number must be a whole multiple of this."),
        arg("earliest", kString,
            "Inclusive lower bound of a date or time: a literal, or relative such as \"today-18y\" "
            "or \"now+1d\"."),
        arg("latest", kString, "Inclusive upper bound of a date or time, written like earliest."),
        arg("required", kBoolean, "A value must be given."),
        arg("unique", kBoolean, "No two live things of the class have the same value."),
    };
    d.locations = {"FIELD_DEFINITION"};
    return d;
}

std::optional<AppliedDirective> constraint_directive(DataType type, const Json& class_rules,
                                                     const Json& attribute_rules,
                                                     const Json& assignment_rules, bool required) {
    // The layers, least specific first, as rules::effective_rules merges them.
    const Json* layers[3] = {nullptr, &attribute_rules, &assignment_rules};
    if (auto d = class_rules.find("defaults"); d != class_rules.end() && d->is_object()) {
        if (auto t = d->find(std::string(model::type_name(type))); t != d->end())
            layers[0] = &*t;
    }
    // One pass over each layer picks the values, later layers overriding earlier ones;
    // they are emitted in the order of the directive's arguments.
    enum Key {
        kMinLength,
        kMaxLength,
        kPattern,
        kFormat,
        kNotBlank,
        kEnum,
        kMin,
        kMax,
        kExclusiveMin,
        kExclusiveMax,
        kMultipleOf,
        kRequired,
        kUnique,
        kCount
    };
    static constexpr std::pair<std::string_view, Key> kKeys[] = {{"min_length", kMinLength},
                                                                 {"max_length", kMaxLength},
                                                                 {"pattern", kPattern},
                                                                 {"format", kFormat},
                                                                 {"not_blank", kNotBlank},
                                                                 {"enum", kEnum},
                                                                 {"min", kMin},
                                                                 {"max", kMax},
                                                                 {"exclusive_min", kExclusiveMin},
                                                                 {"exclusive_max", kExclusiveMax},
                                                                 {"multiple_of", kMultipleOf},
                                                                 {"required", kRequired},
                                                                 {"unique", kUnique}};
    const Json* v[kCount] = {};
    for (const Json* layer : layers) {
        if (layer == nullptr || !layer->is_object())
            continue;
        for (auto it = layer->begin(); it != layer->end(); ++it) {
            for (const auto& [name, key] : kKeys) {
                if (it.key() == name)
                    v[key] = &*it;
            }
        }
    }
    static const Json kTrue = true;
    if (required)
        v[kRequired] = &kTrue;
    // The arguments are picked first, so that the directive is allocated at its size (and
    // not at all for most fields).
    struct Picked {
        const char* name;
        const Json* value;
    };
    Picked picked[16];  // at most one per argument of @constraint
    std::size_t n = 0;
    auto add = [&picked, &n](const char* name, const Json& value) { picked[n++] = {name, &value}; };
    Json min_length, max_length;  // clamped
    const bool text = type == DataType::kText;
    const bool numeric = is_numeric(type);
    const bool temporal = is_temporal(type);
    auto length = [](const Json* x) { return x != nullptr && x->is_number_integer() && *x >= 0; };
    if (text && length(v[kMinLength])) {
        min_length = clamped_length(*v[kMinLength]);
        add("minLength", min_length);
    }
    if (text && length(v[kMaxLength])) {
        max_length = clamped_length(*v[kMaxLength]);
        add("maxLength", max_length);
    }
    if (text && v[kPattern] && v[kPattern]->is_string())
        add("pattern", *v[kPattern]);
    if (text && v[kFormat] && v[kFormat]->is_string())
        add("format", *v[kFormat]);
    if (text && v[kNotBlank] && v[kNotBlank]->is_boolean())
        add("notBlank", *v[kNotBlank]);
    if (text && v[kEnum] && all_of_type(*v[kEnum], &Json::is_string))
        add("enum", *v[kEnum]);
    if (numeric && v[kEnum] && all_of_type(*v[kEnum], &Json::is_number))
        add("numberEnum", *v[kEnum]);
    for (auto [key, arg] : {std::pair{kMin, "min"},
                            {kMax, "max"},
                            {kExclusiveMin, "exclusiveMin"},
                            {kExclusiveMax, "exclusiveMax"},
                            {kMultipleOf, "multipleOf"}}) {
        if (numeric && v[key] && v[key]->is_number())
            add(arg, *v[key]);
    }
    if (temporal && v[kMin] && v[kMin]->is_string())
        add("earliest", *v[kMin]);
    if (temporal && v[kMax] && v[kMax]->is_string())
        add("latest", *v[kMax]);
    if (v[kRequired] && v[kRequired]->is_boolean())
        add("required", *v[kRequired]);
    if (v[kUnique] && v[kUnique]->is_boolean())
        add("unique", *v[kUnique]);
    if (n == 0)
        return std::nullopt;
    AppliedDirective d{"constraint", {}};
    d.arguments.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        d.arguments.emplace_back(picked[i].name, *picked[i].value);
    return d;
}

}  // namespace udm::graphql
