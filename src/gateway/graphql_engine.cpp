// The rendering of events shared by the subscriptions of one prepared operation.
#include "graphql_engine.hpp"

namespace udm::gateway {

std::shared_ptr<const std::string> PreparedOperation::render(
    const std::shared_ptr<const nlohmann::json>& event) const {
    std::lock_guard<std::mutex> lock(render_mutex_);
    for (const Rendered& r : rendered_) {
        // Owner equivalence: the same control block, so never a new event at a reused address.
        if (r.text && !r.event.owner_before(event) && !event.owner_before(r.event)) return r.text;
    }
    auto text = std::make_shared<const std::string>(
        execute(*event).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    rendered_[next_slot_] = Rendered{event, text};
    next_slot_ = (next_slot_ + 1) % rendered_.size();
    return text;
}

}  // namespace udm::gateway
