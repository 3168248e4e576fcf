// Automatic persisted queries (Apollo's persistedQuery extension): a bounded store of query
// texts by the sha256 of their text, shared by every tenant of the gateway, for HTTP and
// WebSocket requests alike.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include <nlohmann/json.hpp>

namespace udm::gateway {

// Why a request's persistedQuery extension gives no query.
struct PersistedQueryRefusal {
    enum class Kind {
        kNotFound,    // hash only, and the store does not have it: the client sends the query
        kBadRequest,  // a malformed extension, another version, or a hash that does not match
    };
    Kind kind;
    std::string message;
    std::string code;  // extensions.code of the GraphQL error
};

// The query a request runs, or why it has none.
using PersistedQueryOutcome = std::variant<std::string, PersistedQueryRefusal>;

// The lowercase hex sha256 of text.
std::string sha256_hex(std::string_view text);

// Query texts by hash, bounded in entries and bytes; full, it is emptied (a client sending
// ever new documents costs the others a round trip each, nothing else). Thread-safe.
class PersistedQueries {
  public:
    struct Limits {
        std::size_t max_entries = 10000;
        std::size_t max_bytes = 32u << 20;         // of the query texts
        std::size_t max_query_bytes = 256u << 10;  // a longer query is run but not kept
    };

    explicit PersistedQueries(Limits limits) : limits_(limits) {}
    PersistedQueries() : PersistedQueries(Limits{}) {}

    // The query of a request given its extensions object (null or absent: none) and its
    // query (nullopt: none). Without a persistedQuery extension: the query, or a refusal when
    // there is none ("The request has no query."). With one: version 1 and a sha256Hash of 64
    // hex digits; with a query, the hash must be the query's (then it is kept); without, the
    // stored query or kNotFound.
    PersistedQueryOutcome resolve(const nlohmann::json* extensions,
                                  std::optional<std::string> query);

    // Entries and bytes held, for tests and /metrics.
    std::size_t size() const;
    std::size_t bytes() const;

  private:
    Limits limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::string> queries_;  // by lowercase hex hash
    std::size_t bytes_ = 0;
};

}  // namespace udm::gateway
