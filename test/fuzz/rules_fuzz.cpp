// libFuzzer target of the rule engine (test/fuzz/run.sh builds and runs it with clang and
// AddressSanitizer + UndefinedBehaviorSanitizer).
//
// The first byte picks the mode:
//   0x01  the rest is a pattern: pattern_error, RE2 with the rule options, the lint of it
//   0x02  the rest is a date/timestamp literal or bound: parse_date, parse_timestamp,
//         parse_bound, resolve_bound
//   0x03  the rest is a text value: has_format for every format, utf8_length, is_blank
//   else  the whole input is JSON: lint_rules for every data type, lint_class_rules, and
//         model::parse_model; whatever passes the checks is compiled and evaluated.
//
// udm::Error is how the core refuses input; any other exception escaping, a crash, a
// sanitizer report or a broken invariant (checked rules that do not compile, an evaluation
// that fails internally, a message echoing a value) aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/model.hpp"
#include "udm/core/rules.hpp"
#include "udm/core/rules_internal.hpp"

namespace {

using udm::model::DataType;
using udm::model::Json;
namespace model = udm::model;
namespace rules = udm::rules;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "rules_fuzz: invariant broken: %s %s\n", what, detail.c_str());
    std::abort();
}

const DataType kTypes[] = {DataType::kText,      DataType::kNumber, DataType::kInteger,
                           DataType::kBoolean,   DataType::kDate,   DataType::kTimestamp,
                           DataType::kReference, DataType::kJson};

const rules::Format kFormats[] = {
    rules::Format::kNone, rules::Format::kEmail, rules::Format::kUri,
    rules::Format::kUuid, rules::Format::kDate,  rules::Format::kDateTime,
    rules::Format::kIpv4, rules::Format::kIpv6,  rules::Format::kHostname};

// Times to evaluate at: 2024-03-15T12:00:00Z, 1999-12-31T23:59:59Z, 1900-01-01, 2200-01-01.
const std::int64_t kNows[] = {8840LL * 86400000000LL + 43200000000LL, -1000000LL,
                              -36524LL * 86400000000LL, 73049LL * 86400000000LL};

// A text the rules must never echo; no attribute or class name can contain it.
constexpr std::string_view kSecret = "Zq#Secret#Value#7";

void check_problems(const std::vector<rules::Problem>& problems) {
    for (const rules::Problem& p : problems) {
        if (p.path.empty() || p.message.empty())
            fail("problem without path or message");
        // 42501 only refuses a custom function of a temporary or system schema.
        const bool custom =
            p.path.size() >= 7 && p.path.compare(p.path.size() - 7, 7, ".custom") == 0;
        if (p.sqlstate != "22023" && p.sqlstate != "2201B" && !(p.sqlstate == "42501" && custom))
            fail("problem sqlstate", p.sqlstate + " at " + p.path);
    }
}

// Value sets for a compiled class; which one picks each attribute's value.
rules::Value sample_value(DataType t, unsigned which, const std::string& long_text) {
    rules::Value v;
    which %= 8;
    if (which == 0)
        return v;  // null
    v.is_null = false;
    static const std::string_view kTexts[] = {
        "",     " \t", "\xC3\xA9", "user@example.com", "\xFF\xFE\x80", std::string_view("a\0b", 3),
        kSecret};
    static const double kNumbers[] = {0.0,
                                      -1.0,
                                      0.1,
                                      1e300,
                                      -1e-300,
                                      std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::quiet_NaN()};
    static const std::int64_t kIntegers[] = {0,
                                             -1,
                                             7,
                                             std::numeric_limits<std::int64_t>::min(),
                                             std::numeric_limits<std::int64_t>::max(),
                                             8840,
                                             -730119};
    static const std::int64_t kTimestamps[] = {0,
                                               -1,
                                               7,
                                               std::numeric_limits<std::int64_t>::min(),
                                               std::numeric_limits<std::int64_t>::max(),
                                               8840LL * 86400000000LL,
                                               -730119LL * 86400000000LL};
    const unsigned i = which - 1;  // 0..6
    v.text = i == 6 ? std::string_view(long_text) : kTexts[i];
    if (i == 6 && t != DataType::kText)
        v.text = kSecret;
    v.number = kNumbers[i];
    v.integer = t == DataType::kTimestamp ? kTimestamps[i] : kIntegers[i];
    v.boolean = (i & 1) != 0;
    return v;
}

