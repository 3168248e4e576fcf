// The per-backend caches of udm.graphql: schemas, checked documents and SPI plans.
#include <list>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "udm/pg/barrier.hpp"
#include "udm/pg/graphql_cache.hpp"

namespace udm::pg {

namespace {

// Bounds: a backend serves few tenants at a time; documents and plans are many but small.
constexpr std::size_t kMaxSchemas = 16;
// Schemas are weighed by their classes and assignments (a schema of 1,000 classes of 20
// attributes is tens of MB): at most about two of those.
constexpr std::size_t kMaxSchemaWeight = 50000;
constexpr std::size_t kMaxDocuments = 512;
// A parsed document holds about 16 bytes per byte of its text (a field node per name):
// counted so, 32 MB at most.
constexpr std::size_t kDocumentBytesPerChar = 16;
constexpr std::size_t kMaxDocumentBytes = 32 << 20;
constexpr std::size_t kMaxCachedDocument = 64 << 10;
constexpr std::size_t kMaxPlans = 256;
constexpr std::size_t kMaxPlannedText = 64 << 10;  // a longer statement is planned each time

using SchemaKey = std::tuple<std::string, std::int64_t, std::string>;  // tenant, version, writer
using DocumentKey = std::tuple<std::string, std::int64_t, std::string, bool, std::string>;

// The least recently used schemas go first.
struct CachedSchema {
    SchemaKey key;
    std::shared_ptr<const graphql::Schema> schema;
    std::size_t weight;
};
std::list<CachedSchema> schemas;
std::size_t schema_weight = 0;
std::map<DocumentKey, std::shared_ptr<const graphql::Document>> documents;
std::size_t document_bytes = 0;
std::unordered_map<std::string, SPIPlanPtr> plans;
int calls = 0;  // udm.graphql calls in progress
GraphqlCacheStats stats;

}  // namespace

std::shared_ptr<const graphql::Schema> graphql_schema(const std::string& tenant,
                                                      const ModelKey& key, const model::Model& m) {
    SchemaKey k{tenant, key.version, key.writer};
    for (auto it = schemas.begin(); it != schemas.end(); ++it) {
        if (it->key == k) {
            ++stats.schema_hits;
            schemas.splice(schemas.begin(), schemas, it);
            return schemas.front().schema;
        }
    }
    // Another model of the tenant is out of date: it goes, with its documents, before the
    // new schema is built, whose memory can then reuse its (a large schema is tens of MB).
    for (auto it = schemas.begin(); it != schemas.end();) {
        if (std::get<0>(it->key) == tenant) {
            schema_weight -= it->weight;
            it = schemas.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = documents.begin(); it != documents.end();) {
        if (std::get<0>(it->first) == tenant &&
            (std::get<1>(it->first) != key.version || std::get<2>(it->first) != key.writer)) {
            document_bytes -= std::get<4>(it->first).size() * kDocumentBytesPerChar;
            it = documents.erase(it);
        } else {
            ++it;
        }
    }
    auto schema = std::make_shared<const graphql::Schema>(graphql::build_schema(m));
    std::size_t weight = m.classes.size();
    for (const auto& [name, cls] : m.classes)
        weight += cls.assignments.size();
    while (!schemas.empty() &&
           (schemas.size() >= kMaxSchemas || schema_weight + weight > kMaxSchemaWeight)) {
        schema_weight -= schemas.back().weight;
        schemas.pop_back();
    }
    schemas.push_front({std::move(k), schema, weight});
    schema_weight += weight;
    return schema;
}

graphql::CheckResult graphql_document(const std::string& tenant, const ModelKey& key,
                                      const graphql::Schema& schema, const std::string& text,
                                      const graphql::PrepareOptions& options) {
    const bool cacheable = text.size() <= kMaxCachedDocument;
    DocumentKey k{tenant, key.version, key.writer, options.introspection,
                  cacheable ? text : std::string()};
    if (cacheable) {
        auto it = documents.find(k);
        if (it != documents.end()) {
            ++stats.document_hits;
            graphql::CheckResult hit;
            hit.document = it->second;
            return hit;
        }
    }
    graphql::CheckResult checked = graphql::check_document(schema, text, options);
    if (!checked.ok() || !cacheable)
        return checked;
    // Bounded in entries and bytes: a client sending ever new documents empties the cache.
    const std::size_t bytes = text.size() * kDocumentBytesPerChar;
    if (documents.size() >= kMaxDocuments || document_bytes + bytes > kMaxDocumentBytes) {
        documents.clear();
        document_bytes = 0;
    }
    if (documents.emplace(std::move(k), checked.document).second)
        document_bytes += bytes;
    return checked;
}

SPIPlanPtr graphql_plan(const std::string& sql, int nargs) {
    (void)nargs;  // the text fixes how many parameters there are
    auto it = plans.find(sql);
    if (it == plans.end())
        return nullptr;
    ++stats.plan_hits;
    return it->second;
}

void keep_graphql_plan(const std::string& sql, SPIPlanPtr plan) {
    if (sql.size() > kMaxPlannedText || (plans.size() >= kMaxPlans && calls > 1)) {
        guard([&] { SPI_freeplan(plan); });
        return;
    }
    if (plans.size() >= kMaxPlans) {
        // Only the outermost call frees plans: none of them is running.
        for (auto& [text, kept] : plans)
            guard([&] { SPI_freeplan(kept); });
        plans.clear();
    }
    // A call nested in the one that made this plan may have kept the same text meanwhile.
    if (!plans.emplace(sql, plan).second)
        guard([&] { SPI_freeplan(plan); });
}

GraphqlCall::GraphqlCall() {
    ++calls;
}
GraphqlCall::~GraphqlCall() {
    --calls;
}

GraphqlCacheStats graphql_cache_stats() {
    GraphqlCacheStats s = stats;
    s.schemas = static_cast<std::int64_t>(schemas.size());
    s.documents = static_cast<std::int64_t>(documents.size());
    s.plans = static_cast<std::int64_t>(plans.size());
    return s;
}

}  // namespace udm::pg
