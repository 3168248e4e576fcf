// udm::Error.
#include "udm/core/error.hpp"

#include <cstring>

namespace udm {

namespace {

// True for the five upper-case letters and digits a SQLSTATE is made of.
bool is_sqlstate(std::string_view code) noexcept {
    if (code.size() != 5)
        return false;
    for (char c : code) {
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
            return false;
    }
    return true;
}

}  // namespace

Error::Error(std::string_view sqlstate, const std::string& message, std::string detail,
             std::string hint)
    : std::runtime_error(message), detail_(std::move(detail)), hint_(std::move(hint)) {
    // A malformed code is a programming error; report it as internal rather than
    // handing PostgreSQL something it cannot encode.
    std::string_view code = is_sqlstate(sqlstate) ? sqlstate : sqlstate::kInternalError;
    std::memcpy(sqlstate_, code.data(), 5);
    sqlstate_[5] = '\0';
}

}  // namespace udm
