// udm.graphql(tenant, query, variables, operation_name): a GraphQL request over a tenant's
// things, answered inside PostgreSQL. The core prepares the document against the tenant's
// schema and compiles each root field to one SQL statement; this file runs them through SPI
// with the caller's privileges and shapes the response (docs/graphql.md, "Queries").
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "udm/core/error.hpp"
#include "udm/core/graphql/compile.hpp"
#include "udm/core/graphql/schema.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/model_catalog.hpp"
#include "udm/pg/module.hpp"
#include "udm/pg/spi.hpp"
#include "udm/pg/tenant_access.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/fmgrprotos.h"
#include "utils/resowner.h"
}

namespace pg = udm::pg;
namespace gql = udm::graphql;
using OJson = nlohmann::ordered_json;

namespace {

// Statements run by udm.graphql in this backend, for the test that a root field is one
// statement (udm._graphql_statements).
std::int64_t statements_run = 0;

// What one statement gave: its one value as text (null for SQL NULL), or the error that
// rolled back its subtransaction.
struct StatementOutcome {
    char* value;
    ErrorData* error;
};

// Runs sql with text parameters in a subtransaction of its own, as PL/pgSQL's exception
// blocks do, so an error in it (a filter value that is no valid date) can become a
// GraphQL field error while the transaction goes on. Plain C: no C++ object lives here.
StatementOutcome run_statement(const char* sql, int nargs, Oid* types, Datum* values,
                               const char* nulls) {
    StatementOutcome out{nullptr, nullptr};
    MemoryContext caller = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller);
    PG_TRY();
    {
        int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, true, 0);
        if (rc != SPI_OK_SELECT || SPI_processed != 1 || SPI_tuptable == nullptr)
            elog(ERROR, "udm.graphql: a compiled statement returned %d", rc);
        char* value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        MemoryContextSwitchTo(caller);
        out.value = value != nullptr ? pstrdup(value) : nullptr;
        ReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller);
        CurrentResourceOwner = owner;
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        out.error = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller);
        CurrentResourceOwner = owner;
    }
    PG_END_TRY();
    return out;
}

// A GraphQL error object with extensions.code.
OJson error_json(const gql::Error& e, const std::string& code) {
    OJson j = e.to_json();
    j["extensions"] = {{"code", code}};
    return j;
}

// The errors of a request that did not get to execution: no "data" (GraphQL spec 7.1.2).
OJson request_errors(const std::vector<gql::Error>& errors, const std::string& code) {
    OJson list = OJson::array();
    for (const gql::Error& e : errors)
        list.push_back(error_json(e, code));
    return {{"errors", std::move(list)}};
}

// Runs a compiled root field; its value as JSON text (kept as PostgreSQL wrote it, so no
// number loses digits), or "null" and a field error appended to errors.
std::string run_root_field(const gql::CompiledQuery& q, const gql::PlannedField& f, OJson& errors,
                           bool& failed) {
    const int nargs = static_cast<int>(q.params.size());
    ++statements_run;
    StatementOutcome out = pg::guard([&] {
        Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (nargs + 1)));
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * (nargs + 1)));
        char* nulls = static_cast<char*>(palloc(nargs + 1));
        for (int i = 0; i < nargs; ++i) {
            types[i] = TEXTOID;
            nulls[i] = q.params[i] ? ' ' : 'n';
            values[i] = q.params[i] ? CStringGetTextDatum(q.params[i]->c_str()) : (Datum)0;
        }
        return run_statement(q.sql.c_str(), nargs, types, values, nulls);
    });
    if (out.error != nullptr) {
        const int code = out.error->sqlerrcode;
        std::string gql_code;
        std::string message;
        if (ERRCODE_TO_CATEGORY(code) == ERRCODE_DATA_EXCEPTION) {
            // An argument value PostgreSQL cannot take (a malformed date, a number out of
            // range); its message names the value, never the statement or a table.
            gql_code = "BAD_USER_INPUT";
            message = std::string("Invalid value: ") + out.error->message;
        } else if (code == ERRCODE_INSUFFICIENT_PRIVILEGE) {
            gql_code = "FORBIDDEN";
            message = "Permission denied: the current role may not read these things.";
        } else {
            // Cancels, timeouts, lack of memory, serialization failures: the request fails.
            throw pg::PgError(out.error);
        }
        failed = true;
        gql::Error e{std::move(message), {f.location}, {f.response_key}};
        errors.push_back(error_json(e, gql_code));
        return "null";
    }
    return out.value == nullptr ? "null" : out.value;
}

