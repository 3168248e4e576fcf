// The WebSocket connections that have not been authenticated yet (no accepted
// connection_init): at most --max-pending-connections of them, the oldest evicted to make
// room for a new one, so that clients that never authenticate cannot keep real clients out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace udm::gateway {

// A connection that can be told to go away before it authenticated.
class PendingConnection {
  public:
    virtual ~PendingConnection() = default;
    // Closes the connection at once (from any thread): it was the oldest of too many pending.
    virtual void evict() = 0;
};

// The pending connections in order of arrival.
class PendingConnections {
  public:
    // One connection's place among the pending ones, given back when released or destroyed.
    // Movable only.
    class Ticket {
      public:
        Ticket() = default;
        Ticket(Ticket&& other) noexcept
            : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}
        Ticket& operator=(Ticket&& other) noexcept {
            if (this != &other) {
                release();
                owner_ = std::exchange(other.owner_, nullptr);
                id_ = other.id_;
            }
            return *this;
        }
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;
        ~Ticket() { release(); }

        // Whether this ticket was entered and not released (an evicted connection's ticket
        // stays held until released).
        explicit operator bool() const noexcept { return owner_ != nullptr; }
        // Leaves the pending connections (the connection authenticated or ended); once.
        void release() noexcept {
            if (owner_ != nullptr)
                owner_->leave(id_);
            owner_ = nullptr;
        }

      private:
        friend class PendingConnections;
        Ticket(PendingConnections* owner, std::uint64_t id) : owner_(owner), id_(id) {}
        PendingConnections* owner_ = nullptr;
        std::uint64_t id_ = 0;
    };

    explicit PendingConnections(std::size_t max) : max_(max == 0 ? 1 : max) {}
    PendingConnections(const PendingConnections&) = delete;
    PendingConnections& operator=(const PendingConnections&) = delete;

    // Adds connection. When max are pending already, the oldest is taken out to make room
    // and returned in evicted: the caller calls its evict() (outside this object's lock).
    Ticket enter(std::weak_ptr<PendingConnection> connection,
                 std::shared_ptr<PendingConnection>& evicted) {
        std::lock_guard<std::mutex> lock(mutex_);
        evicted.reset();
        while (order_.size() >= max_ && !evicted) {
            std::weak_ptr<PendingConnection> oldest = std::move(order_.front().second);
            index_.erase(order_.front().first);
            order_.pop_front();
            evicted = oldest.lock();
        }
        if (evicted)
            ++evictions_;
        const std::uint64_t id = next_id_++;
        order_.emplace_back(id, std::move(connection));
        index_.emplace(id, std::prev(order_.end()));
        return Ticket(this, id);
    }

    // Takes the oldest pending connection out to free its place (and its file descriptor)
    // and returns it, null when none is pending: the caller calls its evict() (outside this
    // object's lock).
    std::shared_ptr<PendingConnection> take_oldest() {
        std::lock_guard<std::mutex> lock(mutex_);
        while (!order_.empty()) {
            std::weak_ptr<PendingConnection> oldest = std::move(order_.front().second);
            index_.erase(order_.front().first);
            order_.pop_front();
            if (auto connection = oldest.lock()) {
                ++evictions_;
                return connection;
            }
        }
        return nullptr;
    }

    // Connections pending now.
    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return order_.size();
    }
    // Connections evicted since the start.
    std::uint64_t evictions() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return evictions_;
    }
    // The most pending at once.
    std::size_t max() const { return max_; }

  private:
    using Order = std::list<std::pair<std::uint64_t, std::weak_ptr<PendingConnection>>>;

    // Forgets the connection of ticket id, unless it was evicted already.
    void leave(std::uint64_t id) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = index_.find(id);
        if (it == index_.end())
            return;
        order_.erase(it->second);
        index_.erase(it);
    }

    const std::size_t max_;
    mutable std::mutex mutex_;
    Order order_;
    std::unordered_map<std::uint64_t, Order::iterator> index_;
    std::uint64_t next_id_ = 1;
    std::uint64_t evictions_ = 0;
};

}  // namespace udm::gateway
