// The current schema of every tenant the gateway follows, swapped whole on a rebuild.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "graphql_engine.hpp"

namespace udm::gateway {

// Tenant name → current TenantSchema; readers get a shared_ptr and keep using it even when
// a rebuild replaces it.
class SchemaCache {
  public:
    // The current schema of tenant, or null when the tenant is not loaded.
    std::shared_ptr<const TenantSchema> get(const std::string& tenant) const;
    // Publishes schema as tenant's current one.
    void put(const std::string& tenant, std::shared_ptr<const TenantSchema> schema);
    // Forgets tenant (dropped, or recreated): its next request loads it anew. Readers that
    // hold its schema keep it.
    void erase(const std::string& tenant);

  private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<const TenantSchema>> schemas_;
};

}  // namespace udm::gateway
