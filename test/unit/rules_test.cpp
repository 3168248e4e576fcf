// Validation rules: rule sets checked when written (lint), merged along the inheritance
// chain, compiled per class, evaluated per row; values read from JSON documents.
// Dates, timestamps and relative bounds: rules_time_test.cpp.
#include "udm/core/rules.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/model.hpp"
#include "udm/core/rules_internal.hpp"

#include "error_of.hpp"

namespace udm::rules {
namespace {

using model::Model;
using test::error_of;

// The rule changes of a change, its delta found as model changes find it.
std::vector<RuleChange> rule_changes(const Model& current, const Model& desired) {
    return udm::rules::rule_changes(current, desired, model::delta(current, desired));
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The fixed "current time" of these tests: 2024-03-15T12:00:00Z.
std::int64_t test_now() {
    return *parse_timestamp("2024-03-15T12:00:00Z");
}

const DataType kAllTypes[] = {DataType::kText,      DataType::kNumber, DataType::kInteger,
                              DataType::kBoolean,   DataType::kDate,   DataType::kTimestamp,
                              DataType::kReference, DataType::kJson};

std::string name_of(DataType t) {
    return std::string(model::type_name(t));
}

std::vector<Problem> lint(DataType t, const std::string& rules) {
    return lint_rules(t, Json::parse(rules));
}

// The problems as "path: message" lines, for failure output.
std::string show(const std::vector<Problem>& problems) {
    std::string out;
    for (const Problem& p : problems)
        out += p.path + ": " + p.message + " [" + p.sqlstate + "]\n";
    return out;
}

// Parses a model and runs every check a model gets before its rules are compiled.
Model checked(const std::string& doc) {
    Model m = model::parse_model(Json::parse(doc));
    model::check_references(m);
    check_model_rules(m);
    return m;
}

// A model with class "item" and one attribute "x" of type, with rules.
Json single_doc(const std::string& type, const Json& rules) {
    Json doc;
    doc["attributes"]["x"]["type"] = type;
    doc["attributes"]["x"]["rules"] = rules;
    if (type == "reference")
        doc["attributes"]["x"]["target"] = "item";
    doc["classes"]["item"]["attributes"]["x"] = Json::object();
    return doc;
}

CompiledClass compile_single(const std::string& type, const Json& rules) {
    Model m = checked(single_doc(type, rules).dump());
    return compile(m, m.classes.at("item"));
}

// Reads doc as the values of a row of c and evaluates the rules at test_now().
std::vector<Violation> run(const CompiledClass& c, const Json& doc, std::int64_t now = test_now()) {
    std::vector<Violation> out;
    std::vector<Value> values = values_from_json(c, doc, out);
    evaluate(c, values, now, out);
    return out;
}

// "attribute:rule" of every violation, space-separated.
std::string summary(const std::vector<Violation>& violations) {
    std::string out;
    for (const Violation& v : violations)
        out += (out.empty() ? "" : " ") + v.attribute + ":" + v.rule;
    return out;
}

// The rules value breaks as the attribute "x" of type with rules, space-separated; checks
// on the way that no message echoes the value (beyond what the rules themselves say: an
// enum's message names its allowed values, which may contain the value).
std::string broken(const std::string& type, const std::string& rules, const Json& value) {
    CompiledClass c = compile_single(type, Json::parse(rules));
    Json doc = Json::object();
    doc["x"] = value;
    std::vector<Violation> violations = run(c, doc);
    const std::string echoed = value.is_string() ? value.get<std::string>() : value.dump();
    std::string out;
    for (const Violation& v : violations) {
        EXPECT_EQ(v.attribute, "x");
        if (echoed.size() >= 4 && !contains(rules, echoed)) {
            EXPECT_FALSE(contains(v.message, echoed)) << v.message << " echoes " << echoed;
        }
        out += (out.empty() ? "" : " ") + v.rule;
    }
    return out;
}

// --- lint: keys per data type -------------------------------------------------------------------

const char* const kCommonKeys[] = {"required", "unique", "indexed", "custom", "message"};
const char* const kTextKeys[] = {"min_length", "max_length", "pattern",
                                 "format",     "not_blank",  "enum"};
const char* const kNumberKeys[] = {"min",           "max",         "exclusive_min",
                                   "exclusive_max", "multiple_of", "enum"};
const char* const kTimeKeys[] = {"min", "max"};
const char* const kEveryKey[] = {"required", "unique",        "indexed",       "custom",
                                 "message",  "min_length",    "max_length",    "pattern",
                                 "format",   "not_blank",     "enum",          "min",
                                 "max",      "exclusive_min", "exclusive_max", "multiple_of"};

std::set<std::string> keys_of(DataType t) {
    std::set<std::string> keys(std::begin(kCommonKeys), std::end(kCommonKeys));
    if (t == DataType::kText)
        keys.insert(std::begin(kTextKeys), std::end(kTextKeys));
    if (t == DataType::kNumber || t == DataType::kInteger)
        keys.insert(std::begin(kNumberKeys), std::end(kNumberKeys));
    if (t == DataType::kDate || t == DataType::kTimestamp)
        keys.insert(std::begin(kTimeKeys), std::end(kTimeKeys));
    return keys;
}

// A valid value of key for an attribute of type t.
Json sample(DataType t, const std::string& key) {
    if (key == "required" || key == "unique" || key == "indexed" || key == "not_blank")
        return true;
    if (key == "custom")
        return "app.check_value";
    if (key == "message")
        return "Please check this value";
    if (key == "min_length")
        return 1;
    if (key == "max_length")
        return 10;
    if (key == "pattern")
        return "^[a-z]+$";
    if (key == "format")
        return "email";
    if (key == "enum")
        return t == DataType::kText ? Json::array({"a", "b"}) : Json::array({1, 2});
    if (key == "multiple_of")
        return 2;
    if (t == DataType::kDate)
        return key == "min" ? "2000-01-01" : "today+30d";
    if (t == DataType::kTimestamp)
        return key == "min" ? "2000-01-01T00:00:00Z" : "now+1h";
    if (key == "min" || key == "exclusive_min")
        return 0;
    return 100;  // max, exclusive_max
}

TEST(Lint, AcceptsEveryKeyOfItsDataType) {
    for (DataType t : kAllTypes) {
        Json all = Json::object();
        for (const std::string& key : keys_of(t)) {
            Json one = {{key, sample(t, key)}};
            EXPECT_TRUE(lint_rules(t, one).empty()) << name_of(t) << " " << one.dump() << "\n"
                                                    << show(lint_rules(t, one));
            all[key] = sample(t, key);
        }
        EXPECT_TRUE(lint_rules(t, all).empty()) << name_of(t) << " " << all.dump() << "\n"
                                                << show(lint_rules(t, all));
    }
}

TEST(Lint, RejectsKeysOfOtherDataTypes) {
    for (DataType t : kAllTypes) {
        const std::set<std::string> allowed = keys_of(t);
        for (const char* key : kEveryKey) {
            if (allowed.count(key))
                continue;
            // A value valid for some type, so the key alone is the problem.
            for (DataType other : kAllTypes) {
                if (!keys_of(other).count(key))
                    continue;
                Json rules = {{key, sample(other, key)}};
                auto problems = lint_rules(t, rules);
                ASSERT_EQ(problems.size(), 1u) << name_of(t) << " " << rules.dump() << "\n"
                                               << show(problems);
                EXPECT_EQ(problems[0].path, std::string("rules.") + key);
                EXPECT_TRUE(contains(problems[0].message,
                                     "is not a rule for " + name_of(t) + " attributes"))
                    << problems[0].message;
                EXPECT_EQ(problems[0].sqlstate, "22023");
                break;
            }
        }
    }
}

TEST(Lint, UnknownKeysAreRejectedForEveryTypeAndTheRulesListed) {
    for (DataType t : kAllTypes) {
        for (const char* key : {"maxLength", "minimum", "Required", "", "length", "regex"}) {
            auto problems = lint_rules(t, Json{{key, 1}});
            ASSERT_EQ(problems.size(), 1u) << name_of(t) << " " << key;
            EXPECT_EQ(problems[0].path, std::string("rules.") + key);
            for (const std::string& allowed : keys_of(t)) {
                EXPECT_TRUE(contains(problems[0].message, allowed))
                    << problems[0].message << " lacks " << allowed;
            }
        }
    }
    EXPECT_FALSE(contains(lint(DataType::kBoolean, R"({"x": 1})")[0].message, "pattern"));
}

TEST(Lint, RulesMustBeAnObject) {
    for (const char* rules :
         {"[]", "\"max_length\"", "null", "3", "true", "[{\"required\": true}]"}) {
        auto problems = lint(DataType::kText, rules);
        ASSERT_EQ(problems.size(), 1u) << rules;
        EXPECT_EQ(problems[0].path, "rules");
        EXPECT_TRUE(contains(problems[0].message, "JSON object"));
    }
}

TEST(Lint, EmptyRulesAreFineForEveryType) {
    for (DataType t : kAllTypes)
        EXPECT_TRUE(lint(t, "{}").empty()) << name_of(t);
}

TEST(Lint, FlagsMustBeBooleans) {
    for (const char* key : {"required", "unique", "indexed", "not_blank"}) {
        for (const char* value : {"\"true\"", "1", "0", "null", "[]", "{}"}) {
            auto problems = lint(DataType::kText, std::string("{\"") + key + "\": " + value + "}");
            ASSERT_EQ(problems.size(), 1u) << key << " " << value;
            EXPECT_EQ(problems[0].message, "must be true or false");
        }
        EXPECT_TRUE(lint(DataType::kText, std::string("{\"") + key + "\": false}").empty()) << key;
    }
}

TEST(Lint, MessageMustBeANonEmptyString) {
    EXPECT_TRUE(lint(DataType::kInteger, R"({"message": "Enter a quantity"})").empty());
    for (const char* value : {"\"\"", "5", "null", "[\"a\"]", "true"}) {
        auto problems = lint(DataType::kInteger, std::string(R"({"message": )") + value + "}");
        ASSERT_EQ(problems.size(), 1u) << value;
        EXPECT_EQ(problems[0].path, "rules.message");
        EXPECT_EQ(problems[0].message, "must be a non-empty string");
    }
}

TEST(Lint, CustomMustNameAFunction) {
    for (const std::string& name :
         {std::string("app.check_sku"), std::string("_private._f"), std::string("s1.f2"),
          std::string("a.") + std::string(125, 'a'), std::string("pgx.f")}) {
        EXPECT_TRUE(lint_rules(DataType::kText, Json{{"custom", name}}).empty()) << name;
    }
    // Unqualified names would resolve differently for every search_path: refused.
    for (const std::string& name :
         {std::string("f"), std::string("check_sku"), std::string(""), std::string("Check"),
          std::string("1f"), std::string("a.b.c"), std::string(".f"), std::string("f."),
          std::string("a-b"), std::string("f()"), std::string("f; drop table x"),
          std::string("a..b"), std::string("caf\xC3\xA9"), std::string(128, 'a'),
          std::string("a.1b"), std::string("a.") + std::string(126, 'a')}) {
        auto problems = lint_rules(DataType::kText, Json{{"custom", name}});
        ASSERT_EQ(problems.size(), 1u) << name;
        EXPECT_EQ(problems[0].message, "must name a function as schema.name");
    }
    EXPECT_EQ(lint(DataType::kText, R"({"custom": 3})").size(), 1u);
    EXPECT_EQ(lint(DataType::kText, R"({"custom": ["f"]})").size(), 1u);
}

TEST(Lint, CustomNeverNamesASystemFunction) {
    for (const char* name : {"pg_catalog.pg_try_advisory_lock", "pg_catalog.lower",
                             "information_schema.f", "pg_toast.f"}) {
        auto problems = lint_rules(DataType::kText, Json{{"custom", name}});
        ASSERT_EQ(problems.size(), 1u) << name;
        EXPECT_EQ(problems[0].message,
                  "must not name a function of pg_catalog or information_schema");
        EXPECT_EQ(problems[0].sqlstate, "42501");
    }
}

TEST(Lint, CustomNeverNamesATemporarySchema) {
    for (const char* name :
         {"pg_temp.pwn", "pg_temp_3.pwn", "pg_toast_temp_3.f", "pg_temporary.f"}) {
        auto problems = lint_rules(DataType::kText, Json{{"custom", name}});
        ASSERT_EQ(problems.size(), 1u) << name;
        EXPECT_EQ(problems[0].message, "must not name a function in a temporary schema");
        EXPECT_EQ(problems[0].sqlstate, "42501");
    }
}

TEST(Lint, LengthsMustBeNonNegativeIntegers) {
    for (const char* key : {"min_length", "max_length"}) {
        EXPECT_TRUE(lint(DataType::kText, std::string("{\"") + key + "\": 0}").empty());
        EXPECT_TRUE(lint(DataType::kText, std::string("{\"") + key + "\": 1000000}").empty());
        for (const char* value :
             {"-1", "1.5", "1.0", "1e3", "\"3\"", "true", "null", "18446744073709551615"}) {
            auto problems = lint(DataType::kText, std::string("{\"") + key + "\": " + value + "}");
            ASSERT_EQ(problems.size(), 1u) << key << " " << value << "\n" << show(problems);
            EXPECT_EQ(problems[0].message, "must be a non-negative integer");
        }
    }
}

TEST(Lint, PatternMustBeAString) {
    for (const char* value : {"5", "null", "[\"a\"]", "{}"}) {
        auto problems = lint(DataType::kText, std::string(R"({"pattern": )") + value + "}");
        ASSERT_EQ(problems.size(), 1u) << value;
        EXPECT_EQ(problems[0].message, "must be a string");
        EXPECT_EQ(problems[0].sqlstate, "22023");
    }
}

TEST(Lint, GoodPatternsAreAccepted) {
    for (const char* pattern :
         {"", "^[A-Z]{3}-\\d+$", "(?i)abc", "(?P<name>x)", "\\pL+", "^\\p{Greek}+$", "[[:alpha:]]",
          "a{1000}", "caf\xC3\xA9", "\\bword\\b", "[^@\\s]+@[^@\\s]+"}) {
        EXPECT_TRUE(lint_rules(DataType::kText, Json{{"pattern", pattern}}).empty())
            << pattern << "\n"
            << show(lint_rules(DataType::kText, Json{{"pattern", pattern}}));
    }
}

TEST(Lint, BadPatternsAre2201BWithRe2sMessage) {
    struct Case {
        const char* pattern;
        const char* re2_says;
    };
    const Case cases[] = {
        {"(", "missing ): ("},
        {"a)", "unexpected ): a)"},
        {"a**", "bad repetition operator: **"},
        {"\\1", "invalid escape sequence: \\1"},
        {"(?=a)", "invalid perl operator: (?="},
        {"(?<!a)b", "invalid perl operator: (?<"},
        {"[z-a]", "invalid character class range: z-a"},
        {"a{1001}", "invalid repetition size: {1001}"},
        {"x{2,1}", "invalid repetition size: {2,1}"},
        {"[abc", "missing ]: [abc"},
        {"\\p{Klingon}", "invalid character class range: \\p{Klingon}"},
        {"(\\pL{500}){2}", "pattern too large - compile failed"},
    };
    for (const Case& c : cases) {
        auto problems = lint_rules(DataType::kText, Json{{"pattern", c.pattern}});
        ASSERT_EQ(problems.size(), 1u) << c.pattern;
        EXPECT_EQ(problems[0].path, "rules.pattern");
        EXPECT_EQ(problems[0].sqlstate, "2201B") << c.pattern;
        EXPECT_EQ(problems[0].message, std::string("is not a valid RE2 pattern: ") + c.re2_says)
            << c.pattern;
        EXPECT_EQ(pattern_error(c.pattern), std::optional<std::string>(c.re2_says));
    }
}

TEST(Lint, OverlongPatternsAre2201B) {
    EXPECT_TRUE(lint_rules(DataType::kText, Json{{"pattern", std::string(kMaxPatternLength, 'a')}})
                    .empty());
    auto problems =
        lint_rules(DataType::kText, Json{{"pattern", std::string(kMaxPatternLength + 1, 'a')}});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].sqlstate, "2201B");
    EXPECT_TRUE(contains(problems[0].message, "longer than 4096 bytes")) << problems[0].message;
}

TEST(Lint, PatternErrorOfInvalidUtf8) {
    // JSON text is always UTF-8; a pattern reaching pattern_error another way may not be.
    EXPECT_EQ(pattern_error("\xff"), std::optional<std::string>("invalid UTF-8"));
    EXPECT_EQ(pattern_error("abc"), std::nullopt);
}

TEST(Lint, EveryFormatIsAcceptedAndNoOther) {
    for (const char* f :
         {"email", "uri", "uuid", "date", "date-time", "ipv4", "ipv6", "hostname"}) {
        EXPECT_TRUE(lint_rules(DataType::kText, Json{{"format", f}}).empty()) << f;
    }
    for (const Json& f : {Json("phone"), Json("Email"), Json("datetime"), Json("ip"), Json(""),
                          Json("uri "), Json(1), Json::array({"email"}), Json()}) {
        auto problems = lint_rules(DataType::kText, Json{{"format", f}});
        ASSERT_EQ(problems.size(), 1u) << f.dump();
        EXPECT_EQ(problems[0].path, "rules.format");
        EXPECT_TRUE(contains(problems[0].message,
                             "email, uri, uuid, date, date-time, ipv4, ipv6, hostname"));
    }
}

TEST(Lint, EnumShapesForTexts) {
    EXPECT_TRUE(lint(DataType::kText, R"({"enum": ["a"]})").empty());
    EXPECT_TRUE(lint(DataType::kText, R"({"enum": ["a", "b", "", "caf\u00e9"]})").empty());
    struct Case {
        const char* rules;
        const char* message;
    };
    const Case cases[] = {
        {R"({"enum": []})", "must be a non-empty array"},
        {R"({"enum": "a"})", "must be a non-empty array"},
        {R"({"enum": {"a": 1}})", "must be a non-empty array"},
        {R"({"enum": null})", "must be a non-empty array"},
        {R"({"enum": [1, 2]})", "must hold strings only"},
        {R"({"enum": ["a", null]})", "must hold strings only"},
        {R"({"enum": ["a", ["b"]]})", "must hold strings only"},
    };
    for (const Case& c : cases) {
        auto problems = lint(DataType::kText, c.rules);
        ASSERT_EQ(problems.size(), 1u) << c.rules;
        EXPECT_EQ(problems[0].path, "rules.enum");
        EXPECT_EQ(problems[0].message, c.message) << c.rules;
    }
}

TEST(Lint, EnumShapesForNumbers) {
    for (DataType t : {DataType::kNumber, DataType::kInteger}) {
        EXPECT_TRUE(lint(t, R"({"enum": [1, 2.5, -3, 0]})").empty());
        EXPECT_EQ(lint(t, R"({"enum": []})").at(0).message, "must be a non-empty array");
        EXPECT_EQ(lint(t, R"({"enum": ["1"]})").at(0).message, "must hold numbers only");
        EXPECT_EQ(lint(t, R"({"enum": [1, true]})").at(0).message, "must hold numbers only");
        EXPECT_EQ(lint(t, R"({"enum": 1})").at(0).message, "must be a non-empty array");
    }
}

TEST(Lint, NumericBoundsMustBeNumbers) {
    for (DataType t : {DataType::kNumber, DataType::kInteger}) {
        for (const char* key : {"min", "max", "exclusive_min", "exclusive_max"}) {
            EXPECT_TRUE(lint(t, std::string("{\"") + key + "\": -2.5}").empty()) << key;
            EXPECT_TRUE(lint(t, std::string("{\"") + key + "\": 18446744073709551615}").empty())
                << key;
            for (const char* value : {"\"0\"", "null", "true", "[1]", "\"now\""}) {
                auto problems = lint(t, std::string("{\"") + key + "\": " + value + "}");
                ASSERT_EQ(problems.size(), 1u) << key << " " << value;
                EXPECT_EQ(problems[0].message, "must be a number");
            }
        }
    }
}

TEST(Lint, MultipleOfMustBeGreaterThanZero) {
    for (const char* value : {"1", "0.1", "0.01", "2.5", "1e-9", "1000000"}) {
        EXPECT_TRUE(
            lint(DataType::kNumber, std::string(R"({"multiple_of": )") + value + "}").empty())
            << value;
    }
    for (const char* value : {"0", "-1", "-0.1", "0.0", "\"2\"", "null"}) {
        auto problems = lint(DataType::kNumber, std::string(R"({"multiple_of": )") + value + "}");
        ASSERT_EQ(problems.size(), 1u) << value;
        EXPECT_EQ(problems[0].message, "must be a number greater than 0");
    }
}

TEST(Lint, DateBoundsAreDatesOrRelative) {
    for (const char* bound : {"2024-02-29", "0001-01-01", "9999-12-31", "now", "today", "now-18y",
                              "today+30d", "now+1mo", "now-2w", "today-1y+6mo-3d"}) {
        EXPECT_TRUE(lint_rules(DataType::kDate, Json{{"min", bound}}).empty()) << bound;
        EXPECT_TRUE(lint_rules(DataType::kDate, Json{{"max", bound}}).empty()) << bound;
    }
    for (const Json& bound : {Json("2023-02-29"), Json("2024-13-01"), Json("2024-1-1"),
                              Json("01/02/2024"), Json("2024-01-01T00:00:00Z"), Json("now-1h"),
                              Json("now+5min"), Json("today-10s"), Json("now-"), Json("now18y"),
                              Json("yesterday"), Json("NOW"), Json(""), Json(20240101), Json()}) {
        auto problems = lint_rules(DataType::kDate, Json{{"min", bound}});
        ASSERT_EQ(problems.size(), 1u) << bound.dump();
        EXPECT_EQ(problems[0].path, "rules.min");
        EXPECT_TRUE(contains(problems[0].message, "a date (YYYY-MM-DD)")) << problems[0].message;
        EXPECT_TRUE(contains(problems[0].message, "now-18y")) << problems[0].message;
    }
}

TEST(Lint, TimestampBoundsAreDateTimesOrRelative) {
    for (const char* bound :
         {"2024-02-29T12:00:00Z", "2024-02-29T12:00:00.5+05:30", "2024-02-29 12:00:00-08:00", "now",
          "today", "now-1h", "now+30min", "now-10s", "today+1d-1s", "now-18y+6mo"}) {
        EXPECT_TRUE(lint_rules(DataType::kTimestamp, Json{{"max", bound}}).empty()) << bound;
    }
    for (const char* bound : {"2024-02-29", "2024-02-29T12:00:00", "2024-02-29T25:00:00Z", "now-1x",
                              "now+1m", "now 1h", "today+"}) {
        auto problems = lint_rules(DataType::kTimestamp, Json{{"max", bound}});
        ASSERT_EQ(problems.size(), 1u) << bound;
        EXPECT_TRUE(contains(problems[0].message, "a date-time (RFC 3339)")) << problems[0].message;
    }
}

TEST(Lint, LengthBoundsMustBeConsistent) {
    EXPECT_TRUE(lint(DataType::kText, R"({"min_length": 3, "max_length": 3})").empty());
    EXPECT_TRUE(lint(DataType::kText, R"({"min_length": 0, "max_length": 0})").empty());
    auto problems = lint(DataType::kText, R"({"min_length": 4, "max_length": 3})");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].path, "rules");
    EXPECT_EQ(problems[0].message, "min_length must not be greater than max_length");
}

