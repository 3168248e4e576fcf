// Google Benchmark of the GraphQL core: building and printing the schema of a large model
// (1,000 classes of 20 attributes), and preparing and executing a subscription. Built with
// -DUDM_BENCH=ON (see CMakeLists.txt); results are measurements, not test thresholds.
#include <benchmark/benchmark.h>

#include <string>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/model.hpp"

namespace {

using udm::model::DataType;
using udm::model::Json;

// classes classes of 20 attributes of every type; half the assignments required, the text
// attributes with a max_length rule.
udm::model::Model large_model(int classes) {
    udm::model::Model m;
    const DataType types[] = {DataType::kText,    DataType::kNumber, DataType::kInteger,
                              DataType::kBoolean, DataType::kDate,   DataType::kTimestamp,
                              DataType::kJson};
    for (int a = 0; a < 20; ++a) {
        udm::model::Attribute attr;
        attr.name = "attribute_" + std::to_string(a);
        attr.type = types[a % 7];
        attr.description = "Attribute number " + std::to_string(a);
        if (attr.type == DataType::kText)
            attr.rules = {{"max_length", 200}};
        m.attributes.emplace(attr.name, attr);
    }
    for (int c = 0; c < classes; ++c) {
        udm::model::ThingClass cls;
        cls.name = "class_" + std::to_string(c);
        cls.description = "Class number " + std::to_string(c);
        for (const auto& [name, attr] : m.attributes) {
            cls.assignments.emplace(name, udm::model::Assignment{name, c % 2 == 0, Json::object()});
        }
        m.classes.emplace(cls.name, std::move(cls));
    }
    return m;
}

void BM_BuildSchema(benchmark::State& state) {
    const udm::model::Model m = large_model(static_cast<int>(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::build_schema(m));
}
BENCHMARK(BM_BuildSchema)->Arg(10)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_PrintSdl(benchmark::State& state) {
    const udm::graphql::Schema s =
        udm::graphql::build_schema(large_model(static_cast<int>(state.range(0))));
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::print_sdl(s));
}
BENCHMARK(BM_PrintSdl)->Arg(10)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_BuildAndPrint(benchmark::State& state) {
    const udm::model::Model m = large_model(static_cast<int>(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::print_sdl(udm::graphql::build_schema(m)));
}
BENCHMARK(BM_BuildAndPrint)->Arg(1000)->Unit(benchmark::kMillisecond);

const char* const kSubscription =
    "subscription Watch($c: [String!]) { schemaChanged(classes: $c) { version actor breaking "
    "changes { kind change class attribute breaking } } }";

void BM_Prepare(benchmark::State& state) {
    const udm::graphql::Schema s = udm::graphql::build_schema(large_model(10));
    const Json variables = {{"c", {"class_1", "class_2"}}};
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::prepare(s, kSubscription, variables, std::nullopt));
}
BENCHMARK(BM_Prepare);

void BM_Execute(benchmark::State& state) {
    const udm::graphql::Schema s = udm::graphql::build_schema(large_model(10));
    const auto prepared = udm::graphql::prepare(s, kSubscription, Json::object(), std::nullopt);
    const Json event =
        Json::parse(R"({"version": 42, "previousVersion": 41, "time": "2026-11-22T10:00:00Z",
      "actor": "alice", "breaking": false, "sdl": "...", "changes": [
      {"kind": "attribute", "change": "added", "class": "class_1", "attribute": "attribute_3", "breaking": false},
      {"kind": "class", "change": "added", "class": "class_9", "breaking": false}]})");
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::execute(*prepared.operation, event).dump());
}
BENCHMARK(BM_Execute);

}  // namespace

BENCHMARK_MAIN();
