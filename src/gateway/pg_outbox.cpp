// Reading udm.model, udm.schema_at, udm.schema_events, udm.data_events, udm.data_head and
// udm.tenant_state: udm's SQL API only, never its tables.
#include "pg_outbox.hpp"
#include "pg_connection_lost.hpp"
#include "pg_text_array.hpp"

#include "udm/core/naming.hpp"

namespace udm::gateway {

namespace {

using nlohmann::json;

// SQLSTATE udm.data_events raises when the position is older than the retained events.
constexpr const char* kBehindRetention = "22023";
// SQLSTATE of udm's functions for a tenant that does not exist.
constexpr const char* kUndefinedObject = "42704";

// What udm tells of tenants that exist (udm.tenant_state): identity, schema version, how
// far the data events were pruned, and whether they could be read now (on a Citus cluster,
// the node holding the tenant may be down); a tenant that does not exist has no row.
constexpr const char* kTenantState =
    "SELECT tenant, identity, schema_version, data_events_pruned_through::text, reachable"
    " FROM udm.tenant_state($1::text[])";

// A tenant of udm.tenant_state's row that exists but whose node could not be read now.
void require_reachable(const pqxx::row& state, const char* what) {
    if (!state[4].is_null() && !state[4].as<bool>()) {
        throw OutboxQueryError(std::string(what) + ": the node that holds tenant " +
                               state[0].c_str() + " cannot be reached now");
    }
}

// Runs body in a transaction of type Txn, turning SQL errors into the outbox's exceptions.
template <typename Txn, typename Body>
auto in_transaction(pqxx::connection& connection, const char* what, Body body) {
    try {
        Txn txn(connection);
        auto result = body(txn);
        txn.commit();
        return result;
    } catch (const pqxx::broken_connection& e) {
        if (connection_lost(connection))
            throw;
        throw OutboxQueryError(std::string(what) + ": " + e.what());
    } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() == kBehindRetention && std::string(what) == "data events") {
            throw BehindRetention(e.what());
        }
        if (e.sqlstate() == kUndefinedObject)
            throw UnknownTenant(std::string(what) + ": " + e.what());
        throw OutboxQueryError(std::string(what) + ": " + e.what());
    }
}

// A jsonb column sent as text, parsed.
json parse_json(const pqxx::field& field) {
    if (field.is_null())
        return json();
    json value = json::parse(field.c_str(), nullptr, false);
    if (value.is_discarded())
        throw OutboxQueryError("the database returned invalid JSON");
    return value;
}

// A text column, "" when null.
std::string text(const pqxx::field& field) {
    return field.is_null() ? std::string() : field.c_str();
}

}  // namespace

std::optional<TenantModel> PgOutbox::current_model(const std::string& tenant) {
    // One snapshot: the version is the version of that model, the identity that of the
    // tenant that had it.
    using Snapshot = pqxx::transaction<pqxx::isolation_level::repeatable_read>;
    try {
        return in_transaction<Snapshot>(
            connection_, "model", [&](Snapshot& txn) -> std::optional<TenantModel> {
                // udm.tenant_state first: an unknown tenant costs a catalog look-up.
                pqxx::result state = txn.exec_params(kTenantState, text_array({tenant}));
                if (state.empty())
                    return std::nullopt;
                require_reachable(state[0], "model");
                pqxx::result model = txn.exec_params("SELECT udm.model($1)::text", tenant);
                return TenantModel{state[0][2].as<std::int64_t>(), parse_json(model[0][0]),
                                   text(state[0][1])};
            });
    } catch (const UnknownTenant&) {
        return std::nullopt;  // dropped while it was read
    }
}

json PgOutbox::schema_at(const std::string& tenant, std::int64_t version) {
    return in_transaction<pqxx::read_transaction>(
        connection_, "schema", [&](pqxx::read_transaction& txn) {
            // The current version is udm.model, which reads the catalog (cached per backend):
            // far cheaper than replaying the history to it. Both are the same document.
            pqxx::result model = txn.exec_params(
                "SELECT CASE WHEN s.schema_version = $2::bigint THEN udm.model($1)"
                " ELSE udm.schema_at($1, $2::bigint) END::text"
                " FROM udm.tenant_state(ARRAY[$1::text]) s",
                tenant, version);
            if (model.empty()) {  // no such tenant: udm.schema_at says so
                model =
                    txn.exec_params("SELECT udm.schema_at($1, $2::bigint)::text", tenant, version);
            }
            return parse_json(model[0][0]);
        });
}