TEST(Lint, NumericBoundsMustBeConsistent) {
    struct Case {
        const char* rules;
        const char* problem;  // nullptr: consistent
    };
    const Case cases[] = {
        {R"({"min": 1, "max": 1})", nullptr},
        {R"({"min": 1, "max": 2})", nullptr},
        {R"({"min": 2, "max": 1})", "min must not be greater than max"},
        {R"({"min": 0.5, "max": 0.25})", "min must not be greater than max"},
        {R"({"exclusive_min": 1, "exclusive_max": 2})", nullptr},
        {R"({"exclusive_min": 1, "exclusive_max": 1})",
         "exclusive_min must not be greater than exclusive_max"},
        {R"({"min": 1, "exclusive_max": 1})", "min must not be greater than exclusive_max"},
        {R"({"min": 1, "exclusive_max": 1.5})", nullptr},
        {R"({"exclusive_min": 1, "max": 1})", "exclusive_min must not be greater than max"},
        {R"({"exclusive_min": -1, "max": 0})", nullptr},
        {R"({"min": 1, "exclusive_min": 5})", nullptr},  // both lower bounds: the larger applies
    };
    for (DataType t : {DataType::kNumber, DataType::kInteger}) {
        for (const Case& c : cases) {
            auto problems = lint(t, c.rules);
            if (c.problem == nullptr) {
                EXPECT_TRUE(problems.empty()) << c.rules << "\n" << show(problems);
            } else {
                ASSERT_EQ(problems.size(), 1u) << c.rules << "\n" << show(problems);
                EXPECT_EQ(problems[0].message, c.problem);
                EXPECT_EQ(problems[0].path, "rules");
            }
        }
    }
}

TEST(Lint, TimeBoundsMustBeConsistentWhenLiteral) {
    EXPECT_TRUE(lint(DataType::kDate, R"({"min": "2024-01-01", "max": "2024-01-01"})").empty());
    EXPECT_EQ(lint(DataType::kDate, R"({"min": "2024-01-02", "max": "2024-01-01"})").at(0).message,
              "min must not be later than max");
    // Relative bounds move; they are not compared.
    EXPECT_TRUE(lint(DataType::kDate, R"({"min": "today", "max": "now-1y"})").empty());
    EXPECT_TRUE(lint(DataType::kDate, R"({"min": "2999-01-01", "max": "today"})").empty());
    // Offsets count: 00:00+01:00 is 23:00 UTC the day before, earlier than 23:30 UTC.
    EXPECT_TRUE(lint(DataType::kTimestamp,
                     R"({"min": "2020-01-01T00:00:00+01:00", "max": "2019-12-31T23:30:00Z"})")
                    .empty());
    EXPECT_EQ(lint(DataType::kTimestamp,
                   R"({"min": "2020-01-01T00:00:00-01:00", "max": "2020-01-01T00:30:00Z"})")
                  .at(0)
                  .message,
              "min must not be later than max");
}

