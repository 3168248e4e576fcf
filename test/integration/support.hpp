// Shared by the libpqxx integration tests: connections, statements and their outcomes,
// waiting for a session to block, and the fixture that creates and drops tenants.
//
// The tests run against a live PostgreSQL 15 server with udm installed: connection
// parameters come from the PG* environment variables (PGHOST and PGPORT must be set, so
// that the tests never wander onto a default cluster). The binary creates its own database
// udm_it_models with CREATE EXTENSION udm, and drops it at the end (support.cpp), unless
// UDM_IT_PREPARED=1 says the caller made it (a Citus cluster's database); every
// test creates tenants named it_* and drops them (and any login role it made) in TearDown,
// even when it fails.
#pragma once

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace udm_it {

using namespace std::chrono_literals;

inline const std::string kDatabase = "udm_it_models";

// Tenants and login roles of these tests match these; roles are cluster-wide.
inline const char* const kOurRoles =
    "rolname ~ '^tenant_it_[a-z0-9_]+_(owner|role)$' OR rolname ~ '^it_login_'";

// A connection to dbname; host, port and the default user come from PG* variables.
// statement_timeout turns a test that would hang into a failing one.
inline std::unique_ptr<pqxx::connection> connect(const std::string& user = "",
                                                 const std::string& dbname = kDatabase) {
    std::string conninfo =
        "dbname=" + dbname + " options='-c client_min_messages=warning -c statement_timeout=60s'";
    if (!user.empty())
        conninfo += " user=" + user;
    auto c = std::make_unique<pqxx::connection>(conninfo);
    // Error messages start with their SQLSTATE (see sqlstate_of).
#if PQXX_VERSION_MAJOR >= 7
    c->set_verbosity(pqxx::error_verbosity::verbose);
#else
    c->set_verbosity(pqxx::connection_base::verbose);
#endif
    return c;
}

// Runs sql (with $n parameters) in a transaction of its own, commits, returns the result.
template <typename... Args>
pqxx::result query(pqxx::connection& c, const std::string& sql, Args&&... args) {
    pqxx::work w(c);
    pqxx::result r = w.exec_params(sql, std::forward<Args>(args)...);
    w.commit();
    return r;
}

// The first column of the first row, "<null>" for NULL, "<none>" when there is no row.
inline std::string first_value(const pqxx::result& r) {
    if (r.empty())
        return "<none>";
    return r[0][0].is_null() ? "<null>" : r[0][0].c_str();
}

template <typename... Args>
std::string scalar(pqxx::connection& c, const std::string& sql, Args&&... args) {
    return first_value(query(c, sql, std::forward<Args>(args)...));
}

// Runs a statement outside any transaction block (SET, and the like).
inline void session(pqxx::connection& c, const std::string& sql) {
    pqxx::nontransaction n(c);
    n.exec(sql);
}

// What became of one statement: its first value, or its SQLSTATE and message.
struct Outcome {
    bool ok = false;
    std::string value;
    std::string sqlstate;
    std::string message;
};

inline void PrintTo(const Outcome& o, std::ostream* os) {
    if (o.ok) {
        *os << "ok: " << o.value;
    } else {
        *os << "error " << o.sqlstate << ": " << o.message;
    }
}

// The SQLSTATE of a server error. pqxx::sql_error::sqlstate() first; but libpqxx 6 leaves
// it empty for some classes (insufficient_privilege: 42501) and reports class 40 as
// transaction_rollback, which is no sql_error there. So, failing that, the code at the
// start of the message: connect() asks for verbose messages ("ERROR:  42501: ...").
inline std::string sqlstate_of(const pqxx::failure& e) {
    if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
        sql != nullptr && !sql->sqlstate().empty()) {
        return sql->sqlstate();
    }
    const std::string message = e.what();
    for (const char* severity : {"ERROR:  ", "FATAL:  "}) {
        const std::size_t at = message.find(severity);
        if (at == std::string::npos)
            continue;
        const std::string code = message.substr(at + 8, 5);
        if (code.size() == 5 && message.compare(at + 13, 2, ": ") == 0)
            return code;
    }
    return "";
}

inline Outcome failure(const pqxx::failure& e) {
    return Outcome{false, "", sqlstate_of(e), e.what()};
}

// Runs sql in tx (which it does not end): the outcome, SQL errors included.
template <typename... Args>
Outcome try_in(pqxx::transaction_base& tx, const std::string& sql, Args... args) {
    try {
        return Outcome{true, first_value(tx.exec_params(sql, args...)), "", ""};
    } catch (const pqxx::failure& e) {
        return failure(e);
    }
}

// Runs sql in a transaction of its own on c and commits it: the outcome.
template <typename... Args>
Outcome attempt(pqxx::connection& c, const std::string& sql, Args... args) {
    try {
        return Outcome{true, scalar(c, sql, args...), "", ""};
    } catch (const pqxx::failure& e) {
        return failure(e);
    }
}

// attempt() in another thread. c must not be used by anyone else until the future is ready.
template <typename... Args>
std::future<Outcome> in_background(pqxx::connection& c, std::string sql, Args... args) {
    return std::async(std::launch::async, [&c, sql, args...] { return attempt(c, sql, args...); });
}

