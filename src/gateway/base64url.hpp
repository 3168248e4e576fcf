// Base64url without padding (RFC 4648 section 5), as JSON Web Tokens use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace udm::gateway {

// Decodes unpadded base64url strictly: no padding, no other alphabet, no whitespace, and
// unused trailing bits must be zero (so every byte string has exactly one encoding).
std::optional<std::string> base64url_decode(std::string_view text);

// Encodes bytes as unpadded base64url.
std::string base64url_encode(std::string_view bytes);

}  // namespace udm::gateway
