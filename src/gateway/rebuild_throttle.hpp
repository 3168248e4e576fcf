// When to rebuild a tenant's schema: at once after a quiet period, then at most once per
// interval while changes keep coming, always ending with a rebuild after the last change.
#pragma once

#include <chrono>
#include <optional>

namespace udm::gateway {

// A leading- and trailing-edge throttle on a steady clock.
class RebuildThrottle {
  public:
    using Clock = std::chrono::steady_clock;

    explicit RebuildThrottle(Clock::duration interval) : interval_(interval) {}

    // A change arrived: a rebuild is now pending.
    void note_change() { pending_ = true; }
    // Whether a rebuild is pending.
    bool pending() const { return pending_; }
    // When the pending rebuild may run (nullopt when none is pending).
    std::optional<Clock::time_point> deadline() const;
    // Whether the pending rebuild may run now.
    bool due(Clock::time_point now) const;
    // A rebuild ran at now and covered every change noted so far.
    void rebuilt(Clock::time_point now);

  private:
    Clock::duration interval_;
    bool pending_ = false;
    std::optional<Clock::time_point> last_rebuild_;
};

}  // namespace udm::gateway
