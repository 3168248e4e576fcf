// The schema rebuild throttle.
#include "rebuild_throttle.hpp"

namespace udm::gateway {

std::optional<RebuildThrottle::Clock::time_point> RebuildThrottle::deadline() const {
    if (!pending_)
        return std::nullopt;
    if (!last_rebuild_)
        return Clock::time_point::min();
    return *last_rebuild_ + interval_;
}

bool RebuildThrottle::due(Clock::time_point now) const {
    auto when = deadline();
    return when && *when <= now;
}

void RebuildThrottle::rebuilt(Clock::time_point now) {
    pending_ = false;
    last_rebuild_ = now;
}

}  // namespace udm::gateway
