// The store of automatic persisted queries.
#include "persisted_queries.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/sha.h>

namespace udm::gateway {

namespace {

// A refusal of the request itself.
PersistedQueryRefusal bad_request(std::string message) {
    return {PersistedQueryRefusal::Kind::kBadRequest, std::move(message), "BAD_REQUEST"};
}

}  // namespace

std::string sha256_hex(std::string_view text) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * SHA256_DIGEST_LENGTH);
    for (unsigned char byte : digest) {
        out += kHex[byte >> 4];
        out += kHex[byte & 0xf];
    }
    return out;
}

PersistedQueryOutcome PersistedQueries::resolve(const nlohmann::json* extensions,
                                                std::optional<std::string> query) {
    const nlohmann::json* persisted = nullptr;
    if (extensions != nullptr && extensions->is_object()) {
        auto it = extensions->find("persistedQuery");
        if (it != extensions->end() && !it->is_null())
            persisted = &*it;
    }
    if (persisted == nullptr) {
        if (!query)
            return bad_request("The request has no query.");
        return std::move(*query);
    }
    if (!persisted->is_object())
        return bad_request("The persistedQuery extension must be an object.");
    auto version = persisted->find("version");
    if (version == persisted->end() || !version->is_number_integer() || *version != 1)
        return bad_request("Unsupported persisted query version: only version 1 is served.");
    auto hash_member = persisted->find("sha256Hash");
    if (hash_member == persisted->end() || !hash_member->is_string())
        return bad_request("The persistedQuery extension has no sha256Hash.");
    std::string hash = hash_member->get<std::string>();
    const bool hex = hash.size() == 64 && std::all_of(hash.begin(), hash.end(), [](char c) {
                         return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                     });
    if (!hex)
        return bad_request("The sha256Hash must be 64 hexadecimal digits.");
    std::transform(hash.begin(), hash.end(), hash.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
    if (!query) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = queries_.find(hash);
        if (it == queries_.end()) {
            return PersistedQueryRefusal{PersistedQueryRefusal::Kind::kNotFound,
                                         "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"};
        }
        return it->second;
    }
    // Apollo Server's message, which clients may match.
    if (sha256_hex(*query) != hash)
        return bad_request("provided sha does not match query");
    if (query->size() <= limits_.max_query_bytes) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (queries_.count(hash) == 0) {
            if (queries_.size() >= limits_.max_entries ||
                bytes_ + query->size() > limits_.max_bytes) {
                queries_.clear();
                bytes_ = 0;
            }
            if (query->size() <= limits_.max_bytes) {
                bytes_ += query->size();
                queries_.emplace(std::move(hash), *query);
            }
        }
    }
    return std::move(*query);
}

std::size_t PersistedQueries::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queries_.size();
}

std::size_t PersistedQueries::bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytes_;
}

}  // namespace udm::gateway
