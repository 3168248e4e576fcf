// One WebSocket connection of one tenant: graphql-transport-ws over Beast, on its own strand,
// with a bounded queue of outgoing frames.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "connection_socket.hpp"
#include "http_routes.hpp"
#include "hub.hpp"
#include "protocol.hpp"
#include "services.hpp"

namespace udm::gateway {

// A graphql-transport-ws connection. Lives as long as an operation of it is pending. It takes
// its tenant's events from the tenant's window whenever everything before is written, so it
// never holds more than one batch of them, however far behind it is.
class WsSession : public Subscriber,
                  public PendingConnection,
                  public std::enable_shared_from_this<WsSession> {
  public:
    WsSession(ConnectionSocket&& socket, Services& services, std::string tenant,
              ConnectionSlots::Slot slot);
    ~WsSession() override;

    // Accepts the upgrade request and starts reading; the connection counts as pending
    // (PendingConnections) until its connection_init is accepted.
    void run(Request request);
    void evict() override;

    void wake() override;
    void shut_down() override;
    void cut_off(CloseDecision decision) override;

    // Whether the upgrade request offers the graphql-transport-ws subprotocol.
    static bool offers_subprotocol(const Request& request);

    // Events taken from the window at a time.
    static constexpr std::size_t kTakeBatch = 32;

  private:
    // One frame waiting to be written; events carry their commit time for the metrics.
    struct Outgoing {
        std::string text;
        bool event = false;
        double committed_at = 0;
    };

    // On the socket itself, not a beast::tcp_stream: the WebSocket stream keeps its own
    // timeouts, and tcp_stream's bookkeeping on every write cost a seventh of the gateway's
    // instructions per delivered event (scripts/bench_gateway, docs/benchmarks.md).
    boost::beast::websocket::stream<ConnectionSocket> ws_;
    Services& services_;
    std::string tenant_;
    ConnectionSlots::Slot slot_;          // given back when the session is destroyed
    PendingConnections::Ticket pending_;  // until connection_init is accepted
    Membership membership_;               // set once the handshake is done
    ProtocolHandler protocol_;
    boost::asio::steady_timer init_timer_;
    boost::asio::steady_timer expiry_timer_;  // the token's exp (and leeway)
    boost::asio::steady_timer close_timer_;
    std::optional<double> token_expires_at_;  // of the accepted token, seconds since the epoch
    std::string actor_;  // the accepted token's sub (udm.actor of queries and mutations)
    // The tenant's limits, rate and subscription count; set when the connection is admitted.
    std::shared_ptr<TenantGate> gate_;
    boost::beast::flat_buffer buffer_;
    std::deque<Outgoing> queue_;
    std::size_t queued_bytes_ = 0;  // of the frames in queue_
    bool subprotocol_ok_ = false;
    // How the metrics count the connection: not at all before the handshake, then as
    // awaiting its connection_init, then as its tenant's.
    enum class Admission { kNone, kAwaitingInit, kAdmitted };
    Admission admission_ = Admission::kNone;
    bool writing_ = false;
    bool close_started_ = false;
    bool finished_ = false;
    std::optional<CloseDecision> pending_close_;

    // After the handshake: starts the init timer and reading.
    void on_accept(boost::beast::error_code ec);
    // After an accepted connection_init: loads the tenant if it is not loaded, and then
    // admits the connection to it and acknowledges. Reading waits for the load.
    void admit(ProtocolEffects acknowledgement);
    // The end of the tenant's load for admit().
    void on_tenant_loaded(LoadOutcome outcome, ProtocolEffects acknowledgement);
    // Joins the tenant's window and counts the connection as the tenant's.
    void enter();
    // Reads the next frame.
    void do_read();
    // Handles a frame or the end of the connection.
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    // Carries out what the protocol decided.
    void apply(ProtocolEffects effects, std::optional<double> committed_at);
    // Runs a query or mutation on the database pool, as the tenant's role and the actor; the
    // answer comes back on the strand.
    void run_in_database(DatabaseOperation operation);
    // Takes events from the window and queues their frames, when nothing waits to be
    // written (on the strand).
    void pull();
    // Queues a frame; a full queue (in messages or bytes) closes the connection as a slow
    // consumer.
    void enqueue(Outgoing frame);
    // Drops the frames not being written yet.
    void drop_unwritten();
    // Writes the frame at the front of the queue.
    void do_write();
    // After a write: the next frame, the next events, or the pending close.
    void on_write(boost::beast::error_code ec, std::size_t bytes);
    // Closes the connection with 4401 when its token stops being accepted.
    void close_when_token_expires(double expires_at);
    // Decides to close once the frames already queued are written.
    void begin_close(CloseDecision decision);
    // Sends the close frame.
    void do_close();
    // Releases everything the connection holds (once).
    void finish();
};

}  // namespace udm::gateway
