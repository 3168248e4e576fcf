// How connections ask for a tenant to be followed (its schema loaded) without touching the
// database themselves.
#pragma once

#include <functional>
#include <string>

namespace udm::gateway {

// The outcome of asking for a tenant.
enum class LoadOutcome { kReady, kUnknownTenant, kUnavailable };

// Loads tenants on the database side and says whether the database is reachable.
class TenantLoader {
  public:
    virtual ~TenantLoader() = default;
    // Asks for tenant; done is called once, on another thread, with the outcome.
    virtual void request_tenant(const std::string& tenant,
                                std::function<void(LoadOutcome)> done) = 0;
    // Whether the database listener is connected.
    virtual bool connected() const = 0;
};

}  // namespace udm::gateway
