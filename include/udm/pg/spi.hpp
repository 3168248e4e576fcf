// SPI with text parameters, and running statements as another role, from C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "udm/pg/barrier.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace udm::pg {

// One result value as text; nullopt for SQL NULL.
using Cell = std::optional<std::string>;
using Row = std::vector<Cell>;

// An SPI connection for the length of one function call. Statements take their values
// as $n text parameters; identifiers must already be quoted. Open one with with_spi,
// which finishes it; after an error the transaction abort releases the connection, so the
// destructor does nothing (it must not call PostgreSQL: it may run after an ereport).
class Spi {
  public:
    explicit Spi(bool read_only = false);
    Spi(const Spi&) = delete;
    Spi& operator=(const Spi&) = delete;

    // Runs one statement; returns the number of rows it processed.
    std::uint64_t execute(const std::string& sql, const std::vector<Cell>& params = {});
    // Runs a query; returns every row, every column as text.
    std::vector<Row> query(const std::string& sql, const std::vector<Cell>& params = {});
    // Like query, with a plan the backend keeps for this text (at most 128 texts), so a
    // query run on every call (the model key of a tenant) is parsed and planned once.
    // Only for statements that run no user code (no triggers, no functions of a tenant):
    // a kept plan may be freed when the cache is full.
    std::vector<Row> query_kept(const std::string& sql, const std::vector<Cell>& params = {});
    // Like query_value, but reads with a fresh snapshot even in a REPEATABLE READ or
    // SERIALIZABLE transaction, so that rows committed since the transaction's snapshot
    // count (what foreign-key checks do). For checks made after taking a lock.
    Cell query_value_latest(const std::string& sql, const std::vector<Cell>& params = {});
    // The first row, every column as text, read the same way; nullopt when there is none.
    std::optional<Row> query_row_latest(const std::string& sql,
                                        const std::vector<Cell>& params = {});
    // First column of the first row; nullopt when there is no row or the value is NULL.
    Cell query_value(const std::string& sql, const std::vector<Cell>& params = {});
    // Disconnects from SPI; with_spi calls it.
    void finish();

  private:
    // The rows of the last statement (count of them), every column as text.
    std::vector<Row> rows_of(std::uint64_t count);

    bool read_only_;
    bool connected_ = false;
};

// Runs fn(spi) on an SPI connection of its own and finishes the connection after it: the
// scope of one connection, rather than a finish() to remember. (After an error the
// transaction abort releases the connection.) fn returns C++ values, not Datums or
// pointers: what SPI allocated is freed when the connection finishes.
template <typename Fn>
auto with_spi(bool read_only, Fn&& fn) -> decltype(fn(std::declval<Spi&>())) {
    Spi spi(read_only);
    if constexpr (std::is_void_v<decltype(fn(spi))>) {
        fn(spi);
        spi.finish();
    } else {
        auto result = fn(spi);
        spi.finish();
        return result;
    }
}

// Counts a scope in n for as long as it runs (a guard against re-entering what may not
// be re-entered); plain arithmetic, so it is undone on every way out.
class ScopedCount {
  public:
    explicit ScopedCount(int& n) noexcept : n_(n) { ++n_; }
    ~ScopedCount() { --n_; }
    ScopedCount(const ScopedCount&) = delete;
    ScopedCount& operator=(const ScopedCount&) = delete;

  private:
    int& n_;
};

// Makes role the current user until destroyed (as SECURITY DEFINER does), so objects
// created meanwhile belong to it. Restoring cannot fail; after an error the transaction
// abort restores the user as well. extra_context adds security-context flags, such as
// SECURITY_RESTRICTED_OPERATION around user code.
class ScopedUser {
  public:
    explicit ScopedUser(Oid role, int extra_context = 0) noexcept;
    ~ScopedUser();
    ScopedUser(const ScopedUser&) = delete;
    ScopedUser& operator=(const ScopedUser&) = delete;

  private:
    Oid saved_user_;
    int saved_context_;
};

// A setting of a GUC nest level: a name and its value.
struct Setting {
    const char* name;
    const char* value;
};

// Opens a GUC nest level of its own and sets each setting in it, as a function's SET
// clause does; returns the level for restore_settings. context: PGC_SUSET for settings only
// a superuser may change (udm's functions run as the extension's owner, one).
int push_settings(const std::vector<Setting>& settings, GucContext context = PGC_USERSET);

// Ends a level of push_settings (-1: nothing) and every level opened inside it; ok is false
// after an error. Not needed after an error that ends the (sub)transaction: its abort
// restores the settings.
void restore_settings(int level, bool ok);

// Runs fn in a GUC nest level of its own with search_path = pg_catalog, pg_temp, and rolls
// back every setting changed inside when it ends, as PostgreSQL does around user code in
// index builds: nothing fn or the code it calls SETs (a user's function changing
// search_path, say) outlives it, and udm's own SQL inside resolves nothing from a schema
// the session chose.
template <typename Fn>
auto with_own_settings(Fn&& fn) -> decltype(fn()) {
    const int level = push_settings({{"search_path", "pg_catalog, pg_temp"}});
    try {
        if constexpr (std::is_void_v<decltype(fn())>) {
            fn();
            restore_settings(level, false);
        } else {
            auto result = fn();
            restore_settings(level, false);
            return result;
        }
    } catch (...) {
        // Restored now, not only by the abort: a caller may go on (a plpgsql EXCEPTION block).
        try {
            restore_settings(level, false);
        } catch (...) {
        }
        throw;
    }
}

}  // namespace udm::pg
