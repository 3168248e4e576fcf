// HS256 verification: signatures, algorithms, claims, time and base64url edge cases.
#include <gtest/gtest.h>

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
    std::string rs256 = base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + "." + payload +
                        "." + signature_of(valid);
    EXPECT_EQ(verify_hs256(rs256, kSecret, kNow).status, JwtStatus::kUnsupportedAlg);
    std::string lower = base64url_encode(R"({"alg":"hs256"})") + "." + payload + "." +
                        signature_of(valid);
    EXPECT_EQ(verify_hs256(lower, kSecret, kNow).status, JwtStatus::kUnsupportedAlg);
    std::string crit = base64url_encode(R"({"alg":"HS256","crit":["exp"]})") + "." + payload +
                       "." + signature_of(valid);
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
    EXPECT_EQ(authenticate({{"token", acme}}, kSecret, "acme", kNow + 61).outcome,
              AuthOutcome::kUnauthorized);
    std::string no_tenant = sign_hs256({{"sub", "x"}}, kSecret);
    EXPECT_EQ(authenticate({{"token", no_tenant}}, kSecret, "acme", kNow).outcome,
              AuthOutcome::kUnauthorized);
    std::string number_tenant = sign_hs256({{"tenant", 7}}, kSecret);
    EXPECT_EQ(authenticate({{"token", number_tenant}}, kSecret, "acme", kNow).outcome,
              AuthOutcome::kUnauthorized);
}

}  // namespace
}  // namespace udm::gateway
