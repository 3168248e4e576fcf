// The per-tenant schema cache.
#include "schema_cache.hpp"

namespace udm::gateway {

std::shared_ptr<const TenantSchema> SchemaCache::get(const std::string& tenant) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = schemas_.find(tenant);
    return it == schemas_.end() ? nullptr : it->second;
}

void SchemaCache::put(const std::string& tenant, std::shared_ptr<const TenantSchema> schema) {
    std::lock_guard<std::mutex> lock(mutex_);
    schemas_[tenant] = std::move(schema);
}

void SchemaCache::erase(const std::string& tenant) {
    std::lock_guard<std::mutex> lock(mutex_);
    schemas_.erase(tenant);
}

}  // namespace udm::gateway