TEST(Lint, EveryProblemIsReportedWithItsPath) {
    auto problems = lint(
        DataType::kText,
        R"({"min_length": -1, "pattern": "(", "format": "phone", "colour": "red", "required": 1})");
    ASSERT_EQ(problems.size(), 5u) << show(problems);
    std::set<std::string> paths;
    for (const Problem& p : problems)
        paths.insert(p.path);
    EXPECT_EQ(paths, (std::set<std::string>{"rules.min_length", "rules.pattern", "rules.format",
                                            "rules.colour", "rules.required"}));
    for (const Problem& p : problems)
        EXPECT_EQ(p.sqlstate, p.path == "rules.pattern" ? "2201B" : "22023") << p.path;
}

TEST(Lint, MalformedBoundsAreNotComparedAgain) {
    // One problem for the bad value; no second one about the order of the bounds.
    EXPECT_EQ(lint(DataType::kNumber, R"({"min": "5", "max": 1})").size(), 1u);
    EXPECT_EQ(lint(DataType::kDate, R"({"min": "later", "max": "2000-01-01"})").size(), 1u);
}

// --- lint: class rules --------------------------------------------------------------------------

// A class "event" with attributes of every comparable type, plus one attribute of the model
// that is not assigned to it.
const char* const kEventModel = R"({
  "attributes": {
    "title": {"type": "text"}, "code": {"type": "text"},
    "price": {"type": "number"}, "max_price": {"type": "number"}, "quantity": {"type": "integer"},
    "starts_on": {"type": "date"}, "ends_on": {"type": "date"}, "ends_at": {"type": "timestamp"},
    "active": {"type": "boolean"}, "extra": {"type": "json"}, "owner": {"type": "reference", "target": "event"},
    "elsewhere": {"type": "text"}
  },
  "classes": {
    "event": {"attributes": {"title": {}, "code": {}, "price": {}, "max_price": {}, "quantity": {},
                             "starts_on": {}, "ends_on": {}, "ends_at": {}, "active": {}, "extra": {}, "owner": {}}},
    "other": {"attributes": {"elsewhere": {}}}
  }
})";

std::vector<Problem> lint_class(const std::string& rules) {
    static const Model m = model::parse_model(Json::parse(kEventModel));
    return lint_class_rules(Json::parse(rules), m, m.classes.at("event"));
}

TEST(ClassRules, AcceptsEveryClassRule) {
    auto problems = lint_class(R"({
      "defaults": {"text": {"max_length": 200, "not_blank": true}, "number": {"min": 0}, "date": {"min": "1900-01-01"}},
      "required_together": [["price", "quantity"], ["starts_on", "ends_on", "ends_at"]],
      "one_of_required": [["title", "code"]],
      "compare": [["price", "<=", "max_price"], ["starts_on", "<", "ends_at"]],
      "message": "Please check the event"
    })");
    EXPECT_TRUE(problems.empty()) << show(problems);
    EXPECT_TRUE(lint_class("{}").empty());
}

TEST(ClassRules, RulesMustBeAnObject) {
    for (const char* rules : {"[]", "null", "\"defaults\"", "1"}) {
        auto problems = lint_class(rules);
        ASSERT_EQ(problems.size(), 1u) << rules;
        EXPECT_EQ(problems[0].path, "rules");
    }
}

TEST(ClassRules, UnknownKeysAreProblems) {
    for (const char* key : {"label", "required", "max_length", "compares", "default"}) {
        auto problems = lint_class(std::string("{\"") + key + "\": []}");
        ASSERT_EQ(problems.size(), 1u) << key;
        EXPECT_EQ(problems[0].path, std::string("rules.") + key);
        EXPECT_TRUE(contains(problems[0].message, "is not a class rule")) << problems[0].message;
    }
}

TEST(ClassRules, DefaultsAreKeyedByDataType) {
    for (DataType t : kAllTypes) {
        EXPECT_TRUE(
            lint_class(R"({"defaults": {")" + name_of(t) + R"(": {"required": true}}})").empty())
            << name_of(t);
    }
    auto problems = lint_class(R"({"defaults": {"string": {"max_length": 1}, "Text": {}}})");
    ASSERT_EQ(problems.size(), 2u) << show(problems);
    EXPECT_EQ(problems[0].path, "rules.defaults.Text");  // JSON objects iterate in key order
    EXPECT_EQ(problems[1].path, "rules.defaults.string");
    EXPECT_TRUE(contains(problems[1].message, "is not a data type (")) << problems[1].message;
    for (const char* rules :
         {R"({"defaults": []})", R"({"defaults": "text"})", R"({"defaults": null})"}) {
        auto p = lint_class(rules);
        ASSERT_EQ(p.size(), 1u) << rules;
        EXPECT_EQ(p[0].message, "must be an object of rules per data type");
    }
}

TEST(ClassRules, DefaultsAreLintedForTheirDataType) {
    auto problems = lint_class(
        R"({"defaults": {"number": {"max_length": 3}, "text": {"pattern": "(", "min_length": 5, "max_length": 1},
                         "date": {"min": "today+1h"}, "boolean": []}})");
    std::set<std::string> paths;
    for (const Problem& p : problems)
        paths.insert(p.path + " " + p.sqlstate);
    EXPECT_EQ(paths, (std::set<std::string>{
                         "rules.defaults.number.max_length 22023",
                         "rules.defaults.text.pattern 2201B", "rules.defaults.text 22023",
                         "rules.defaults.date.min 22023", "rules.defaults.boolean 22023"}))
        << show(problems);
}

TEST(ClassRules, GroupsAreArraysOfAtLeastTwoNames) {
    for (const char* key : {"required_together", "one_of_required"}) {
        const std::string k = key;
        EXPECT_TRUE(
            lint_class(R"({")" + k + R"(": [["title", "code"], ["price", "quantity", "active"]]})")
                .empty());
        EXPECT_TRUE(lint_class(R"({")" + k + R"(": []})").empty());
        struct Case {
            std::string rules;
            std::string path;
            std::string message;
        };
        const Case cases[] = {
            {R"({")" + k + R"(": ["title", ["code", "price"]]})", "rules." + k + "[0]",
             "at least two attribute names"},
            {R"({")" + k + R"(": [["title"]]})", "rules." + k + "[0]",
             "at least two attribute names"},
            {R"({")" + k + R"(": [["title", "code"], []]})", "rules." + k + "[1]",
             "at least two attribute names"},
            {R"({")" + k + R"(": {"a": ["title", "code"]}})", "rules." + k,
             "must be an array of arrays"},
            {R"({")" + k + R"(": "title"})", "rules." + k, "must be an array of arrays"},
            {R"({")" + k + R"(": [["title", 7]]})", "rules." + k + "[0][1]",
             "must be an attribute name"},
            {R"({")" + k + R"(": [["title", "nope"]]})", "rules." + k + "[0][1]",
             "names \"nope\", which is not an attribute of class \"event\""},
            {R"({")" + k + R"(": [["elsewhere", "title"]]})", "rules." + k + "[0][0]",
             "names \"elsewhere\", which is not an attribute of class \"event\""},
        };
        for (const Case& c : cases) {
            auto problems = lint_class(c.rules);
            ASSERT_EQ(problems.size(), 1u) << c.rules << "\n" << show(problems);
            EXPECT_EQ(problems[0].path, c.path) << c.rules;
            EXPECT_TRUE(contains(problems[0].message, c.message))
                << c.rules << ": " << problems[0].message;
        }
    }
}

TEST(ClassRules, LongUnknownNamesAreAbbreviated) {
    const std::string name(300, 'z');
    auto problems = lint_class(R"({"one_of_required": [["title", ")" + name + R"("]]})");
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_LT(problems[0].message.size(), 200u) << problems[0].message;
}

TEST(ClassRules, CompareOneOrAList) {
    EXPECT_TRUE(lint_class(R"({"compare": ["price", "<=", "max_price"]})").empty());
    EXPECT_TRUE(
        lint_class(R"({"compare": [["price", "<=", "max_price"], ["title", "<>", "code"]]})")
            .empty());
    auto problems =
        lint_class(R"({"compare": [["price", "<=", "max_price"], ["title", "<>", "nope"]]})");
    ASSERT_EQ(problems.size(), 1u) << show(problems);
    EXPECT_EQ(problems[0].path, "rules.compare[1][2]");
}

TEST(ClassRules, CompareOperators) {
    for (const char* op : {"<", "<=", ">", ">=", "=", "<>"}) {
        EXPECT_TRUE(
            lint_class(std::string(R"({"compare": ["price", ")") + op + R"(", "max_price"]})")
                .empty())
            << op;
    }
    for (const char* op : {"==", "!=", "=>", "=<", "lt", "", " <", "<=>"}) {
        auto problems =
            lint_class(std::string(R"({"compare": ["price", ")") + op + R"(", "max_price"]})");
        ASSERT_EQ(problems.size(), 1u) << op;
        EXPECT_EQ(problems[0].path, "rules.compare[1]");
        EXPECT_EQ(problems[0].message, "must be one of <, <=, >, >=, =, <>");
    }
}

TEST(ClassRules, CompareShapes) {
    for (const char* rules :
         {R"({"compare": []})", R"({"compare": ["price", "<="]})",
          R"({"compare": ["price", "<=", "max_price", "x"]})",
          R"({"compare": ["price", 1, "max_price"]})", R"({"compare": "price <= max_price"})",
          R"({"compare": {"a": 1}})", R"({"compare": [["price", "<=", "max_price"], "x"]})"}) {
        auto problems = lint_class(rules);
        ASSERT_EQ(problems.size(), 1u) << rules << "\n" << show(problems);
        EXPECT_TRUE(contains(problems[0].message, "must be [\"attribute\", \"<=\", \"attribute\"]"))
            << rules;
    }
}

TEST(ClassRules, CompareNeedsComparableTypes) {
    struct Case {
        const char* left;
        const char* right;
        bool ok;
    };
    const Case cases[] = {
        {"price", "max_price", true},   {"price", "quantity", true},
        {"quantity", "price", true},    {"starts_on", "ends_on", true},
        {"starts_on", "ends_at", true}, {"ends_at", "starts_on", true},
        {"title", "code", true},        {"price", "starts_on", false},
        {"ends_at", "quantity", false}, {"title", "price", false},
        {"code", "ends_on", false},     {"active", "active", false},
        {"extra", "extra", false},      {"owner", "owner", false},
        {"active", "quantity", false},
    };
    for (const Case& c : cases) {
        auto problems = lint_class(std::string(R"({"compare": [")") + c.left + R"(", "<", ")" +
                                   c.right + R"("]})");
        if (c.ok) {
            EXPECT_TRUE(problems.empty()) << c.left << " " << c.right << "\n" << show(problems);
        } else {
            ASSERT_EQ(problems.size(), 1u) << c.left << " " << c.right;
            EXPECT_EQ(problems[0].path, "rules.compare");
            EXPECT_TRUE(contains(problems[0].message,
                                 "only numbers, dates and timestamps, or texts compare"));
        }
    }
}

TEST(ClassRules, CompareNamesAssignedAttributes) {
    auto problems = lint_class(R"({"compare": ["elsewhere", "<", 3]})");
    ASSERT_EQ(problems.size(), 2u) << show(problems);
    EXPECT_EQ(problems[0].path, "rules.compare[0]");
    EXPECT_TRUE(contains(problems[0].message, "not an attribute of class \"event\""));
    EXPECT_EQ(problems[1].path, "rules.compare[2]");
    EXPECT_EQ(problems[1].message, "must be an attribute name");
}

// --- check_model_rules -------------------------------------------------------------------------

TEST(CheckModelRules, AcceptsAModelWithRulesEverywhere) {
    EXPECT_NO_THROW(checked(R"({
      "attributes": {
        "name": {"type": "text", "rules": {"max_length": 100, "not_blank": true}},
        "price": {"type": "number", "rules": {"min": 0, "multiple_of": 0.01}},
        "born": {"type": "date", "rules": {"max": "today-18y"}}
      },
      "classes": {"person": {
        "rules": {"defaults": {"text": {"max_length": 200}}, "one_of_required": [["name", "price"]]},
        "attributes": {"name": {"required": true, "rules": {"min_length": 2}}, "price": {}, "born": {}}}}
    })"));
}

TEST(CheckModelRules, ThrowsTheFirstProblemWithItsPath) {
    Error e = error_of([] {
        checked(
            R"({"attributes": {"name": {"type": "text", "rules": {"max_length": -1, "format": "x"}}}})");
    });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_EQ(std::string(e.what()),
              "invalid rules: attributes[\"name\"].rules.format must be one of email, uri, uuid, "
              "date, date-time, "
              "ipv4, ipv6, hostname");
}

