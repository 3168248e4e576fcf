// Authentication of connection_init payloads with HS256 tokens.
#include "auth.hpp"

#include <cctype>

#include "jwt.hpp"

namespace udm::gateway {

namespace {

// Case-insensitive ASCII equality.
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string token_of_init_payload(const nlohmann::json& payload) {
    if (!payload.is_object()) return {};
    auto token = payload.find("token");
    if (token != payload.end() && token->is_string()) return token->get<std::string>();
    for (auto it = payload.begin(); it != payload.end(); ++it) {
        if (!iequals(it.key(), "authorization") || !it->is_string()) continue;
        const std::string& value = it->get_ref<const std::string&>();
        constexpr std::string_view kScheme = "bearer ";
        if (value.size() > kScheme.size() && iequals(value.substr(0, kScheme.size()), kScheme)) {
            std::string rest = value.substr(kScheme.size());
            auto start = rest.find_first_not_of(' ');
            return start == std::string::npos ? std::string() : rest.substr(start);
        }
    }
    return {};
}

AuthDecision authenticate(const nlohmann::json& payload, std::string_view secret,
                          std::string_view tenant, double now) {
    std::string token = token_of_init_payload(payload);
    if (token.empty()) return {AuthOutcome::kUnauthorized, "no token in connection_init"};
    JwtResult jwt = verify_hs256(token, secret, now);
    if (jwt.status != JwtStatus::kValid) {
        return {AuthOutcome::kUnauthorized, std::string(jwt_status_name(jwt.status))};
    }
    auto claim = jwt.claims.find("tenant");
    if (claim == jwt.claims.end() || !claim->is_string()) {
        return {AuthOutcome::kUnauthorized, "token has no tenant claim"};
    }
    if (claim->get<std::string>() != tenant) {
        return {AuthOutcome::kForbidden, "token is for tenant \"" + claim->get<std::string>() + "\""};
    }
    return {AuthOutcome::kAccepted, {}};
}

}  // namespace udm::gateway
