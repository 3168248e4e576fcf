// udm::Error: an error udm reports to its caller, with a real SQLSTATE.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace udm {

// SQLSTATE codes udm raises itself (see PostgreSQL's errcodes.txt).
namespace sqlstate {
inline constexpr std::string_view kInvalidParameterValue = "22023";
inline constexpr std::string_view kDuplicateObject = "42710";
inline constexpr std::string_view kUndefinedObject = "42704";
inline constexpr std::string_view kDependentObjectsStillExist = "2BP01";
inline constexpr std::string_view kObjectNotInPrerequisiteState = "55000";
inline constexpr std::string_view kTriggerProtocolViolated = "39P01";
inline constexpr std::string_view kUndefinedColumn = "42703";
inline constexpr std::string_view kDatatypeMismatch = "42804";
inline constexpr std::string_view kOutOfMemory = "53200";
inline constexpr std::string_view kInternalError = "XX000";
inline constexpr std::string_view kUndefinedFunction = "42883";
inline constexpr std::string_view kInsufficientPrivilege = "42501";
inline constexpr std::string_view kInvalidFunctionDefinition = "42P13";
inline constexpr std::string_view kFeatureNotSupported = "0A000";
inline constexpr std::string_view kCheckViolation = "23514";
inline constexpr std::string_view kProgramLimitExceeded = "54000";
inline constexpr std::string_view kDataException = "22000";
inline constexpr std::string_view kStringDataRightTruncation = "22001";
inline constexpr std::string_view kUntranslatableCharacter = "22P05";
inline constexpr std::string_view kNullValueNotAllowed = "22004";
inline constexpr std::string_view kInvalidRegularExpression = "2201B";
inline constexpr std::string_view kInvalidTextRepresentation = "22P02";
inline constexpr std::string_view kNotNullViolation = "23502";
inline constexpr std::string_view kForeignKeyViolation = "23503";
inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kUndefinedTable = "42P01";
inline constexpr std::string_view kDuplicateTable = "42P07";
inline constexpr std::string_view kLockNotAvailable = "55P03";
inline constexpr std::string_view kObjectInUse = "55006";
}  // namespace sqlstate

// An error with a SQLSTATE, a message and an optional detail and hint, written the
// PostgreSQL way: message lower case without a period, detail and hint full sentences.
class Error : public std::runtime_error {
  public:
    Error(std::string_view sqlstate, const std::string& message, std::string detail = {},
          std::string hint = {});

    // The five-character SQLSTATE, NUL-terminated.
    const char* sqlstate() const noexcept { return sqlstate_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

  private:
    char sqlstate_[6];
    std::string detail_;
    std::string hint_;
};

}  // namespace udm
