// Validation rules: checked when written, merged along the inheritance chain (class
// defaults -> attribute -> assignment), compiled once per class, evaluated per row.
// docs/rules.md describes every key.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "udm/core/model.hpp"

namespace re2 {
class RE2;
}

namespace udm::rules {

using model::DataType;
using model::Json;

// One problem of a rule set: where (a JSON path) and what.
struct Problem {
    std::string path;
    std::string message;
    std::string sqlstate;  // 22023, or 2201B for a bad pattern
};

// Every problem of an attribute's rules for a data type; empty when they are fine.
std::vector<Problem> lint_rules(DataType type, const Json& rules);
// Every problem of a class's own rules (defaults, required_together, one_of_required,
// compare), given its assigned attributes and their types.
std::vector<Problem> lint_class_rules(const Json& rules, const model::Model& m,
                                      const model::ThingClass& cls);
// Throws the first problem of the rule sets of a model as udm::Error. Given the delta from
// a model checked before, only the attributes and classes it touches are checked: the
// rest had no problem then and has none now.
void check_model_rules(const model::Model& m, const model::Delta* delta = nullptr);

// The effective rules of an assignment: class defaults for the attribute's type, then the
// attribute's rules, then the assignment's, key by key; "required" set when the assignment
// is required.
Json effective_rules(const model::Model& m, const model::ThingClass& cls,
                     const model::Assignment& a);

// A rule a row breaks. Values are never echoed in messages.
struct Violation {
    std::string attribute;
    std::string rule;
    std::string message;
};

// The custom functions a model's rules name, with the data type each is called on.
std::vector<std::pair<std::string, DataType>> custom_functions(const model::Model& m,
                                                               const model::Delta* only = nullptr);

// Where the effective rules of a class that already exists changed: its existing rows must
// satisfy the new rules of those attributes (and of the class, when they changed).
struct RuleChange {
    std::string class_name;
    std::vector<std::string> attributes;
    bool class_rules = false;
    // Whether a violation is of a rule that changed.
    bool covers(const Violation& v) const;
};
// Only the classes delta touches can have other rules.
std::vector<RuleChange> rule_changes(const model::Model& current, const model::Model& desired,
                                     const model::Delta& delta);

// A date or timestamp bound: a literal, or relative to the current time.
struct TimeBound {
    bool relative = false;
    bool today = false;  // relative to the start of the current UTC day, not the moment
    std::int64_t literal =
        0;  // date: days since 2000-01-01; timestamp: microseconds since then, UTC
    std::int32_t months = 0;  // relative offset in months
    std::int64_t micros = 0;  // relative offset in microseconds
};

enum class Format { kNone, kEmail, kUri, kUuid, kDate, kDateTime, kIpv4, kIpv6, kHostname };

// The compiled rules of one attribute of a class.
struct CompiledAttribute {
    std::string name;
    DataType type = DataType::kText;
    bool required = false;
    bool not_blank = false;
    std::optional<std::int64_t> min_length, max_length;
    std::shared_ptr<const re2::RE2> pattern;
    std::string pattern_source;
    Format format = Format::kNone;
    std::vector<std::string> enum_text;
    std::vector<double> enum_number;
    std::optional<double> min, max, exclusive_min, exclusive_max, multiple_of;
    std::optional<TimeBound> time_min, time_max;
    std::string time_min_source, time_max_source;  // as the rules write them, for messages
    std::string custom;                            // a function name; called by the adapter
    std::string message;  // replaces every default message of this attribute
    bool has_rules() const;
};

// A comparison between two attributes of a class.
struct Compare {
    std::size_t left, right;  // indexes into CompiledClass::attributes
    std::string op;           // <, <=, >, >=, =, <>
};

// The compiled rules of a class: one entry per assigned attribute (in name order) and the
// class-level rules.
struct CompiledClass {
    std::string name;
    std::vector<CompiledAttribute> attributes;
    std::vector<std::vector<std::size_t>> required_together;
    std::vector<std::vector<std::size_t>> one_of_required;
    std::vector<Compare> compares;
    bool empty() const;  // true when nothing is to be checked
    // Index of an attribute, or -1.
    int index_of(std::string_view attribute) const;
};

// Compiles the effective rules of a class of a model whose rules were checked.
CompiledClass compile(const model::Model& m, const model::ThingClass& cls);

// A value as the evaluator sees it; which field holds it follows the attribute's type.
struct Value {
    bool is_null = true;
    std::string_view text;     // text, and the text form of uuid and json values
    double number = 0;         // number
    std::int64_t integer = 0;  // integer; date: days since 2000-01-01; timestamp: microseconds
    bool boolean = false;
    bool unreadable = false;  // present but of the wrong type: its own rules are skipped
};

// Appends to out every rule values (one per compiled attribute, same order) break; now is
// the current time in microseconds since 2000-01-01 UTC. Custom functions are left to the
// caller. Does not throw.
void evaluate(const CompiledClass& c, const std::vector<Value>& values, std::int64_t now,
              std::vector<Violation>& out) noexcept;

// Reads a JSON document into values for the class (for udm.validate): texts point into
// the document. Fields of the wrong JSON type become "type" violations; unknown fields
// "unknown" violations.
std::vector<Value> values_from_json(const CompiledClass& c, const Json& doc,
                                    std::vector<Violation>& out);

// The violations as the JSON array of the error detail.
Json to_json(const std::vector<Violation>& violations);

// Parses "YYYY-MM-DD" into days since 2000-01-01.
std::optional<std::int64_t> parse_date(std::string_view s);
// Parses an RFC 3339 date-time into microseconds since 2000-01-01 UTC.
std::optional<std::int64_t> parse_timestamp(std::string_view s);

}  // namespace udm::rules