TEST(CheckModelRules, BadPatternIs2201B) {
    Error e = error_of([] {
        checked(R"({"attributes": {"code": {"type": "text", "rules": {"pattern": "a**"}}}})");
    });
    EXPECT_STREQ(e.sqlstate(), "2201B");
    EXPECT_TRUE(
        contains(e.what(),
                 "attributes[\"code\"].rules.pattern is not a valid RE2 pattern: bad repetition "
                 "operator: **"))
        << e.what();
}

TEST(CheckModelRules, ChecksClassRules) {
    Error e = error_of([] {
        checked(R"({"attributes": {"a": {"type": "text"}},
                    "classes": {"c": {"rules": {"compare": ["a", "<", "b"]}, "attributes": {"a": {}}}}})");
    });
    EXPECT_STREQ(e.sqlstate(), "22023");
    EXPECT_TRUE(contains(e.what(), "invalid rules: classes[\"c\"].rules.compare[2] names \"b\""))
        << e.what();
}

TEST(CheckModelRules, ChecksAssignmentRulesAgainstTheAttributesType) {
    Error e = error_of([] {
        checked(R"({"attributes": {"n": {"type": "integer"}},
                    "classes": {"c": {"attributes": {"n": {"rules": {"max_length": 3}}}}}})");
    });
    EXPECT_TRUE(contains(
        e.what(), "classes[\"c\"].attributes[\"n\"].rules.max_length is not a rule for integer"))
        << e.what();
    EXPECT_NO_THROW(checked(R"({"attributes": {"n": {"type": "integer"}},
                                "classes": {"c": {"attributes": {"n": {"rules": {"max": 3}}}}}})"));
}

TEST(CheckModelRules, ChecksDefaultsOfClasses) {
    Error e = error_of([] {
        checked(R"({"classes": {"c": {"rules": {"defaults": {"text": {"pattern": "("}}}}}})");
    });
    EXPECT_STREQ(e.sqlstate(), "2201B");
    EXPECT_TRUE(contains(e.what(), "classes[\"c\"].rules.defaults.text.pattern")) << e.what();
}

// --- effective_rules ----------------------------------------------------------------------------

const char* const kLayeredModel = R"({
  "attributes": {
    "name": {"type": "text", "rules": {"max_length": 50, "pattern": "^[A-Z]", "message": "Bad name"}},
    "nick": {"type": "text"},
    "age": {"type": "integer", "rules": {"min": 0, "required": true}}
  },
  "classes": {
    "person": {
      "rules": {"defaults": {"text": {"max_length": 100, "not_blank": true}, "integer": {"max": 150, "min": 1}}},
      "attributes": {
        "name": {"required": true, "rules": {"max_length": 20}},
        "nick": {},
        "age": {"rules": {"required": false, "max": 130}}
      }
    },
    "plain": {"attributes": {"name": {}, "nick": {}}}
  }
})";

TEST(EffectiveRules, ClassDefaultsThenAttributeThenAssignmentKeyByKey) {
    Model m = checked(kLayeredModel);
    const auto& person = m.classes.at("person");
    EXPECT_EQ(
        effective_rules(m, person, person.assignments.at("name")),
        Json::parse(
            R"({"max_length": 20, "not_blank": true, "pattern": "^[A-Z]", "message": "Bad name",
                              "required": true})"));
    EXPECT_EQ(effective_rules(m, person, person.assignments.at("nick")),
              Json::parse(R"({"max_length": 100, "not_blank": true})"));
}

TEST(EffectiveRules, AssignmentRulesOverrideAttributeRules) {
    Model m = checked(kLayeredModel);
    const auto& person = m.classes.at("person");
    // The assignment turns required off and lowers max; min comes from the attribute.
    EXPECT_EQ(effective_rules(m, person, person.assignments.at("age")),
              Json::parse(R"({"min": 0, "max": 130, "required": false})"));
}

TEST(EffectiveRules, DefaultsOnlyOfTheClassAndTheAttributesType) {
    Model m = checked(kLayeredModel);
    const auto& plain = m.classes.at("plain");
    EXPECT_EQ(effective_rules(m, plain, plain.assignments.at("name")),
              Json::parse(R"({"max_length": 50, "pattern": "^[A-Z]", "message": "Bad name"})"));
    EXPECT_EQ(effective_rules(m, plain, plain.assignments.at("nick")), Json::object());
}

TEST(EffectiveRules, RequiredAssignmentSetsRequired) {
    Model m = checked(R"({"attributes": {"a": {"type": "text", "rules": {"required": false}}},
                          "classes": {"c": {"attributes": {"a": {"required": true}}}}})");
    const auto& c = m.classes.at("c");
    EXPECT_EQ(effective_rules(m, c, c.assignments.at("a")), Json::parse(R"({"required": true})"));
}

// --- custom functions and rule changes ---------------------------------------------------------

TEST(CustomFunctions, EveryFunctionOnceWithItsDataType) {
    Model m = checked(R"({
      "attributes": {"a": {"type": "text", "rules": {"custom": "app.check_a"}}, "b": {"type": "integer"},
                     "c": {"type": "text", "rules": {"custom": "app.check_a"}}},
      "classes": {"k": {"rules": {"defaults": {"integer": {"custom": "app.check_int"}}},
                        "attributes": {"a": {}, "b": {}, "c": {"rules": {"custom": "app.check_c"}}}}}
    })");
    auto f = custom_functions(m);
    std::set<std::pair<std::string, DataType>> got(f.begin(), f.end());
    EXPECT_EQ(got.size(), f.size()) << "no duplicates";
    EXPECT_EQ(got,
              (std::set<std::pair<std::string, DataType>>{{"app.check_a", DataType::kText},
                                                          {"app.check_int", DataType::kInteger},
                                                          {"app.check_c", DataType::kText}}));
    EXPECT_TRUE(custom_functions(checked(kEventModel)).empty());
}

// A catalog model (with ids) of class "item" whose attribute rules and class rules are given.
Model catalog(const std::string& name_rules, const std::string& qty_rules,
              const std::string& class_rules) {
    return model::parse_model(Json::parse(R"({
      "attributes": {"name": {"id": "a1", "type": "text", "rules": )" +
                                          name_rules + R"(},
                     "qty": {"id": "a2", "type": "integer", "rules": )" +
                                          qty_rules + R"(}},
      "classes": {"item": {"id": "c1", "rules": )" +
                                          class_rules + R"(,
                           "attributes": {"name": {}, "qty": {}}}}
    })"),
                              model::Source::kCatalog);
}

TEST(RuleChanges, AttributesAndClassRulesThatChanged) {
    Model before = catalog(R"({"max_length": 10})", "{}", "{}");
    EXPECT_TRUE(rule_changes(before, before).empty());
    auto changes = rule_changes(before, catalog(R"({"max_length": 5})", "{}", "{}"));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].class_name, "item");
    EXPECT_EQ(changes[0].attributes, std::vector<std::string>{"name"});
    EXPECT_FALSE(changes[0].class_rules);
    changes = rule_changes(before, catalog(R"({"max_length": 10})", R"({"min": 0})",
                                           R"({"one_of_required": [["name", "qty"]]})"));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].attributes, std::vector<std::string>{"qty"});
    EXPECT_TRUE(changes[0].class_rules);
}

TEST(RuleChanges, IndexesAndDefaultsAloneAreNoChange) {
    Model before = catalog("{}", "{}", "{}");
    EXPECT_TRUE(
        rule_changes(before, catalog(R"({"unique": true, "indexed": true})", "{}", "{}")).empty());
    // Defaults act through the attributes: the class rules did not change, the attribute's did.
    auto changes =
        rule_changes(before, catalog("{}", "{}", R"({"defaults": {"integer": {"max": 9}}})"));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_FALSE(changes[0].class_rules);
    EXPECT_EQ(changes[0].attributes, std::vector<std::string>{"qty"});
}

TEST(RuleChanges, NewClassesHaveNoRows) {
    Model before = catalog("{}", "{}", "{}");
    Model after = before;
    after.classes.at("item").id = "c2";  // another class of the same name
    after.attributes.at("name").rules = Json::parse(R"({"max_length": 1})");
    EXPECT_TRUE(rule_changes(before, after).empty());
}

TEST(RuleChanges, CoversViolationsOfChangedRulesOnly) {
    RuleChange attr_only{"item", {"name"}, false};
    EXPECT_TRUE(attr_only.covers({"name", "max_length", "m"}));
    EXPECT_TRUE(attr_only.covers({"name", "required", "m"}));
    EXPECT_FALSE(attr_only.covers({"qty", "min", "m"}));
    EXPECT_FALSE(attr_only.covers({"name", "compare", "m"}));
    EXPECT_FALSE(attr_only.covers({"name", "required_together", "m"}));
    RuleChange class_only{"item", {}, true};
    EXPECT_TRUE(class_only.covers({"name", "compare", "m"}));
    EXPECT_TRUE(class_only.covers({"qty", "required_together", "m"}));
    EXPECT_TRUE(class_only.covers({"name, qty", "one_of_required", "m"}));
    EXPECT_FALSE(class_only.covers({"name", "max_length", "m"}));
}

// --- compile ------------------------------------------------------------------------------------

TEST(Compile, OneEntryPerAssignmentInNameOrder) {
    Model m = checked(kEventModel);
    CompiledClass c = compile(m, m.classes.at("event"));
    EXPECT_EQ(c.name, "event");
    std::vector<std::string> names;
    for (const auto& a : c.attributes)
        names.push_back(a.name);
    EXPECT_EQ(names, (std::vector<std::string>{"active", "code", "ends_at", "ends_on", "extra",
                                               "max_price", "owner", "price", "quantity",
                                               "starts_on", "title"}));
    EXPECT_EQ(c.index_of("active"), 0);
    EXPECT_EQ(c.index_of("title"), 10);
    EXPECT_EQ(c.index_of("elsewhere"), -1);
    EXPECT_EQ(c.index_of(""), -1);
    EXPECT_EQ(c.attributes[c.index_of("ends_at")].type, DataType::kTimestamp);
    EXPECT_EQ(c.attributes[c.index_of("owner")].type, DataType::kReference);
    EXPECT_TRUE(c.empty());
}

TEST(Compile, EveryAttributeRule) {
    Model m = checked(R"({
      "attributes": {
        "code": {"type": "text", "rules": {"min_length": 2, "max_length": 8, "pattern": "^[A-Z]+$", "format": "hostname",
                                           "not_blank": true, "enum": ["AB", "CD"], "custom": "app.check_code",
                                           "message": "Bad code", "unique": true}},
        "price": {"type": "number", "rules": {"min": 0, "max": 10, "exclusive_min": -1, "exclusive_max": 11,
                                              "multiple_of": 0.5, "enum": [1, 2.5]}},
        "born": {"type": "date", "rules": {"min": "1900-01-01", "max": "today-18y"}}
      },
      "classes": {"c": {"attributes": {"code": {"required": true}, "price": {}, "born": {}}}}
    })");
    CompiledClass c = compile(m, m.classes.at("c"));
    ASSERT_EQ(c.attributes.size(), 3u);
    const CompiledAttribute& code = c.attributes[c.index_of("code")];
    EXPECT_TRUE(code.required);
    EXPECT_TRUE(code.not_blank);
    EXPECT_EQ(code.min_length, 2);
    EXPECT_EQ(code.max_length, 8);
    ASSERT_NE(code.pattern, nullptr);
    EXPECT_EQ(code.pattern_source, "^[A-Z]+$");
    EXPECT_EQ(code.format, Format::kHostname);
    EXPECT_EQ(code.enum_text, (std::vector<std::string>{"AB", "CD"}));
    EXPECT_EQ(code.custom, "app.check_code");
    EXPECT_EQ(code.message, "Bad code");
    EXPECT_TRUE(code.has_rules());

    const CompiledAttribute& price = c.attributes[c.index_of("price")];
    EXPECT_FALSE(price.required);
    EXPECT_EQ(price.min, 0.0);
    EXPECT_EQ(price.max, 10.0);
    EXPECT_EQ(price.exclusive_min, -1.0);
    EXPECT_EQ(price.exclusive_max, 11.0);
    EXPECT_EQ(price.multiple_of, 0.5);
    EXPECT_EQ(price.enum_number, (std::vector<double>{1, 2.5}));
    EXPECT_FALSE(price.time_min.has_value());

    const CompiledAttribute& born = c.attributes[c.index_of("born")];
    ASSERT_TRUE(born.time_min.has_value());
    EXPECT_FALSE(born.time_min->relative);
    EXPECT_EQ(born.time_min->literal, *parse_date("1900-01-01"));
    ASSERT_TRUE(born.time_max.has_value());
    EXPECT_TRUE(born.time_max->relative);
    EXPECT_TRUE(born.time_max->today);
    EXPECT_EQ(born.time_max->months, -18 * 12);
    EXPECT_FALSE(born.min.has_value());  // date bounds are time bounds
    EXPECT_FALSE(c.empty());
}

