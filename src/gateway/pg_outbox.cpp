// Reading udm.model, udm.schema_at, udm.schema_events, udm.data_events and udm.data_head, and
// the tenants' schema_state tables.
#include "pg_outbox.hpp"

namespace udm::gateway {

namespace {

using nlohmann::json;

// SQLSTATE udm.data_events raises when the position is older than the retained events.
constexpr const char* kBehindRetention = "22023";
// SQLSTATE of udm's functions for a tenant that does not exist.
constexpr const char* kUndefinedObject = "42704";

// Finds the schema_state table of tenants by schema name (udm names a tenant's schema
// tenant_<name>): the catalog answers for a tenant that does not exist without an error.
constexpr const char* kSchemaStateOf =
    "SELECT substr(n.nspname, 8), c.oid::text, n.nspname::text"
    " FROM pg_catalog.pg_namespace n"
    " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = 'schema_state'"
    "  AND c.relkind = 'r'"
    " WHERE n.nspname = ANY($1::text[])";

// The text[] literal of the schema names of tenants.
std::string schema_names_array(const std::vector<std::string>& tenants) {
    std::string out = "{";
    for (const auto& tenant : tenants) {
        if (out.size() > 1)
            out += ',';
        out += "\"tenant_";
        for (char c : tenant) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

// Runs body in a transaction of type Txn, turning SQL errors into the outbox's exceptions.
template <typename Txn, typename Body>
auto in_transaction(pqxx::connection& connection, const char* what, Body body) {
    try {
        Txn txn(connection);
        auto result = body(txn);
        txn.commit();
        return result;
    } catch (const pqxx::broken_connection&) {
        throw;
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
    if (field.is_null()) return json();
    json value = json::parse(field.c_str(), nullptr, false);
    if (value.is_discarded()) throw OutboxQueryError("the database returned invalid JSON");
    return value;
}

// A text column, "" when null.
std::string text(const pqxx::field& field) { return field.is_null() ? std::string() : field.c_str(); }

}  // namespace

std::optional<TenantModel> PgOutbox::current_model(const std::string& tenant) {
    // One snapshot: the version is the version of that model, the identity that of the
    // tenant that had it.
    using Snapshot = pqxx::transaction<pqxx::isolation_level::repeatable_read>;
    try {
        return in_transaction<Snapshot>(
            connection_, "model", [&](Snapshot& txn) -> std::optional<TenantModel> {
                // The catalog first: an unknown tenant costs one index probe of pg_namespace.
                pqxx::result state = txn.exec_params(kSchemaStateOf, schema_names_array({tenant}));
                if (state.empty())
                    return std::nullopt;
                pqxx::result version = txn.exec(
                    "SELECT version FROM " + txn.quote_name(text(state[0][2])) + ".schema_state");
                // Row-level security hides the row from a role that is not the tenant's.
                if (version.empty())
                    throw OutboxQueryError("model: the schema_state of tenant " + tenant +
                                           " is not readable");
                pqxx::result model = txn.exec_params("SELECT udm.model($1)::text", tenant);
                return TenantModel{version[0][0].as<std::int64_t>(), parse_json(model[0][0]),
                                   text(state[0][1])};
            });
    } catch (const UnknownTenant&) {
        return std::nullopt;  // dropped while it was read
    }
}

json PgOutbox::schema_at(const std::string& tenant, std::int64_t version) {
    return in_transaction<pqxx::read_transaction>(connection_, "schema", [&](pqxx::read_transaction& txn) {
        pqxx::result model =
            txn.exec_params("SELECT udm.schema_at($1, $2::bigint)::text", tenant, version);
        return parse_json(model[0][0]);
    });
}

std::vector<SchemaEvent> PgOutbox::schema_events(const std::string& tenant,
                                                 std::int64_t after_version) {
    return in_transaction<pqxx::read_transaction>(connection_, "schema events", [&](pqxx::read_transaction& txn) {
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
    return in_transaction<pqxx::read_transaction>(connection_, "data events", [&](pqxx::read_transaction& txn) {
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
            std::string schema =
                text(txn.exec_params("SELECT udm.tenant_schema($1)", tenant)[0][0]);
            pqxx::result pruned = txn.exec("SELECT data_events_pruned_through::text FROM " +
                                           txn.quote_name(schema) + ".schema_state");
            // Row-level security hides the row from a role that is not the tenant's.
            if (pruned.empty())
                throw OutboxQueryError("pruned position: the schema_state of tenant " + tenant +
                                       " is not readable");
            return text(pruned[0][0]);
        });
}

std::map<std::string, std::string> PgOutbox::tenant_identities(
    const std::vector<std::string>& tenants) {
    return in_transaction<pqxx::read_transaction>(
        connection_, "tenants", [&](pqxx::read_transaction& txn) {
            std::map<std::string, std::string> out;
            for (const auto& row : txn.exec_params(kSchemaStateOf, schema_names_array(tenants))) {
                out[text(row[0])] = text(row[1]);
            }
            return out;
        });
}

}  // namespace udm::gateway
