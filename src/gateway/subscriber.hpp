// A WebSocket connection as the hub and the event windows see it.
#pragma once

#include "protocol.hpp"

namespace udm::gateway {

// A connection. The calls come from any thread and only schedule work on the connection's
// own strand.
class Subscriber {
  public:
    virtual ~Subscriber() = default;
    // Events wait for the connection in its tenant's window: it should take them.
    virtual void wake() = 0;
    // The server is shutting down: close with 1001 once the frame being written is out.
    virtual void shut_down() = 0;
    // The window cut the connection off: close with decision (slow consumer, tenant gone).
    virtual void cut_off(CloseDecision decision) = 0;
};

}  // namespace udm::gateway
