// libFuzzer target of the GraphQL core (test/fuzz/graphql_run.sh builds and runs it with
// clang and AddressSanitizer + UndefinedBehaviorSanitizer).
//
// The first byte picks the mode:
//   0x01  the rest is a model document (JSON): parse_model, build_schema, print_sdl
//   else  the whole input is a GraphQL document: prepare() against the schema of a small
//         model, with and without variables; what prepares is executed on an event.
//
// Nothing may throw out of the GraphQL core on any input (udm::Error is how parse_model
// refuses a model), and every error and response must be valid JSON text (valid UTF-8).
// A broken invariant aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "udm/core/error.hpp"
#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/model.hpp"

namespace {

using nlohmann::json;
namespace gql = udm::graphql;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
    std::fprintf(stderr, "graphql_fuzz: invariant broken: %s %s\n", what, detail.c_str());
    std::abort();
}

const gql::Schema& schema() {
    static const gql::Schema s = gql::build_schema(udm::model::parse_model(json::parse(R"({
      "attributes": {"name": {"type": "text", "rules": {"max_length": 20}}, "maker": {"type": "reference", "target": "company"}},
      "classes": {"product": {"attributes": {"name": {"required": true}, "maker": {}}}, "company": {}},
      "relationship_types": {"supplies": {"inverse": "supplied_by"}},
      "relationships": [{"from": "company", "to": "product", "type": "supplies"}]
    })")));
    return s;
}

const json& event() {
    static const json e =
        json::parse(R"({"version": 2, "previousVersion": 1, "time": "2026-11-22T10:00:00Z",
      "actor": "a", "breaking": false, "sdl": "", "changes": [{"kind": "class", "change": "added", "class": "x",
      "breaking": false, "detail": {"k": [1, "two"]}}], "position": "1", "operation": "DELETE", "class": "x",
      "id": "i", "changedAttributes": [], "schemaVersion": 2})");
    return e;
}

void document(std::string_view doc) {
    static const json kVariables[] = {
        json(), json::parse(R"({"c": "x", "b": true, "o": ["INSERT"], "n": 1})")};
    for (const json& variables : kVariables) {
        gql::PrepareResult r = gql::prepare(schema(), doc, variables, std::nullopt);
        if (r.ok() != r.errors.empty())
            fail("prepare gave both or neither of an operation and errors");
        (void)gql::to_json(r.errors).dump();  // throws on invalid UTF-8
        if (!r.ok())
            continue;
        (void)gql::execute(*r.operation, event()).dump();
        (void)gql::schema_change_matches(*r.operation, event());
        (void)gql::thing_event_matches(*r.operation, event());
    }
}

void model(std::string_view text) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded())
        return;
    udm::model::Model m;
    try {
        m = udm::model::parse_model(doc);
        udm::model::check_references(m);
    } catch (const udm::Error&) {
        return;
    }
    const std::string sdl = gql::print_sdl(gql::build_schema(m));
    if (sdl != gql::print_sdl(gql::build_schema(m)))
        fail("the same model printed two different SDLs");
    (void)json(sdl).dump();  // throws on invalid UTF-8
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (!input.empty() && input[0] == '\x01') {
        model(input.substr(1));
    } else {
        document(input);
    }
    return 0;
}
