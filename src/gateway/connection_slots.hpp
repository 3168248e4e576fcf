// The --max-connections budget of WebSocket connections, taken before a connection is
// accepted and given back when it is gone, so that parallel upgrades cannot overshoot it.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>

namespace udm::gateway {

// A counter of connections in use, bounded by max.
class ConnectionSlots {
  public:
    // One connection's place in the budget, given back when destroyed. Movable only.
    class Slot {
      public:
        Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
        Slot& operator=(Slot&& other) noexcept {
            if (this != &other) {
                release();
                owner_ = other.owner_;
                other.owner_ = nullptr;
            }
            return *this;
        }
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() { release(); }

      private:
        friend class ConnectionSlots;
        explicit Slot(ConnectionSlots* owner) : owner_(owner) {}
        // Gives the place back (once).
        void release() {
            if (owner_)
                owner_->in_use_.fetch_sub(1, std::memory_order_relaxed);
            owner_ = nullptr;
        }
        ConnectionSlots* owner_;
    };

    explicit ConnectionSlots(std::size_t max) : max_(max) {}

    // A slot, or nullopt when max are in use.
    std::optional<Slot> try_acquire() {
        if (in_use_.fetch_add(1, std::memory_order_relaxed) >= max_) {
            in_use_.fetch_sub(1, std::memory_order_relaxed);
            return std::nullopt;
        }
        return Slot(this);
    }
    // Slots taken now.
    std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }

  private:
    const std::size_t max_;
    std::atomic<std::size_t> in_use_{0};
};

}  // namespace udm::gateway
