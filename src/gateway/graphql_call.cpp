// The transaction of one HTTP GraphQL request.
#include "graphql_call.hpp"

#include <memory>
#include <string>
#include <vector>

#include "udm/core/naming.hpp"

namespace udm::gateway {

namespace {

// A PGresult freed with the scope.
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// The failure a result describes (its SQLSTATE, or a lost connection).
GraphqlCallResult failure_of(PGconn* connection, const PGresult* result) {
    GraphqlCallResult out;
    const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* message = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    out.sqlstate = sqlstate ? sqlstate : "";
    out.message = message ? message : PQerrorMessage(connection);
    out.connection_lost = PQstatus(connection) != CONNECTION_OK;
    if (out.connection_lost)
        out.sqlstate.clear();
    return out;
}

// Ends a failed transaction so that the connection can serve the next request.
void roll_back(PGconn* connection) {
    if (PQstatus(connection) != CONNECTION_OK)
        return;
    if (PQtransactionStatus(connection) == PQTRANS_IDLE)
        return;
    Result result(PQexec(connection, "ROLLBACK"), &PQclear);
}

// One statement of the pipeline: its text and its parameters' texts (nullptr: NULL).
struct Statement {
    std::string sql;
    std::vector<const char*> values;
};

}  // namespace

GraphqlCallResult run_graphql_call(PGconn* connection, const GraphqlCall& call) {
    // The role's name by udm's rule, quoted: the tenant name was checked by the route, and
    // tenant_names checks it again.
    const std::string role =
        udm::naming::quote_identifier(udm::naming::tenant_names(call.tenant).app_role);
    const std::string timeout = std::to_string(call.statement_timeout_ms);
    const std::string work_mem = std::to_string(call.work_mem_kb);

    std::vector<Statement> statements;
    statements.push_back({"BEGIN", {}});
    // udm.graphql is SECURITY INVOKER: the tenant role's grants and row-level security
    // decide what is read. LOCAL: COMMIT or ROLLBACK gives the connection its role back.
    statements.push_back({"SET LOCAL ROLE " + role, {}});
    {
        // The tenant's limits, local to the transaction like the role: PostgreSQL applies the
        // role's own settings at login only, and the gateway logs in as itself.
        Statement settings{"SELECT pg_catalog.set_config('udm.actor', $1, true)",
                           {call.actor.c_str()}};
        if (call.statement_timeout_ms > 0) {
            settings.values.push_back(timeout.c_str());
            settings.sql += ", pg_catalog.set_config('statement_timeout', $" +
                            std::to_string(settings.values.size()) + ", true)";
        }
        if (call.work_mem_kb > 0) {
            settings.values.push_back(work_mem.c_str());
            settings.sql += ", pg_catalog.set_config('work_mem', $" +
                            std::to_string(settings.values.size()) + ", true)";
        }
        statements.push_back(std::move(settings));
    }
    const std::size_t graphql = statements.size();
    statements.push_back({"SELECT udm.graphql($1, $2, $3::jsonb, $4)",
                          {call.tenant.c_str(), call.query.c_str(),
                           call.variables ? call.variables->c_str() : nullptr,
                           call.operation_name ? call.operation_name->c_str() : nullptr}});

    // All of them in one pipeline (libpq's pipeline mode): one round trip instead of one
    // per statement, which on a small machine is most of the cost of a short request. The
    // server runs them in order and skips the rest after an error, up to the sync; the
    // transaction is then in error and rolled back below. COMMIT is not in it: it is sent
    // once the answer is in hand, so that a connection lost before then (the gateway
    // stopping, the network) leaves nothing committed and the request can be retried.
    GraphqlCallResult failure;
    bool failed = false;
    auto fail = [&](const PGresult* result) {
        if (!failed)
            failure = failure_of(connection, result);
        failed = true;
    };
    if (PQenterPipelineMode(connection) != 1) {
        fail(nullptr);
        return failure;
    }
    bool sent = true;
    for (const Statement& statement : statements) {
        if (PQsendQueryParams(connection, statement.sql.c_str(),
                              static_cast<int>(statement.values.size()), nullptr,
                              statement.values.data(), nullptr, nullptr, 0) != 1) {
            sent = false;
            break;
        }
    }
    if (!sent || PQpipelineSync(connection) != 1) {
        // Nothing was flushed, or the connection is gone: it cannot serve another request
        // (the pool closes a connection with commands still queued).
        if (PQstatus(connection) == CONNECTION_OK)
            PQexitPipelineMode(connection);
        fail(nullptr);
        failure.connection_lost = true;
        failure.sqlstate.clear();
        return failure;
    }
    GraphqlCallResult out;
    // Each statement's results end with a null; the pipeline's end is its sync result.
    for (std::size_t i = 0; i < statements.size(); ++i) {
        for (;;) {
            Result result(PQgetResult(connection), &PQclear);
            if (!result) {
                if (PQstatus(connection) != CONNECTION_OK)
                    fail(nullptr);
                break;
            }
            const ExecStatusType status = PQresultStatus(result.get());
            if (status == PGRES_PIPELINE_ABORTED) {
                // Skipped after an earlier error, which failure holds (an abort without one
                // cannot happen, but must not pass for success).
                fail(result.get());
                continue;
            }
            if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
                fail(result.get());
                continue;
            }
            if (i == graphql) {
                if (PQntuples(result.get()) != 1 || PQgetisnull(result.get(), 0, 0)) {
                    // A row that is not there; cannot happen.
                    fail(result.get());
                    if (failure.sqlstate.empty())
                        failure.sqlstate = "XX000";
                    continue;
                }
                out.body.assign(PQgetvalue(result.get(), 0, 0),
                                static_cast<std::size_t>(PQgetlength(result.get(), 0, 0)));
            }
        }
        if (PQstatus(connection) != CONNECTION_OK)
            break;
    }
    if (PQstatus(connection) == CONNECTION_OK) {
        Result sync(PQgetResult(connection), &PQclear);
        if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC)
            fail(sync.get());
    }
    if (PQstatus(connection) != CONNECTION_OK) {
        fail(nullptr);
        failure.connection_lost = true;
        failure.sqlstate.clear();
        return failure;
    }
    if (PQexitPipelineMode(connection) != 1) {
        // Results left unread: the connection's state is unknown; the pool drops it.
        fail(nullptr);
        failure.connection_lost = true;
        failure.sqlstate.clear();
        return failure;
    }
    if (failed) {
        roll_back(connection);
        return failure;
    }
    Result commit(PQexec(connection, "COMMIT"), &PQclear);
    if (PQresultStatus(commit.get()) != PGRES_COMMAND_OK) {
        failure = failure_of(connection, commit.get());
        roll_back(connection);
        return failure;
    }
    out.ok = true;
    return out;
}

}  // namespace udm::gateway
