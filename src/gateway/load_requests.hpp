// The tenant loads that connections ask for and the database thread answers: requests for
// the same tenant share one load, a tenant found unknown is answered from memory for a few
// seconds, and the loads waiting are bounded, so that made-up tenant names cannot queue
// work ahead of event delivery on the single database thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tenant_loader.hpp"

namespace udm::gateway {

// The pending tenant loads and the tenants recently found unknown. Thread-safe; the
// callbacks run outside its lock.
class LoadRequests {
  public:
    using Clock = std::chrono::steady_clock;
    using Done = std::function<void(LoadOutcome)>;

    // Tenants whose load may wait at once (each with any number of requests).
    static constexpr std::size_t kMaxPending = 1000;
    // How long a tenant found unknown is answered without asking the database again.
    static constexpr std::chrono::seconds kUnknownFor{3};
    // Unknown tenants remembered at most (the oldest make room).
    static constexpr std::size_t kMaxUnknown = 10000;

    explicit LoadRequests(std::size_t max_pending = kMaxPending,
                          Clock::duration unknown_for = kUnknownFor,
                          std::size_t max_unknown = kMaxUnknown);

    // Asks for tenant. True when the request waits for a load (the database thread must be
    // woken); false when done was called already: kUnknownTenant for a tenant found unknown
    // moments ago, kUnavailable when too many loads wait.
    bool add(const std::string& tenant, Done done, Clock::time_point now);
    // Takes at most max tenants to load, oldest first. They stay pending, so that requests
    // arriving meanwhile join them, until finish().
    std::vector<std::string> take(std::size_t max);
    // Answers every request for tenant with outcome; remembers a tenant found unknown.
    void finish(const std::string& tenant, LoadOutcome outcome, Clock::time_point now);
    // Answers every pending request, taken or not, with outcome.
    void fail_all(LoadOutcome outcome);
    // Whether some tenant waits to be taken.
    bool waiting() const;

  private:
    std::size_t max_pending_;
    Clock::duration unknown_for_;
    std::size_t max_unknown_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::vector<Done>> pending_;  // taken or not
    std::deque<std::string> queue_;                               // not taken, oldest first
    std::unordered_map<std::string, Clock::time_point> unknown_until_;
    // unknown_until_ in the order its entries were made, to expire them oldest first; an
    // entry made again later leaves a stale one here, skipped when it comes up.
    std::deque<std::pair<Clock::time_point, std::string>> unknown_order_;

    // Drops the remembered unknown tenants that expired by now (mutex_ held).
    void expire_unknown(Clock::time_point now);
};

}  // namespace udm::gateway