// True when the database is one of a Citus cluster (test/integration/citus.sh runs these
// tests against its coordinator, UDM_IT_PREPARED=1).
inline bool on_citus(pqxx::connection& c) {
    return scalar(c,
                  "SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')") ==
           "t";
}

// True once the session `waiter` is blocked by the session `holder`; false if that does not
// happen within 20 s (a generous bound: it normally happens within milliseconds).
inline bool wait_until_blocked(pqxx::connection& monitor, pqxx::connection& waiter,
                               pqxx::connection& holder) {
    const int waiter_pid = waiter.backendpid();
    const int holder_pid = holder.backendpid();
    // On a Citus cluster the sessions may wait on the worker that holds the tenant, as the
    // distributed transactions of these coordinator backends (their global pids).
    const bool citus = on_citus(monitor);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (scalar(monitor, "SELECT $2::int = ANY (pg_catalog.pg_blocking_pids($1::int))",
                   waiter_pid, holder_pid) == "t") {
            return true;
        }
        if (citus &&
            scalar(monitor,
                   "SELECT EXISTS (SELECT FROM pg_catalog.citus_lock_waits w,"
                   " pg_catalog.pg_dist_node n WHERE n.groupid = 0"
                   " AND w.waiting_gpid = pg_catalog.citus_calculate_gpid(n.nodeid, $1::int)"
                   " AND w.blocking_gpid = pg_catalog.citus_calculate_gpid(n.nodeid, $2::int))",
                   waiter_pid, holder_pid) == "t") {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

inline bool is_ready(const std::future<Outcome>& f) {
    return f.wait_for(0s) == std::future_status::ready;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

inline std::string quote_ident(pqxx::connection& c, const std::string& name) {
    return scalar(c, "SELECT pg_catalog.quote_ident($1)", name);
}

class TenantTest : public ::testing::Test {
  protected:
    void SetUp() override { admin_ = connect(); }

    // Drops what the test made, even when it failed. Its sessions are closed by now:
    // they are locals of the test body.
    void TearDown() override {
        for (auto it = tenants_.rbegin(); it != tenants_.rend(); ++it) {
            try {
                query(*admin_, "SELECT udm.drop_tenant($1, true)", *it);
            } catch (const std::exception& e) {
                ADD_FAILURE() << "could not drop tenant " << *it << ": " << e.what();
            }
        }
        for (const std::string& role : roles_) {
            try {
                session(*admin_, "DROP ROLE IF EXISTS " + quote_ident(*admin_, role));
            } catch (const std::exception& e) {
                ADD_FAILURE() << "could not drop role " << role << ": " << e.what();
            }
        }
    }

    // Creates a tenant that TearDown drops; returns its schema.
    std::string create_tenant(const std::string& name) {
        const std::string schema = scalar(*admin_, "SELECT udm.create_tenant($1)", name);
        tenants_.push_back(name);
        return schema;
    }

    // Creates a login role (granted `granted` unless empty) that TearDown drops.
    void create_login_role(const std::string& name, const std::string& granted) {
        session(*admin_, "CREATE ROLE " + quote_ident(*admin_, name) + " LOGIN");
        roles_.push_back(name);
        if (!granted.empty()) {
            session(*admin_,
                    "GRANT " + quote_ident(*admin_, granted) + " TO " + quote_ident(*admin_, name));
        }
    }

    // The tenant's schema version, as udm.tenants reports it.
    std::string version(const std::string& tenant) {
        return scalar(*admin_, "SELECT schema_version FROM udm.tenants WHERE name = $1", tenant);
    }

    std::string model(const std::string& tenant) {
        return scalar(*admin_, "SELECT udm.model($1)::text", tenant);
    }

    // The classes of the model, comma-separated in name order.
    std::string classes(const std::string& tenant) {
        return scalar(*admin_,
                      "SELECT COALESCE(pg_catalog.string_agg(k, ',' ORDER BY k), '')"
                      " FROM pg_catalog.jsonb_object_keys(udm.model($1)->'classes') AS k",
                      tenant);
    }

    // version:previous_version:class of each migration, in order ("1:0:a 2:1:b").
    std::string migrations(const std::string& tenant) {
        return scalar(
            *admin_,
            "SELECT COALESCE(pg_catalog.string_agg(version || ':' || previous_version || ':' ||"
            " COALESCE(diff->0->>'class', diff->0->>'attribute', '?'), ' ' ORDER BY version), '')"
            " FROM udm.migrations($1)",
            tenant);
    }

    // What udm.verify reports, one problem a line; empty when catalog and tables agree.
    std::string verify(const std::string& tenant) {
        return scalar(
            *admin_,
            "SELECT COALESCE(pg_catalog.string_agg(object || ': ' || problem, E'\\n'), '')"
            " FROM udm.verify($1)",
            tenant);
    }

    std::unique_ptr<pqxx::connection> admin_;

  private:
    std::vector<std::string> tenants_;
    std::vector<std::string> roles_;
};

}  // namespace udm_it
