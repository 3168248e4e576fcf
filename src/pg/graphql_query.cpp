// udm.graphql(tenant, query, variables, operation_name): a GraphQL request over a tenant's
// things, answered inside PostgreSQL. The core prepares the document against the tenant's
// schema and compiles each root field to one SQL statement; this file runs them through SPI
// with the caller's privileges and shapes the response (docs/graphql.md, "Queries").
#include <algorithm>
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
#include "udm/core/relate.hpp"
#include "udm/core/tenant_limits.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/graphql_cache.hpp"
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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
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
// rolled back its subtransaction; the plan it made and kept when it had none.
struct StatementOutcome {
    char* value;
    ErrorData* error;
    int64 matched;  // the second column of an update or delete; -1 without one
    SPIPlanPtr new_plan;
};

// Runs sql with text parameters in a subtransaction of its own (own_subtransaction), as
// PL/pgSQL's exception blocks do, so an error in it (a filter value that is no valid date)
// can become a GraphQL field error while the transaction goes on. Without one, the caller
// is in a subtransaction of its own and rolls it back after an error, before any other SQL. Runs
// plan when given; else, when make_plan, prepares and keeps a plan first (returned in new_plan,
// kept even when the statement then fails: the plan is sound). Plain C: no C++ object lives here.
StatementOutcome run_statement(const char* sql, int nargs, Oid* types, Datum* values,
                               const char* nulls, bool read_only, SPIPlanPtr plan, bool make_plan,
                               bool own_subtransaction) {
    char* volatile value = nullptr;
    ErrorData* volatile error = nullptr;
    volatile int64 matched = -1;
    SPIPlanPtr volatile kept = nullptr;
    MemoryContext caller = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    if (own_subtransaction) {
        BeginInternalSubTransaction(nullptr);
        MemoryContextSwitchTo(caller);
    }
    PG_TRY();
    {
        SPIPlanPtr run = plan;
        if (run == nullptr && make_plan) {
            run = SPI_prepare(sql, nargs, types);
            if (run == nullptr)
                elog(ERROR, "udm.graphql: SPI_prepare failed: %s",
                     SPI_result_code_string(SPI_result));
            if (SPI_keepplan(run) != 0)
                elog(ERROR, "udm.graphql: SPI_keepplan failed");
            kept = run;
        }
        int rc = run != nullptr
                     ? SPI_execute_plan(run, values, nulls, read_only, 0)
                     : SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, 0);
        if (rc != SPI_OK_SELECT || SPI_processed != 1 || SPI_tuptable == nullptr)
            elog(ERROR, "udm.graphql: a compiled statement returned %d", rc);
        char* text = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        if (SPI_tuptable->tupdesc->natts > 1) {
            bool isnull = false;
            Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
            matched = isnull ? 0 : DatumGetInt64(d);
        }
        MemoryContextSwitchTo(caller);
        value = text != nullptr ? pstrdup(text) : nullptr;
        if (own_subtransaction) {
            ReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(caller);
            CurrentResourceOwner = owner;
        }
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        error = CopyErrorData();
        FlushErrorState();
        // Without a subtransaction of its own the caller rolls back the enclosing one
        // before any further SQL (as PL/pgSQL does after an error in an exception block).
        if (own_subtransaction) {
            RollbackAndReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(caller);
            CurrentResourceOwner = owner;
        }
        value = nullptr;
    }
    PG_END_TRY();
    return StatementOutcome{value, error, matched, kept};
}

// The max_rows_per_page of the tenant whose request udm.graphql is answering (0: none).
int tenant_max_page_size = 0;

// The bounds of compiled statements, from the settings and the tenant's limits.
gql::CompileLimits limits() {
    gql::CompileLimits l;
    l.max_depth = pg::graphql_max_depth;
    l.max_page_size = pg::graphql_max_page_size;
    if (tenant_max_page_size > 0)
        l.max_page_size = std::min(l.max_page_size, tenant_max_page_size);
    l.default_page_size = std::min(l.default_page_size, l.max_page_size);
    return l;
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

// Runs a compiled statement in a subtransaction of its own (read_only for queries), with
// the kept plan of its text.
StatementOutcome execute_compiled(const gql::CompiledQuery& q, bool read_only,
                                  bool own_subtransaction = true) {
    const int nargs = static_cast<int>(q.params.size());
    ++statements_run;
    SPIPlanPtr plan = pg::graphql_plan(q.sql, nargs);
    StatementOutcome out = pg::guard([&] {
        Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (nargs + 1)));
        Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * (nargs + 1)));
        char* nulls = static_cast<char*>(palloc(nargs + 1));
        for (int i = 0; i < nargs; ++i) {
            types[i] = TEXTOID;
            nulls[i] = q.params[i] ? ' ' : 'n';
            values[i] = q.params[i] ? CStringGetTextDatum(q.params[i]->c_str()) : (Datum)0;
        }
        return run_statement(q.sql.c_str(), nargs, types, values, nulls, read_only, plan,
                             /*make_plan=*/true, own_subtransaction);
    });
    if (out.new_plan != nullptr)
        pg::keep_graphql_plan(q.sql, out.new_plan);
    return out;
}

