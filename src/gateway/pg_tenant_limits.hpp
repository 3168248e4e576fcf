// Tenants' limits read with libpqxx: udm.tenant_state's limits_version and udm.tenant_limits.
#pragma once

#include <pqxx/pqxx>

#include "tenant_limits.hpp"

namespace udm::gateway {

// The LimitsSource of a connected database. SQL errors become LimitsQueryError (42704, an
// unknown tenant, is nullopt); connection errors pass through.
class PgLimitsSource : public LimitsSource {
  public:
    explicit PgLimitsSource(pqxx::connection& connection) : connection_(connection) {}

    std::map<std::string, std::optional<std::int64_t>> limits_versions(
        const std::vector<std::string>& tenants) override;
    std::optional<std::string> tenant_limits(const std::string& tenant) override;

  private:
    pqxx::connection& connection_;
};

}  // namespace udm::gateway