TEST(Compile, IndexesAndMessagesAloneCheckNothing) {
    CompiledClass c =
        compile_single("text", Json::parse(R"({"unique": true, "indexed": true, "message": "x"})"));
    EXPECT_FALSE(c.attributes[0].has_rules());
    EXPECT_TRUE(c.empty());
    EXPECT_FALSE(compile_single("text", Json::parse(R"({"custom": "app.f"})")).empty());
    EXPECT_FALSE(compile_single("boolean", Json::parse(R"({"required": true})")).empty());
    EXPECT_TRUE(compile_single("boolean", Json::parse(R"({"required": false})")).empty());
}

TEST(Compile, EveryRuleAloneMakesTheClassNonEmpty) {
    for (DataType t : kAllTypes) {
        for (const std::string& key : keys_of(t)) {
            if (key == "unique" || key == "indexed" || key == "message")
                continue;
            CompiledClass c = compile_single(name_of(t), Json{{key, sample(t, key)}});
            EXPECT_TRUE(c.attributes.at(0).has_rules()) << name_of(t) << " " << key;
            EXPECT_FALSE(c.empty()) << name_of(t) << " " << key;
        }
    }
}

TEST(Compile, ClassRulesBecomeIndexes) {
    Model m = checked(kEventModel);
    m.classes.at("event").rules = Json::parse(R"({
      "required_together": [["title", "code"], ["price", "quantity", "starts_on"]],
      "one_of_required": [["ends_on", "ends_at"]],
      "compare": [["price", "<=", "max_price"], ["starts_on", "<", "ends_at"]]
    })");
    check_model_rules(m);
    CompiledClass c = compile(m, m.classes.at("event"));
    auto idx = [&c](const char* n) { return static_cast<std::size_t>(c.index_of(n)); };
    ASSERT_EQ(c.required_together.size(), 2u);
    EXPECT_EQ(c.required_together[0], (std::vector<std::size_t>{idx("title"), idx("code")}));
    EXPECT_EQ(c.required_together[1],
              (std::vector<std::size_t>{idx("price"), idx("quantity"), idx("starts_on")}));
    ASSERT_EQ(c.one_of_required.size(), 1u);
    EXPECT_EQ(c.one_of_required[0], (std::vector<std::size_t>{idx("ends_on"), idx("ends_at")}));
    ASSERT_EQ(c.compares.size(), 2u);
    EXPECT_EQ(c.compares[0].left, idx("price"));
    EXPECT_EQ(c.compares[0].op, "<=");
    EXPECT_EQ(c.compares[0].right, idx("max_price"));
    EXPECT_EQ(c.compares[1].op, "<");
    EXPECT_FALSE(c.empty());
}

TEST(Compile, OneCompareWithoutAList) {
    Model m = checked(kEventModel);
    m.classes.at("event").rules = Json::parse(R"({"compare": ["ends_on", ">=", "starts_on"]})");
    CompiledClass c = compile(m, m.classes.at("event"));
    ASSERT_EQ(c.compares.size(), 1u);
    EXPECT_EQ(c.compares[0].left, static_cast<std::size_t>(c.index_of("ends_on")));
    EXPECT_EQ(c.compares[0].right, static_cast<std::size_t>(c.index_of("starts_on")));
    EXPECT_EQ(c.compares[0].op, ">=");
}

TEST(Compile, DefaultsReachTheAttributes) {
    Model m = checked(kLayeredModel);
    CompiledClass c = compile(m, m.classes.at("person"));
    const CompiledAttribute& nick = c.attributes[c.index_of("nick")];
    EXPECT_EQ(nick.max_length, 100);
    EXPECT_TRUE(nick.not_blank);
    const CompiledAttribute& age = c.attributes[c.index_of("age")];
    EXPECT_FALSE(age.required);
    EXPECT_EQ(age.min, 0.0);
    EXPECT_EQ(age.max, 130.0);
    const CompiledAttribute& name = c.attributes[c.index_of("name")];
    EXPECT_TRUE(name.required);
    EXPECT_EQ(name.max_length, 20);
    EXPECT_EQ(name.message, "Bad name");
}

TEST(Compile, AnUncheckedBadPatternThrows2201B) {
    Model m = model::parse_model(
        Json::parse(R"({"attributes": {"a": {"type": "text", "rules": {"pattern": "("}}},
                                                 "classes": {"c": {"attributes": {"a": {}}}}})"));
    Error e = error_of([&] { compile(m, m.classes.at("c")); });
    EXPECT_STREQ(e.sqlstate(), "2201B");
    EXPECT_TRUE(contains(e.what(), "missing ): (")) << e.what();
}

// --- evaluate: texts ----------------------------------------------------------------------------

TEST(Text, LengthsCountCharactersNotBytes) {
    struct Case {
        const char* value;
        std::int64_t chars;
    };
    const Case cases[] = {
        {"", 0},
        {"abc", 3},
        {"\xC3\xA9", 1},     // é
        {"caf\xC3\xA9", 4},  // café
        {"e\xCC\x81", 2},    // e + combining acute: two code points
        {"\xE2\x82\xAC"
         "100",
         4},                                          // €100
        {"\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 2},      // two emoji
        {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 3},  // 日本語
    };
    for (const Case& c : cases) {
        EXPECT_EQ(utf8_length(c.value), c.chars) << c.value;
        const std::string n = std::to_string(c.chars);
        EXPECT_EQ(
            broken("text", R"({"min_length": )" + n + R"(, "max_length": )" + n + "}", c.value), "")
            << c.value;
        EXPECT_EQ(broken("text", R"({"min_length": )" + std::to_string(c.chars + 1) + "}", c.value),
                  "min_length")
            << c.value;
        if (c.chars > 0) {
            EXPECT_EQ(
                broken("text", R"({"max_length": )" + std::to_string(c.chars - 1) + "}", c.value),
                "max_length")
                << c.value;
        }
    }
}

TEST(Text, LengthBoundariesAndMessages) {
    CompiledClass c = compile_single("text", Json::parse(R"({"min_length": 2, "max_length": 4})"));
    EXPECT_EQ(summary(run(c, {{"x", "a"}})), "x:min_length");
    EXPECT_EQ(summary(run(c, {{"x", "ab"}})), "");
    EXPECT_EQ(summary(run(c, {{"x", "abcd"}})), "");
    EXPECT_EQ(summary(run(c, {{"x", "abcde"}})), "x:max_length");
    EXPECT_EQ(summary(run(c, {{"x", ""}})), "x:min_length");
    EXPECT_EQ(run(c, {{"x", "a"}}).at(0).message, "must be at least 2 characters long");
    EXPECT_EQ(run(c, {{"x", "abcde"}}).at(0).message, "must be at most 4 characters long");
    EXPECT_EQ(broken("text", R"({"max_length": 0})", ""), "");
    EXPECT_EQ(broken("text", R"({"max_length": 0})", " "), "max_length");
}

TEST(Text, NotBlank) {
    for (const char* value : {"", " ", "   ", "\t", "\n", "\r\n", " \t\v\f "}) {
        EXPECT_EQ(broken("text", R"({"not_blank": true})", value), "not_blank")
            << '"' << value << '"';
    }
    for (const char* value : {"a", " a ", ".", "\xC2\xA0", "0"}) {
        EXPECT_EQ(broken("text", R"({"not_blank": true})", value), "") << '"' << value << '"';
    }
    EXPECT_EQ(broken("text", R"({"not_blank": false})", ""), "");
    EXPECT_EQ(broken("text", R"({"not_blank": true, "min_length": 1})", ""),
              "min_length not_blank");
}

TEST(Text, PatternIsAnUnanchoredSearch) {
    struct Case {
        const char* pattern;
        const char* value;
        bool matches;
    };
    const Case cases[] = {
        {"b", "abc", true},
        {"^b", "abc", false},
        {"^a", "abc", true},
        {"c$", "abc", true},
        {"^abc$", "abcd", false},
        {"^[A-Z]{3}-\\d{4}$", "ABC-1234", true},
        {"^[A-Z]{3}-\\d{4}$", "ABC-123", false},
        {"(?i)^abc$", "AbC", true},
        {"^abc$", "AbC", false},
        {"", "anything", true},
        {"x*", "", true},
        {"^.$", "\xC3\xA9", true},  // one character
        {"^\\pL+$", "caf\xC3\xA9", true},
        {"^\\pL+$", "caf\xC3\xA9!", false},
        {"\\d", "no digits", false},
        {"^a.c$", "a\nc", false},
        {"(?s)^a.c$", "a\nc", true},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(broken("text", Json{{"pattern", c.pattern}}.dump(), c.value),
                  c.matches ? "" : "pattern")
            << c.pattern << " on " << c.value;
    }
    CompiledClass c = compile_single("text", Json::parse(R"({"pattern": "^[a-z]+$"})"));
    EXPECT_EQ(run(c, {{"x", "ABC"}}).at(0).message, "must match the pattern ^[a-z]+$");
}

TEST(Text, Enum) {
    const char* rules = R"({"enum": ["red", "green", "caf\u00e9", ""]})";
    for (const char* value : {"red", "green", "caf\xC3\xA9", ""})
        EXPECT_EQ(broken("text", rules, value), "") << value;
    for (const char* value : {"Red", "red ", " red", "blue", "cafe", "gree"}) {
        EXPECT_EQ(broken("text", rules, value), "enum") << value;
    }
    CompiledClass c = compile_single("text", Json::parse(rules));
    // The allowed values are the model's: the message names them.
    EXPECT_EQ(run(c, {{"x", "blue"}}).at(0).message,
              "must be one of \"red\", \"green\", \"caf\xC3\xA9\", \"\"");
    // Numbers as JSON writes them; long lists cut after ten values.
    std::string many = "[";
    for (int i = 1; i <= 12; ++i)
        many += (i == 1 ? "" : ", ") + std::to_string(i);
    CompiledClass n = compile_single("integer", Json::parse(R"({"enum": )" + many + "]}"));
    EXPECT_EQ(run(n, {{"x", 13}}).at(0).message,
              "must be one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... (12 values)");
}

// --- formats ------------------------------------------------------------------------------------

struct FormatCase {
    Format format;
    std::vector<std::string> valid;
    std::vector<std::string> invalid;
};

void check_format(const FormatCase& c) {
    for (const std::string& s : c.valid)
        EXPECT_TRUE(has_format(c.format, s)) << "should be valid: " << s;
    for (const std::string& s : c.invalid)
        EXPECT_FALSE(has_format(c.format, s)) << "should be invalid: " << s;
}

TEST(Format, Email) {
    check_format(
        {Format::kEmail,
         {"user@example.com", "first.last+tag@sub.example.org", "a@b.co", "x_y-z@ex-ample.io",
          "\xC3\xA9l\xC3\xA8ve@example.fr", std::string(64, 'a') + "@example.com"},
         {"", "plain", "@example.com", "user@", "user@localhost", "a@b@example.com",
          "user name@example.com", "user@exa mple.com", "user@-example.com", "user@example..com",
          "user@.example.com", "user@example.com-", "user\t@example.com",
          std::string(65, 'a') + "@example.com", "user@@x.com", "user@ex_ample.com"}});
}

TEST(Format, Uri) {
    check_format({Format::kUri,
                  {"https://example.com/path?q=1#frag", "http://localhost:8080",
                   "mailto:someone@example.com", "urn:isbn:0451450523",
                   "ftp://ftp.example.com/file.txt", "svn+ssh://host/repo", "a:b", "x-y.z:1"},
                  {"", "example.com", "://x", "1http://x", "http:", "http://exa mple.com",
                   "ht tp://x", ":", "/a/b", "http://x\ny", "-a:b", "h_t:x"}});
}

TEST(Format, Uuid) {
    check_format({Format::kUuid,
                  {"123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000",
                   "123E4567-E89B-12D3-A456-426614174000"},
                  {"", "123e4567e89b12d3a456426614174000", "{123e4567-e89b-12d3-a456-426614174000}",
                   "123e4567-e89b-12d3-a456-42661417400g", "123e4567-e89b-12d3-a456-42661417400",
                   "123e4567-e89b-12d3-a456-4266141740000", "123e4567-e89b-12d3-a456_426614174000",
                   " 123e4567-e89b-12d3-a456-42661417400"}});
}

TEST(Format, Date) {
    check_format(
        {Format::kDate,
         {"2024-02-29", "2000-01-01", "1999-12-31", "0001-01-01", "9999-12-31"},
         {"", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32", "2024-1-01", "24-01-01",
          "2024/01/01", "2024-01-01T00:00:00Z", " 2024-01-01", "2024-01-01 ", "2024-04-31"}});
}

TEST(Format, DateTime) {
    check_format(
        {Format::kDateTime,
         {"2024-02-29T12:00:00Z", "2024-02-29T12:00:00.123+05:30", "2024-02-29t12:00:00z",
          "2024-02-29 12:00:00-08:00", "2016-12-31T23:59:60Z"},
         {"", "2024-02-29", "2024-02-29T12:00:00", "2024-02-29T24:00:00Z", "2024-02-29T12:60:00Z",
          "2023-02-29T12:00:00Z", "2024-02-29T12:00Z", "2024-02-29T12:00:00+0530",
          "2024-02-29T12:00:00.Z", "2024-02-29T12:00:00Z ", "2024-02-29X12:00:00Z"}});
}

TEST(Format, Ipv4) {
    check_format({Format::kIpv4,
                  {"192.168.0.1", "0.0.0.0", "255.255.255.255", "8.8.8.8"},
                  {"", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", " 1.2.3.4", "1.2.3.4 ",
                   "1.2.3.-4", "::1", "1.2.3.4/24", "a.b.c.d", std::string("1.2.3.4\0extra", 13),
                   std::string(100, '1')}});
}

TEST(Format, Ipv6) {
    check_format(
        {Format::kIpv6,
         {"::1", "::", "2001:db8::8a2e:370:7334", "2001:0db8:0000:0000:0000:ff00:0042:8329",
          "::ffff:192.0.2.1", "fe80::1", "FE80::ABCD"},
         {"", "2001:db8:::1", "12345::", "1.2.3.4", "fe80::1%eth0", "g::1", "1:2:3:4:5:6:7:8:9",
          ":1", "2001:db8::/32", std::string("::1\0x", 5)}});
}

TEST(Format, Hostname) {
    const std::string label63(63, 'a');
    std::string long_name;  // 4 labels of 63 and dots: 255 characters
    for (int i = 0; i < 4; ++i)
        long_name += (i ? "." : "") + label63;
    check_format({Format::kHostname,
                  {"example.com", "a", "localhost", "xn--bcher-kva.example", "a-b.c",
                   "example.com.", "123.example", label63 + ".com", "A.EXAMPLE.COM"},
                  {"", ".", "-a.com", "a-.com", "a..b", ".a", "exa_mple.com", label63 + "a.com",
                   long_name, "ex ample.com",
                   "b\xC3\xBC"
                   "cher.de",
                   "a.com..", "a/b"}});
}

TEST(Format, EveryFormatThroughEvaluate) {
    struct Case {
        const char* format;
        const char* valid;
        const char* invalid;
        const char* message;
    };
    const Case cases[] = {
        {"email", "user@example.com", "user@@example", "is not a valid email address"},
        {"uri", "https://example.com", "no scheme here", "is not a valid URI"},
        {"uuid", "123e4567-e89b-12d3-a456-426614174000", "123e4567", "is not a valid UUID"},
        {"date", "2024-02-29", "2023-02-29", "is not a valid date"},
        {"date-time", "2024-02-29T00:00:00Z", "2024-02-29", "is not a valid date-time"},
        {"ipv4", "10.0.0.1", "10.0.0.256", "is not a valid IPv4 address"},
        {"ipv6", "fe80::1", "fe80:::1", "is not a valid IPv6 address"},
        {"hostname", "db.example.com", "db_1.example.com", "is not a valid host name"},
    };
    for (const Case& k : cases) {
        CompiledClass c = compile_single("text", Json{{"format", k.format}});
        EXPECT_EQ(summary(run(c, {{"x", k.valid}})), "") << k.format;
        auto v = run(c, {{"x", k.invalid}});
        ASSERT_EQ(v.size(), 1u) << k.format;
        EXPECT_EQ(v[0].rule, "format");
        EXPECT_EQ(v[0].message, k.message);
    }
}

// --- evaluate: numbers --------------------------------------------------------------------------

TEST(Number, InclusiveBounds) {
    const char* rules = R"({"min": -1.5, "max": 10})";
    for (double v : {-1.5, 0.0, 9.999, 10.0})
        EXPECT_EQ(broken("number", rules, v), "") << v;
    EXPECT_EQ(broken("number", rules, -1.5000001), "min");
    EXPECT_EQ(broken("number", rules, 10.000001), "max");
    EXPECT_EQ(broken("number", rules, -1e300), "min");
    EXPECT_EQ(broken("number", rules, 1e300), "max");
    CompiledClass c = compile_single("number", Json::parse(rules));
    EXPECT_EQ(run(c, {{"x", -2}}).at(0).message, "must be at least -1.5");
    EXPECT_EQ(run(c, {{"x", 11}}).at(0).message, "must be at most 10");
}

TEST(Number, ExclusiveBounds) {
    const char* rules = R"({"exclusive_min": 0, "exclusive_max": 1})";
    EXPECT_EQ(broken("number", rules, 0), "exclusive_min");
    EXPECT_EQ(broken("number", rules, 1e-12), "");
    EXPECT_EQ(broken("number", rules, 0.5), "");
    EXPECT_EQ(broken("number", rules, 0.999999), "");
    EXPECT_EQ(broken("number", rules, 1), "exclusive_max");
    CompiledClass c = compile_single("number", Json::parse(rules));
    EXPECT_EQ(run(c, {{"x", 0}}).at(0).message, "must be greater than 0");
    EXPECT_EQ(run(c, {{"x", 1}}).at(0).message, "must be less than 1");
    // Both lower bounds apply.
    EXPECT_EQ(broken("number", R"({"min": 0, "exclusive_min": 0})", 0), "exclusive_min");
    EXPECT_EQ(broken("number", R"({"min": 5, "exclusive_min": 0})", 3), "min");
}

TEST(Number, MultipleOfDecimalSteps) {
    struct Case {
        double step;
        double value;
        bool ok;
    };
    const Case cases[] = {
        {0.1, 0.0, true},
        {0.1, 0.1, true},
        {0.1, 0.3, true},
        {0.1, 0.7, true},
        {0.1, 1.1, true},
        {0.1, -0.2, true},
        {0.1, 123.4, true},
        {0.1, 0.35, false},
        {0.1, 0.05, false},
        {0.1, 1.01, false},
        {0.01, 19.99, true},
        {0.01, 0.07, true},
        {0.01, 1234567.89, true},
        {0.01, 19.995, false},
        {0.25, 0.75, true},
        {0.25, 0.8, false},
        {2.5, 7.5, true},
        {2.5, 7, false},
        {1, 3, true},
        {1, 3.5, false},
        {3, -9, true},
        {3, 10, false},
        {1e-9, 0.000000003, true},
        // Large values keep their cents.
        {0.01, 12345678.99, true},
        {0.01, 10000000.005, false},
        {0.01, 350000000000.01, true},
        {0.01, 350000000000.005, false},
        {0.1, 123456789012.3, true},
        {0.1, 123456789012.35, false},
        {0.05, 99999999.95, true},
        {0.05, 99999999.96, false},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(broken("number", Json{{"multiple_of", c.step}}.dump(), c.value),
                  c.ok ? "" : "multiple_of")
            << c.value << " of " << c.step;
    }
    CompiledClass c = compile_single("number", Json::parse(R"({"multiple_of": 0.01})"));
    EXPECT_EQ(run(c, {{"x", 0.001}}).at(0).message, "must be a multiple of 0.01");
}

TEST(Integer, MultipleOfIsExact) {
    const std::int64_t big =
        std::numeric_limits<std::int64_t>::max();  // 9223372036854775807 = 7 * 1317624576693539401
    EXPECT_EQ(broken("integer", R"({"multiple_of": 7})", big), "");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 3})", big), "multiple_of");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 2})", 9007199254740993LL),
              "multiple_of");  // 2^53 + 1
    EXPECT_EQ(broken("integer", R"({"multiple_of": 2})", std::numeric_limits<std::int64_t>::min()),
              "");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 5})", 10), "");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 5})", -15), "");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 5})", 0), "");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 5})", 11), "multiple_of");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 5.0})", 12), "multiple_of");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 1})", -7), "");
}

