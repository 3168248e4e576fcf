// The error barrier between PostgreSQL (longjmp) and C++ (exceptions). See STYLE.md.
//
// PostgreSQL -> C++: every SQL-callable function is declared with UDM_PG_FUNCTION; its
// body runs inside barrier(), which catches every exception, leaves the catch block and
// only then raises the error with ereport, so no C++ object is alive when it longjmps.
//
// C++ -> PostgreSQL: a call into PostgreSQL that can ereport goes through guard(), which
// turns the PostgreSQL error into a PgError exception carrying the original ErrorData;
// the barrier re-raises it unchanged (same SQLSTATE, message, detail, hint, context).
// The lambda given to guard() holds no C++ object with a destructor.
//
// Destructors of objects in udm code never call PostgreSQL: after an error the
// transaction abort releases SPI connections, memory and user-id changes.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "udm/pg/postgres.hpp"

namespace udm::pg {

// A PostgreSQL error caught by guard(), on its way to the barrier.
class PgError final : public std::exception {
  public:
    explicit PgError(ErrorData* data) noexcept : data_(data) {}
    ErrorData* data() const noexcept { return data_; }
    const char* what() const noexcept override;

  private:
    ErrorData* data_;  // palloc'd in the memory context current when guard() was called
};

// Body of an SQL-callable function.
using FunctionBody = Datum (*)(FunctionCallInfo);

// Runs body and reports whatever it throws as a PostgreSQL error with its SQLSTATE.
Datum barrier(FunctionBody body, FunctionCallInfo fcinfo) noexcept;

// Calls fn, which calls PostgreSQL; a PostgreSQL error raised inside becomes PgError and
// a C++ exception thrown inside passes through unchanged.
template <typename Fn>
auto guard(Fn&& fn) -> decltype(fn()) {
    using Result = decltype(fn());
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData* volatile pg_error = nullptr;
    std::exception_ptr cpp_error;
    std::conditional_t<std::is_void_v<Result>, bool, std::optional<Result>> result{};
    PG_TRY();
    {
        // A C++ exception must not leave the PG_TRY block: it would skip restoring
        // PG_exception_stack. Catch it here and rethrow after PG_END_TRY.
        try {
            if constexpr (std::is_void_v<Result>) {
                fn();
            } else {
                result.emplace(fn());
            }
        } catch (...) {
            cpp_error = std::current_exception();
        }
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        pg_error = CopyErrorData();
        FlushErrorState();
    }
    PG_END_TRY();
    if (pg_error != nullptr)
        throw PgError(pg_error);
    if (cpp_error)
        std::rethrow_exception(cpp_error);
    if constexpr (!std::is_void_v<Result>)
        return std::move(*result);
}

}  // namespace udm::pg

// Declares an SQL-callable function `name` (C symbol, exported) whose body follows the
// macro and runs inside the error barrier. The SQL definition names it: AS 'MODULE_PATHNAME',
// 'name'.
#define UDM_PG_FUNCTION(name)                             \
    static Datum name##_body(FunctionCallInfo fcinfo);    \
    extern "C" {                                          \
    PG_FUNCTION_INFO_V1(name);                            \
    }                                                     \
    extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS) { \
        return ::udm::pg::barrier(name##_body, fcinfo);   \
    }                                                     \
    static Datum name##_body(FunctionCallInfo fcinfo)