void evaluate_class(const rules::CompiledClass& c, const Json& doc, unsigned seed) {
    const std::string long_text = std::string(kSecret) + std::string(300, 'x');
    for (unsigned round = 0; round < 4; ++round) {
        std::vector<rules::Value> values;
        for (std::size_t i = 0; i < c.attributes.size(); ++i) {
            values.push_back(sample_value(
                c.attributes[i].type, seed + round * 7 + static_cast<unsigned>(i) * 3, long_text));
        }
        std::vector<rules::Violation> out;
        rules::evaluate(c, values, kNows[round], out);
        for (const rules::Violation& v : out) {
            if (v.rule == "internal")
                fail("evaluation failed internally", v.message);
            const int idx = c.index_of(v.attribute);
            const bool own_message =
                idx >= 0 && !c.attributes[static_cast<std::size_t>(idx)].message.empty();
            if (v.rule != "pattern" && !own_message &&
                v.message.find(kSecret) != std::string::npos) {
                fail("a message echoes the value", v.rule + ": " + v.message);
            }
        }
        (void)rules::to_json(out).dump();
    }
    // Fewer values than attributes must be safe too.
    std::vector<rules::Violation> out;
    rules::evaluate(c, {}, kNows[0], out);
    // The document itself as a row.
    out.clear();
    std::vector<rules::Value> values = rules::values_from_json(c, doc, out);
    if (values.size() != c.attributes.size())
        fail("values_from_json size");
    rules::evaluate(c, values, kNows[seed % 4], out);
    for (const rules::Violation& v : out) {
        if (v.rule == "internal")
            fail("evaluation failed internally", v.message);
    }
}

// A model of one class "item" with one attribute "x" of type t with the rules.
model::Model single(DataType t, const Json& r) {
    model::Model m;
    model::Attribute a;
    a.name = "x";
    a.type = t;
    a.rules = r;
    if (t == DataType::kReference)
        a.target = "item";
    m.attributes.emplace("x", a);
    model::ThingClass c;
    c.name = "item";
    model::Assignment as;
    as.attribute = "x";
    c.assignments.emplace("x", as);
    m.classes.emplace("item", c);
    return m;
}

// A fixed model for class rules: attributes of every type assigned to class "event".
const model::Model& event_model() {
    static const model::Model m = model::parse_model(Json::parse(R"({
      "attributes": {"t": {"type": "text"}, "u": {"type": "text"}, "n": {"type": "number"}, "i": {"type": "integer"},
                     "b": {"type": "boolean"}, "d": {"type": "date"}, "ts": {"type": "timestamp"},
                     "r": {"type": "reference", "target": "event"}, "j": {"type": "json"}, "other": {"type": "text"}},
      "classes": {"event": {"attributes": {"t": {}, "u": {}, "n": {}, "i": {}, "b": {}, "d": {}, "ts": {},
                                           "r": {}, "j": {}}},
                  "elsewhere": {"attributes": {"other": {}}}}
    })"));
    return m;
}

// Rules that passed the lint must pass check_model_rules and compile.
void compile_checked(const model::Model& m, const Json& doc, unsigned seed) {
    try {
        rules::check_model_rules(m);
    } catch (const udm::Error& e) {
        fail("lint passed but check_model_rules threw", e.what());
    }
    for (const auto& [name, cls] : m.classes) {
        rules::CompiledClass c;
        try {
            c = rules::compile(m, cls);
        } catch (const udm::Error& e) {
            fail("checked rules do not compile", e.what());
        }
        if (c.attributes.size() != cls.assignments.size())
            fail("compiled attribute count");
        evaluate_class(c, doc, seed);
    }
}

