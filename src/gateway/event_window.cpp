// A tenant's shared window of recent events.
#include "event_window.hpp"

#include <algorithm>

namespace udm::gateway {

EventWindow::EventWindow(std::size_t capacity, std::uint64_t first_seq)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      next_seq_(std::max<std::uint64_t>(first_seq, 1)) {}

std::shared_ptr<EventWindow::Reader> EventWindow::add_reader(
    const std::shared_ptr<Subscriber>& owner) {
    auto reader = std::make_shared<Reader>();
    reader->owner = owner;
    std::lock_guard<std::mutex> lock(mutex_);
    reader->cursor = next_seq_;
    reader->index = readers_.size();
    readers_.push_back(reader);
    return reader;
}

void EventWindow::remove_reader(const std::shared_ptr<Reader>& reader) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (reader->removed)
        return;
    reader->removed = true;
    reader->subscribed = false;
    // Swap with the last one: connections come and go by the thousand.
    std::size_t index = reader->index;
    if (index + 1 != readers_.size()) {
        readers_[index] = std::move(readers_.back());
        readers_[index]->index = index;
    }
    readers_.pop_back();
    trim_locked();
}

std::uint64_t EventWindow::subscribe(const std::shared_ptr<Reader>& reader) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!reader->subscribed && !reader->cut && !reader->removed) {
        reader->subscribed = true;
        reader->cursor = next_seq_;
    }
    return next_seq_;
}

void EventWindow::unsubscribe(const std::shared_ptr<Reader>& reader) {
    std::lock_guard<std::mutex> lock(mutex_);
    reader->subscribed = false;
    trim_locked();
}

std::vector<std::shared_ptr<Subscriber>> EventWindow::append(
    EventKind kind, std::shared_ptr<const nlohmann::json> root_value, double committed_at,
    Clock::time_point now) {
    std::vector<std::shared_ptr<Subscriber>> wake;
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(WindowEvent{next_seq_++, kind, std::move(root_value), committed_at, now});
    wake.reserve(idle_.size());
    for (const auto& reader : idle_) {
        if (!reader->idle)
            continue;
        reader->idle = false;
        if (reader->cut || reader->removed)
            continue;
        if (auto owner = reader->owner.lock())
            wake.push_back(std::move(owner));
    }
    idle_.clear();
    // Events nobody waits for go at once; room() trims the rest before each read.
    if (events_.size() > capacity_)
        trim_locked();
    return wake;
}

std::size_t EventWindow::room() {
    std::lock_guard<std::mutex> lock(mutex_);
    trim_locked();
    std::size_t waiting = events_.size();
    return waiting >= capacity_ ? 0 : capacity_ - waiting;
}

EventWindow::Taken EventWindow::take(const std::shared_ptr<Reader>& reader, std::size_t max) {
    Taken taken;
    std::lock_guard<std::mutex> lock(mutex_);
    if (reader->cut || reader->removed) {
        taken.cut = true;
        return taken;
    }
    if (!reader->subscribed) {
        reader->cursor = next_seq_;
        return taken;
    }
    // Events are dropped only once every subscribed reader took them.
    std::uint64_t first = events_.empty() ? next_seq_ : events_.front().seq;
    std::size_t index = static_cast<std::size_t>(std::max(reader->cursor, first) - first);
    std::size_t count = std::min(max, events_.size() - std::min(index, events_.size()));
    if (count == 0) {
        if (!reader->idle) {
            reader->idle = true;
            idle_.push_back(reader);
        }
        return taken;
    }
    taken.events.reserve(count);
    for (std::size_t i = index; i < index + count; ++i)
        taken.events.push_back(events_[i]);
    reader->cursor = taken.events.back().seq + 1;
    return taken;
}

std::vector<std::shared_ptr<Subscriber>> EventWindow::overdue(Clock::time_point deadline) {
    std::vector<std::shared_ptr<Subscriber>> late;
    std::lock_guard<std::mutex> lock(mutex_);
    if (events_.empty())
        return late;
    const std::uint64_t first = events_.front().seq;
    for (const auto& reader : readers_) {
        if (!reader->subscribed || reader->cut || reader->cursor >= next_seq_)
            continue;
        std::size_t index = static_cast<std::size_t>(std::max(reader->cursor, first) - first);
        if (events_[index].appended >= deadline)
            continue;
        if (auto owner = cut_locked(*reader))
            late.push_back(std::move(owner));
    }
    trim_locked();
    return late;
}

std::vector<std::shared_ptr<Subscriber>> EventWindow::close_all() {
    std::vector<std::shared_ptr<Subscriber>> all;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& reader : readers_) {
        if (reader->cut)
            continue;
        if (auto owner = cut_locked(*reader))
            all.push_back(std::move(owner));
    }
    events_.clear();
    return all;
}

std::uint64_t EventWindow::next_seq() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return next_seq_;
}

std::size_t EventWindow::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_.size();
}

std::size_t EventWindow::readers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return readers_.size();
}

void EventWindow::trim_locked() {
    const std::uint64_t low = low_water_locked();
    while (!events_.empty() && events_.front().seq < low)
        events_.pop_front();
}

std::uint64_t EventWindow::low_water_locked() const {
    std::uint64_t low = next_seq_;
    for (const auto& reader : readers_) {
        if (reader->subscribed && !reader->cut)
            low = std::min(low, reader->cursor);
    }
    return low;
}

std::shared_ptr<Subscriber> EventWindow::cut_locked(Reader& reader) {
    reader.cut = true;
    reader.subscribed = false;
    return reader.owner.lock();
}

}  // namespace udm::gateway
