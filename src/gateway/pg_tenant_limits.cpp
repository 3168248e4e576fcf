// Reading tenants' limits: udm's SQL API only, each call in its own short transaction.
#include "pg_tenant_limits.hpp"
#include "pg_connection_lost.hpp"
#include "pg_text_array.hpp"

namespace udm::gateway {

namespace {

// SQLSTATE of udm's functions for a tenant that does not exist.
constexpr const char* kUndefinedObject = "42704";

}  // namespace

std::map<std::string, std::optional<std::int64_t>> PgLimitsSource::limits_versions(
    const std::vector<std::string>& tenants) {
    try {
        pqxx::read_transaction txn(connection_);
        std::map<std::string, std::optional<std::int64_t>> out;
        for (const auto& row : txn.exec_params(
                 "SELECT tenant, limits_version, reachable FROM udm.tenant_state($1::text[])",
                 text_array(tenants))) {
            if (row[0].is_null())
                continue;
            if (!row[1].is_null())
                out[row[0].c_str()] = row[1].as<std::int64_t>();
            else if (!row[2].is_null() && !row[2].as<bool>())
                out[row[0].c_str()] = std::nullopt;  // its worker is down
        }
        txn.commit();
        return out;
    } catch (const pqxx::broken_connection& e) {
        if (connection_lost(connection_))
            throw;
        throw LimitsQueryError(std::string("limits versions: ") + e.what());
    } catch (const pqxx::sql_error& e) {
        throw LimitsQueryError(std::string("limits versions: ") + e.what());
    }
}

std::optional<std::string> PgLimitsSource::tenant_limits(const std::string& tenant) {
    try {
        pqxx::read_transaction txn(connection_);
        pqxx::result rows = txn.exec_params("SELECT udm.tenant_limits($1)::text", tenant);
        txn.commit();
        if (rows.empty() || rows[0][0].is_null())
            return std::nullopt;
        return std::string(rows[0][0].c_str());
    } catch (const pqxx::broken_connection& e) {
        if (connection_lost(connection_))
            throw;
        throw LimitsQueryError(std::string("limits: ") + e.what());
    } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() == kUndefinedObject)
            return std::nullopt;
        throw LimitsQueryError(std::string("limits: ") + e.what());
    }
}

}  // namespace udm::gateway
