// The rendering of events shared by the subscriptions of one prepared operation.
#include "graphql_engine.hpp"

namespace udm::gateway {

std::shared_ptr<const std::string> PreparedOperation::render(std::uint64_t seq,
                                                             const nlohmann::json& event) const {
    // Held while executing: the other subscribers of this operation wait for the text
    // rather than executing the event again.
    std::lock_guard<std::mutex> lock(render_mutex_);
    Rendered& slot = rendered_[seq % kRenderedSlots];
    if (slot.text && slot.seq == seq)
        return slot.text;
    auto text = std::make_shared<const std::string>(
        execute(event).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    // seq 0 (no window, as in tests) is never kept.
    if (seq != 0)
        slot = Rendered{seq, text};
    return text;
}

}  // namespace udm::gateway
