// Rule sets checked when written: known keys, right value types, consistent bounds,
// patterns RE2 accepts. Every problem is reported, with its JSON path.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>
#include <unordered_map>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/core/rules.hpp"
#include "udm/core/rules_internal.hpp"

namespace udm::rules {

namespace {

using model::Model;

constexpr std::string_view kCommonKeys[] = {"required", "unique", "indexed", "custom", "message"};
constexpr std::string_view kTextKeys[] = {"min_length", "max_length", "pattern",
                                          "format",     "not_blank",  "enum"};
constexpr std::string_view kNumberKeys[] = {"min",           "max",         "exclusive_min",
                                            "exclusive_max", "multiple_of", "enum"};
constexpr std::string_view kTimeKeys[] = {"min", "max"};
constexpr std::string_view kFormats[] = {"email",     "uri",  "uuid", "date",
                                         "date-time", "ipv4", "ipv6", "hostname"};

bool is_text(DataType t) {
    return t == DataType::kText;
}
bool is_numeric(DataType t) {
    return t == DataType::kNumber || t == DataType::kInteger;
}
bool is_time(DataType t) {
    return t == DataType::kDate || t == DataType::kTimestamp;
}

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view key) {
    return std::find(std::begin(list), std::end(list), key) != std::end(list);
}

std::string keys_for(DataType t) {
    std::string out;
    auto add = [&out](std::string_view k) { out += (out.empty() ? "" : ", ") + std::string(k); };
    if (is_text(t))
        for (auto k : kTextKeys)
            add(k);
    if (is_numeric(t))
        for (auto k : kNumberKeys)
            add(k);
    if (is_time(t))
        for (auto k : kTimeKeys)
            add(k);
    for (auto k : kCommonKeys)
        add(k);
    return out;
}

// A function name as custom accepts it: schema.name, lower-case identifiers, never in a
// temporary schema (a temporary function ends with its session, and pg_temp is how a
// session's own objects would be slipped into everyone's rules).
bool valid_function_name(std::string_view s) {
    if (s.empty() || s.size() > 127)
        return false;
    bool start = true;
    int dots = 0;
    for (char c : s) {
        if (c == '.') {
            if (start || ++dots > 1)
                return false;
            start = true;
            continue;
        }
        const bool letter = (c >= 'a' && c <= 'z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (start ? !letter : !(letter || digit))
            return false;
        start = false;
    }
    return !start && dots == 1;
}

// Whether a schema is the system's: pg_catalog (pg_* are reserved) or information_schema.
bool system_schema(std::string_view schema) {
    return schema.rfind("pg_", 0) == 0 || schema == "information_schema";
}

// Whether a schema name is a temporary one: pg_temp (the alias) or pg_temp_N, and their
// TOAST schemas.
bool temporary_schema(std::string_view schema) {
    return schema.rfind("pg_temp", 0) == 0 || schema.rfind("pg_toast_temp", 0) == 0;
}

class Linter {
  public:
    explicit Linter(std::vector<Problem>& out) : out_(out) {}

    void problem(const std::string& path, const std::string& message,
                 std::string_view code = sqlstate::kInvalidParameterValue) {
        out_.push_back({path, message, std::string(code)});
    }

    void attribute(DataType t, const Json& rules, const std::string& path) {
        if (!rules.is_object()) {
            problem(path, "must be a JSON object");
            return;
        }
        for (auto it = rules.begin(); it != rules.end(); ++it)
            key(t, it.key(), *it, path + "." + it.key());
        bounds(t, rules, path);
    }

  private:
    void key(DataType t, const std::string& k, const Json& v, const std::string& path) {
        const bool known = contains(kCommonKeys, k) || (is_text(t) && contains(kTextKeys, k)) ||
                           (is_numeric(t) && contains(kNumberKeys, k)) ||
                           (is_time(t) && contains(kTimeKeys, k));
        if (!known) {
            problem(path, "is not a rule for " + std::string(model::type_name(t)) +
                              " attributes (rules: " + keys_for(t) + ")");
            return;
        }
        if (k == "required" || k == "unique" || k == "indexed" || k == "not_blank") {
            if (!v.is_boolean())
                problem(path, "must be true or false");
        } else if (k == "message") {
            if (!v.is_string() || v.get<std::string>().empty())
                problem(path, "must be a non-empty string");
        } else if (k == "custom") {
            if (!v.is_string() || !valid_function_name(v.get<std::string>())) {
                problem(path, "must name a function as schema.name");
            } else if (temporary_schema(
                           v.get<std::string>().substr(0, v.get<std::string>().find('.')))) {
                problem(path, "must not name a function in a temporary schema",
                        sqlstate::kInsufficientPrivilege);
            } else if (system_schema(
                           v.get<std::string>().substr(0, v.get<std::string>().find('.')))) {
                // A rule is the tenant's own code: the server's functions (advisory locks,
                // settings) would act on sessions that other tenants share through a pool.
                problem(path, "must not name a function of pg_catalog or information_schema",
                        sqlstate::kInsufficientPrivilege);
            }
        } else if (k == "min_length" || k == "max_length") {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
                problem(path, "must be a non-negative integer");
        } else if (k == "pattern") {
            if (!v.is_string()) {
                problem(path, "must be a string");
            } else if (auto why = pattern_error(v.get<std::string>())) {
                problem(path, "is not a valid RE2 pattern: " + *why,
                        sqlstate::kInvalidRegularExpression);
            }
        } else if (k == "format") {
            if (!v.is_string() || !contains(kFormats, v.get<std::string>())) {
                problem(path,
                        "must be one of email, uri, uuid, date, date-time, ipv4, ipv6, hostname");
            }
        } else if (k == "enum") {
            enumeration(t, v, path);
        } else if (k == "multiple_of") {
            if (!v.is_number() || v.get<double>() <= 0)
                problem(path, "must be a number greater than 0");
        } else if (is_numeric(t)) {  // min, max, exclusive_min, exclusive_max
            if (!v.is_number())
                problem(path, "must be a number");
        } else if (is_time(t)) {  // min, max
            if (!v.is_string() || !parse_bound(t, v.get<std::string>())) {
                problem(path, std::string("must be ") +
                                  (t == DataType::kDate ? "a date (YYYY-MM-DD)"
                                                        : "a date-time (RFC 3339)") +
                                  " or now/today with an offset such as now-18y or today+30d");
            }
        }
    }

    void enumeration(DataType t, const Json& v, const std::string& path) {
        if (!v.is_array() || v.empty()) {
            problem(path, "must be a non-empty array");
            return;
        }
        for (const Json& item : v) {
            if (is_text(t) ? !item.is_string() : !item.is_number()) {
                problem(path, is_text(t) ? "must hold strings only" : "must hold numbers only");
                return;
            }
        }
    }

    // min <= max and the like, when both are there and well-formed.
    void bounds(DataType t, const Json& rules, const std::string& path) {
        auto num = [&](const char* k) -> std::optional<double> {
            auto it = rules.find(k);
            return it != rules.end() && it->is_number() ? std::optional<double>(it->get<double>())
                                                        : std::nullopt;
        };
        auto pair = [&](const char* lo, const char* hi, bool strict) {
            auto a = num(lo), b = num(hi);
            if (a && b && (strict ? *a >= *b : *a > *b)) {
                problem(path, std::string(lo) + " must not be greater than " + hi);
            }
        };
        if (is_text(t))
            pair("min_length", "max_length", false);
        if (is_numeric(t)) {
            pair("min", "max", false);
            pair("exclusive_min", "exclusive_max", true);
            pair("min", "exclusive_max", true);
            pair("exclusive_min", "max", true);
        }
        if (is_time(t)) {
            auto lo = rules.find("min"), hi = rules.find("max");
            if (lo != rules.end() && hi != rules.end() && lo->is_string() && hi->is_string()) {
                auto a = parse_bound(t, lo->get<std::string>()),
                     b = parse_bound(t, hi->get<std::string>());
                if (a && b && !a->relative && !b->relative && a->literal > b->literal) {
                    problem(path, "min must not be later than max");
                }
            }
        }
    }

    std::vector<Problem>& out_;
};

// The assigned attribute named by a class rule, or a problem.
const model::Attribute* class_attribute(const Model& m, const model::ThingClass& cls, const Json& v,
                                        const std::string& path, Linter& lint) {
    if (!v.is_string()) {
        lint.problem(path, "must be an attribute name");
        return nullptr;
    }
    const std::string name = v.get<std::string>();
    if (!cls.assignments.count(name) || !m.attributes.count(name)) {
        lint.problem(path, "names \"" + naming::abbreviate(name) +
                               "\", which is not an attribute of class \"" + cls.name + "\"");
        return nullptr;
    }
    return &m.attributes.at(name);
}

std::optional<int> family(DataType t) {
    if (is_numeric(t))
        return 0;
    if (is_time(t))
        return 1;
    if (t == DataType::kText)
        return 2;
    return std::nullopt;
}

}  // namespace

std::optional<std::string> pattern_error(const std::string& pattern) {
    if (pattern.size() > kMaxPatternLength) {
        return "longer than " + std::to_string(kMaxPatternLength) + " bytes";
    }
    re2::RE2 re(pattern, pattern_options());
    if (!re.ok())
        return re.error();
    return std::nullopt;
}

re2::RE2::Options pattern_options() {
    re2::RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(kPatternMaxMem);
    o.set_encoding(re2::RE2::Options::EncodingUTF8);
    return o;
}

std::vector<Problem> lint_rules(DataType type, const Json& rules) {
    std::vector<Problem> out;
    Linter(out).attribute(type, rules, "rules");
    return out;
}

std::vector<Problem> lint_class_rules(const Json& rules, const Model& m,
                                      const model::ThingClass& cls) {
    std::vector<Problem> out;
    Linter lint(out);
    if (!rules.is_object()) {
        lint.problem("rules", "must be a JSON object");
        return out;
    }
    for (auto it = rules.begin(); it != rules.end(); ++it) {
        const std::string path = "rules." + it.key();
        const Json& v = *it;
        if (it.key() == "defaults") {
            if (!v.is_object()) {
                lint.problem(path, "must be an object of rules per data type");
                continue;
            }
            for (auto d = v.begin(); d != v.end(); ++d) {
                auto t = model::parse_data_type(d.key());
                if (!t) {
                    lint.problem(
                        path + "." + d.key(),
                        "is not a data type (" + std::string(model::data_type_list()) + ")");
                    continue;
                }
                Linter(out).attribute(*t, *d, path + "." + d.key());
            }
        } else if (it.key() == "required_together" || it.key() == "one_of_required") {
            if (!v.is_array()) {
                lint.problem(path, "must be an array of arrays of attribute names");
                continue;
            }
            for (std::size_t i = 0; i < v.size(); ++i) {
                const std::string p = path + "[" + std::to_string(i) + "]";
                if (!v[i].is_array() || v[i].size() < 2) {
                    lint.problem(p, "must be an array of at least two attribute names");
                    continue;
                }
                for (std::size_t j = 0; j < v[i].size(); ++j) {
                    class_attribute(m, cls, v[i][j], p + "[" + std::to_string(j) + "]", lint);
                }
            }
        } else if (it.key() == "compare") {
            // One comparison [a, op, b], or an array of them.
            std::vector<std::pair<const Json*, std::string>> list;
            if (v.is_array() && !v.empty() && v[0].is_array()) {
                for (std::size_t i = 0; i < v.size(); ++i)
                    list.push_back({&v[i], path + "[" + std::to_string(i) + "]"});
            } else {
                list.push_back({&v, path});
            }
            for (const auto& [c, p] : list) {
                if (!c->is_array() || c->size() != 3 || !(*c)[1].is_string()) {
                    lint.problem(p,
                                 "must be [\"attribute\", \"<=\", \"attribute\"] (operators <, <=, "
                                 ">, >=, =, <>)");
                    continue;
                }
                const std::string op = (*c)[1].get<std::string>();
                if (op != "<" && op != "<=" && op != ">" && op != ">=" && op != "=" && op != "<>") {
                    lint.problem(p + "[1]", "must be one of <, <=, >, >=, =, <>");
                }
                auto a = class_attribute(m, cls, (*c)[0], p + "[0]", lint);
                auto b = class_attribute(m, cls, (*c)[2], p + "[2]", lint);
                if (a && b && (!family(a->type) || family(a->type) != family(b->type))) {
                    lint.problem(p, "compares " + std::string(model::type_name(a->type)) +
                                        " with " + std::string(model::type_name(b->type)) +
                                        ": only numbers, dates and timestamps, or texts compare");
                }
            }
        } else if (it.key() != "message") {
            lint.problem(path,
                         "is not a class rule (rules: defaults, required_together, "
                         "one_of_required, compare)");
        }
    }
    return out;
}

void check_model_rules(const Model& m, const model::Delta* delta) {
    auto fail = [](const std::string& where, const Problem& p) {
        std::string path = where + "." + p.path;
        throw Error(p.sqlstate, "invalid rules: " + path + " " + p.message);
    };
    for (const auto& [name, a] : m.attributes) {
        if (delta != nullptr && delta->attributes.count(name) == 0)
            continue;
        auto problems = lint_rules(a.type, a.rules);
        if (!problems.empty())
            fail("attributes[\"" + name + "\"]", problems.front());
    }
    auto check_class = [&](const std::string& cname, const model::ThingClass& c) {
        auto problems = lint_class_rules(c.rules, m, c);
        if (!problems.empty())
            fail("classes[\"" + cname + "\"]", problems.front());
        for (const auto& [aname, as] : c.assignments) {
            auto attr = m.attributes.find(aname);
            if (attr == m.attributes.end())
                continue;  // check_references reports it
            auto p = lint_rules(attr->second.type, as.rules);
            if (!p.empty())
                fail("classes[\"" + cname + "\"].attributes[\"" + aname + "\"]", p.front());
        }
    };
    for (const auto& [cname, c] : m.classes) {
        if (delta == nullptr || delta->touches(cname))
            check_class(cname, c);
    }
}

Json effective_rules(const Model& m, const model::ThingClass& cls, const model::Assignment& a) {
    const model::Attribute& attr = m.attributes.at(a.attribute);
    Json out = Json::object();
    auto layer = [&out](const Json& rules) {
        if (!rules.is_object())
            return;
        for (auto it = rules.begin(); it != rules.end(); ++it)
            out[it.key()] = *it;
    };
    if (auto d = cls.rules.find("defaults"); d != cls.rules.end() && d->is_object()) {
        if (auto t = d->find(std::string(model::type_name(attr.type))); t != d->end())
            layer(*t);
    }
    layer(attr.rules);
    layer(a.rules);
    if (a.required)
        out["required"] = true;
    return out;
}

std::vector<std::pair<std::string, DataType>> custom_functions(const Model& m,
                                                               const model::Delta* only) {
    std::vector<std::pair<std::string, DataType>> out;
    auto add = [&out](const Json& rules, DataType t) {
        if (auto it = rules.find("custom"); it != rules.end() && it->is_string()) {
            std::pair<std::string, DataType> f{it->get<std::string>(), t};
            if (std::find(out.begin(), out.end(), f) == out.end())
                out.push_back(std::move(f));
        }
    };
    for (const auto& [name, a] : m.attributes) {
        if (only == nullptr || only->attributes.count(name) != 0)
            add(a.rules, a.type);
    }
    for (const auto& [cname, c] : m.classes) {
        // In the current model, a class renamed or dropped is under its old name.
        if (only != nullptr && !only->touches(cname) && only->removed_classes.count(cname) == 0)
            continue;
        for (const auto& [aname, as] : c.assignments) {
            if (auto attr = m.attributes.find(aname); attr != m.attributes.end())
                add(effective_rules(m, c, as), attr->second.type);
        }
    }
    return out;
}

bool RuleChange::covers(const Violation& v) const {
    if (class_rules &&
        (v.rule == "required_together" || v.rule == "one_of_required" || v.rule == "compare")) {
        return true;
    }
    return std::find(attributes.begin(), attributes.end(), v.attribute) != attributes.end() &&
           v.rule != "required_together" && v.rule != "one_of_required" && v.rule != "compare";
}

std::vector<RuleChange> rule_changes(const Model& current, const Model& desired,
                                     const model::Delta& delta) {
    std::vector<RuleChange> out;
    // unique and indexed are indexes, checked when the index is built; defaults act through
    // the attributes.
    auto checked = [](Json r) {
        if (r.is_object()) {
            r.erase("unique");
            r.erase("indexed");
            r.erase("defaults");
        }
        return r;
    };
    std::unordered_map<std::string_view, const model::ThingClass*> class_by_id;
    for (const auto& [name, c] : current.classes)
        class_by_id.emplace(c.id, &c);
    std::unordered_map<std::string_view, const std::string*> attribute_by_id;
    for (const auto& [name, a] : current.attributes)
        attribute_by_id.emplace(a.id, &name);
    // Only classes whose documents, or their attributes', changed can have other rules.
    for (const std::string& name : delta.classes) {
        const model::ThingClass& c = desired.classes.at(name);
        auto found = c.id.empty() ? class_by_id.end() : class_by_id.find(c.id);
        if (found == class_by_id.end())
            continue;  // a new class has no rows; a renamed one is the same class
        const model::ThingClass* old = found->second;
        RuleChange change{name, {}, checked(old->rules) != checked(c.rules)};
        for (const auto& [aname, as] : c.assignments) {
            const model::Attribute& attr = desired.attributes.at(aname);
            const model::Assignment* before = nullptr;
            if (auto oname = attribute_by_id.find(attr.id); oname != attribute_by_id.end()) {
                if (auto oas = old->assignments.find(*oname->second); oas != old->assignments.end())
                    before = &oas->second;
            }
            const Json old_rules =
                before ? effective_rules(current, *old, *before) : Json::object();
            if (checked(effective_rules(desired, c, as)) != checked(old_rules))
                change.attributes.push_back(aname);
        }
        if (change.class_rules || !change.attributes.empty())
            out.push_back(std::move(change));
    }
    return out;
}

}  // namespace udm::rules
