// The error barrier: C++ exceptions become PostgreSQL errors with their real SQLSTATE.
#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <typeinfo>

#include "udm/core/error.hpp"
#include "udm/pg/barrier.hpp"

namespace udm::pg {

namespace {

// An error taken out of a catch block: plain malloc'd strings, so that copying can never
// longjmp and nothing needs a destructor once the catch block is left.
struct CaughtError {
    char sqlstate[6] = "XX000";
    char* message = nullptr;
    char* detail = nullptr;
    char* hint = nullptr;
};

// malloc'd copy of text, or nullptr for empty text or when memory is short.
char* copy_text(const char* text) noexcept {
    if (text == nullptr || *text == '\0')
        return nullptr;
    std::size_t len = std::strlen(text);
    char* out = static_cast<char*>(std::malloc(len + 1));
    if (out != nullptr)
        std::memcpy(out, text, len + 1);
    return out;
}

// Fills err for a C++ exception that is not udm's own: the type goes into the detail.
void describe_foreign(CaughtError& err, const char* what, const std::type_info* type) noexcept {
    std::memcpy(err.sqlstate, sqlstate::kInternalError.data(), 6);
    err.message = copy_text(what != nullptr && *what != '\0' ? what : "unexpected C++ exception");
    const char* name = type != nullptr ? type->name() : nullptr;
    int status = -1;
    char* demangled =
        name != nullptr ? abi::__cxa_demangle(name, nullptr, nullptr, &status) : nullptr;
    const char* shown = status == 0 && demangled != nullptr ? demangled : (name ? name : "unknown");
    const char prefix[] = "C++ exception of type ";
    std::size_t len = sizeof(prefix) + std::strlen(shown) + 1;
    err.detail = static_cast<char*>(std::malloc(len + 1));
    if (err.detail != nullptr) {
        std::strcpy(err.detail, prefix);
        std::strcat(err.detail, shown);
        std::strcat(err.detail, ".");
    }
    std::free(demangled);
}

// palloc'd copy of a malloc'd string, which it frees.
char* to_palloc(char* text) {
    if (text == nullptr)
        return nullptr;
    char* out = pstrdup(text);
    std::free(text);
    return out;
}

}  // namespace

const char* PgError::what() const noexcept {
    return data_ != nullptr && data_->message != nullptr ? data_->message : "PostgreSQL error";
}

Datum barrier(FunctionBody body, FunctionCallInfo fcinfo) noexcept {
    ErrorData* pg_error = nullptr;
    CaughtError err;
    try {
        return body(fcinfo);
    } catch (const PgError& e) {
        pg_error = e.data();
    } catch (const udm::Error& e) {
        std::memcpy(err.sqlstate, e.sqlstate(), 6);
        err.message = copy_text(e.what());
        err.detail = copy_text(e.detail().c_str());
        err.hint = copy_text(e.hint().c_str());
    } catch (const std::bad_alloc&) {
        std::memcpy(err.sqlstate, sqlstate::kOutOfMemory.data(), 6);
    } catch (const std::exception& e) {
        describe_foreign(err, e.what(), &typeid(e));
    } catch (...) {
        describe_foreign(err, nullptr, abi::__cxa_current_exception_type());
    }
    // Outside every catch block: no exception object and no C++ object with a destructor
    // is alive in this frame, so ereport may longjmp.
    if (pg_error != nullptr)
        ReThrowError(pg_error);
    if (std::strcmp(err.sqlstate, sqlstate::kOutOfMemory.data()) == 0 && err.message == nullptr) {
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                        errdetail("A C++ allocation failed.")));
    }
    char* message = to_palloc(err.message);
    char* detail = to_palloc(err.detail);
    char* hint = to_palloc(err.hint);
    ereport(ERROR, (errcode(MAKE_SQLSTATE(err.sqlstate[0], err.sqlstate[1], err.sqlstate[2],
                                          err.sqlstate[3], err.sqlstate[4])),
                    errmsg_internal("%s", message != nullptr ? message : "internal error in udm"),
                    detail != nullptr ? errdetail_internal("%s", detail) : 0,
                    hint != nullptr ? errhint("%s", hint) : 0));
    pg_unreachable();
}

}  // namespace udm::pg
