// Writes the corpus graphql-js checks udm's GraphQL core against (graphql_oracle.sh):
//   <dir>/sdl/NNN.graphql       the SDL of a generated model (fixed seed: awkward and
//                               colliding names, every data type, references,
//                               relationships, nasty descriptions, rules, 200 classes)
//   <dir>/sdl/NNN.expect.json   what graphql-js must read from it: every type, field,
//                               argument, description and @constraint argument
//   <dir>/requests.json         requests (documents.json plus mutations of each document)
//                               with what prepare() and execute() made of them
//   <dir>/types.graphql, <dir>/type_requests.json
//                               the same for the hand-made schema of input objects,
//                               mutations and custom scalars (graphql_types_schema.hpp) and
//                               the "type_requests" of documents.json; types.graphql is
//                               in <dir>/sdl too
//   <dir>/sdl/NNN.introspection.json
//                               with an introspection query file (graphql-js's
//                               getIntrospectionQuery()): the response prepare() and
//                               execute() give to it for each schema
// Usage: udm_graphql_corpus <documents.json> <output dir> [<introspection query file>]
//    or: udm_graphql_corpus --model <model.json> <out.graphql>
//        the SDL of one model document (udm.model's output) as udm-gateway prints it, in
//        out.graphql, and what graphql-js must read from it, in out.expect.json
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/model.hpp"

#include "support/graphql_types_schema.hpp"
#include "support/large_model.hpp"

namespace {

using nlohmann::json;
using udm::model::DataType;
namespace gql = udm::graphql;
using udm::test::large_model;

// A deterministic generator: std::mt19937 is the same everywhere, the distributions of
// <random> are not, so picks use the raw output.
class Random {
  public:
    explicit Random(std::uint32_t seed) : engine_(seed) {}
    std::size_t below(std::size_t n) { return n == 0 ? 0 : engine_() % n; }
    bool chance(unsigned percent) { return below(100) < percent; }
    template <typename T>
    const T& pick(const std::vector<T>& v) {
        return v[below(v.size())];
    }

