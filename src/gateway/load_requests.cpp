// Coalesced, bounded tenant loads with a short memory of unknown tenants.
#include "load_requests.hpp"

namespace udm::gateway {

LoadRequests::LoadRequests(std::size_t max_pending, Clock::duration unknown_for,
                           std::size_t max_unknown)
    : max_pending_(max_pending), unknown_for_(unknown_for), max_unknown_(max_unknown) {}

bool LoadRequests::add(const std::string& tenant, Done done, Clock::time_point now) {
    LoadOutcome answer;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto unknown = unknown_until_.find(tenant);
        if (unknown != unknown_until_.end() && now < unknown->second) {
            answer = LoadOutcome::kUnknownTenant;
        } else if (auto waiting = pending_.find(tenant); waiting != pending_.end()) {
            waiting->second.push_back(std::move(done));
            return true;
        } else if (pending_.size() >= max_pending_) {
            answer = LoadOutcome::kUnavailable;
        } else {
            pending_[tenant].push_back(std::move(done));
            queue_.push_back(tenant);
            return true;
        }
    }
    done(answer);
    return false;
}

std::vector<std::string> LoadRequests::take(std::size_t max) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    while (!queue_.empty() && out.size() < max) {
        out.push_back(std::move(queue_.front()));
        queue_.pop_front();
    }
    return out;
}

void LoadRequests::finish(const std::string& tenant, LoadOutcome outcome, Clock::time_point now) {
    std::vector<Done> waiting;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = pending_.find(tenant);
        if (it != pending_.end()) {
            waiting = std::move(it->second);
            pending_.erase(it);
        }
        if (outcome == LoadOutcome::kUnknownTenant && max_unknown_ > 0) {
            expire_unknown(now);
            while (unknown_until_.size() >= max_unknown_ && !unknown_order_.empty()) {
                auto& [until, name] = unknown_order_.front();
                auto entry = unknown_until_.find(name);
                if (entry != unknown_until_.end() && entry->second == until)
                    unknown_until_.erase(entry);
                unknown_order_.pop_front();
            }
            unknown_until_[tenant] = now + unknown_for_;
            unknown_order_.emplace_back(now + unknown_for_, tenant);
        }
    }
    for (auto& done : waiting)
        done(outcome);
}

void LoadRequests::fail_all(LoadOutcome outcome) {
    std::unordered_map<std::string, std::vector<Done>> pending;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pending.swap(pending_);
        queue_.clear();
    }
    for (auto& [tenant, waiting] : pending) {
        for (auto& done : waiting)
            done(outcome);
    }
}

bool LoadRequests::waiting() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return !queue_.empty();
}

void LoadRequests::expire_unknown(Clock::time_point now) {
    while (!unknown_order_.empty() && unknown_order_.front().first <= now) {
        auto& [until, name] = unknown_order_.front();
        auto entry = unknown_until_.find(name);
        if (entry != unknown_until_.end() && entry->second == until)
            unknown_until_.erase(entry);
        unknown_order_.pop_front();
    }
}

}  // namespace udm::gateway
