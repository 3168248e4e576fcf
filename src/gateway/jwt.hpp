// Verification of HS256 JSON Web Tokens (RFC 7519 with RFC 7515 compact serialisation).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace udm::gateway {

// Why a token was refused, or kValid.
enum class JwtStatus {
    kValid,
    kMalformed,       // not three base64url parts of JSON objects, or bad claim types
    kUnsupportedAlg,  // alg is not HS256 (none, RS256, ...) or a crit header is present
    kBadSignature,    // the HMAC does not match
    kExpired,         // now >= exp + leeway
    kNotYetValid,     // now < nbf - leeway
};

// The outcome of verifying a token; claims are set only when status is kValid.
struct JwtResult {
    JwtStatus status = JwtStatus::kMalformed;
    nlohmann::json claims;
};

// A short English name of a status, for logs.
std::string_view jwt_status_name(JwtStatus status);

// Verifies an HS256 token with the shared secret at time now (seconds since the epoch):
// the header must say alg HS256, the signature is compared in constant time before the
// payload is parsed, and exp/nbf are checked when present, leeway seconds (at least 0)
// allowed for the clocks of issuer and gateway to disagree.
JwtResult verify_hs256(std::string_view token, std::string_view secret, double now,
                       double leeway = 0);

// Signs claims as an HS256 token (used by tests and tools that mint tokens).
std::string sign_hs256(const nlohmann::json& claims, std::string_view secret);

}  // namespace udm::gateway
