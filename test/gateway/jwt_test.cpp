// HS256 verification: signatures, algorithms, claims, time and base64url edge cases.
#include <gtest/gtest.h>

#include <cmath>

#include "auth.hpp"
#include "base64url.hpp"
#include "jwt.hpp"

namespace udm::gateway {
namespace {

using nlohmann::json;

const std::string kSecret = "0123456789abcdef0123456789abcdef";
constexpr double kNow = 1700000000;

// The HMAC part that sign_hs256 would put on a given signing input.
std::string signature_of(const std::string& signed_token) {
    return signed_token.substr(signed_token.rfind('.') + 1);
}

TEST(Base64Url, RoundTripsEveryLength) {
    std::string bytes;
    for (int n = 0; n < 40; ++n) {
        EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << n;
        bytes.push_back(static_cast<char>(n * 37 + 251));
    }
}

TEST(Base64Url, KnownVectorsWithoutPadding) {
    EXPECT_EQ(base64url_encode("f"), "Zg");
    EXPECT_EQ(base64url_encode("fo"), "Zm8");
    EXPECT_EQ(base64url_encode("foo"), "Zm9v");
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
}

TEST(Base64Url, RejectsPaddingOtherAlphabetsAndNonCanonicalBits) {
    EXPECT_FALSE(base64url_decode("Zg=="));   // padding
    EXPECT_FALSE(base64url_decode("+/8"));    // standard base64 alphabet
    EXPECT_FALSE(base64url_decode("Zm 9v"));  // whitespace
    EXPECT_FALSE(base64url_decode("Z"));      // a lone sextet is no byte
    EXPECT_FALSE(base64url_decode("Zh"));     // "f" with non-zero unused bits
    EXPECT_TRUE(base64url_decode(""));
}

TEST(Jwt, AcceptsAValidToken) {
    std::string token = sign_hs256({{"tenant", "acme"}, {"exp", kNow + 60}}, kSecret);
    JwtResult result = verify_hs256(token, kSecret, kNow);
    ASSERT_EQ(result.status, JwtStatus::kValid);
    EXPECT_EQ(result.claims["tenant"], "acme");
}

TEST(Jwt, RejectsAWrongSecret) {
    std::string token = sign_hs256({{"tenant", "acme"}}, kSecret);
    EXPECT_EQ(verify_hs256(token, kSecret + "x", kNow).status, JwtStatus::kBadSignature);
}

TEST(Jwt, RejectsATamperedPayload) {
    std::string token = sign_hs256({{"tenant", "acme"}}, kSecret);
    std::string forged = base64url_encode(R"({"tenant":"evil"})");
    auto first = token.find('.');
    auto second = token.rfind('.');
    std::string tampered = token.substr(0, first + 1) + forged + token.substr(second);
    EXPECT_EQ(verify_hs256(tampered, kSecret, kNow).status, JwtStatus::kBadSignature);
}

TEST(Jwt, RejectsATamperedOrTruncatedSignature) {
    std::string token = sign_hs256({{"tenant", "acme"}}, kSecret);
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'Q' : 'A';
    EXPECT_NE(verify_hs256(flipped, kSecret, kNow).status, JwtStatus::kValid);
    std::string truncated = token.substr(0, token.size() - 4);
    EXPECT_NE(verify_hs256(truncated, kSecret, kNow).status, JwtStatus::kValid);
    std::string empty_signature = token.substr(0, token.rfind('.') + 1);
    EXPECT_EQ(verify_hs256(empty_signature, kSecret, kNow).status, JwtStatus::kBadSignature);
}

TEST(Jwt, RejectsAlgNoneAndOtherAlgorithms) {
    std::string payload = base64url_encode(R"({"tenant":"acme"})");
    std::string none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + payload + ".";
    EXPECT_EQ(verify_hs256(none, kSecret, kNow).status, JwtStatus::kUnsupportedAlg);
    // alg confusion: an RS256 header with an HMAC made with the "public key" as secret.
    std::string valid = sign_hs256({{"tenant", "acme"}}, kSecret);
    std::string rs256 = base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." + payload + "." +
                        signature_of(valid);
    EXPECT_EQ(verify_hs256(rs256, kSecret, kNow).status, JwtStatus::kUnsupportedAlg);
    std::string lower =
        base64url_encode(R"({"alg":"hs256"})") + "." + payload + "." + signature_of(valid);
    EXPECT_EQ(verify_hs256(lower, kSecret, kNow).status, JwtStatus::kUnsupportedAlg);
    std::string crit = base64url_encode(R"({"alg":"HS256","crit":["exp"]})") + "." + payload + "." +
                       signature_of(valid);
    EXPECT_EQ(verify_hs256(crit, kSecret, kNow).status, JwtStatus::kUnsupportedAlg);
}

TEST(Jwt, RejectsMalformedTokens) {
    EXPECT_EQ(verify_hs256("", kSecret, kNow).status, JwtStatus::kMalformed);
    EXPECT_EQ(verify_hs256("abc", kSecret, kNow).status, JwtStatus::kMalformed);
    EXPECT_EQ(verify_hs256("a.b", kSecret, kNow).status, JwtStatus::kMalformed);
    EXPECT_EQ(verify_hs256("a.b.c.d", kSecret, kNow).status, JwtStatus::kMalformed);
    std::string token = sign_hs256({{"tenant", "acme"}}, kSecret);
    EXPECT_EQ(verify_hs256(token + ".", kSecret, kNow).status, JwtStatus::kMalformed);
    EXPECT_EQ(verify_hs256(" " + token, kSecret, kNow).status, JwtStatus::kMalformed);
    // A header that is JSON but not an object, and one without alg.
    std::string array_header = base64url_encode("[1]") + ".e30.";
    EXPECT_EQ(verify_hs256(array_header, kSecret, kNow).status, JwtStatus::kMalformed);
    std::string no_alg = base64url_encode(R"({"typ":"JWT"})") + ".e30.";
    EXPECT_EQ(verify_hs256(no_alg, kSecret, kNow).status, JwtStatus::kMalformed);
}

TEST(Jwt, RejectsACorrectlySignedPayloadThatIsNotAnObject) {
    std::string token = sign_hs256("just a string", kSecret);
    EXPECT_EQ(verify_hs256(token, kSecret, kNow).status, JwtStatus::kMalformed);
}

TEST(Jwt, ChecksExpiryAndNotBefore) {
    EXPECT_EQ(verify_hs256(sign_hs256({{"exp", kNow}}, kSecret), kSecret, kNow).status,
              JwtStatus::kExpired);
    EXPECT_EQ(verify_hs256(sign_hs256({{"exp", kNow - 1}}, kSecret), kSecret, kNow).status,
              JwtStatus::kExpired);
    EXPECT_EQ(verify_hs256(sign_hs256({{"exp", kNow + 0.5}}, kSecret), kSecret, kNow).status,
              JwtStatus::kValid);
    EXPECT_EQ(verify_hs256(sign_hs256({{"nbf", kNow + 10}}, kSecret), kSecret, kNow).status,
              JwtStatus::kNotYetValid);
    EXPECT_EQ(verify_hs256(sign_hs256({{"nbf", kNow}}, kSecret), kSecret, kNow).status,
              JwtStatus::kValid);
    EXPECT_EQ(verify_hs256(sign_hs256({{"exp", "tomorrow"}}, kSecret), kSecret, kNow).status,
              JwtStatus::kMalformed);
}

TEST(Jwt, LeewayAllowsForClockSkewOnExpAndNbf) {
    auto status = [](const json& claims, double leeway) {
        return verify_hs256(sign_hs256(claims, kSecret), kSecret, kNow, leeway).status;
    };
    EXPECT_EQ(status({{"exp", kNow - 10}}, 30), JwtStatus::kValid);
    EXPECT_EQ(status({{"exp", kNow - 29.5}}, 30), JwtStatus::kValid);
    EXPECT_EQ(status({{"exp", kNow - 30}}, 30), JwtStatus::kExpired);
    EXPECT_EQ(status({{"exp", kNow - 31}}, 30), JwtStatus::kExpired);
    EXPECT_EQ(status({{"nbf", kNow + 30}}, 30), JwtStatus::kValid);
    EXPECT_EQ(status({{"nbf", kNow + 31}}, 30), JwtStatus::kNotYetValid);
    EXPECT_EQ(status({{"exp", kNow - 10}}, 0), JwtStatus::kExpired);
    EXPECT_EQ(status({{"nbf", kNow + 1}}, 0), JwtStatus::kNotYetValid);
    // A negative or NaN leeway is none, not a token that never expires.
    EXPECT_EQ(status({{"exp", kNow}}, -100), JwtStatus::kExpired);
    EXPECT_EQ(status({{"exp", kNow - 10}}, std::nan("")), JwtStatus::kExpired);
    EXPECT_EQ(status({{"nbf", kNow + 10}}, std::nan("")), JwtStatus::kNotYetValid);
}

TEST(Auth, BearerTokenOfAnAuthorizationValue) {
    EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
    EXPECT_EQ(bearer_token("bearer abc"), "abc");
    EXPECT_EQ(bearer_token("BEARER   abc"), "abc");
    EXPECT_EQ(bearer_token("Bearer "), "");
    EXPECT_EQ(bearer_token("Bearer"), "");
    EXPECT_EQ(bearer_token("Bearerabc"), "");
    EXPECT_EQ(bearer_token("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), "");
    EXPECT_EQ(bearer_token(""), "");
}

TEST(Auth, TakesTheTokenFromTokenOrAuthorization) {
    EXPECT_EQ(token_of_init_payload({{"token", "abc"}}), "abc");
    EXPECT_EQ(token_of_init_payload({{"authorization", "Bearer abc"}}), "abc");
    EXPECT_EQ(token_of_init_payload({{"Authorization", "bearer   abc"}}), "abc");
    EXPECT_EQ(token_of_init_payload({{"authorization", "Basic abc"}}), "");
    EXPECT_EQ(token_of_init_payload({{"token", 42}}), "");
    EXPECT_EQ(token_of_init_payload(json::array()), "");
}

TEST(Auth, DecidesByTenantClaim) {
    std::string acme = sign_hs256({{"tenant", "acme"}, {"exp", kNow + 60}}, kSecret);
    EXPECT_EQ(authenticate({{"token", acme}}, kSecret, "acme", kNow).outcome,
              AuthOutcome::kAccepted);
    EXPECT_EQ(authenticate({{"authorization", "Bearer " + acme}}, kSecret, "acme", kNow).outcome,
              AuthOutcome::kAccepted);
    EXPECT_EQ(authenticate({{"token", acme}}, kSecret, "other", kNow).outcome,
              AuthOutcome::kForbidden);
    EXPECT_EQ(authenticate(json::object(), kSecret, "acme", kNow).outcome,
              AuthOutcome::kUnauthorized);
    EXPECT_EQ(authenticate({{"token", acme}}, "another secret of at least 32 bytes!", "acme", kNow)
                  .outcome,
              AuthOutcome::kUnauthorized);
    EXPECT_EQ(authenticate({{"token", acme}}, kSecret, "acme", kNow + 61, 0).outcome,
              AuthOutcome::kUnauthorized);
    std::string no_tenant = sign_hs256({{"sub", "x"}}, kSecret);
    EXPECT_EQ(authenticate({{"token", no_tenant}}, kSecret, "acme", kNow).outcome,
              AuthOutcome::kUnauthorized);
    std::string number_tenant = sign_hs256({{"tenant", 7}}, kSecret);
    EXPECT_EQ(authenticate({{"token", number_tenant}}, kSecret, "acme", kNow).outcome,
              AuthOutcome::kUnauthorized);
}

TEST(Auth, TheDefaultLeewayIsThirtySeconds) {
    std::string acme = sign_hs256({{"tenant", "acme"}, {"exp", kNow + 60}}, kSecret);
    EXPECT_EQ(authenticate({{"token", acme}}, kSecret, "acme", kNow + 89).outcome,
              AuthOutcome::kAccepted);
    EXPECT_EQ(authenticate({{"token", acme}}, kSecret, "acme", kNow + 90).outcome,
              AuthOutcome::kUnauthorized);
    EXPECT_EQ(authenticate_token(acme, kSecret, "acme", kNow + 89).outcome, AuthOutcome::kAccepted);
    std::string later = sign_hs256({{"tenant", "acme"}, {"nbf", kNow + 20}}, kSecret);
    EXPECT_EQ(authenticate_token(later, kSecret, "acme", kNow).outcome, AuthOutcome::kAccepted);
    EXPECT_EQ(authenticate_token(later, kSecret, "acme", kNow, 10).outcome,
              AuthOutcome::kUnauthorized);
}

TEST(Auth, AnAcceptedDecisionSaysWhenTheTokenExpires) {
    std::string acme = sign_hs256({{"tenant", "acme"}, {"exp", kNow + 60}}, kSecret);
    AuthDecision accepted = authenticate_token(acme, kSecret, "acme", kNow, 5);
    ASSERT_EQ(accepted.outcome, AuthOutcome::kAccepted);
    // The moment the token would be refused: exp plus the leeway.
    ASSERT_TRUE(accepted.expires_at);
    EXPECT_EQ(*accepted.expires_at, kNow + 65);
    EXPECT_EQ(*authenticate({{"token", acme}}, kSecret, "acme", kNow, 0).expires_at, kNow + 60);
    EXPECT_EQ(*authenticate({{"token", acme}}, kSecret, "acme", kNow).expires_at,
              kNow + 60 + kDefaultJwtLeeway);
    std::string forever = sign_hs256({{"tenant", "acme"}}, kSecret);
    AuthDecision no_exp = authenticate_token(forever, kSecret, "acme", kNow);
    EXPECT_EQ(no_exp.outcome, AuthOutcome::kAccepted);
    EXPECT_FALSE(no_exp.expires_at);
    EXPECT_FALSE(authenticate_token(acme, kSecret, "other", kNow).expires_at);
}

TEST(Auth, SaysWhetherThereWasATokenAtAll) {
    AuthDecision none = authenticate_token("", kSecret, "acme", kNow);
    EXPECT_EQ(none.outcome, AuthOutcome::kUnauthorized);
    EXPECT_FALSE(none.token_given);
    AuthDecision bad = authenticate_token("hello", kSecret, "acme", kNow);
    EXPECT_EQ(bad.outcome, AuthOutcome::kUnauthorized);
    EXPECT_TRUE(bad.token_given);
    EXPECT_FALSE(authenticate(json::object(), kSecret, "acme", kNow).token_given);
    std::string other = sign_hs256({{"tenant", "other"}}, kSecret);
    AuthDecision forbidden = authenticate_token(other, kSecret, "acme", kNow);
    EXPECT_EQ(forbidden.outcome, AuthOutcome::kForbidden);
    EXPECT_TRUE(forbidden.token_given);
}

}  // namespace
}  // namespace udm::gateway
