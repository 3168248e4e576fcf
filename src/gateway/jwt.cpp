// HS256 JSON Web Tokens: verification with OpenSSL's HMAC and a constant-time compare.
#include "jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <optional>

#include "base64url.hpp"

namespace udm::gateway {

namespace {

constexpr std::size_t kSha256Bytes = 32;

// HMAC-SHA256 of data with key, or nullopt if OpenSSL fails.
std::optional<std::array<unsigned char, kSha256Bytes>> hmac_sha256(std::string_view key,
                                                                   std::string_view data) {
    std::array<unsigned char, kSha256Bytes> mac{};
    unsigned int length = 0;
    // HMAC() takes a non-null key pointer even for an empty key.
    static const unsigned char kEmpty = 0;
    const void* key_data = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
    if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
             &length) == nullptr ||
        length != kSha256Bytes) {
        return std::nullopt;
    }
    return mac;
}

// Decodes one base64url part holding a JSON object, or nullopt.
std::optional<nlohmann::json> decode_json_object(std::string_view part) {
    auto bytes = base64url_decode(part);
    if (!bytes)
        return std::nullopt;
    auto value = nlohmann::json::parse(*bytes, nullptr, false);
    if (value.is_discarded() || !value.is_object())
        return std::nullopt;
    return value;
}

}  // namespace

std::string_view jwt_status_name(JwtStatus status) {
    switch (status) {
        case JwtStatus::kValid:
            return "valid";
        case JwtStatus::kMalformed:
            return "malformed token";
        case JwtStatus::kUnsupportedAlg:
            return "unsupported algorithm";
        case JwtStatus::kBadSignature:
            return "bad signature";
        case JwtStatus::kExpired:
            return "expired";
        case JwtStatus::kNotYetValid:
            return "not yet valid";
    }
    return "?";
}

JwtResult verify_hs256(std::string_view token, std::string_view secret, double now, double leeway) {
    // Negative or NaN would let exp never pass (NaN compares false).
    if (!(leeway > 0))
        leeway = 0;
    JwtResult result;
    auto first = token.find('.');
    if (first == std::string_view::npos)
        return result;
    auto second = token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return result;
    }
    std::string_view header_part = token.substr(0, first);
    std::string_view payload_part = token.substr(first + 1, second - first - 1);
    std::string_view signature_part = token.substr(second + 1);

    auto header = decode_json_object(header_part);
    if (!header)
        return result;
    auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string())
        return result;
    // Only HS256: "none", RS256 (key confusion) and everything else are refused outright.
    if (alg->get<std::string>() != "HS256" || header->contains("crit")) {
        result.status = JwtStatus::kUnsupportedAlg;
        return result;
    }

    auto signature = base64url_decode(signature_part);
    if (!signature)
        return result;
    auto expected = hmac_sha256(secret, token.substr(0, second));
    if (!expected || signature->size() != kSha256Bytes ||
        CRYPTO_memcmp(signature->data(), expected->data(), kSha256Bytes) != 0) {
        result.status = JwtStatus::kBadSignature;
        return result;
    }

    auto claims = decode_json_object(payload_part);
    if (!claims)
        return result;
    auto exp = claims->find("exp");
    if (exp != claims->end()) {
        if (!exp->is_number())
            return result;
        if (now >= exp->get<double>() + leeway) {
            result.status = JwtStatus::kExpired;
            return result;
        }
    }
    auto nbf = claims->find("nbf");
    if (nbf != claims->end()) {
        if (!nbf->is_number())
            return result;
        if (now < nbf->get<double>() - leeway) {
            result.status = JwtStatus::kNotYetValid;
            return result;
        }
    }
    result.status = JwtStatus::kValid;
    result.claims = std::move(*claims);
    return result;
}

std::string sign_hs256(const nlohmann::json& claims, std::string_view secret) {
    std::string signing_input =
        base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(claims.dump());
    auto mac = hmac_sha256(secret, signing_input);
    std::string signature;
    if (mac)
        signature.assign(reinterpret_cast<const char*>(mac->data()), mac->size());
    return signing_input + "." + base64url_encode(signature);
}

}  // namespace udm::gateway
