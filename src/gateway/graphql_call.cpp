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

// Runs a statement without parameters; true when it succeeded.
bool exec(PGconn* connection, const std::string& sql, GraphqlCallResult& failure) {
    Result result(PQexec(connection, sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) == PGRES_COMMAND_OK ||
        PQresultStatus(result.get()) == PGRES_TUPLES_OK) {
        return true;
    }
    failure = failure_of(connection, result.get());
    return false;
}

// Ends a failed transaction so that the connection can serve the next request.
void roll_back(PGconn* connection) {
    if (PQstatus(connection) != CONNECTION_OK)
        return;
    if (PQtransactionStatus(connection) == PQTRANS_IDLE)
        return;
    Result result(PQexec(connection, "ROLLBACK"), &PQclear);
}

}  // namespace

GraphqlCallResult run_graphql_call(PGconn* connection, const GraphqlCall& call) {
    GraphqlCallResult failure;
    // The role's name by udm's rule, quoted: the tenant name was checked by the route, and
    // tenant_names checks it again.
    const std::string role =
        udm::naming::quote_identifier(udm::naming::tenant_names(call.tenant).app_role);
    if (!exec(connection, "BEGIN", failure))
        return failure;
    // udm.graphql is SECURITY INVOKER: the tenant role's grants and row-level security
    // decide what is read. LOCAL: COMMIT or ROLLBACK gives the connection its role back.
    if (!exec(connection, "SET LOCAL ROLE " + role, failure)) {
        roll_back(connection);
        return failure;
    }
    {
        // The tenant's limits, local to the transaction like the role: PostgreSQL applies the
        // role's own settings at login only, and the gateway logs in as itself. One round
        // trip for the three settings.
        std::string sql = "SELECT pg_catalog.set_config('udm.actor', $1, true)";
        std::vector<std::string> texts{call.actor};
        if (call.statement_timeout_ms > 0) {
            texts.push_back(std::to_string(call.statement_timeout_ms));
            sql += ", pg_catalog.set_config('statement_timeout', $" + std::to_string(texts.size()) +
                   ", true)";
        }
        if (call.work_mem_kb > 0) {
            texts.push_back(std::to_string(call.work_mem_kb));
            sql +=
                ", pg_catalog.set_config('work_mem', $" + std::to_string(texts.size()) + ", true)";
        }
        std::vector<const char*> values;
        for (const std::string& text : texts)
            values.push_back(text.c_str());
        Result result(PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()),
                                   nullptr, values.data(), nullptr, nullptr, 0),
                      &PQclear);
        if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
            failure = failure_of(connection, result.get());
            roll_back(connection);
            return failure;
        }
    }
    GraphqlCallResult out;
    {
        const char* values[4] = {call.tenant.c_str(), call.query.c_str(),
                                 call.variables ? call.variables->c_str() : nullptr,
                                 call.operation_name ? call.operation_name->c_str() : nullptr};
        Result result(PQexecParams(connection, "SELECT udm.graphql($1, $2, $3::jsonb, $4)", 4,
                                   nullptr, values, nullptr, nullptr, 0),
                      &PQclear);
        if (PQresultStatus(result.get()) != PGRES_TUPLES_OK || PQntuples(result.get()) != 1 ||
            PQgetisnull(result.get(), 0, 0)) {
            failure = failure_of(connection, result.get());
            if (failure.sqlstate.empty() && !failure.connection_lost)
                failure.sqlstate = "XX000";  // a row that is not there; cannot happen
            roll_back(connection);
            return failure;
        }
        out.body.assign(PQgetvalue(result.get(), 0, 0),
                        static_cast<std::size_t>(PQgetlength(result.get(), 0, 0)));
    }
    if (!exec(connection, "COMMIT", failure)) {
        roll_back(connection);
        return failure;
    }
    out.ok = true;
    return out;
}

}  // namespace udm::gateway
