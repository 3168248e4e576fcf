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
#include "udm/core/physical.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/model_catalog.hpp"
#include "udm/pg/module.hpp"
#include "udm/pg/spi.hpp"
#include "udm/pg/tenant_access.hpp"
#include "udm/pg/validation.hpp"

extern "C" {
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
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
    int64 matched;  // the second column of an update or delete; -1 without one
};

// Runs sql with text parameters in a subtransaction of its own, as PL/pgSQL's exception
// blocks do, so an error in it (a filter value that is no valid date) can become a
// GraphQL field error while the transaction goes on. Plain C: no C++ object lives here.
StatementOutcome run_statement(const char* sql, int nargs, Oid* types, Datum* values,
                               const char* nulls, bool read_only) {
    StatementOutcome out{nullptr, nullptr, -1};
    MemoryContext caller = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller);
    PG_TRY();
    {
        int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, 0);
        if (rc != SPI_OK_SELECT || SPI_processed != 1 || SPI_tuptable == nullptr)
            elog(ERROR, "udm.graphql: a compiled statement returned %d", rc);
        char* value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        if (SPI_tuptable->tupdesc->natts > 1) {
            bool isnull = false;
            Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
            out.matched = isnull ? 0 : DatumGetInt64(d);
        }
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

// Runs a compiled statement in a subtransaction of its own (read_only for queries).
StatementOutcome execute_compiled(const gql::CompiledQuery& q, bool read_only) {
    const int nargs = static_cast<int>(q.params.size());
    ++statements_run;
    return pg::guard([&] {
        Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (nargs + 1)));
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * (nargs + 1)));
        char* nulls = static_cast<char*>(palloc(nargs + 1));
        for (int i = 0; i < nargs; ++i) {
            types[i] = TEXTOID;
            nulls[i] = q.params[i] ? ' ' : 'n';
            values[i] = q.params[i] ? CStringGetTextDatum(q.params[i]->c_str()) : (Datum)0;
        }
        return run_statement(q.sql.c_str(), nargs, types, values, nulls, read_only);
    });
}

// The GraphQL error of a statement's error, for field f: extensions.code by SQLSTATE,
// extensions.sqlstate, and for udm's own rule errors (whose detail is the JSON array of the
// violations, never a value) extensions.violations. Errors a client cannot act on
// (cancels, timeouts, lack of memory, serialization failures) fail the whole request:
// they are rethrown.
OJson statement_error(ErrorData* error, const gql::PlannedField& f, bool writes) {
    const int code = error->sqlerrcode;
    char state[6];
    for (int i = 0; i < 5; ++i)
        state[i] = PGUNSIXBIT(code >> (6 * i));
    state[5] = '\0';
    nlohmann::json violations;
    if (error->detail != nullptr) {
        violations = nlohmann::json::parse(error->detail, nullptr, false);
        if (violations.is_discarded() || !violations.is_array())
            violations = nlohmann::json();
    }
    std::string gql_code;
    std::string message;
    if (code == ERRCODE_CHECK_VIOLATION && violations.is_array()) {
        gql_code = "VALIDATION_FAILED";
        message = error->message;
    } else if (code == ERRCODE_UNIQUE_VIOLATION) {
        gql_code = "UNIQUE_VIOLATION";
        message = violations.is_array() ? error->message
                                        : "The change duplicates a unique value of the class.";
    } else if (code == ERRCODE_FOREIGN_KEY_VIOLATION) {
        gql_code = "REFERENCE_NOT_FOUND";
        message = violations.is_array() ? error->message
                                        : "The change refers to a missing thing, or removes one "
                                          "that is referred to.";
    } else if (ERRCODE_TO_CATEGORY(code) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION) {
        // A constraint of the table itself: its message names the table, so it is not shown.
        gql_code = "BAD_USER_INPUT";
        message =
            violations.is_array() ? error->message : "The change breaks a constraint of the class.";
    } else if (ERRCODE_TO_CATEGORY(code) == ERRCODE_DATA_EXCEPTION) {
        // An argument value PostgreSQL cannot take (a malformed date, a number out of
        // range); its message names the value, never the statement or a table.
        gql_code = "BAD_USER_INPUT";
        message = std::string("Invalid value: ") + error->message;
    } else if (code == ERRCODE_INSUFFICIENT_PRIVILEGE) {
        gql_code = "FORBIDDEN";
        message = std::string("Permission denied: the current role may not ") +
                  (writes ? "write" : "read") + " these things.";
    } else {
        throw pg::PgError(error);
    }
    gql::Error e{std::move(message), {f.location}, {f.response_key}};
    OJson j = error_json(e, gql_code);
    j["extensions"]["sqlstate"] = state;
    if (violations.is_array() && (gql_code != "BAD_USER_INPUT"))
        j["extensions"]["violations"] = violations;
    return j;
}

// Runs a compiled root field of a query; its value as JSON text (kept as PostgreSQL wrote
// it, so no number loses digits), or "null" and a field error appended to errors.
std::string run_root_field(const gql::CompiledQuery& q, const gql::PlannedField& f, OJson& errors,
                           bool& failed) {
    StatementOutcome out = execute_compiled(q, /*read_only=*/true);
    if (out.error != nullptr) {
        errors.push_back(statement_error(out.error, f, false));
        failed = true;
        return "null";
    }
    return out.value == nullptr ? "null" : out.value;
}

