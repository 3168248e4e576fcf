// The registry of thing-selecting subscriptions.
#include "thing_selections.hpp"

namespace udm::gateway {

ThingSelections::Hold ThingSelections::hold(const std::string& tenant,
                                            const ThingSelection& selection) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto& selections = tenants_[tenant];
        auto it = selections.find(selection.key);
        if (it == selections.end()) {
            if (selections.size() >= max_per_tenant_) {
                if (selections.empty())
                    tenants_.erase(tenant);
                return nullptr;
            }
            it = selections.emplace(selection.key, Entry{selection, 0}).first;
        }
        ++it->second.holders;
    }
    // The registry outlives every session, hence every hold (server.cpp).
    return Hold(static_cast<void*>(this),
                [this, tenant, key = selection.key](void*) { release(tenant, key); });
}

void ThingSelections::release(const std::string& tenant, const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto t = tenants_.find(tenant);
    if (t == tenants_.end())
        return;
    auto it = t->second.find(key);
    if (it == t->second.end())
        return;
    if (--it->second.holders == 0)
        t->second.erase(it);
    if (t->second.empty())
        tenants_.erase(t);
}

std::vector<ThingSelection> ThingSelections::of(const std::string& tenant) const {
    std::vector<ThingSelection> out;
    std::lock_guard<std::mutex> lock(mutex_);
    auto t = tenants_.find(tenant);
    if (t == tenants_.end())
        return out;
    out.reserve(t->second.size());
    for (const auto& [key, entry] : t->second)
        out.push_back(entry.selection);
    return out;
}

std::size_t ThingSelections::count(const std::string& tenant) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto t = tenants_.find(tenant);
    return t == tenants_.end() ? 0 : t->second.size();
}

}  // namespace udm::gateway
