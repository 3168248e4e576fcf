// The tenants' event windows and the waking of their connections.
#include "hub.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace udm::gateway {

namespace {

// Seqs a window may use before the next window's base: 2^40 events per window.
constexpr std::uint64_t kSeqsPerWindow = std::uint64_t{1} << 40;

}  // namespace

Hub::Hub(std::size_t window_capacity) : window_capacity_(window_capacity) {}

void Hub::fan_out_on(boost::asio::io_context& ioc, std::size_t lanes) {
    std::lock_guard<std::mutex> lock(mutex_);
    lanes_.clear();
    for (std::size_t i = 0; i < std::max<std::size_t>(lanes, 1); ++i) {
        lanes_.push_back(boost::asio::make_strand(ioc));
    }
}

void Hub::arrive(const std::shared_ptr<Subscriber>& subscriber) {
    bool late = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (arrivals_.emplace(subscriber.get(), subscriber).second)
            ++size_;
        late = shutting_down_;
    }
    if (late)
        subscriber->shut_down();
}

Membership Hub::join(const std::string& tenant, const std::shared_ptr<Subscriber>& subscriber) {
    Membership membership;
    bool late = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (arrivals_.erase(subscriber.get()) > 0)
            --size_;
        Tenant& entry = tenants_[tenant];
        if (!entry.window) {
            entry.window = std::make_shared<EventWindow>(window_capacity_, next_window_base_);
            next_window_base_ += kSeqsPerWindow;
        }
        if (entry.subscribers.emplace(subscriber.get(), subscriber).second)
            ++size_;
        membership = Membership{entry.window, entry.window->add_reader(subscriber)};
        late = shutting_down_;
    }
    // Admitted after shut_down_all() (its tenant's load ended late): asked to close too.
    if (late)
        subscriber->shut_down();
    return membership;
}

void Hub::leave(const std::string& tenant, const Subscriber* subscriber,
                const Membership& membership) {
    if (membership.window && membership.reader)
        membership.window->remove_reader(membership.reader);
    std::lock_guard<std::mutex> lock(mutex_);
    if (arrivals_.erase(subscriber) > 0) {
        --size_;
        return;  // never admitted
    }
    auto it = tenants_.find(tenant);
    // The window of a tenant that is gone (or gone and back) is not the tenant's current one:
    // tenant_gone() already let go of its connections.
    if (it == tenants_.end() || it->second.window != membership.window)
        return;
    if (it->second.subscribers.erase(subscriber) > 0)
        --size_;
    if (it->second.subscribers.empty())
        tenants_.erase(it);
}

std::shared_ptr<EventWindow> Hub::window_of(const std::string& tenant) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tenants_.find(tenant);
    return it == tenants_.end() ? nullptr : it->second.window;
}

void Hub::publish(const std::string& tenant, EventKind kind,
                  std::shared_ptr<const nlohmann::json> root_value, double committed_at) {
    std::shared_ptr<EventWindow> window = window_of(tenant);
    if (!window)
        return;  // nobody of the tenant is connected
    wake(window->append(kind, std::move(root_value), committed_at, EventWindow::Clock::now()));
}

std::size_t Hub::room(const std::string& tenant) {
    std::shared_ptr<EventWindow> window = window_of(tenant);
    return window ? window->room() : EventSink::room(tenant);
}

void Hub::tenant_gone(const std::string& tenant, const std::string& why) {
    std::shared_ptr<EventWindow> window;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = tenants_.find(tenant);
        if (it == tenants_.end())
            return;
        window = it->second.window;
        size_ -= it->second.subscribers.size();
        tenants_.erase(it);
    }
    for (const auto& subscriber : window->close_all()) {
        subscriber->cut_off(CloseDecision{close_code::kForbidden, why});
    }
}

std::size_t Hub::sweep(std::chrono::steady_clock::time_point now,
                       std::chrono::steady_clock::duration timeout) {
    std::vector<std::shared_ptr<EventWindow>> windows;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        windows.reserve(tenants_.size());
        for (const auto& [name, entry] : tenants_)
            windows.push_back(entry.window);
    }
    std::size_t cut = 0;
    for (const auto& window : windows) {
        for (const auto& subscriber : window->overdue(now - timeout)) {
            subscriber->cut_off(CloseDecision{close_code::kPolicyViolation, "slow consumer"});
            ++cut;
        }
    }
    return cut;
}

void Hub::wake(std::vector<std::shared_ptr<Subscriber>> subscribers) {
    if (subscribers.empty())
        return;
    std::vector<Lane> lanes;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        lanes = lanes_;
    }
    if (lanes.empty() || subscribers.size() == 1) {
        for (const auto& subscriber : subscribers)
            subscriber->wake();
        return;
    }
    // Equal shares, one handler per lane.
    const std::size_t count = std::min(lanes.size(), subscribers.size());
    const std::size_t share = (subscribers.size() + count - 1) / count;
    auto shared =
        std::make_shared<std::vector<std::shared_ptr<Subscriber>>>(std::move(subscribers));
    for (std::size_t lane = 0; lane < count; ++lane) {
        const std::size_t begin = lane * share;
        const std::size_t end = std::min(shared->size(), begin + share);
        if (begin >= end)
            break;
        boost::asio::post(lanes[lane], [shared, begin, end] {
            for (std::size_t i = begin; i < end; ++i)
                (*shared)[i]->wake();
        });
    }
}

std::vector<std::shared_ptr<Subscriber>> Hub::all() const {
    std::vector<std::shared_ptr<Subscriber>> live;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, weak] : arrivals_) {
        if (auto strong = weak.lock())
            live.push_back(std::move(strong));
    }
    for (const auto& [name, entry] : tenants_) {
        for (const auto& [key, weak] : entry.subscribers) {
            if (auto strong = weak.lock())
                live.push_back(std::move(strong));
        }
    }
    return live;
}

void Hub::shut_down_all() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        shutting_down_ = true;
    }
    for (const auto& subscriber : all())
        subscriber->shut_down();
}

std::size_t Hub::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return size_;
}

}  // namespace udm::gateway
