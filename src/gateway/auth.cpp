// Authentication of connection_init payloads and HTTP requests with HS256 tokens.
#include "auth.hpp"

#include <cctype>

#include "jwt.hpp"

namespace udm::gateway {

namespace {

// Case-insensitive ASCII equality.
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string bearer_token(std::string_view authorization) {
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size() ||
        !iequals(authorization.substr(0, kScheme.size()), kScheme)) {
        return {};
    }
    std::string_view rest = authorization.substr(kScheme.size());
    auto start = rest.find_first_not_of(' ');
    return start == std::string_view::npos ? std::string() : std::string(rest.substr(start));
}

std::string token_of_init_payload(const nlohmann::json& payload) {
    if (!payload.is_object())
        return {};
    auto token = payload.find("token");
    if (token != payload.end() && token->is_string())
        return token->get<std::string>();
    for (auto it = payload.begin(); it != payload.end(); ++it) {
        if (!iequals(it.key(), "authorization") || !it->is_string())
            continue;
        std::string found = bearer_token(it->get_ref<const std::string&>());
        if (!found.empty())
            return found;
    }
    return {};
}

AuthDecision authenticate_token(std::string_view token, std::string_view secret,
                                std::string_view tenant, double now, double leeway) {
    AuthDecision decision;
    if (token.empty()) {
        decision.reason = "no token";
        return decision;
    }
    decision.token_given = true;
    JwtResult jwt = verify_hs256(token, secret, now, leeway);
    if (jwt.status != JwtStatus::kValid) {
        decision.reason = std::string(jwt_status_name(jwt.status));
        return decision;
    }
    auto claim = jwt.claims.find("tenant");
    if (claim == jwt.claims.end() || !claim->is_string()) {
        decision.reason = "token has no tenant claim";
        return decision;
    }
    if (claim->get<std::string>() != tenant) {
        decision.outcome = AuthOutcome::kForbidden;
        decision.reason = "token is for tenant \"" + claim->get<std::string>() + "\"";
        return decision;
    }
    decision.outcome = AuthOutcome::kAccepted;
    auto subject = jwt.claims.find("sub");
    if (subject != jwt.claims.end() && subject->is_string())
        decision.subject = subject->get<std::string>();
    // The instant verify_hs256 starts refusing it; it checked that exp is a number.
    auto exp = jwt.claims.find("exp");
    if (exp != jwt.claims.end()) {
        decision.expires_at = exp->get<double>() + (leeway > 0 ? leeway : 0);
    }
    return decision;
}

AuthDecision authenticate(const nlohmann::json& payload, std::string_view secret,
                          std::string_view tenant, double now, double leeway) {
    std::string token = token_of_init_payload(payload);
    AuthDecision decision = authenticate_token(token, secret, tenant, now, leeway);
    if (token.empty())
        decision.reason = "no token in connection_init";
    return decision;
}

}  // namespace udm::gateway