// The GraphQL error of a statement's error, for field f: extensions.code by SQLSTATE,
// extensions.sqlstate, and for udm's own rule errors (whose detail is the JSON array of the
// violations, never a value) extensions.violations. Errors a client cannot act on
// (cancels, timeouts, lack of memory, serialization failures) fail the whole request:
// they are rethrown.
OJson statement_error(ErrorData* error, const gql::PlannedField& f, bool writes,
                      bool relates = false) {
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
    if (relates && (ERRCODE_TO_CATEGORY(code) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
                    code == ERRCODE_UNDEFINED_OBJECT)) {
        // udm.relate's own errors, in model terms: a pair of classes not allowed, a thing
        // missing or deleted, an unknown relationship type, the cardinality reached.
        // A unique violation here is relationships' own constraint, met by a concurrent
        // relate of the same pair: its message names the table.
        if (code == ERRCODE_UNIQUE_VIOLATION) {
            gql::Error e{
                "The things were related by another transaction at the same time; "
                "retry.",
                {f.location},
                {f.response_key}};
            OJson j = error_json(e, "BAD_USER_INPUT");
            j["extensions"]["sqlstate"] = "23505";
            return j;
        }
        const bool cardinality =
            error->detail != nullptr &&
            std::string_view(error->detail).rfind(udm::relate::kCardinalityDetail, 0) == 0;
        gql_code = cardinality                             ? "CARDINALITY_EXCEEDED"
                   : code == ERRCODE_FOREIGN_KEY_VIOLATION ? "REFERENCE_NOT_FOUND"
                                                           : "BAD_USER_INPUT";
        message = error->message;
    } else if (code == ERRCODE_CHECK_VIOLATION && violations.is_array()) {
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

// The root fields of a mutation in order, until one fails: the values appended to data, the
// error of the failing field in failure.
void run_mutation_fields(const udm::naming::TenantNames& names, const udm::model::Model& m,
                         const gql::Schema& schema, const gql::PreparedOperation& op,
                         std::string& data, std::optional<OJson>& failure) {
    TenantRules rules(names);
    const std::int64_t now =
        pg::guard([] { return static_cast<std::int64_t>(GetCurrentTransactionStartTimestamp()); });
    for (const gql::PlannedField& f : op.root_fields) {
        data += data.empty() ? "{" : ", ";
        data += nlohmann::json(f.response_key).dump() + ": ";
        if (!gql::writes_things(schema, f)) {
            data += nlohmann::json(std::string(gql::kMutationType)).dump();  // __typename
            continue;
        }
        gql::CompileResult c = gql::compile_mutation(schema, m, names.schema, f, limits());
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
        // In the mutation's subtransaction, without one of its own: an error rolls that one
        // back, with every field (one subtransaction, one XID per call, however many fields).
        StatementOutcome out =
            execute_compiled(*c.query, /*read_only=*/false, /*own_subtransaction=*/false);
        if (out.error != nullptr) {
            failure = statement_error(out.error, f, true,
                                      f.name == gql::kRelateField || f.name == gql::kUnrelateField);
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
}

// The response to a mutation: its root fields in order, in one subtransaction; the first
// field that fails rolls back every field and nulls the data (the fields are non-null).
std::string respond_mutation(const udm::naming::TenantNames& names, const udm::model::Model& m,
                             const gql::Schema& schema, const gql::PreparedOperation& op) {
    MemoryContext caller = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    pg::guard([&] { begin_mutation(caller); });
    std::string data;
    std::optional<OJson> failure;
    try {
        run_mutation_fields(names, m, schema, op, data, failure);
    } catch (...) {
        // The subtransaction is closed before the error goes on: a PL/pgSQL block that
        // catches the error rolls back its own subtransaction, which must then be the
        // current one.
        pg::guard([&] { end_mutation(caller, owner, false); });
        throw;
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
std::string respond(const udm::naming::TenantNames& names, const pg::KnownModel& known,
                    const std::string& query, const nlohmann::json& variables,
                    const std::optional<std::string>& operation_name) {
    const udm::model::Model& m = *known.model;
    const std::int64_t version = known.key.version;
    // The schema and the checked document from the backend's caches.
    const std::shared_ptr<const gql::Schema> cached =
        pg::graphql_schema(names.tenant, known.key, m);
    const gql::Schema& schema = *cached;
    gql::PrepareOptions options;
    options.introspection = pg::graphql_introspection;
    gql::CheckResult checked =
        pg::graphql_document(names.tenant, known.key, schema, query, options);
    if (!checked.ok())
        return request_errors(checked.errors, "GRAPHQL_VALIDATION_FAILED").dump();
    gql::PrepareResult prepared =
        gql::prepare_checked(schema, *checked.document, variables, operation_name);
    if (!prepared.ok())
        return request_errors(prepared.errors, "GRAPHQL_VALIDATION_FAILED").dump();
    const gql::PreparedOperation& op = *prepared.operation;
    // Bounded before any SQL runs: many aliases of a big page would each be answered.
    std::uint64_t things = 0;
    for (const gql::PlannedField& f : op.root_fields)
        things = std::min<std::uint64_t>(UINT64_MAX / 2,
                                         things + gql::estimate_things(schema, f, limits()));
    if (things > static_cast<std::uint64_t>(pg::graphql_max_things)) {
        return request_errors(
                   {{"The request may read or write up to " + std::to_string(things) +
                         " things, more than the " + std::to_string(pg::graphql_max_things) +
                         " allowed (udm.graphql_max_things): ask for smaller pages or "
                         "fewer fields.",
                     {},
                     {}}},
                   "BAD_USER_INPUT")
            .dump();
    }
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
        gql::CompileResult c = gql::compile_query(schema, m, names.schema, f, limits());
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

// The tenant's max_rows_per_page (docs/limits.md) from its stored limits, read with the
// caller's privileges along with the model key: the bound holds inside the database,
// whoever calls udm.graphql.
int max_page_size_of(const std::string& stored_limits) {
    // Only this limit, and never an error: one bad stored limit (a row restored from a newer
    // udm, a hand UPDATE) must not break every GraphQL call of the tenant; set_tenant_limits
    // still checks them all.
    const nlohmann::json stored = stored_limits.empty()
                                      ? nlohmann::json()
                                      : nlohmann::json::parse(stored_limits, nullptr, false);
    bool malformed = false;
    const std::int64_t rows = udm::limits::lenient_value(
        stored.is_discarded() ? nlohmann::json::array() : stored, "max_rows_per_page", &malformed);
    if (malformed) {
        pg::guard([&] {
            ereport(WARNING,
                    (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                     errmsg("stored tenant limit \"max_rows_per_page\" is not valid; using %d",
                            static_cast<int>(rows)),
                     errhint("Set it again with udm.set_tenant_limits.")));
        });
    }
    return static_cast<int>(rows);
}

// Sets the tenant's page limit for one call, and what it was again after it (a custom rule
// function may call udm.graphql for another tenant while a call runs).
class ScopedPageLimit {
  public:
    explicit ScopedPageLimit(int limit) noexcept : saved_(tenant_max_page_size) {
        tenant_max_page_size = limit;
    }
    ~ScopedPageLimit() { tenant_max_page_size = saved_; }
    ScopedPageLimit(const ScopedPageLimit&) = delete;
    ScopedPageLimit& operator=(const ScopedPageLimit&) = delete;

  private:
    int saved_;
};

// The things of ids for the thing field of a <class>Changed subscription document, as the
// JSON text of an object from id to thing (udm.graphql_things). ids is the text of a uuid[]
// literal holding count ids.
std::string read_things(const udm::naming::TenantNames& names, const pg::KnownModel& known,
                        const std::string& query, const nlohmann::json& variables,
                        const std::optional<std::string>& operation_name, std::string ids,
                        std::size_t count) {
    const udm::model::Model& m = *known.model;
    const std::shared_ptr<const gql::Schema> cached =
        pg::graphql_schema(names.tenant, known.key, m);
    const gql::Schema& schema = *cached;
    gql::PrepareOptions options;
    options.introspection = pg::graphql_introspection;
    gql::CheckResult checked =
        pg::graphql_document(names.tenant, known.key, schema, query, options);
    std::vector<gql::Error> errors = checked.errors;
    std::optional<gql::PreparedOperation> op;
    if (checked.ok()) {
        gql::PrepareResult prepared =
            gql::prepare_checked(schema, *checked.document, variables, operation_name);
        errors = prepared.errors;
        op = std::move(prepared.operation);
    }
    if (!op) {
        throw udm::Error(udm::sqlstate::kInvalidParameterValue,
                         "the GraphQL document does not validate against the tenant's schema",
                         errors.empty() ? std::string() : errors.front().message);
    }
    const gql::PlannedField* thing = gql::event_thing_field(*op);
    if (thing == nullptr) {
        throw udm::Error(udm::sqlstate::kInvalidParameterValue,
                         "the GraphQL operation is not a subscription selecting a thing",
                         "udm.graphql_things reads the thing field of a <class>Changed "
                         "subscription, such as productChanged { thing { name } }.");
    }
    // Bounded before any SQL runs, as udm.graphql is: each id a thing with what it nests.
    const std::uint64_t each = gql::estimate_things(schema, *thing, limits());
    const std::uint64_t things =
        count != 0 && each > UINT64_MAX / count ? UINT64_MAX : each * count;
    if (things > static_cast<std::uint64_t>(pg::graphql_max_things)) {
        throw udm::Error(udm::sqlstate::kProgramLimitExceeded,
                         "reading " + std::to_string(count) + " things may read up to " +
                             std::to_string(things) +
                             " things, more than udm.graphql_max_things (" +
                             std::to_string(pg::graphql_max_things) + ")",
                         "Read fewer ids at a time, or select less of each thing.");
    }
    gql::CompileResult c = gql::compile_thing_reads(schema, m, names.schema, *op, limits());
    if (!c.ok()) {
        throw udm::Error(udm::sqlstate::kInvalidParameterValue,
                         "the thing selection of the GraphQL document cannot be read",
                         c.error->message);
    }
    c.query->params[0] = std::move(ids);
    StatementOutcome out = execute_compiled(*c.query, /*read_only=*/true);
    if (out.error != nullptr)
        throw pg::PgError(out.error);  // its own SQLSTATE: 42501 for a table the role may not read
    return out.value == nullptr ? "{}" : out.value;
}

}  // namespace

// udm.graphql_things(tenant, query, variables, operation_name, ids uuid[]) returns jsonb: the
// things of ids as the thing field of a <class>Changed subscription selects them, read with
// the caller's privileges ({"<id>": {...}} for each one there and not soft deleted).
UDM_PG_FUNCTION(udm_graphql_things) {
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string query = pg::text_arg(fcinfo, 1, "query");
    const nlohmann::json variables = pg::jsonb_arg(fcinfo, 2, nlohmann::json());
    const std::optional<std::string> operation_name = pg::optional_text_arg(fcinfo, 3);
    if (PG_ARGISNULL(4))
        return pg::jsonb_datum(nlohmann::json::object());
    std::size_t count = 0;
    std::string ids = pg::guard([&] {
        ArrayType* array = PG_GETARG_ARRAYTYPE_P(4);
        count = static_cast<std::size_t>(ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array)));
        return std::string(OidOutputFunctionCall(F_ARRAY_OUT, PG_GETARG_DATUM(4)));
    });
    const pg::GraphqlCall call;
    const std::string response = pg::with_spi(/*read_only=*/false, [&](pg::Spi& spi) {
        std::string stored_limits;
        const pg::ModelKey key = pg::model_key(spi, names, false, &stored_limits);
        const pg::KnownModel known = pg::model_at(spi, names, key);
        const ScopedPageLimit page_limit(max_page_size_of(stored_limits));
        return read_things(names, known, query, variables, operation_name, std::move(ids), count);
    });
    return pg::guard(
        [&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(response.c_str())); });
}

// udm.graphql(tenant, query, variables, operation_name) returns jsonb: the GraphQL response
// of a query over the tenant's things, read with the caller's privileges.
UDM_PG_FUNCTION(udm_graphql) {
    // Checked before anything of the tenant is read: 22004/22023/42704/42501.
    const udm::naming::TenantNames names = pg::tenant_arg(fcinfo, 0);
    const std::string query = pg::text_arg(fcinfo, 1, "query");
    const nlohmann::json variables = pg::jsonb_arg(fcinfo, 2, nlohmann::json());
    const std::optional<std::string> operation_name = pg::optional_text_arg(fcinfo, 3);
    const pg::GraphqlCall call;
    const std::string response = pg::with_spi(/*read_only=*/false, [&](pg::Spi& spi) {
        std::string stored_limits;
        const pg::ModelKey key = pg::model_key(spi, names, false, &stored_limits);
        const pg::KnownModel known = pg::model_at(spi, names, key);
        const ScopedPageLimit page_limit(max_page_size_of(stored_limits));
        return respond(names, known, query, variables, operation_name);
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

// udm._graphql_cache() returns jsonb: what udm.graphql's caches of this backend hold and how
// often they were hit (tests check that a repeated document is not parsed or planned again).
UDM_PG_FUNCTION(udm_graphql_cache) {
    (void)fcinfo;
    const pg::GraphqlCacheStats s = pg::graphql_cache_stats();
    return pg::jsonb_datum({{"schemas", s.schemas},
                            {"documents", s.documents},
                            {"plans", s.plans},
                            {"schema_hits", s.schema_hits},
                            {"document_hits", s.document_hits},
                            {"plan_hits", s.plan_hits}});
}