void fuzz_json(const std::uint8_t* data, std::size_t size) {
    const Json doc = Json::parse(data, data + size, nullptr, false);
    if (doc.is_discarded())
        return;
    const unsigned seed = size > 0 ? data[size - 1] : 0;

    // The document as the rules of an attribute of every type.
    for (DataType t : kTypes) {
        auto problems = rules::lint_rules(t, doc);
        check_problems(problems);
        if (problems.empty())
            compile_checked(single(t, doc), doc, seed);
    }

    // The document as the rules of a class.
    {
        const model::Model& em = event_model();
        auto problems = rules::lint_class_rules(doc, em, em.classes.at("event"));
        check_problems(problems);
        if (problems.empty()) {
            model::Model m = em;
            m.classes.at("event").rules = doc;
            compile_checked(m, doc, seed);
        }
    }

    // The document as a model.
    model::Model m;
    try {
        m = model::parse_model(doc);
    } catch (const udm::Error&) {
        return;
    }
    try {
        model::check_references(m);
    } catch (const udm::Error&) {
        return;
    }
    try {
        rules::check_model_rules(m);
    } catch (const udm::Error& e) {
        const std::string state = e.sqlstate();
        if (state != "22023" && state != "2201B")
            fail("check_model_rules sqlstate", state);
        return;
    }
    (void)rules::custom_functions(m);
    (void)rules::rule_changes(m, m, model::delta(m, m));
    for (const auto& [name, cls] : m.classes) {
        for (const auto& [aname, as] : cls.assignments)
            (void)rules::effective_rules(m, cls, as);
    }
    compile_checked(m, doc, seed);
}

void fuzz_pattern(std::string_view text) {
    const std::string pattern(text);
    auto why = rules::pattern_error(pattern);
    if (!why && pattern.size() <= rules::kMaxPatternLength) {
        re2::RE2 re(pattern, rules::pattern_options());
        if (!re.ok())
            fail("pattern_error passed a pattern RE2 refuses", pattern);
        for (std::string_view s :
             {std::string_view(""), std::string_view("abc"), text, std::string_view("\xC3\xA9")}) {
            (void)re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re);
        }
    }
    // As a rule.
    const Json r = {{"pattern", pattern}};
    check_problems(rules::lint_rules(DataType::kText, r));
}

std::string date_text(std::int64_t days) {
    std::int64_t y;
    unsigned m, d;
    rules::civil_from_days(days, y, m, d);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
}

void fuzz_time(std::string_view text) {
    if (auto d = rules::parse_date(text)) {
        if (date_text(*d) != text)
            fail("parse_date does not round-trip", std::string(text));
        if (!rules::has_format(rules::Format::kDate, text))
            fail("date format");
    }
    if (auto t = rules::parse_timestamp(text)) {
        // Whatever the offset, the instant is within a day of the date written.
        auto d = rules::parse_date(text.substr(0, 10));
        if (!d)
            fail("timestamp without a date", std::string(text));
        const std::int64_t day = 86400000000LL;
        if (*t < (*d - 1) * day || *t > (*d + 2) * day)
            fail("timestamp far from its date", std::string(text));
    }
    for (DataType type : {DataType::kDate, DataType::kTimestamp}) {
        auto b = rules::parse_bound(type, text);
        if (!b)
            continue;
        for (std::int64_t now : kNows)
            (void)rules::resolve_bound(*b, type, now);
    }
}

void fuzz_text(std::string_view text) {
    for (rules::Format f : kFormats)
        (void)rules::has_format(f, text);
    const std::int64_t n = rules::utf8_length(text);
    if (n < 0 || static_cast<std::size_t>(n) > text.size())
        fail("utf8_length");
    (void)rules::is_blank(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0]) {
        case 0x01:
            fuzz_pattern(rest);
            break;
        case 0x02:
            fuzz_time(rest);
            break;
        case 0x03:
            fuzz_text(rest);
            break;
        default:
            fuzz_json(data, size);
            break;
    }
    return 0;
}