  private:
    std::mt19937 engine_;
};

// Names that collide after conversion, with the schema's own types, or with GraphQL words.
const std::vector<std::string> kAwkwardNames = {"query",
                                                "mutation",
                                                "subscription",
                                                "string",
                                                "int",
                                                "float",
                                                "boolean",
                                                "id",
                                                "big_int",
                                                "bigint",
                                                "date",
                                                "date_time",
                                                "datetime",
                                                "json",
                                                "operation",
                                                "schema_change",
                                                "schema_change_entry",
                                                "thing_event",
                                                "a_b1",
                                                "a_b_1",
                                                "ab1",
                                                "ab_1",
                                                "a_1",
                                                "a1",
                                                "type",
                                                "fragment",
                                                "on",
                                                "true",
                                                "false",
                                                "null",
                                                "enum",
                                                "input",
                                                "scalar",
                                                "directive",
                                                "schema",
                                                "interface",
                                                "union",
                                                "extend",
                                                "implements",
                                                "supplier",
                                                "supplier_id",
                                                "created_at",
                                                "i_d",
                                                "id_",
                                                "x_1_2",
                                                "x_12",
                                                "x1_2",
                                                "typename",
                                                "schema_version",
                                                "sdl",
                                                "schema_changed",
                                                "thing_changed",
                                                "version",
                                                "previous_version",
                                                "changes",
                                                "class",
                                                "classes"};

const std::vector<std::string> kDescriptions = {
    "Plain words.",
    "Has \"\"\" inside",
    "Ends with a quote\"",
    "Ends with a backslash\\",
    "Back\\slash \\n not a newline \\u0041",
    "Escaped \\\"\"\" already",
    "\"\"\"",
    "Line one\nLine two",
    "\n leading newline",
    "trailing newline\n",
    "  leading spaces",
    "\ttab first",
    "  indented\n  both lines",
    "first\n  second indented\n third",
    "carriage\r\nreturn",
    "lone\rcarriage",
    "control \x01\x02\x07\x08\x0b\x0c\x0e\x0f chars",
    "control \x10\x11\x1a\x1f chars",
    "delete \x7f and C1 \xc2\x85 \xc2\x9f",
    "emoji \xf0\x9f\x98\x80 and accents \xc3\xa9\xc3\xa8",
    "a description that is longer than seventy characters, which prints on separate lines",
    "exactly seventy characters long, which is the limit for one line.....",
    "   ",
    "\n",
    "",
    "tail spaces   ",
    "mixed\n\n\nblank lines",
    "# not a comment",
    "{ braces } and (parens) and $dollar @at",
};

std::string random_name(Random& r, std::size_t max_length = 128) {
    if (r.chance(35))
        return r.pick(kAwkwardNames);
    static const std::string kLetters = "abcdefghijklmnopqrstuvwxyz";
    static const std::string kAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string name(1, kLetters[r.below(kLetters.size())]);
    const std::size_t length = r.chance(5) ? max_length : 1 + r.below(12);
    while (name.size() < length) {
        if (name.size() + 2 <= length && r.chance(20))
            name += '_';
        name += kAlnum[r.below(kAlnum.size())];
    }
    return name;
}

std::optional<std::string> random_description(Random& r) {
    if (r.chance(40))
        return std::nullopt;
    return r.pick(kDescriptions);
}

json random_rules(Random& r, DataType type) {
    json rules = json::object();
    auto maybe = [&r](unsigned p) { return r.chance(p); };
    switch (type) {
        case DataType::kText:
            if (maybe(30))
                rules["min_length"] = r.below(5);
            if (maybe(30))
                rules["max_length"] =
                    r.chance(20) ? json(std::int64_t{1} << 40) : json(5 + r.below(500));
            if (maybe(25))
                rules["pattern"] =
                    r.chance(50) ? "^[A-Z]{3}-\\d+$" : "say \"hi\"\\\\ \x01 \xc3\xa9";
            if (maybe(15))
                rules["format"] = r.chance(50) ? "email" : "date-time";
            if (maybe(15))
                rules["not_blank"] = r.chance(50);
            if (maybe(20))
                rules["enum"] = json::array({"red", "gr\"een", "bl\\ue", "\n", "\xf0\x9f\x98\x80"});
            break;
        case DataType::kNumber:
        case DataType::kInteger:
            if (maybe(30))
                rules["min"] = r.chance(50) ? json(-5) : json(0.1);
            if (maybe(30))
                rules["max"] = r.chance(50) ? json(1e300) : json(std::int64_t{9007199254740993});
            if (maybe(15))
                rules["exclusive_min"] = -1.5;
            if (maybe(15))
                rules["exclusive_max"] = 10000;
            if (maybe(15))
                rules["multiple_of"] = 0.01;
            if (maybe(15))
                rules["enum"] = json::array({1, 2.5, -3});
            break;
        case DataType::kDate:
        case DataType::kTimestamp:
            if (maybe(30))
                rules["min"] = "1900-01-01";
            if (maybe(30))
                rules["max"] = "today-18y";
            break;
        default:
            break;
    }
    if (maybe(15))
        rules["unique"] = true;
    if (maybe(15))
        rules["indexed"] = true;
    if (maybe(5))
        rules["custom"] = "rules.check";
    if (maybe(5))
        rules["message"] = "custom message";
    return rules;
}

// A model that follows the model document's rules (names, resolving references).
udm::model::Model random_model(Random& r, std::size_t classes, std::size_t attributes) {
    udm::model::Model m;
    std::vector<std::string> class_names;
    while (class_names.size() < classes) {
        std::string n = random_name(r);
        if (m.classes.count(n))
            continue;
        udm::model::ThingClass c;
        c.name = n;
        c.description = random_description(r);
        m.classes.emplace(n, std::move(c));
        class_names.push_back(n);
    }
    static const std::vector<DataType> kTypes = {
        DataType::kText, DataType::kNumber,    DataType::kInteger,   DataType::kBoolean,
        DataType::kDate, DataType::kTimestamp, DataType::kReference, DataType::kJson};
    std::vector<std::string> attribute_names;
    for (std::size_t tries = 0; attribute_names.size() < attributes && tries < attributes * 10;
         ++tries) {
        std::string n = random_name(r);
        if (m.attributes.count(n) || n == "id" || n == "created_at")
            continue;
        udm::model::Attribute a;
        a.name = n;
        a.type = classes == 0 ? DataType::kText : r.pick(kTypes);
        if (a.type == DataType::kReference)
            a.target = r.pick(class_names);
        a.description = random_description(r);
        a.rules = random_rules(r, a.type);
        m.attributes.emplace(n, std::move(a));
        attribute_names.push_back(n);
    }
    for (auto& [cname, c] : m.classes) {
        for (const std::string& a : attribute_names) {
            if (!r.chance(30))
                continue;
            udm::model::Assignment as;
            as.attribute = a;
            as.required = r.chance(30);
            if (r.chance(20))
                as.rules = random_rules(r, m.attributes.at(a).type);
            c.assignments.emplace(a, std::move(as));
        }
        if (r.chance(10))
            c.rules = {{"defaults", {{"text", {{"max_length", 99}}}}}};
    }
    for (std::size_t i = 0; classes > 0 && i < 1 + classes / 2; ++i) {
        udm::model::RelationshipType t;
        t.name = random_name(r);
        if (r.chance(60))
            t.inverse = r.chance(30)
                            ? r.pick(attribute_names.empty() ? kAwkwardNames : attribute_names)
                            : random_name(r);
        t.description = random_description(r);
        m.relationship_types.emplace(t.name, t);
        for (int k = 0; k < 3; ++k) {
            udm::model::AllowedRelationship a;
            a.from = r.pick(class_names);
            a.to = r.chance(20) ? a.from : r.pick(class_names);
            a.type = t.name;
            if (r.chance(50))
                a.cardinality.max_targets = r.chance(50) ? 1 : 5;
            if (r.chance(50))
                a.cardinality.max_sources = r.chance(50) ? 1 : 3;
            a.bidirectional = r.chance(30);
            m.relationships.emplace(udm::model::relationship_key(a.from, a.type, a.to),
                                    std::move(a));
        }
    }
    return m;
}

json description_json(const std::optional<std::string>& d) {
    return d ? json(*d) : json(nullptr);
}

json input_values_json(const std::vector<gql::InputValue>& args) {
    json out = json::array();
    for (const gql::InputValue& a : args) {
        out.push_back({{"name", a.name},
                       {"type", a.type.to_string()},
                       {"description", description_json(a.description)}});
    }
    return out;
}

// What graphql-js must read from the SDL of a schema.
json expectation(const gql::Schema& s) {
    json types = json::array();
    for (const gql::Type& t : s.types) {
        if (t.builtin)
            continue;
        json jt = {{"name", t.name}, {"description", description_json(t.description)}};
        jt["kind"] = t.kind == gql::TypeKind::kObject        ? "OBJECT"
                     : t.kind == gql::TypeKind::kEnum        ? "ENUM"
                     : t.kind == gql::TypeKind::kInputObject ? "INPUT_OBJECT"
                                                             : "SCALAR";
        jt["inputFields"] = input_values_json(t.input_fields);
        jt["fields"] = json::array();
        for (const gql::Field& f : t.fields) {
            json jf = {{"name", f.name},
                       {"type", f.type.to_string()},
                       {"description", description_json(f.description)},
                       {"args", input_values_json(f.arguments)}};
            for (const gql::AppliedDirective& d : f.directives) {
                json args = json::object();
                for (const auto& [k, v] : d.arguments)
                    args[k] = v;
                jf["directives"][d.name] = args;
            }
            jt["fields"].push_back(jf);
        }
        jt["values"] = json::array();
        for (const gql::EnumValue& v : t.values)
            jt["values"].push_back(v.name);
        types.push_back(jt);
    }
    json directives = json::array();
    for (const gql::DirectiveDefinition& d : s.directives) {
        if (d.builtin)
            continue;
        directives.push_back({{"name", d.name},
                              {"description", description_json(d.description)},
                              {"args", input_values_json(d.arguments)},
                              {"locations", d.locations}});
    }
    return {{"types", types}, {"directives", directives}};
}

void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

// Variants of a document with a part deleted, repeated or replaced by a token: mostly
// invalid, sometimes still valid; both sides must agree which.
std::vector<std::string> mutations(Random& r, const std::string& doc, std::size_t n) {
    static const std::vector<std::string> kTokens = {
        "{",        "}",   "(",      ")",     "[",    "]",      ":",  "$",
        "@",        "...", "!",      "=",     "\"",   "\"\"\"", "on", "query",
        "fragment", "x",   "1",      "1.5e3", "null", "true",   "$c", "@skip(if: true)",
        "#",        ",",   "\\u0041"};
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n && !doc.empty(); ++i) {
        std::string d = doc;
        const std::size_t at = r.below(d.size());
        switch (r.below(3)) {
            case 0:
                d.erase(at, 1 + r.below(6));
                break;
            case 1:
                d.insert(at, d.substr(r.below(d.size()), 1 + r.below(12)));
                break;
            default:
                d.insert(at, " " + r.pick(kTokens) + " ");
                break;
        }
        // A cut through a multi-byte character is not a request a JSON transport carries.
        try {
            (void)json(d).dump();
        } catch (const json::type_error&) {
            continue;
        }
        out.push_back(d);
    }
    return out;
}

