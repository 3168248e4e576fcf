// Google Benchmark of the rule engine's core: nanoseconds per evaluation of compiled rules.
// The target is under 300 ns per attribute for typical rules.
//
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DUDM_BENCH=ON
//   cmake --build build-bench --target udm_rules_bench && build-bench/udm_rules_bench
//
// Class10/* evaluate a class of 10 attributes with typical rules (lengths, a pattern,
// ranges, enums, formats, required, relative date bounds): the "per_attr" counter is the
// figure to hold against the target. Rule/* evaluate one attribute with one kind of rule on
// a valid value (and a few on an invalid one, which pays for the message).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "udm/core/model.hpp"
#include "udm/core/rules.hpp"

namespace {

using udm::model::Json;
namespace model = udm::model;
namespace rules = udm::rules;

// 2024-03-15T12:00:00Z in microseconds since 2000-01-01.
const std::int64_t kNow = *rules::parse_timestamp("2024-03-15T12:00:00Z");

// A compiled class and a row of values for it (the texts point into row).
struct Case {
    model::Model model;
    rules::CompiledClass compiled;
    Json row;
    std::vector<rules::Value> values;
    std::size_t violations = 0;
};

std::unique_ptr<Case> make_case(const Json& model_doc, const std::string& class_name,
                                const Json& row) {
    auto c = std::make_unique<Case>();
    c->model = model::parse_model(model_doc);
    model::check_references(c->model);
    rules::check_model_rules(c->model);
    c->compiled = rules::compile(c->model, c->model.classes.at(class_name));
    c->row = row;
    std::vector<rules::Violation> out;
    c->values = rules::values_from_json(c->compiled, c->row, out);
    rules::evaluate(c->compiled, c->values, kNow, out);
    c->violations = out.size();
    return c;
}

const char* const kClass10 = R"({
  "attributes": {
    "sku":        {"type": "text", "rules": {"pattern": "^[A-Z]{3}-[0-9]{4}$", "max_length": 8}},
    "name":       {"type": "text", "rules": {"min_length": 2, "max_length": 100, "not_blank": true}},
    "email":      {"type": "text", "rules": {"format": "email", "max_length": 254}},
    "website":    {"type": "text", "rules": {"format": "uri", "max_length": 2000}},
    "colour":     {"type": "text", "rules": {"enum": ["red", "green", "blue", "black", "white"]}},
    "price":      {"type": "number", "rules": {"min": 0, "max": 1000000, "multiple_of": 0.01}},
    "stock":      {"type": "integer", "rules": {"min": 0, "max": 100000}},
    "rating":     {"type": "integer", "rules": {"enum": [1, 2, 3, 4, 5]}},
    "launched":   {"type": "date", "rules": {"min": "2000-01-01", "max": "today"}},
    "seen_at": {"type": "timestamp", "rules": {"min": "now-1y", "max": "now+5min"}}
  },
  "classes": {"product": {"attributes": {
    "sku": {"required": true}, "name": {"required": true}, "email": {}, "website": {}, "colour": {},
    "price": {"required": true}, "stock": {}, "rating": {}, "launched": {}, "seen_at": {}}}}
})";

const char* const kValidRow = R"({
  "sku": "ABC-1234", "name": "Anglepoise desk lamp", "email": "sales@example.com",
  "website": "https://example.com/products/lamp", "colour": "black", "price": 129.99, "stock": 250,
  "rating": 4, "launched": "2019-05-01", "seen_at": "2024-03-15T11:30:00Z"
})";

const char* const kInvalidRow = R"({
  "sku": "abc-12345", "name": " ", "email": "sales@", "website": "example.com", "colour": "pink",
  "price": -0.005, "stock": 100001, "rating": 6, "launched": "1999-12-31", "seen_at": "2030-01-01T00:00:00Z"
})";