std::vector<SchemaEvent> PgOutbox::schema_events(const std::string& tenant,
                                                 std::int64_t after_version) {
    return in_transaction<pqxx::read_transaction>(
        connection_, "schema events", [&](pqxx::read_transaction& txn) {
            pqxx::result rows = txn.exec_params(
                "SELECT version, previous_version, actor, to_json(created_at) #>> '{}', "
                "extract(epoch FROM created_at)::float8, diff::text "
                "FROM udm.schema_events($1, $2::bigint)",
                tenant, after_version);
            std::vector<SchemaEvent> events;
            events.reserve(rows.size());
            for (const auto& row : rows) {
                SchemaEvent event;
                event.version = row[0].as<std::int64_t>();
                event.previous_version = row[1].is_null() ? 0 : row[1].as<std::int64_t>();
                event.actor = text(row[2]);
                event.time = text(row[3]);
                event.committed_at = row[4].is_null() ? 0 : row[4].as<double>();
                event.diff = parse_json(row[5]);
                events.push_back(std::move(event));
            }
            return events;
        });
}

std::vector<DataEvent> PgOutbox::data_events(const std::string& tenant,
                                             const std::string& after_position, int max) {
    return in_transaction<
        pqxx::read_transaction>(connection_, "data events", [&](pqxx::read_transaction& txn) {
        pqxx::result rows = txn.exec_params(
            "SELECT \"position\"::text, class, operation, thing_id::text, to_json(changed)::text, "
            "to_json(created_at) #>> '{}', extract(epoch FROM created_at)::float8 "
            "FROM udm.data_events($1, $2::numeric, $3::integer)",
            tenant, after_position, max);
        std::vector<DataEvent> events;
        events.reserve(rows.size());
        for (const auto& row : rows) {
            DataEvent event;
            event.position = text(row[0]);
            event.class_name = text(row[1]);
            event.operation = text(row[2]);
            event.thing_id = text(row[3]);
            event.changed = row[4].is_null() ? json::array() : parse_json(row[4]);
            event.time = text(row[5]);
            event.committed_at = row[6].is_null() ? 0 : row[6].as<double>();
            events.push_back(std::move(event));
        }
        return events;
    });
}

std::string PgOutbox::data_head(const std::string& tenant) {
    return in_transaction<pqxx::read_transaction>(
        connection_, "data head", [&](pqxx::read_transaction& txn) {
            return text(txn.exec_params("SELECT udm.data_head($1)::text", tenant)[0][0]);
        });
}

std::string PgOutbox::data_pruned_through(const std::string& tenant) {
    return in_transaction<pqxx::read_transaction>(
        connection_, "pruned position", [&](pqxx::read_transaction& txn) {
            pqxx::result state = txn.exec_params(kTenantState, text_array({tenant}));
            if (state.empty())
                throw UnknownTenant("pruned position: tenant " + tenant + " does not exist");
            require_reachable(state[0], "pruned position");
            return text(state[0][3]);
        });
}

std::map<std::string, TenantPresence> PgOutbox::tenant_identities(
    const std::vector<std::string>& tenants) {
    return in_transaction<pqxx::read_transaction>(
        connection_, "tenants", [&](pqxx::read_transaction& txn) {
            std::map<std::string, TenantPresence> out;
            for (const auto& row : txn.exec_params(kTenantState, text_array(tenants))) {
                out[text(row[0])] = {text(row[1]), row[4].is_null() || row[4].as<bool>()};
            }
            return out;
        });
}

json PgOutbox::read_things(const std::string& tenant, const std::string& query,
                           const std::string& variables,
                           const std::optional<std::string>& operation_name,
                           const std::vector<std::string>& ids) {
    // The role's name by udm's rule, quoted (tenant names were checked when loaded).
    const std::string role =
        udm::naming::quote_identifier(udm::naming::tenant_names(tenant).app_role);
    try {
        pqxx::work txn(connection_);
        // udm.graphql_things is SECURITY INVOKER: the tenant role's grants and row-level
        // security decide what is read. LOCAL: the commit gives the connection its role back.
        txn.exec("SET LOCAL ROLE " + role);
        const std::string array = text_array(ids);
        pqxx::result r =
            operation_name
                ? txn.exec_params(
                      "SELECT udm.graphql_things($1, $2, $3::jsonb, $4, $5::uuid[])::text", tenant,
                      query, variables, *operation_name, array)
                : txn.exec_params(
                      "SELECT udm.graphql_things($1, $2, $3::jsonb, NULL, $4::uuid[])::text",
                      tenant, query, variables, array);
        txn.commit();
        json things = r.size() == 1 ? parse_json(r[0][0]) : json();
        if (!things.is_object())
            throw ThingReadError("XX000", "udm.graphql_things returned no object");
        return things;
    } catch (const pqxx::broken_connection& e) {
        if (connection_lost(connection_))
            throw;
        throw ThingReadError("08006", e.what());
    } catch (const pqxx::insufficient_privilege& e) {
        // libpqxx 6 leaves the SQLSTATE of the error classes it has types for empty.
        throw ThingReadError("42501", e.what());
    } catch (const pqxx::sql_error& e) {
        throw ThingReadError(e.sqlstate().empty() ? "XX000" : e.sqlstate(), e.what());
    }
}

}  // namespace udm::gateway