// What prepare() and execute() make of a request.
json run_request(const gql::Schema& schema, const json& request) {
    const json variables = request.value("variables", json());
    std::optional<std::string> operation_name;
    if (request.contains("operationName") && request["operationName"].is_string()) {
        operation_name = request["operationName"].get<std::string>();
    }
    gql::PrepareResult prepared =
        gql::prepare(schema, request["document"].get<std::string>(), variables, operation_name);
    json result = request;
    result["accepted"] = prepared.ok();
    if (!prepared.ok()) {
        result["errors"] = json::parse(gql::to_json(prepared.errors).dump());
        return result;
    }
    result["operationType"] = std::string(gql::operation_type_name(prepared.operation->type));
    if (request.contains("root")) {
        // ordered_json keeps the selection order; the text carries it to node.
        result["response"] = gql::execute(*prepared.operation, request["root"]).dump();
        if (!prepared.operation->root_fields.empty()) {
            result["rootField"] = prepared.operation->root_field().name;
            result["arguments"] = prepared.operation->root_field().arguments;
        }
    }
    return result;
}

// Whether print_model_sdl printed what print_sdl did; else says where they part.
bool same_sdl(const std::string& what, const std::string& sdl, const std::string& model_sdl) {
    if (sdl == model_sdl)
        return true;
    std::size_t at = 0;
    while (at < sdl.size() && at < model_sdl.size() && sdl[at] == model_sdl[at])
        ++at;
    const std::size_t from = at < 200 ? 0 : at - 200;
    std::cerr << what << ": print_model_sdl differs from print_sdl at byte " << at
              << "\nprint_sdl:\n"
              << sdl.substr(from, 400) << "\nprint_model_sdl:\n"
              << model_sdl.substr(from, 400) << "\n";
    return false;
}

