// Which tenant's request gets the next free database connection: a bounded FIFO queue per
// tenant with deadlines, each tenant held to its own number of running requests, and free
// connections handed to the waiting tenants in turn. No threads and no locks: DbPool holds
// it under its mutex; tests drive it directly.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace udm::gateway {

// The requests of one tenant running on a connection and waiting for one.
struct TenantQueueCounts {
    std::size_t running = 0;
    std::size_t waiting = 0;
};

// The requests of every tenant waiting for, or running on, a connection.
template <class Payload>
class TenantQueues {
  public:
    using Clock = std::chrono::steady_clock;

    // A request taken to run.
    struct Taken {
        std::string tenant;
        Payload payload;
    };
    using Counts = TenantQueueCounts;

    // Queues payload for tenant, which may run at most max_running requests at once (its
    // max_connections; at least 1), unless queue_limit of its requests wait already beyond
    // those that free connections (free_connections, shared by all) would take at once.
    // Returns false (payload untouched) when the tenant's queue is full.
    bool push(const std::string& tenant, std::size_t max_running, std::size_t queue_limit,
              std::size_t free_connections, Payload&& payload, Clock::time_point deadline) {
        Tenant& state = tenants_[tenant];
        state.max_running = max_running == 0 ? 1 : max_running;
        const std::size_t room =
            state.running < state.max_running ? state.max_running - state.running : 0;
        const std::size_t start_now = std::min(room, free_connections);
        if (state.queue.size() >= queue_limit + start_now) {
            drop_if_idle(tenant);
            return false;
        }
        if (state.queue.empty())
            turn_.push_back(tenant);
        state.queue.push_back(Waiting{std::move(payload), deadline});
        ++waiting_;
        return true;
    }

    // Whether take() has a request to give: one waits whose tenant runs fewer than its
    // maximum.
    bool runnable() const {
        for (const std::string& tenant : turn_) {
            const Tenant& state = tenants_.at(tenant);
            if (state.running < state.max_running)
                return true;
        }
        return false;
    }

    // The next request to run, counted as running until finished(): the oldest of the first
    // tenant in turn that may run one more, which then goes to the end of the turn. So each
    // waiting tenant gets every k-th free connection when k tenants wait, whatever the length
    // of their queues.
    std::optional<Taken> take() {
        for (auto it = turn_.begin(); it != turn_.end(); ++it) {
            auto found = tenants_.find(*it);
            Tenant& state = found->second;
            if (state.running >= state.max_running)
                continue;
            std::string tenant = std::move(*it);
            turn_.erase(it);
            Taken taken{tenant, std::move(state.queue.front().payload)};
            state.queue.pop_front();
            --waiting_;
            ++state.running;
            ++running_;
            if (!state.queue.empty())
                turn_.push_back(std::move(tenant));
            return taken;
        }
        return std::nullopt;
    }

    // A request of tenant that take() gave has ended.
    void finished(const std::string& tenant) {
        auto found = tenants_.find(tenant);
        if (found == tenants_.end() || found->second.running == 0)
            return;
        --found->second.running;
        --running_;
        drop_if_idle(tenant);
    }

    // The earliest deadline of a waiting request (each queue's front: its oldest).
    std::optional<Clock::time_point> next_deadline() const {
        std::optional<Clock::time_point> earliest;
        for (const std::string& tenant : turn_) {
            const auto deadline = tenants_.at(tenant).queue.front().deadline;
            if (!earliest || deadline < *earliest)
                earliest = deadline;
        }
        return earliest;
    }

    // Removes and returns the waiting requests whose deadline is at or before now.
    std::vector<Payload> expire(Clock::time_point now) {
        std::vector<Payload> out;
        for (auto it = turn_.begin(); it != turn_.end();) {
            const std::string tenant = *it;
            Tenant& state = tenants_.at(tenant);
            while (!state.queue.empty() && state.queue.front().deadline <= now) {
                out.push_back(std::move(state.queue.front().payload));
                state.queue.pop_front();
                --waiting_;
            }
            if (state.queue.empty()) {
                it = turn_.erase(it);
                drop_if_idle(tenant);
            } else {
                ++it;
            }
        }
        return out;
    }

    // Removes and returns every waiting request.
    std::vector<Payload> drain() {
        std::vector<Payload> out;
        for (const std::string& tenant : turn_) {
            Tenant& state = tenants_.at(tenant);
            for (Waiting& waiting : state.queue)
                out.push_back(std::move(waiting.payload));
            state.queue.clear();
        }
        std::vector<std::string> tenants(turn_.begin(), turn_.end());
        turn_.clear();
        waiting_ = 0;
        for (const std::string& tenant : tenants)
            drop_if_idle(tenant);
        return out;
    }

    // Requests running and waiting, of every tenant.
    std::size_t running() const { return running_; }
    std::size_t waiting() const { return waiting_; }
    // The counts of each tenant that runs or waits for a request now.
    std::map<std::string, Counts> counts() const {
        std::map<std::string, Counts> out;
        for (const auto& [tenant, state] : tenants_)
            out[tenant] = Counts{state.running, state.queue.size()};
        return out;
    }
    // Tenants with requests running or waiting (the others are not kept).
    std::size_t tenants() const { return tenants_.size(); }

  private:
    struct Waiting {
        Payload payload;
        Clock::time_point deadline;
    };
    struct Tenant {
        std::deque<Waiting> queue;
        std::size_t running = 0;
        std::size_t max_running = 1;
    };
    // Only tenants with something running or waiting: 10,000 tenants cost nothing when idle.
    std::map<std::string, Tenant> tenants_;
    // The tenants with waiting requests, in the order they get the next free connection.
    std::deque<std::string> turn_;
    std::size_t running_ = 0;
    std::size_t waiting_ = 0;

    // Forgets tenant when nothing of it runs or waits.
    void drop_if_idle(const std::string& tenant) {
        auto found = tenants_.find(tenant);
        if (found != tenants_.end() && found->second.running == 0 && found->second.queue.empty())
            tenants_.erase(found);
    }
};

}  // namespace udm::gateway
