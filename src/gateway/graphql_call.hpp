// One GraphQL request run by udm.graphql in the database, as the tenant's role: the
// statements, their parameters, and what came of them. libpq only; no Asio.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <libpq-fe.h>

namespace udm::gateway {

// What udm.graphql is called with.
struct GraphqlCall {
    std::string tenant;
    std::string actor;  // the token's sub, recorded as udm.actor ("" when it has none)
    std::string query;
    std::optional<std::string> variables;  // the JSON text of an object
    std::optional<std::string> operation_name;
    // The tenant's statement_timeout (ms) and work_mem (kB) for the transaction; 0: the
    // connection's own.
    std::int64_t statement_timeout_ms = 0;
    std::int64_t work_mem_kb = 0;
};

// The response text udm.graphql returned, or why there is none.
struct GraphqlCallResult {
    bool ok = false;
    std::string body;      // ok: the jsonb as PostgreSQL writes it
    std::string sqlstate;  // not ok: the SQLSTATE, empty when the connection was lost
    std::string message;   // not ok: PostgreSQL's message, for the log only
    bool connection_lost = false;
};

// Runs call on connection (idle, outside a transaction): BEGIN; SET LOCAL ROLE of the
// tenant's application role; udm.actor, statement_timeout and work_mem, local to the
// transaction; udm.graphql with parameters (these four in one libpq pipeline); then, with
// the answer read, COMMIT. Leaves the connection idle (ROLLBACK after an error) or broken.
GraphqlCallResult run_graphql_call(PGconn* connection, const GraphqlCall& call);

}  // namespace udm::gateway