// The --model mode: the SDL the gateway builds from a model document.
int write_model_sdl(const std::filesystem::path& model_file, const std::filesystem::path& out) {
    std::ifstream in(model_file);
    const json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
        std::cerr << model_file.string() << ": not JSON\n";
        return 1;
    }
    udm::model::Model model;
    try {
        model = udm::model::parse_model(doc);
    } catch (const std::exception& e) {
        std::cerr << model_file.string() << ": " << e.what() << "\n";
        return 1;
    }
    const gql::Schema schema = gql::build_schema(model);
    const std::string sdl = gql::print_sdl(schema);
    if (!same_sdl(model_file.string(), sdl, gql::print_model_sdl(model)))
        return 1;
    write(out, sdl);
    std::filesystem::path expect = out;
    expect.replace_extension(".expect.json");
    write(expect, expectation(schema).dump(1));
    return 0;
}

}  // namespace

// The response to the introspection query, or "" without one.
std::string introspection_response(const gql::Schema& schema, const std::string& query) {
    gql::PrepareResult prepared = gql::prepare(schema, query, json(), std::nullopt);
    if (!prepared.ok())
        return json{{"errors", json::parse(gql::to_json(prepared.errors).dump())}}.dump();
    return gql::execute(*prepared.operation, json::object()).dump();
}

