// Fan-out of events to the connections of a tenant.
#include "hub.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace udm::gateway {

void Hub::fan_out_on(boost::asio::io_context& ioc, std::size_t lanes) {
    std::lock_guard<std::mutex> lock(mutex_);
    lanes_.clear();
    for (std::size_t i = 0; i < std::max<std::size_t>(lanes, 1); ++i) {
        lanes_.push_back(boost::asio::make_strand(ioc));
    }
}

void Hub::join(const std::string& tenant, const std::shared_ptr<Subscriber>& subscriber) {
    std::lock_guard<std::mutex> lock(mutex_);
    // Lanes in turn, so they stay about equally long.
    Entry entry{subscriber, lanes_.empty() ? 0 : next_lane_++ % lanes_.size()};
    if (tenants_[tenant].emplace(subscriber.get(), std::move(entry)).second) ++size_;
}

void Hub::leave(const std::string& tenant, const Subscriber* subscriber) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tenants_.find(tenant);
    if (it == tenants_.end()) return;
    if (it->second.erase(subscriber) > 0) --size_;
    if (it->second.empty()) tenants_.erase(it);
}

std::vector<std::shared_ptr<Subscriber>> Hub::snapshot(const std::string* tenant,
                                                       const std::size_t* lane) const {
    std::vector<std::shared_ptr<Subscriber>> live;
    std::lock_guard<std::mutex> lock(mutex_);
    auto collect = [&live, lane](const auto& subscribers) {
        live.reserve(live.size() + subscribers.size());
        for (const auto& [key, entry] : subscribers) {
            if (lane && entry.lane != *lane) continue;
            if (auto strong = entry.subscriber.lock()) live.push_back(std::move(strong));
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
    std::size_t lanes = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        lanes = lanes_.size();
    }
    if (lanes == 0) {
        for (const auto& subscriber : snapshot(&tenant)) {
            subscriber->deliver(kind, root_value, committed_at);
        }
        return;
    }
    // A lane's events run in order on its strand, and a connection is always in the same
    // lane, so every connection still gets the events in the order they were published.
    for (std::size_t lane = 0; lane < lanes; ++lane) {
        boost::asio::post(lanes_[lane], [this, tenant, lane, kind, root_value, committed_at] {
            for (const auto& subscriber : snapshot(&tenant, &lane)) {
                subscriber->deliver(kind, root_value, committed_at);
            }
        });
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