// The compiled rules of the classes of a tenant, from the triggers' cache.
class TenantRules {
  public:
    explicit TenantRules(const udm::naming::TenantNames& names) : names_(names) {}

    const udm::rules::CompiledClass* of(const std::string& class_name) {
        for (const auto& v : validators_) {
            if (v->class_name == class_name)
                return &v->compiled;
        }
        const std::string table = udm::physical::table_name(class_name);
        const Oid relid = pg::guard(
            [&] { return get_relname_relid(table.c_str(), pg::tenant_namespace(names_)); });
        if (!OidIsValid(relid))
            return nullptr;
        Relation rel = pg::guard([&] { return relation_open(relid, AccessShareLock); });
        std::shared_ptr<const pg::ClassValidator> v = pg::validator_for(rel);
        pg::guard([&] { relation_close(rel, AccessShareLock); });
        validators_.push_back(std::move(v));
        return &validators_.back()->compiled;
    }

  private:
    const udm::naming::TenantNames& names_;
    std::vector<std::shared_ptr<const pg::ClassValidator>> validators_;
};

// A subtransaction around all fields of a mutation, so that an error in any of them undoes
// them all while udm.graphql still returns a response. Plain C: no C++ object lives here.
void begin_mutation(MemoryContext caller) {
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller);
}
void end_mutation(MemoryContext caller, ResourceOwner owner, bool commit) {
    if (commit)
        ReleaseCurrentSubTransaction();
    else
        RollbackAndReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(caller);
    CurrentResourceOwner = owner;
}

// The response to a mutation: its root fields in order, in one subtransaction; the first
// field that fails rolls back every field and nulls the data (the fields are non-null).
std::string respond_mutation(const udm::naming::TenantNames& names, const udm::model::Model& m,
                             const gql::Schema& schema, const gql::PreparedOperation& op) {
    MemoryContext caller = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    pg::guard([&] { begin_mutation(caller); });
    TenantRules rules(names);
    const std::int64_t now =
        pg::guard([] { return static_cast<std::int64_t>(GetCurrentTransactionStartTimestamp()); });
    std::string data;
    std::optional<OJson> failure;
    // An exception leaves the subtransaction to the abort of the transaction it fails.
    for (const gql::PlannedField& f : op.root_fields) {
        data += data.empty() ? "{" : ", ";
        data += nlohmann::json(f.response_key).dump() + ": ";
        if (!gql::writes_things(schema, f)) {
            data += nlohmann::json(std::string(gql::kMutationType)).dump();  // __typename
            continue;
        }
        gql::CompileResult c = gql::compile_mutation(schema, m, names.schema, f);
        if (!c.ok()) {
            failure = error_json(*c.error, c.code);
            break;
        }
        const std::vector<gql::InputViolation> broken = gql::check_inputs(
            schema, m, f, [&](const std::string& cls) { return rules.of(cls); }, now);
        if (!broken.empty()) {
            OJson list = OJson::array();
            for (const gql::InputViolation& v : broken) {
                list.push_back({{"path", v.path},
                                {"attribute", v.attribute},
                                {"rule", v.rule},
                                {"message", v.message}});
            }
            const std::size_t n = broken.size();
            gql::Error e{"The input breaks " + std::to_string(n) + (n == 1 ? " rule" : " rules") +
                             " of its class.",
                         {f.location},
                         {f.response_key}};
            OJson j = error_json(e, "VALIDATION_FAILED");
            j["extensions"]["sqlstate"] = "23514";
            j["extensions"]["violations"] = std::move(list);
            failure = std::move(j);
            break;
        }
        StatementOutcome out = execute_compiled(*c.query, /*read_only=*/false);
        if (out.error != nullptr) {
            failure = statement_error(out.error, f, true);
            break;
        }
        if (c.query->at_most && out.matched > *c.query->at_most) {
            gql::Error e{"More than " + std::to_string(*c.query->at_most) +
                             (*c.query->at_most == 1 ? " thing passes" : " things pass") +
                             " the filter (atMost): nothing was changed.",
                         {f.location},
                         {f.response_key}};
            failure = error_json(e, "TOO_MANY_ROWS");
            break;
        }
        data += out.value == nullptr ? "null" : out.value;
    }
    pg::guard([&] { end_mutation(caller, owner, !failure.has_value()); });
    if (failure) {
        OJson errors = OJson::array();
        errors.push_back(std::move(*failure));
        return "{\"data\": null, \"errors\": " + errors.dump() + "}";
    }
    data += data.empty() ? "{}" : "}";
    return "{\"data\": " + data + "}";
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
    if (op.type == gql::OperationType::kMutation)
        return respond_mutation(names, m, schema, op);
    if (op.type == gql::OperationType::kSubscription) {
        return request_errors({{"Subscriptions are served by udm-gateway over WebSocket, not by "
                                "udm.graphql.",
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
    const std::string response = pg::with_spi(/*read_only=*/false, [&](pg::Spi& spi) {
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