TEST(Integer, MultipleOfAFraction) {
    EXPECT_EQ(broken("integer", R"({"multiple_of": 2.5})", 5), "");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 2.5})", 7), "multiple_of");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 0.5})", 7), "");
    EXPECT_EQ(broken("integer", R"({"multiple_of": 1e19})", 0), "");
}

TEST(Integer, BoundsAndEnum) {
    const char* rules = R"({"min": 1, "max": 5, "exclusive_max": 5, "enum": [1, 2, 3, 5]})";
    EXPECT_EQ(broken("integer", rules, 1), "");
    EXPECT_EQ(broken("integer", rules, 3), "");
    EXPECT_EQ(broken("integer", rules, 4), "enum");
    EXPECT_EQ(broken("integer", rules, 5), "exclusive_max");
    EXPECT_EQ(broken("integer", rules, 0), "min enum");
    EXPECT_EQ(broken("integer", rules, 6), "max exclusive_max enum");
    EXPECT_EQ(broken("integer", R"({"min": 2.5})", 2), "min");
    EXPECT_EQ(broken("integer", R"({"min": 2.5})", 3), "");
}

TEST(Number, Enum) {
    const char* rules = R"({"enum": [0, 2.5, -1, 1e6]})";
    for (double v : {0.0, 2.5, -1.0, 1e6})
        EXPECT_EQ(broken("number", rules, v), "") << v;
    for (double v : {1.0, 2.4999, -0.5, 999999.0})
        EXPECT_EQ(broken("number", rules, v), "enum") << v;
    EXPECT_EQ(broken("number", rules, -0.0), "");  // -0 equals 0
}

// --- required, messages, other types -----------------------------------------------------------

TEST(Required, NullOrMissingBreaksRequiredOnly) {
    for (const char* type : {"text", "number", "integer", "boolean", "date", "timestamp", "json"}) {
        CompiledClass c = compile_single(type, Json::parse(R"({"required": true})"));
        auto v = run(c, Json::object());
        ASSERT_EQ(v.size(), 1u) << type;
        EXPECT_EQ(summary(v), "x:required");
        EXPECT_EQ(v[0].message, "is required");
        EXPECT_EQ(summary(run(c, {{"x", nullptr}})), "x:required") << type;
    }
    // The other rules are not applied to a missing value.
    CompiledClass c =
        compile_single("text", Json::parse(R"({"required": true, "min_length": 3, "not_blank": true,
                                                             "pattern": "x", "format": "email", "enum": ["a"]})"));
    EXPECT_EQ(summary(run(c, Json::object())), "x:required");
    EXPECT_EQ(
        broken("text", R"({"min_length": 3, "not_blank": true, "pattern": "x", "enum": ["a"]})",
               nullptr),
        "");
}

TEST(Required, AnEmptyStringIsAValue) {
    EXPECT_EQ(broken("text", R"({"required": true})", ""), "");
    EXPECT_EQ(broken("text", R"({"required": true, "not_blank": true})", ""), "not_blank");
    EXPECT_EQ(broken("integer", R"({"required": true})", 0), "");
    EXPECT_EQ(broken("boolean", R"({"required": true})", false), "");
}

TEST(Required, FromTheAssignment) {
    Model m = checked(R"({"attributes": {"a": {"type": "text"}, "b": {"type": "text"}},
                          "classes": {"c": {"attributes": {"a": {"required": true}, "b": {}}}}})");
    CompiledClass c = compile(m, m.classes.at("c"));
    EXPECT_EQ(summary(run(c, Json::object())), "a:required");
    EXPECT_EQ(summary(run(c, {{"a", "x"}})), "");
}

TEST(Message, ReplacesEveryDefaultMessageOfTheAttribute) {
    CompiledClass c = compile_single(
        "text", Json::parse(R"({"required": true, "min_length": 3, "pattern": "^[a-z]+$",
                                                             "enum": ["abcd"], "message": "Use a lower-case code"})"));
    auto v = run(c, {{"x", "A"}});
    EXPECT_EQ(summary(v), "x:min_length x:pattern x:enum");
    for (const Violation& x : v)
        EXPECT_EQ(x.message, "Use a lower-case code");
    v = run(c, Json::object());
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].rule, "required");
    EXPECT_EQ(v[0].message, "Use a lower-case code");
}

TEST(Message, OnlyForItsOwnAttribute) {
    Model m = checked(
        R"({"attributes": {"a": {"type": "integer", "rules": {"min": 1, "message": "A is off"}},
                                         "b": {"type": "integer", "rules": {"min": 1}}},
                          "classes": {"c": {"attributes": {"a": {}, "b": {"rules": {"message": "B is off"}}}},
                                      "d": {"attributes": {"b": {}}}}})");
    CompiledClass c = compile(m, m.classes.at("c"));
    auto v = run(c, {{"a", 0}, {"b", 0}});
    ASSERT_EQ(v.size(), 2u);
    EXPECT_EQ(v[0].message, "A is off");
    EXPECT_EQ(v[1].message, "B is off");
    CompiledClass d = compile(m, m.classes.at("d"));
    EXPECT_EQ(run(d, {{"b", 0}}).at(0).message, "must be at least 1");
}

TEST(Evaluate, TypesWithoutValueRulesOnlyCheckRequired) {
    for (const char* type : {"boolean", "json", "reference"}) {
        CompiledClass c =
            compile_single(type, Json::parse(R"({"unique": true, "custom": "app.f"})"));
        EXPECT_FALSE(c.empty());  // custom is left to the caller
        Json value = std::string(type) == "boolean" ? Json(true)
                     : std::string(type) == "json"  ? Json::parse(R"({"a": [1]})")
                                                    : Json("123e4567-e89b-12d3-a456-426614174000");
        EXPECT_EQ(summary(run(c, {{"x", value}})), "") << type;
    }
}

