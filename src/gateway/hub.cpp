// Fan-out of events to the connections of a tenant.
#include "hub.hpp"

namespace udm::gateway {

void Hub::join(const std::string& tenant, const std::shared_ptr<Subscriber>& subscriber) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tenants_[tenant].emplace(subscriber.get(), subscriber).second) ++size_;
}

void Hub::leave(const std::string& tenant, const Subscriber* subscriber) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) return;
    if (it->second.erase(subscriber) > 0) --size_;
    if (it->second.empty()) tenants_.erase(it);
}

std::vector<std::shared_ptr<Subscriber>> Hub::snapshot(const std::string* tenant) const {
    std::vector<std::shared_ptr<Subscriber>> live;
    std::lock_guard<std::mutex> lock(mutex_);
    auto collect = [&live](const auto& subscribers) {
        for (const auto& entry : subscribers) {
            if (auto strong = entry.second.lock()) live.push_back(std::move(strong));
        }
    };
    if (tenant) {
        auto it = tenants_.find(*tenant);
        if (it != tenants_.end()) collect(it->second);
    } else {
        for (const auto& entry : tenants_) collect(entry.second);
    }
    return live;
}

void Hub::publish(const std::string& tenant, EventKind kind,
                  std::shared_ptr<const nlohmann::json> root_value, double committed_at) {
    // Deliver outside the lock: a connection may be leaving at the same time.
    for (const auto& subscriber : snapshot(&tenant)) {
        subscriber->deliver(kind, root_value, committed_at);
    }
}

void Hub::shut_down_all() {
    for (const auto& subscriber : snapshot(nullptr)) subscriber->shut_down();
}

std::size_t Hub::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return size_;
}

}  // namespace udm::gateway
