// From checked rule sets to the compiled rules of a class.
#include <algorithm>

#include "udm/core/error.hpp"
#include "udm/core/rules_internal.hpp"

namespace udm::rules {

namespace {

std::optional<double> number(const Json& rules, const char* key) {
    auto it = rules.find(key);
    return it != rules.end() && it->is_number() ? std::optional<double>(it->get<double>())
                                                : std::nullopt;
}

std::optional<std::int64_t> integer(const Json& rules, const char* key) {
    auto it = rules.find(key);
    return it != rules.end() && it->is_number_integer()
               ? std::optional<std::int64_t>(it->get<std::int64_t>())
               : std::nullopt;
}

bool flag(const Json& rules, const char* key) {
    auto it = rules.find(key);
    return it != rules.end() && it->is_boolean() && it->get<bool>();
}

std::string text(const Json& rules, const char* key) {
    auto it = rules.find(key);
    return it != rules.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Format format_of(const std::string& name) {
    static constexpr std::pair<std::string_view, Format> kFormats[] = {
        {"email", Format::kEmail},        {"uri", Format::kUri},
        {"uuid", Format::kUuid},          {"date", Format::kDate},
        {"date-time", Format::kDateTime}, {"ipv4", Format::kIpv4},
        {"ipv6", Format::kIpv6},          {"hostname", Format::kHostname}};
    for (const auto& [n, f] : kFormats) {
        if (n == name)
            return f;
    }
    return Format::kNone;
}

CompiledAttribute compile_attribute(const std::string& name, DataType type, const Json& rules) {
    CompiledAttribute a;
    a.name = name;
    a.type = type;
    a.required = flag(rules, "required");
    a.not_blank = flag(rules, "not_blank");
    a.min_length = integer(rules, "min_length");
    a.max_length = integer(rules, "max_length");
    a.pattern_source = text(rules, "pattern");
    if (!a.pattern_source.empty()) {
        auto re = std::make_shared<re2::RE2>(a.pattern_source, pattern_options());
        if (!re->ok())
            throw Error(sqlstate::kInvalidRegularExpression,
                        "invalid pattern for attribute \"" + name + "\": " + re->error());
        a.pattern = std::move(re);
    }
    a.format = format_of(text(rules, "format"));
    if (auto it = rules.find("enum"); it != rules.end() && it->is_array()) {
        for (const Json& v : *it) {
            if (v.is_string())
                a.enum_text.push_back(v.get<std::string>());
            if (v.is_number())
                a.enum_number.push_back(v.get<double>());
        }
    }
    if (type == DataType::kNumber || type == DataType::kInteger) {
        a.min = number(rules, "min");
        a.max = number(rules, "max");
        a.exclusive_min = number(rules, "exclusive_min");
        a.exclusive_max = number(rules, "exclusive_max");
        a.multiple_of = number(rules, "multiple_of");
    }
    if (type == DataType::kDate || type == DataType::kTimestamp) {
        if (auto s = text(rules, "min"); !s.empty()) {
            a.time_min = parse_bound(type, s);
            a.time_min_source = s;
        }
        if (auto s = text(rules, "max"); !s.empty()) {
            a.time_max = parse_bound(type, s);
            a.time_max_source = s;
        }
    }
    a.custom = text(rules, "custom");
    a.message = text(rules, "message");
    return a;
}

}  // namespace

bool CompiledAttribute::has_rules() const {
    return required || not_blank || min_length || max_length || pattern ||
           format != Format::kNone || !enum_text.empty() || !enum_number.empty() || min || max ||
           exclusive_min || exclusive_max || multiple_of || time_min || time_max || !custom.empty();
}

bool CompiledClass::empty() const {
    return required_together.empty() && one_of_required.empty() && compares.empty() &&
           std::none_of(attributes.begin(), attributes.end(),
                        [](const CompiledAttribute& a) { return a.has_rules(); });
}

int CompiledClass::index_of(std::string_view attribute) const {
    for (std::size_t i = 0; i < attributes.size(); ++i) {
        if (attributes[i].name == attribute)
            return static_cast<int>(i);
    }
    return -1;
}

CompiledClass compile(const model::Model& m, const model::ThingClass& cls) {
    CompiledClass c;
    c.name = cls.name;
    for (const auto& [aname, as] : cls.assignments) {
        c.attributes.push_back(
            compile_attribute(aname, m.attributes.at(aname).type, effective_rules(m, cls, as)));
    }
    auto indexes = [&c](const Json& names) {
        std::vector<std::size_t> out;
        for (const Json& n : names) {
            if (n.is_string() && c.index_of(n.get<std::string>()) >= 0) {
                out.push_back(static_cast<std::size_t>(c.index_of(n.get<std::string>())));
            }
        }
        return out;
    };
    for (const char* key : {"required_together", "one_of_required"}) {
        auto it = cls.rules.find(key);
        if (it == cls.rules.end() || !it->is_array())
            continue;
        for (const Json& group : *it) {
            auto idx = indexes(group);
            if (idx.size() >= 2)
                (std::string(key) == "required_together" ? c.required_together : c.one_of_required)
                    .push_back(idx);
        }
    }
    if (auto it = cls.rules.find("compare");
        it != cls.rules.end() && it->is_array() && !it->empty()) {
        std::vector<const Json*> list;
        if ((*it)[0].is_array()) {
            for (const Json& x : *it)
                list.push_back(&x);
        } else {
            list.push_back(&*it);
        }
        for (const Json* x : list) {
            if (x->size() != 3 || !(*x)[0].is_string() || !(*x)[1].is_string() ||
                !(*x)[2].is_string())
                continue;
            int l = c.index_of((*x)[0].get<std::string>()),
                r = c.index_of((*x)[2].get<std::string>());
            if (l >= 0 && r >= 0) {
                c.compares.push_back({static_cast<std::size_t>(l), static_cast<std::size_t>(r),
                                      (*x)[1].get<std::string>()});
            }
        }
    }
    return c;
}

}  // namespace udm::rules