TEST(Evaluate, AppendsToTheViolationsGiven) {
    CompiledClass c = compile_single("integer", Json::parse(R"({"min": 1})"));
    std::vector<Violation> out{{"earlier", "custom", "was refused"}};
    Value v;
    v.is_null = false;
    v.integer = 0;
    evaluate(c, {v}, test_now(), out);
    EXPECT_EQ(summary(out), "earlier:custom x:min");
}

TEST(Evaluate, ValuesSetByHand) {
    Model m = checked(R"({"attributes": {"n": {"type": "number", "rules": {"max": 1}},
                                         "i": {"type": "integer", "rules": {"max": 1}},
                                         "t": {"type": "text", "rules": {"max_length": 1}}},
                          "classes": {"c": {"attributes": {"n": {}, "i": {}, "t": {}}}}})");
    CompiledClass c = compile(m, m.classes.at("c"));  // i, n, t
    std::vector<Value> values(3);
    for (Value& v : values)
        v.is_null = false;
    values[0].integer = 2;
    values[0].number = 0;  // ignored: integers are read from integer
    values[1].number = 2;
    values[1].integer = 0;  // ignored: numbers are read from number
    values[2].text = "ab";
    std::vector<Violation> out;
    evaluate(c, values, test_now(), out);
    EXPECT_EQ(summary(out), "i:max n:max t:max_length");
}

// NaN is no number: every numeric bound and every comparison refuses it (a CHECK
// constraint `x >= 0` would accept it). Infinity is a number beyond every bound.
TEST(Evaluate, NaNIsRefusedByEveryNumericBound) {
    auto with = [](const char* rules, double x) {
        CompiledClass c = compile_single("number", Json::parse(rules));
        Value v;
        v.is_null = false;
        v.number = x;
        std::vector<Violation> out;
        evaluate(c, {v}, test_now(), out);
        return summary(out);
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(with(R"({"min": 0})", nan), "x:min");
    EXPECT_EQ(with(R"({"max": 0})", nan), "x:max");
    EXPECT_EQ(with(R"({"exclusive_min": 0})", nan), "x:exclusive_min");
    EXPECT_EQ(with(R"({"exclusive_max": 0})", nan), "x:exclusive_max");
    EXPECT_EQ(with(R"({"multiple_of": 2})", nan), "x:multiple_of");
    EXPECT_EQ(with(R"({"enum": [1, 2]})", nan), "x:enum");
    EXPECT_EQ(with(R"({"min": 0, "max": 10})", nan), "x:min x:max");
    EXPECT_EQ(with(R"({"required": true})", nan), "");  // no bound: NaN is a value
    EXPECT_EQ(with(R"({"min": 0})", inf), "");
    EXPECT_EQ(with(R"({"max": 10})", inf), "x:max");
    EXPECT_EQ(with(R"({"min": 0})", -inf), "x:min");
    EXPECT_EQ(with(R"({"exclusive_max": 10})", inf), "x:exclusive_max");
    EXPECT_EQ(with(R"({"multiple_of": 2})", inf), "x:multiple_of");

    Model m = checked(R"({"attributes": {"a": {"type": "number"}, "b": {"type": "number"}},
                          "classes": {"c": {"rules": {"compare": ["a", "<=", "b"]}, "attributes": {"a": {}, "b": {}}}}})");
    CompiledClass c = compile(m, m.classes.at("c"));
    for (const auto& [a, b] :
         std::vector<std::pair<double, double>>{{nan, 1}, {1, nan}, {nan, nan}}) {
        std::vector<Value> values(2);
        for (Value& v : values)
            v.is_null = false;
        values[0].number = a;
        values[1].number = b;
        std::vector<Violation> out;
        evaluate(c, values, test_now(), out);
        EXPECT_EQ(summary(out), "a:compare");
    }
}

TEST(Evaluate, FewerValuesThanAttributesAreNulls) {
    Model m = checked(
        R"({"attributes": {"a": {"type": "integer", "rules": {"required": true}}, "b": {"type": "integer"}},
                          "classes": {"c": {"rules": {"required_together": [["a", "b"]], "one_of_required": [["a", "b"]],
                                                      "compare": ["a", "<", "b"]},
                                            "attributes": {"a": {}, "b": {}}}}})");
    CompiledClass c = compile(m, m.classes.at("c"));
    Value a;
    a.is_null = false;
    a.integer = 1;
    std::vector<Violation> out;
    evaluate(c, {a}, test_now(), out);  // b missing
    EXPECT_EQ(summary(out), "b:required_together");
    out.clear();
    evaluate(c, {}, test_now(), out);
    EXPECT_EQ(summary(out), "a:required a, b:one_of_required");
}

// --- class rules --------------------------------------------------------------------------------

Model contact_model() {
    return checked(R"({
      "attributes": {"email": {"type": "text"}, "phone": {"type": "text"}, "street": {"type": "text"},
                     "city": {"type": "text"}, "zip": {"type": "text"}},
      "classes": {"contact": {
        "rules": {"required_together": [["street", "city", "zip"]], "one_of_required": [["email", "phone"]]},
        "attributes": {"email": {}, "phone": {}, "street": {}, "city": {}, "zip": {}}}}
    })");
}

TEST(ClassEvaluate, RequiredTogether) {
    Model m = contact_model();
    CompiledClass c = compile(m, m.classes.at("contact"));
    EXPECT_EQ(summary(run(c, {{"email", "a@b.co"}})), "");
    EXPECT_EQ(summary(run(c, {{"email", "a@b.co"},
                              {"street", "Main St 1"},
                              {"city", "Springfield"},
                              {"zip", "1234"}})),
              "");
    auto v = run(c, {{"email", "a@b.co"}, {"city", "Springfield"}});
    EXPECT_EQ(summary(v), "street:required_together zip:required_together");
    // Each names the others, not itself.
    EXPECT_EQ(v[0].message, "is required together with city, zip");
    EXPECT_EQ(v[1].message, "is required together with street, city");
    // An empty string is a value.
    EXPECT_EQ(summary(run(c, {{"email", "a@b.co"}, {"street", ""}, {"city", ""}, {"zip", ""}})),
              "");
}

TEST(ClassEvaluate, OneOfRequired) {
    Model m = contact_model();
    CompiledClass c = compile(m, m.classes.at("contact"));
    EXPECT_EQ(summary(run(c, {{"phone", "+1 555"}})), "");
    EXPECT_EQ(summary(run(c, {{"phone", "+1 555"}, {"email", "a@b.co"}})), "");
    auto v = run(c, {{"email", nullptr}});
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].attribute, "email, phone");
    EXPECT_EQ(v[0].rule, "one_of_required");
    EXPECT_EQ(v[0].message, "at least one of email, phone is required");
}

const char* const kCompareModel = R"({
  "attributes": {"lo_n": {"type": "number"}, "hi_i": {"type": "integer"}, "lo_d": {"type": "date"},
                 "hi_t": {"type": "timestamp"}, "lo_s": {"type": "text"}, "hi_s": {"type": "text"}},
  "classes": {"c": {"attributes": {"lo_n": {}, "hi_i": {}, "lo_d": {}, "hi_t": {}, "lo_s": {}, "hi_s": {}}}}
})";

// Whether left op right holds for the row doc (attributes a and b compared).
bool compare_holds(const char* left, const char* op, const char* right, const Json& doc) {
    Model m = checked(kCompareModel);
    m.classes.at("c").rules = Json{{"compare", {left, op, right}}};
    check_model_rules(m);
    CompiledClass c = compile(m, m.classes.at("c"));
    auto v = run(c, doc);
    for (const Violation& x : v) {
        EXPECT_EQ(x.attribute, left);
        EXPECT_EQ(x.rule, "compare");
        EXPECT_EQ(x.message, std::string("must be ") + op + " " + right);
    }
    return v.empty();
}

TEST(ClassEvaluate, CompareNumberWithInteger) {
    struct Case {
        double n;
        std::int64_t i;
        const char* op;
        bool holds;
    };
    const Case cases[] = {
        {2.5, 3, "<", true},     {3.0, 3, "<", false},  {3.0, 3, "<=", true}, {3.5, 3, "<=", false},
        {3.5, 3, ">", true},     {3.0, 3, ">", false},  {3.0, 3, ">=", true}, {2.9, 3, ">=", false},
        {3.0, 3, "=", true},     {3.1, 3, "=", false},  {3.1, 3, "<>", true}, {3.0, 3, "<>", false},
        {-1e300, -3, "<", true}, {1e300, 3, ">", true},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(compare_holds("lo_n", c.op, "hi_i", {{"lo_n", c.n}, {"hi_i", c.i}}), c.holds)
            << c.n << " " << c.op << " " << c.i;
    }
}

TEST(ClassEvaluate, CompareDateWithTimestamp) {
    // A date is midnight UTC of its day.
    struct Case {
        const char* date;
        const char* op;
        const char* timestamp;
        bool holds;
    };
    const Case cases[] = {
        {"2024-03-15", "<", "2024-03-15T00:00:00Z", false},
        {"2024-03-15", "<=", "2024-03-15T00:00:00Z", true},
        {"2024-03-15", "=", "2024-03-15T00:00:00Z", true},
        {"2024-03-15", "=", "2024-03-15T01:00:00+01:00", true},
        {"2024-03-15", "<", "2024-03-15T00:00:00.000001Z", true},
        {"2024-03-15", "<", "2024-03-14T23:00:00-02:00", true},  // 01:00Z on the 15th
        {"2024-03-15", ">", "2024-03-14T23:59:59Z", true},
        {"2024-03-15", ">=", "2024-03-15T00:00:00Z", true},
        {"2024-03-15", "<>", "2024-03-15T00:00:00Z", false},
        {"1999-12-31", "<", "2000-01-01T00:00:00Z", true},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(compare_holds("lo_d", c.op, "hi_t", {{"lo_d", c.date}, {"hi_t", c.timestamp}}),
                  c.holds)
            << c.date << " " << c.op << " " << c.timestamp;
    }
    EXPECT_TRUE(compare_holds("hi_t", ">", "lo_d",
                              {{"lo_d", "2024-03-15"}, {"hi_t", "2024-03-15T00:00:01Z"}}));
}

TEST(ClassEvaluate, CompareTextsByteWise) {
    EXPECT_TRUE(compare_holds("lo_s", "<", "hi_s", {{"lo_s", "apple"}, {"hi_s", "banana"}}));
    EXPECT_FALSE(compare_holds("lo_s", "<", "hi_s", {{"lo_s", "b"}, {"hi_s", "a"}}));
    EXPECT_TRUE(compare_holds("lo_s", "<", "hi_s",
                              {{"lo_s", "B"}, {"hi_s", "a"}}));  // byte order, not collation
    EXPECT_TRUE(compare_holds("lo_s", "<", "hi_s", {{"lo_s", "ab"}, {"hi_s", "abc"}}));
    EXPECT_TRUE(
        compare_holds("lo_s", "=", "hi_s", {{"lo_s", "caf\xC3\xA9"}, {"hi_s", "caf\xC3\xA9"}}));
    EXPECT_TRUE(compare_holds("lo_s", "<>", "hi_s", {{"lo_s", ""}, {"hi_s", " "}}));
}

TEST(ClassEvaluate, CompareSkipsNulls) {
    for (const char* op : {"<", "=", ">"}) {
        EXPECT_TRUE(compare_holds("lo_n", op, "hi_i", {{"lo_n", 5}}));
        EXPECT_TRUE(compare_holds("lo_n", op, "hi_i", {{"hi_i", 5}}));
        EXPECT_TRUE(compare_holds("lo_n", op, "hi_i", Json::object()));
    }
}

TEST(ClassEvaluate, EveryCompareOfAListIsChecked) {
    Model m = checked(kCompareModel);
    m.classes.at("c").rules =
        Json::parse(R"({"compare": [["lo_n", "<", "hi_i"], ["lo_s", "<", "hi_s"],
                                                          ["lo_d", "<=", "hi_t"]]})");
    CompiledClass c = compile(m, m.classes.at("c"));
    EXPECT_EQ(summary(run(c, {{"lo_n", 5},
                              {"hi_i", 1},
                              {"lo_s", "z"},
                              {"hi_s", "a"},
                              {"lo_d", "2024-01-02"},
                              {"hi_t", "2024-01-01T00:00:00Z"}})),
              "lo_n:compare lo_s:compare lo_d:compare");
}

// --- all violations at once, nothing echoed ------------------------------------------------------

const char* const kShopModel = R"({
  "attributes": {
    "sku": {"type": "text", "rules": {"pattern": "^[A-Z]{3}-\\d{4}$", "max_length": 8}},
    "name": {"type": "text", "rules": {"min_length": 2, "max_length": 40, "not_blank": true}},
    "email": {"type": "text", "rules": {"format": "email"}},
    "colour": {"type": "text", "rules": {"enum": ["red", "green"]}},
    "price": {"type": "number", "rules": {"min": 0, "multiple_of": 0.01}},
    "stock": {"type": "integer", "rules": {"min": 0, "max": 1000}},
    "launched": {"type": "date", "rules": {"min": "2000-01-01", "max": "today"}},
    "max_price": {"type": "number"}
  },
  "classes": {"product": {
    "rules": {"compare": ["price", "<=", "max_price"], "required_together": [["price", "max_price"]]},
    "attributes": {"sku": {"required": true}, "name": {"required": true}, "email": {}, "colour": {}, "price": {},
                   "stock": {}, "launched": {}, "max_price": {}}}}
})";

