// Google Benchmark of the GraphQL core: building and printing the schema of a large model
// (1,000 classes of 20 attributes), and preparing and executing a subscription. Built with
// -DUDM_BENCH=ON (see CMakeLists.txt); results are measurements, not test thresholds.
//
// On a shared machine only ratios mean anything, so the same model is also serialized and
// parsed as JSON with nlohmann::json (BM_ModelJsonDump, BM_ModelJsonParse: the baselines,
// the same data the SDL carries), and BM_GatewayRebuild times what udm-gateway does on
// every schema event before it serves the new SDL: the model document's text parsed,
// udm::model::parse_model, print_model_sdl (the type system, BM_BuildSchema, is built
// after). scripts/bench_graphql runs them and prints the ratios.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/model.hpp"

#include "support/large_model.hpp"

namespace {

using udm::model::Json;
using udm::test::large_model;

// The fastest and the slowest repetition, reported beside mean and median.
double fastest(const std::vector<double>& v) {
    return *std::min_element(v.begin(), v.end());
}
double slowest(const std::vector<double>& v) {
    return *std::max_element(v.begin(), v.end());
}

// The settings of the benchmarks of a model: milliseconds, and the spread of repetitions.
void per_model(benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMillisecond)
        ->ComputeStatistics("min", fastest)
        ->ComputeStatistics("max", slowest);
}

// build_schema of a model of range(0) classes; the schema is freed every time.
void BM_BuildSchema(benchmark::State& state) {
    const udm::model::Model m = large_model(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::build_schema(m));
}
BENCHMARK(BM_BuildSchema)->Arg(10)->Arg(1000)->Apply(per_model);

// print_sdl of that model's schema.
void BM_PrintSdl(benchmark::State& state) {
    const udm::graphql::Schema s =
        udm::graphql::build_schema(large_model(static_cast<std::size_t>(state.range(0))));
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::print_sdl(s));
}
BENCHMARK(BM_PrintSdl)->Arg(10)->Arg(1000)->Apply(per_model);

// Both together: the issue's figure.
void BM_BuildAndPrint(benchmark::State& state) {
    const udm::model::Model m = large_model(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::print_sdl(udm::graphql::build_schema(m)));
}
BENCHMARK(BM_BuildAndPrint)->Arg(1000)->Apply(per_model);

// The SDL printed straight from the model, as udm.graphql_sdl and udm-gateway print it:
// the issue's figure.
void BM_PrintModelSdl(benchmark::State& state) {
    const udm::model::Model m = large_model(static_cast<std::size_t>(state.range(0)));
    const std::string expected = udm::graphql::print_sdl(udm::graphql::build_schema(m));
    bool checked = false;  // the first SDL (only: one call per iteration, for --instructions)
    for (auto _ : state) {
        std::string sdl = udm::graphql::print_model_sdl(m);
        if (!checked && sdl != expected) {
            state.SkipWithError("print_model_sdl and print_sdl differ");
            break;
        }
        checked = true;
        benchmark::DoNotOptimize(sdl);
    }
}
BENCHMARK(BM_PrintModelSdl)->Arg(10)->Arg(1000)->Apply(per_model);

// Baseline: the model document (udm.model's format) written as JSON text.
void BM_ModelJsonDump(benchmark::State& state) {
    const Json doc = udm::model::to_json(large_model(static_cast<std::size_t>(state.range(0))));
    for (auto _ : state)
        benchmark::DoNotOptimize(doc.dump());
}
BENCHMARK(BM_ModelJsonDump)->Arg(1000)->Apply(per_model);

// Baseline: the model document's JSON text parsed.
void BM_ModelJsonParse(benchmark::State& state) {
    const std::string text =
        udm::model::to_json(large_model(static_cast<std::size_t>(state.range(0)))).dump();
    for (auto _ : state)
        benchmark::DoNotOptimize(Json::parse(text));
}
BENCHMARK(BM_ModelJsonParse)->Arg(1000)->Apply(per_model);

// What udm-gateway does on a schema event before serving the new SDL (engine_core.cpp):
// the model document parsed, read as a model, its SDL printed.
void BM_GatewayRebuild(benchmark::State& state) {
    const udm::model::Model m = large_model(static_cast<std::size_t>(state.range(0)));
    const std::string text = udm::model::to_json(m).dump();
    const std::string expected = udm::graphql::print_sdl(udm::graphql::build_schema(m));
    auto rebuild = [&text] {
        const udm::model::Model parsed = udm::model::parse_model(Json::parse(text));
        return udm::graphql::print_model_sdl(parsed);
    };
    if (rebuild() != expected) {
        state.SkipWithError("the model read back from its document prints another schema");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(rebuild());
    state.SetLabel(std::to_string(text.size()) + " bytes of JSON, " +
                   std::to_string(expected.size()) + " bytes of SDL");
}
BENCHMARK(BM_GatewayRebuild)->Arg(1000)->Apply(per_model);

const char* const kSubscription =
    "subscription Watch($c: [String!]) { schemaChanged(classes: $c) { version actor breaking "
    "changes { kind change class attribute breaking } } }";

// prepare of a typical subscription with variables.
void BM_Prepare(benchmark::State& state) {
    const udm::graphql::Schema s = udm::graphql::build_schema(large_model(10));
    const Json variables = {{"c", {"class_1", "class_2"}}};
    for (auto _ : state)
        benchmark::DoNotOptimize(udm::graphql::prepare(s, kSubscription, variables, std::nullopt));
}
BENCHMARK(BM_Prepare);

// execute of a prepared subscription for a schema-change event, written as JSON.
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
