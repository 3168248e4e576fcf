// Who may open a GraphQL connection: the connection_init payload's token, checked against
// the tenant in the URL.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace udm::gateway {

// The decision about a connection_init, and what to close with when it is refused.
enum class AuthOutcome { kAccepted, kUnauthorized, kForbidden };

// The decision and a reason for the log (never sent to the client).
struct AuthDecision {
    AuthOutcome outcome = AuthOutcome::kUnauthorized;
    std::string reason;
};

// The bearer token of a connection_init payload: {"token": "<jwt>"} or
// {"authorization": "Bearer <jwt>"} (key case-insensitive); empty when there is none.
std::string token_of_init_payload(const nlohmann::json& payload);

// Accepts a payload whose token is a valid HS256 JWT with claim "tenant" equal to tenant;
// a missing, malformed, badly signed or expired token is kUnauthorized, a valid token of
// another tenant kForbidden.
AuthDecision authenticate(const nlohmann::json& payload, std::string_view secret,
                          std::string_view tenant, double now);

}  // namespace udm::gateway