// Requests against one schema and mutations of their documents, run.
json run_requests(Random& r, const gql::Schema& schema, const json& list) {
    json requests = json::array();
    for (const json& request : list) {
        requests.push_back(run_request(schema, request));
        for (const std::string& d : mutations(r, request["document"].get<std::string>(), 25)) {
            requests.push_back(run_request(schema, {{"document", d}, {"mutated", true}}));
        }
    }
    return requests;
}

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--model")
        return write_model_sdl(argv[2], argv[3]);
    if (argc != 3 && argc != 4) {
        std::cerr << "usage: udm_graphql_corpus <documents.json> <output dir> [<introspection "
                     "query>]\n"
                     "       udm_graphql_corpus --model <model.json> <out.graphql>\n";
        return 2;
    }
    const std::filesystem::path out_dir = argv[2];
    std::filesystem::create_directories(out_dir / "sdl");
    Random r(20261122);
    std::string introspection_query;
    if (argc == 4) {
        std::ifstream q(argv[3]);
        introspection_query.assign(std::istreambuf_iterator<char>(q), {});
    }

    std::vector<udm::model::Model> models;
    models.emplace_back();  // the empty model
    for (int i = 0; i < 150; ++i)
        models.push_back(random_model(r, 1 + r.below(12), r.below(25)));
    models.push_back(random_model(r, 0, 5));
    models.push_back(random_model(r, 60, 80));
    // A large schema (200 classes of 20 attributes, about 2 MB of SDL): the benchmarks'
    // 1,000 classes add nothing the checks see but five times their time.
    models.push_back(large_model(200));
    for (std::size_t i = 0; i < models.size(); ++i) {
        const gql::Schema schema = gql::build_schema(models[i]);
        char name[32];
        std::snprintf(name, sizeof name, "%03zu", i);
        const std::string sdl = gql::print_sdl(schema);
        if (sdl != gql::print_sdl(gql::build_schema(models[i]))) {
            std::cerr << "model " << name << ": SDL differs between two builds\n";
            return 1;
        }
        if (!same_sdl(name, sdl, gql::print_model_sdl(models[i])))
            return 1;
        write(out_dir / "sdl" / (std::string(name) + ".graphql"), sdl);
        write(out_dir / "sdl" / (std::string(name) + ".expect.json"), expectation(schema).dump(1));
        if (!introspection_query.empty()) {
            write(out_dir / "sdl" / (std::string(name) + ".introspection.json"),
                  introspection_response(schema, introspection_query));
        }
    }

    // Requests against the schema of the example model of docs/model.md.
    std::ifstream in(argv[1]);
    const json corpus = json::parse(in);
    const udm::model::Model shop = udm::model::parse_model(corpus.at("model"));
    const gql::Schema schema = gql::build_schema(shop);
    write(out_dir / "shop.graphql", gql::print_sdl(schema));
    const json requests = run_requests(r, schema, corpus.at("requests"));
    write(out_dir / "requests.json", requests.dump(1));

    const gql::Schema types = udm::test::graphql_types_schema();
    write(out_dir / "types.graphql", gql::print_sdl(types));
    write(out_dir / "sdl" / "types.graphql", gql::print_sdl(types));
    write(out_dir / "sdl" / "types.expect.json", expectation(types).dump(1));
    if (!introspection_query.empty()) {
        write(out_dir / "sdl" / "types.introspection.json",
              introspection_response(types, introspection_query));
    }
    const json type_requests = run_requests(r, types, corpus.at("type_requests"));
    write(out_dir / "type_requests.json", type_requests.dump(1));
    std::cout << models.size() + 1 << " schemas, " << requests.size() + type_requests.size()
              << " requests written to " << out_dir.string() << "\n";
    return 0;
}