TEST(Violations, EveryViolationIsCollectedAtOnce) {
    Model m = checked(kShopModel);
    CompiledClass c = compile(m, m.classes.at("product"));
    auto v =
        run(c, Json::parse(R"({"sku": "abc-12345", "name": " ", "email": "nobody", "colour": "blue",
                                    "price": 10.005, "stock": 1001, "launched": "2099-01-01", "max_price": 5})"));
    EXPECT_EQ(
        summary(v),
        "colour:enum email:format launched:max name:min_length name:not_blank price:multiple_of "
        "sku:max_length sku:pattern stock:max price:compare");
    EXPECT_EQ(
        summary(run(
            c, Json::parse(R"({"sku": "ABC-1234", "name": "Lamp", "price": 9.99, "max_price": 10,
                                              "launched": "2024-03-15", "stock": 0, "colour": "red",
                                              "email": "shop@example.com"})"))),
        "");
    EXPECT_EQ(summary(run(c, Json::parse(R"({"price": 1, "colour": 3, "extra": true})"))),
              "extra:unknown colour:type name:required sku:required max_price:required_together");
}

TEST(Violations, ValuesAreNeverEchoed) {
    Model m = checked(kShopModel);
    CompiledClass c = compile(m, m.classes.at("product"));
    const Json doc =
        Json::parse(R"({"sku": "secretsku99", "name": "\t\t", "email": "secret.mail@@x",
                                    "colour": "secret-colour", "price": 123456.789, "stock": 987654,
                                    "launched": "2098-07-06", "max_price": -4242.5})");
    auto v = run(c, doc);
    ASSERT_GE(v.size(), 9u) << summary(v);
    for (const Violation& x : v) {
        for (const char* secret :
             {"secretsku99", "secret.mail", "secret-colour", "123456", "987654", "2098", "4242"}) {
            EXPECT_FALSE(contains(x.message, secret))
                << x.attribute << ":" << x.rule << " " << x.message;
            EXPECT_FALSE(contains(x.attribute, secret));
        }
    }
    // Not through type errors either.
    auto t = run(
        c, Json::parse(
               R"({"stock": "secret-stock", "launched": "secret-date", "price": "secret-price"})"));
    for (const Violation& x : t)
        EXPECT_FALSE(contains(x.message, "secret")) << x.message;
}

// --- values_from_json ---------------------------------------------------------------------------

const char* const kAllTypesModel = R"({
  "attributes": {"t": {"type": "text"}, "n": {"type": "number"}, "i": {"type": "integer"}, "b": {"type": "boolean"},
                 "d": {"type": "date"}, "ts": {"type": "timestamp"}, "r": {"type": "reference", "target": "c"},
                 "j": {"type": "json"}},
  "classes": {"c": {"attributes": {"t": {}, "n": {}, "i": {}, "b": {}, "d": {}, "ts": {}, "r": {}, "j": {}}}}
})";

CompiledClass all_types() {
    Model m = checked(kAllTypesModel);
    return compile(m, m.classes.at("c"));
}

TEST(ValuesFromJson, ReadsEveryType) {
    CompiledClass c = all_types();
    const Json doc =
        Json::parse(R"({"t": "caf\u00e9", "n": 2.5, "i": -7, "b": true, "d": "2000-01-02",
                                    "ts": "2000-01-01T00:00:01.5Z", "r": "123e4567-e89b-12d3-a456-426614174000",
                                    "j": {"any": ["thing"]}})");
    std::vector<Violation> out;
    auto values = values_from_json(c, doc, out);
    EXPECT_TRUE(out.empty()) << summary(out);
    ASSERT_EQ(values.size(), 8u);
    auto at = [&](const char* n) -> const Value& { return values[c.index_of(n)]; };
    for (const Value& v : values) {
        EXPECT_FALSE(v.is_null);
        EXPECT_FALSE(v.unreadable);
    }
    EXPECT_EQ(at("t").text, "caf\xC3\xA9");
    EXPECT_EQ(at("n").number, 2.5);
    EXPECT_EQ(at("i").integer, -7);
    EXPECT_TRUE(at("b").boolean);
    EXPECT_EQ(at("d").integer, 1);
    EXPECT_EQ(at("ts").integer, 1500000);
    EXPECT_EQ(at("r").text, "123e4567-e89b-12d3-a456-426614174000");
    // Texts point into the document.
    EXPECT_EQ(at("t").text.data(), doc.at("t").get_ref<const std::string&>().data());
}

TEST(ValuesFromJson, MissingAndNullFieldsAreNull) {
    CompiledClass c = all_types();
    std::vector<Violation> out;
    auto values = values_from_json(c, Json::parse(R"({"t": null, "j": null})"), out);
    EXPECT_TRUE(out.empty());
    for (const Value& v : values)
        EXPECT_TRUE(v.is_null);
    // A JSON null inside a json attribute's value is a value.
    values = values_from_json(c, Json::parse(R"({"j": [null]})"), out);
    EXPECT_FALSE(values[c.index_of("j")].is_null);
}

TEST(ValuesFromJson, WrongTypesAreTypeViolations) {
    struct Case {
        const char* field;
        const char* value;
        const char* message;
    };
    const Case cases[] = {
        {"t", "1", "must be a string"},
        {"t", "[\"a\"]", "must be a string"},
        {"t", "{}", "must be a string"},
        {"n", "\"1\"", "must be a number"},
        {"n", "true", "must be a number"},
        {"i", "1.5", "must be an integer"},
        {"i", "\"1\"", "must be an integer"},
        {"i", "1e19", "must be an integer"},
        {"i", "-1e19", "must be an integer"},
        {"i", "18446744073709551615", "must be an integer"},
        {"i", "9223372036854775808", "must be an integer"},
        {"b", "1", "must be true or false"},
        {"b", "\"true\"", "must be true or false"},
        {"d", "\"2023-02-29\"", "must be a date (YYYY-MM-DD)"},
        {"d", "\"2024-01-01T00:00:00Z\"", "must be a date (YYYY-MM-DD)"},
        {"d", "20240101", "must be a date (YYYY-MM-DD)"},
        {"ts", "\"2024-01-01\"", "must be a date-time (RFC 3339)"},
        {"ts", "\"2024-01-01T00:00:00\"", "must be a date-time (RFC 3339)"},
        {"ts", "1700000000", "must be a date-time (RFC 3339)"},
        {"r", "\"not-a-uuid\"", "must be a uuid string"},
        {"r", "42", "must be a uuid string"},
    };
    CompiledClass c = all_types();
    for (const Case& k : cases) {
        std::vector<Violation> out;
        auto values = values_from_json(
            c, Json::parse(std::string("{\"") + k.field + "\": " + k.value + "}"), out);
        ASSERT_EQ(out.size(), 1u) << k.field << " " << k.value;
        EXPECT_EQ(out[0].attribute, k.field);
        EXPECT_EQ(out[0].rule, "type");
        EXPECT_EQ(out[0].message, k.message) << k.field << " " << k.value;
        // Present but unreadable: its own rules are skipped.
        EXPECT_FALSE(values[c.index_of(k.field)].is_null) << k.field << " " << k.value;
        EXPECT_TRUE(values[c.index_of(k.field)].unreadable) << k.field << " " << k.value;
    }
}

TEST(ValuesFromJson, IntegersFromWholeFloats) {
    CompiledClass c = all_types();
    for (const char* value :
         {"3.0", "-2e3", "0.0", "9223372036854775807", "-9223372036854775808"}) {
        std::vector<Violation> out;
        auto values = values_from_json(c, Json::parse(std::string(R"({"i": )") + value + "}"), out);
        EXPECT_TRUE(out.empty()) << value << " " << summary(out);
        EXPECT_FALSE(values[c.index_of("i")].is_null);
    }
    std::vector<Violation> out;
    EXPECT_EQ(values_from_json(c, Json::parse(R"({"i": -2e3})"), out)[c.index_of("i")].integer,
              -2000);
    EXPECT_EQ(
        values_from_json(c, Json::parse(R"({"i": 9223372036854775807})"), out)[c.index_of("i")]
            .integer,
        std::numeric_limits<std::int64_t>::max());
}

TEST(ValuesFromJson, UnknownFields) {
    CompiledClass c = all_types();
    std::vector<Violation> out;
    values_from_json(c, Json::parse(R"({"t": "x", "colour": "red", "T": 1, "": 2})"), out);
    EXPECT_EQ(summary(out), ":unknown T:unknown colour:unknown");
    EXPECT_EQ(out[2].message, "is not an attribute of class c");
}

TEST(ValuesFromJson, TheDocumentMustBeAnObject) {
    CompiledClass c = all_types();
    for (const char* doc : {"[]", "null", "\"t\"", "1", "[{\"t\": \"x\"}]"}) {
        std::vector<Violation> out;
        auto values = values_from_json(c, Json::parse(doc), out);
        ASSERT_EQ(out.size(), 1u) << doc;
        EXPECT_EQ(out[0].attribute, "");
        EXPECT_EQ(out[0].rule, "type");
        EXPECT_EQ(out[0].message, "the document must be a JSON object");
        EXPECT_EQ(values.size(), c.attributes.size());
        for (const Value& v : values)
            EXPECT_TRUE(v.is_null);
    }
}

TEST(ValuesFromJson, TypeErrorsDoNotStopTheOtherChecks) {
    Model m = checked(R"({"attributes": {"a": {"type": "integer", "rules": {"required": true}},
                                         "b": {"type": "text", "rules": {"max_length": 1}}},
                          "classes": {"c": {"attributes": {"a": {}, "b": {}}}}})");
    CompiledClass c = compile(m, m.classes.at("c"));
    // The wrongly typed value is present (required holds) but not checked further.
    EXPECT_EQ(summary(run(c, Json::parse(R"({"a": "one", "b": "toolong"})"))),
              "a:type b:max_length");
}

TEST(ValuesFromJson, WronglyTypedValuesAreNotCompared) {
    Model m = checked(
        R"({"attributes": {"lo": {"type": "integer", "rules": {"min": 1}}, "hi": {"type": "number"},
                                         "other": {"type": "text"}},
                          "classes": {"c": {"rules": {"compare": ["lo", "<=", "hi"],
                                                      "required_together": [["lo", "other"]]},
                                            "attributes": {"lo": {}, "hi": {}, "other": {}}}}})");
    CompiledClass c = compile(m, m.classes.at("c"));
    EXPECT_EQ(summary(run(c, Json::parse(R"({"lo": 5, "hi": "cheap", "other": "x"})"))), "hi:type");
    EXPECT_EQ(summary(run(c, Json::parse(R"({"lo": "five", "hi": -100, "other": "x"})"))),
              "lo:type");
    // It counts as present for required_together.
    EXPECT_EQ(summary(run(c, Json::parse(R"({"lo": "five"})"))), "lo:type other:required_together");
}

// --- to_json ------------------------------------------------------------------------------------

TEST(ToJson, OneObjectPerViolation) {
    std::vector<Violation> v{{"price", "min", "must be at least 0"},
                             {"email, phone", "one_of_required", "at least one"}};
    EXPECT_EQ(to_json(v), Json::parse(R"([
      {"attribute": "price", "rule": "min", "message": "must be at least 0"},
      {"attribute": "email, phone", "rule": "one_of_required", "message": "at least one"}
    ])"));
    EXPECT_EQ(to_json({}), Json::array());
    EXPECT_TRUE(to_json({}).is_array());
}

TEST(ToJson, OfAnEvaluation) {
    CompiledClass c =
        compile_single("text", Json::parse(R"({"max_length": 2, "message": "Too \"long\""})"));
    Json j = to_json(run(c, {{"x", "abc"}}));
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0].size(), 3u);
    EXPECT_EQ(j[0]["attribute"], "x");
    EXPECT_EQ(j[0]["rule"], "max_length");
    EXPECT_EQ(j[0]["message"], "Too \"long\"");
    EXPECT_EQ(Json::parse(j.dump()), j);
}

// --- helpers ------------------------------------------------------------------------------------

TEST(Helpers, IsBlank) {
    for (const char* s : {"", " ", "\t\n\v\f\r"})
        EXPECT_TRUE(is_blank(s)) << '"' << s << '"';
    for (const char* s : {"a", " a", "\xC2\xA0", "_"})
        EXPECT_FALSE(is_blank(s)) << '"' << s << '"';
}

TEST(Helpers, Utf8LengthOfInvalidUtf8CountsLeadBytes) {
    EXPECT_EQ(utf8_length("\x80\x80"), 0);  // stray continuation bytes
    EXPECT_EQ(utf8_length("\xFF"), 1);
    EXPECT_EQ(utf8_length(std::string_view("a\0b", 3)), 3);
}

}  // namespace
}  // namespace udm::rules
