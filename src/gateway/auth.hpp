// Who may open a GraphQL connection or read a tenant's SDL: the bearer token (in the
// connection_init payload or the Authorization header), checked against the tenant in the URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace udm::gateway {

// Seconds allowed for the clocks of the token's issuer and the gateway to disagree on exp and
// nbf when the caller names no leeway (the default of --jwt-leeway).
constexpr double kDefaultJwtLeeway = 30;

// The decision about a connection_init, and what to close with when it is refused.
enum class AuthOutcome { kAccepted, kUnauthorized, kForbidden };

// The decision and a reason for the log (never sent to the client).
struct AuthDecision {
    // Refused, for no reason yet.
    AuthDecision() = default;
    // A decision without an expiry (constructors rather than an aggregate, so the brace form
    // {outcome, reason} stays free of missing-initializer warnings as fields are added).
    AuthDecision(AuthOutcome outcome_, std::string reason_)
        : outcome(outcome_), reason(std::move(reason_)) {}

    AuthOutcome outcome = AuthOutcome::kUnauthorized;
    std::string reason;
    // Accepted: when the token stops being accepted (its exp plus the leeway, in seconds since
    // the epoch), to close a connection then; nullopt for a token without exp.
    std::optional<double> expires_at;
    // Whether there was a token at all (RFC 6750: a request without one gets no error code).
    bool token_given = false;
    // Accepted: the token's sub claim when it is a string (who acts, udm.actor), else "".
    std::string subject;
};

// The token of an Authorization value "Bearer <token>" (scheme case-insensitive); empty for
// another scheme or no token.
std::string bearer_token(std::string_view authorization);

// The bearer token of a connection_init payload: {"token": "<jwt>"} or
// {"authorization": "Bearer <jwt>"} (key case-insensitive); empty when there is none.
std::string token_of_init_payload(const nlohmann::json& payload);

// Accepts a token that is a valid HS256 JWT with claim "tenant" equal to tenant, exp and nbf
// checked with leeway seconds; a missing (empty), malformed, badly signed or expired token is
// kUnauthorized, a valid token of another tenant kForbidden.
AuthDecision authenticate_token(std::string_view token, std::string_view secret,
                                std::string_view tenant, double now,
                                double leeway = kDefaultJwtLeeway);

// authenticate_token on the token of a connection_init payload.
AuthDecision authenticate(const nlohmann::json& payload, std::string_view secret,
                          std::string_view tenant, double now, double leeway = kDefaultJwtLeeway);

}  // namespace udm::gateway