void evaluate_loop(benchmark::State& state, const Case& c) {
    std::vector<rules::Violation> out;
    out.reserve(32);
    for (auto _ : state) {
        out.clear();
        rules::evaluate(c.compiled, c.values, kNow, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    const auto attributes = static_cast<double>(c.compiled.attributes.size());
    state.counters["attributes"] = attributes;
    state.counters["violations"] = static_cast<double>(c.violations);
    // Time per attribute evaluated (kIsRate | kInvert: seconds per unit, shown as e.g. 25ns).
    state.counters["per_attr"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * attributes,
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Class10_Valid(benchmark::State& state) {
    static const auto c = make_case(Json::parse(kClass10), "product", Json::parse(kValidRow));
    if (c->violations != 0)
        state.SkipWithError("the valid row breaks rules");
    evaluate_loop(state, *c);
}
BENCHMARK(BM_Class10_Valid)->Name("Class10/valid");

void BM_Class10_Invalid(benchmark::State& state) {
    static const auto c = make_case(Json::parse(kClass10), "product", Json::parse(kInvalidRow));
    evaluate_loop(state, *c);
}
BENCHMARK(BM_Class10_Invalid)->Name("Class10/every_attribute_invalid");

void BM_Class10_Nulls(benchmark::State& state) {
    static const auto c =
        make_case(Json::parse(kClass10), "product",
                  Json::parse(R"({"sku": "ABC-1234", "name": "Lamp", "price": 1})"));
    evaluate_loop(state, *c);
}
BENCHMARK(BM_Class10_Nulls)->Name("Class10/optional_attributes_null");

// For udm.validate: reading the JSON document, then evaluating.
void BM_Class10_FromJson(benchmark::State& state) {
    static const auto c = make_case(Json::parse(kClass10), "product", Json::parse(kValidRow));
    std::vector<rules::Violation> out;
    for (auto _ : state) {
        out.clear();
        auto values = rules::values_from_json(c->compiled, c->row, out);
        rules::evaluate(c->compiled, values, kNow, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["per_attr"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * 10,
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Class10_FromJson)->Name("Class10/values_from_json+evaluate");

// Compiling is done once per class and cached; shown for scale.
void BM_Class10_Compile(benchmark::State& state) {
    static const auto c = make_case(Json::parse(kClass10), "product", Json::parse(kValidRow));
    for (auto _ : state) {
        auto compiled = rules::compile(c->model, c->model.classes.at("product"));
        benchmark::DoNotOptimize(compiled.attributes.data());
    }
}
BENCHMARK(BM_Class10_Compile)->Name("Class10/compile");

// One attribute "x" of a type with rules, and its value.
struct RuleCase {
    const char* name;
    const char* type;
    const char* rules;
    const char* value;  // JSON
};

const RuleCase kRuleCases[] = {
    {"none", "text", R"({})", R"("Anglepoise desk lamp")"},
    {"required", "text", R"({"required": true})", R"("Anglepoise desk lamp")"},
    {"length", "text", R"({"min_length": 2, "max_length": 100})", R"("Anglepoise desk lamp")"},
    {"length_utf8_200_chars", "text", R"({"min_length": 2, "max_length": 500})",
     R"("Gr\u00fc\u00dfe aus K\u00f6ln, sch\u00f6nes Wetter heute. Gr\u00fc\u00dfe aus K\u00f6ln, sch\u00f6nes Wetter heute. Gr\u00fc\u00dfe aus K\u00f6ln, sch\u00f6nes Wetter heute. Gr\u00fc\u00dfe aus K\u00f6ln, sch\u00f6nes Wetter heute. Gr\u00fc\u00dfe aus K\u00f6ln, sch\u00f6nes Wetter!!")"},
    {"not_blank", "text", R"({"not_blank": true})", R"("Anglepoise desk lamp")"},
    {"pattern_anchored", "text", R"({"pattern": "^[A-Z]{3}-[0-9]{4}$"})", R"("ABC-1234")"},
    {"pattern_search", "text", R"({"pattern": "lamp"})", R"("Anglepoise desk lamp")"},
    {"pattern_alternation", "text", R"({"pattern": "^(red|green|blue|black|white)(-[a-z]+)?$"})",
     R"("black-matt")"},
    {"pattern_unicode_class", "text", R"({"pattern": "^\\pL[\\pL\\pN .'-]*$"})",
     R"("Anglepoise desk lamp")"},
    {"format_email", "text", R"({"format": "email"})", R"("sales@example.com")"},
    {"format_uri", "text", R"({"format": "uri"})", R"("https://example.com/products/lamp")"},
    {"format_uuid", "text", R"({"format": "uuid"})", R"("123e4567-e89b-12d3-a456-426614174000")"},
    {"format_date", "text", R"({"format": "date"})", R"("2024-02-29")"},
    {"format_date_time", "text", R"({"format": "date-time"})", R"("2024-02-29T12:00:00.5+05:30")"},
    {"format_ipv4", "text", R"({"format": "ipv4"})", R"("192.168.100.200")"},
    {"format_ipv6", "text", R"({"format": "ipv6"})", R"("2001:db8::8a2e:370:7334")"},
    {"format_hostname", "text", R"({"format": "hostname"})", R"("db-1.eu-west.example.com")"},
    {"enum_text_5", "text", R"({"enum": ["red", "green", "blue", "black", "white"]})",
     R"("white")"},
    {"enum_text_50", "text",
     R"({"enum": ["v00","v01","v02","v03","v04","v05","v06","v07","v08","v09","v10","v11","v12","v13","v14","v15",
                  "v16","v17","v18","v19","v20","v21","v22","v23","v24","v25","v26","v27","v28","v29","v30","v31",
                  "v32","v33","v34","v35","v36","v37","v38","v39","v40","v41","v42","v43","v44","v45","v46","v47",
                  "v48","v49"]})",
     R"("v49")"},
    {"number_range", "number", R"({"min": 0, "max": 1000000})", "129.99"},
    {"number_exclusive_range", "number", R"({"exclusive_min": 0, "exclusive_max": 1000000})",
     "129.99"},
    {"number_multiple_of_0.01", "number", R"({"multiple_of": 0.01})", "129.99"},
    {"number_enum_5", "number", R"({"enum": [0.5, 1, 1.5, 2, 2.5]})", "2.5"},
    {"integer_range", "integer", R"({"min": 0, "max": 100000})", "250"},
    {"integer_multiple_of_5", "integer", R"({"multiple_of": 5})", "250"},
    {"date_literal_range", "date", R"({"min": "2000-01-01", "max": "2099-12-31"})",
     R"("2019-05-01")"},
    {"date_relative_range", "date", R"({"min": "today-150y", "max": "today-18y"})",
     R"("1990-05-01")"},
    {"timestamp_relative_range", "timestamp", R"({"min": "now-1y", "max": "now+5min"})",
     R"("2024-03-15T11:30:00Z")"},
    {"invalid_length", "text", R"({"max_length": 3})", R"("Anglepoise desk lamp")"},
    {"invalid_pattern", "text", R"({"pattern": "^[A-Z]{3}-[0-9]{4}$"})", R"("abc-123")"},
    {"invalid_number_range", "number", R"({"min": 0, "max": 100})", "129.99"},
    {"invalid_with_message", "number", R"({"min": 0, "max": 100, "message": "Too expensive"})",
     "129.99"},
};

void register_rule_cases() {
    for (const RuleCase& rc : kRuleCases) {
        Json doc;
        doc["attributes"]["x"]["type"] = rc.type;
        doc["attributes"]["x"]["rules"] = Json::parse(rc.rules);
        doc["classes"]["c"]["attributes"]["x"] = Json::object();
        Json row = Json::object();
        row["x"] = Json::parse(rc.value);
        std::shared_ptr<Case> c = make_case(doc, "c", row);
        const bool expect_invalid = std::string(rc.name).rfind("invalid", 0) == 0;
        benchmark::RegisterBenchmark((std::string("Rule/") + rc.name).c_str(),
                                     [c, expect_invalid](benchmark::State& state) {
                                         if ((c->violations != 0) != expect_invalid)
                                             state.SkipWithError("unexpected violations");
                                         evaluate_loop(state, *c);
                                     });
    }

    // Class rules (3 attributes each).
    struct ClassCase {
        const char* name;
        const char* rules;
    };
    const ClassCase class_cases[] = {
        {"class_compare", R"({"compare": ["lo", "<=", "hi"]})"},
        {"class_required_together", R"({"required_together": [["lo", "hi", "label"]]})"},
        {"class_one_of_required", R"({"one_of_required": [["lo", "hi", "label"]]})"},
        {"class_none", R"({})"},
    };
    for (const ClassCase& cc : class_cases) {
        Json doc =
            Json::parse(R"({"attributes": {"lo": {"type": "number"}, "hi": {"type": "integer"},
                                                  "label": {"type": "text"}},
                                   "classes": {"c": {"attributes": {"lo": {}, "hi": {}, "label": {}}}}})");
        doc["classes"]["c"]["rules"] = Json::parse(cc.rules);
        std::shared_ptr<Case> c =
            make_case(doc, "c", Json::parse(R"({"lo": 1.5, "hi": 2, "label": "x"})"));
        benchmark::RegisterBenchmark((std::string("Rule/") + cc.name).c_str(),
                                     [c](benchmark::State& state) {
                                         if (c->violations != 0)
                                             state.SkipWithError("unexpected violations");
                                         evaluate_loop(state, *c);
                                     });
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_rule_cases();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