// The response to a request, for the tenant whose model is m at version, as JSON text.
std::string respond(const udm::naming::TenantNames& names, const udm::model::Model& m,
                    std::int64_t version, const std::string& query, const nlohmann::json& variables,
                    const std::optional<std::string>& operation_name) {
    const gql::Schema schema = gql::build_schema(m);
    gql::PrepareOptions options;
    options.introspection = pg::graphql_introspection;
    gql::PrepareResult prepared = gql::prepare(schema, query, variables, operation_name, options);
    if (!prepared.ok())
        return request_errors(prepared.errors, "GRAPHQL_VALIDATION_FAILED").dump();
    const gql::PreparedOperation& op = *prepared.operation;
    if (op.type != gql::OperationType::kQuery) {
        const bool subscription = op.type == gql::OperationType::kSubscription;
        return request_errors({{subscription ? "Subscriptions are served by udm-gateway over "
                                               "WebSocket, not by udm.graphql."
                                             : "Mutations are not supported yet.",
                                {},
                                {}}},
                              "BAD_USER_INPUT")
            .dump();
    }
    // Fields answered without reading things, by execute() over the schema's own values.
    gql::PreparedOperation plain = op;
    plain.root_fields.clear();
    bool wants_sdl = false;
    for (const gql::PlannedField& f : op.root_fields) {
        if (!gql::reads_things(schema, f)) {
            plain.root_fields.push_back(f);
            wants_sdl = wants_sdl || f.name == "sdl";
        }
    }
    OJson plain_data = OJson::object();
    if (!plain.root_fields.empty()) {
        nlohmann::json root{{"schemaVersion", version}};
        if (wants_sdl)
            root["sdl"] = gql::print_sdl(schema);
        OJson r = gql::execute(plain, root);
        if (r.contains("data") && r["data"].is_object())
            plain_data = std::move(r["data"]);
    }
    std::string data;
    OJson errors = OJson::array();
    bool data_null = false;
    for (const gql::PlannedField& f : op.root_fields) {
        data += data.empty() ? "{" : ", ";
        data += nlohmann::json(f.response_key).dump() + ": ";
        if (!gql::reads_things(schema, f)) {
            data += plain_data[f.response_key].dump();
            continue;
        }
        gql::CompileResult c = gql::compile_query(schema, m, names.schema, f);
        bool failed = false;
        if (!c.ok()) {
            errors.push_back(error_json(*c.error, c.code));
            failed = true;
            data += "null";
        } else {
            data += run_root_field(*c.query, f, errors, failed);
        }
        // A non-null root field that failed nulls the whole data (GraphQL spec 6.4.4).
        if (failed && f.type.is_non_null())
            data_null = true;
    }
    data += data.empty() ? "{}" : "}";
    std::string out = "{\"data\": " + (data_null ? std::string("null") : data);
    if (!errors.empty())
        out += ", \"errors\": " + errors.dump();
    return out + "}";
}

}  // namespace

// udm.graphql(tenant, query, variables, operation_name) returns jsonb: the GraphQL response
// of a query over the tenant's things, read with the caller's privileges.
UDM_PG_FUNCTION(udm_graphql) {
    // Checked before anything of the tenant is read: 22004/22023/42704/42501.
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string query = pg::text_arg(fcinfo, 1, "query");
    const nlohmann::json variables = pg::jsonb_arg(fcinfo, 2, nlohmann::json());
    const std::optional<std::string> operation_name = pg::optional_text_arg(fcinfo, 3);
    const std::string response = pg::with_spi(/*read_only=*/true, [&](pg::Spi& spi) {
        const pg::ModelKey key = pg::model_key(spi, names, false);
        const pg::KnownModel known = pg::model_at(spi, names, key);
        return respond(names, *known.model, known.key.version, query, variables, operation_name);
    });
    return pg::guard(
        [&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(response.c_str())); });
}

// udm._graphql_statements() returns bigint: how many statements udm.graphql has run in this
// backend (tests count them: one per root field, never one per thing).
UDM_PG_FUNCTION(udm_graphql_statements) {
    (void)fcinfo;
    return Int64GetDatum(statements_run);
}
