// udm's outbox functions read with libpqxx, each call in its own short transaction.
#pragma once

#include <pqxx/pqxx>

#include "outbox.hpp"

namespace udm::gateway {

// The Outbox of a connected database. SQL errors become OutboxQueryError (BehindRetention
// for SQLSTATE 22023 from udm.data_events, UnknownTenant for 42704); connection errors pass
// through.
class PgOutbox : public Outbox {
  public:
    explicit PgOutbox(pqxx::connection& connection) : connection_(connection) {}

    std::optional<TenantModel> current_model(const std::string& tenant) override;
    nlohmann::json schema_at(const std::string& tenant, std::int64_t version) override;
    std::vector<SchemaEvent> schema_events(const std::string& tenant,
                                           std::int64_t after_version) override;
    std::vector<DataEvent> data_events(const std::string& tenant, const std::string& after_position,
                                       int max) override;
    std::string data_head(const std::string& tenant) override;
    std::string data_pruned_through(const std::string& tenant) override;
    std::map<std::string, TenantPresence> tenant_identities(
        const std::vector<std::string>& tenants) override;
    nlohmann::json read_things(const std::string& tenant, const std::string& query,
                               const std::string& variables,
                               const std::optional<std::string>& operation_name,
                               const std::vector<std::string>& ids) override;

  private:
    pqxx::connection& connection_;
};

}  // namespace udm::gateway
