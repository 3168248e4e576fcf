// The distinct thing-selecting subscriptions of each tenant (<class>Changed { thing {...} }),
// counted by the subscriptions holding them: the change feed reads the things of a batch of
// events once per selection, whatever the number of subscribers. Bounded per tenant.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace udm::gateway {

// What udm.graphql_things is called with for one selection, and the class it reads.
struct ThingSelection {
    std::string key;  // PreparedOperation::thing_key(): document, operation name, variables
    std::string class_name;
    std::string query;
    std::string variables;  // the canonical JSON text of an object
    std::optional<std::string> operation_name;
};

// The selections of every tenant. Thread-safe: subscriptions come and go on the I/O
// threads, the change feed reads them on the database thread.
class ThingSelections {
  public:
    // A subscription's hold on its selection: released when the last copy is destroyed.
    using Hold = std::shared_ptr<void>;

    // max_per_tenant: distinct selections a tenant may have at once (--max-thing-selections).
    explicit ThingSelections(std::size_t max_per_tenant) : max_per_tenant_(max_per_tenant) {}

    // Holds selection for a subscription of tenant; null when the tenant has max_per_tenant
    // other selections already (the subscription is refused).
    Hold hold(const std::string& tenant, const ThingSelection& selection);
    // The selections of tenant now, by key.
    std::vector<ThingSelection> of(const std::string& tenant) const;
    // Distinct selections of tenant (for tests and metrics).
    std::size_t count(const std::string& tenant) const;
    std::size_t max_per_tenant() const { return max_per_tenant_; }

  private:
    struct Entry {
        ThingSelection selection;
        std::size_t holders = 0;
    };
    void release(const std::string& tenant, const std::string& key);

    const std::size_t max_per_tenant_;
    mutable std::mutex mutex_;
    std::map<std::string, std::map<std::string, Entry>> tenants_;
};

}  // namespace udm::gateway
