// graphql-transport-ws connections over Beast WebSocket.
#include "ws_session.hpp"

#include <algorithm>
#include <cstdint>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "graphql_call.hpp"
#include "graphql_http.hpp"
#include "log.hpp"

namespace udm::gateway {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

// Largest frame accepted from a client.
constexpr std::size_t kMaxMessageBytes = 1 << 20;
// How long a close may take before the socket is shut without the handshake.
constexpr std::chrono::seconds kCloseGrace{5};

// Seconds since the epoch, for token expiry and delivery latency.
double now_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A Beast string_view as a std::string_view.
std::string_view view(beast::string_view text) {
    return {text.data(), text.size()};
}

}  // namespace

WsSession::WsSession(ConnectionSocket&& socket, Services& services, std::string tenant,
                     ConnectionSlots::Slot slot)
    : ws_(std::move(socket)),
      services_(services),
      tenant_(std::move(tenant)),
      slot_(std::move(slot)),
      protocol_(ProtocolHandler::Context{
          [this](const nlohmann::json& payload) {
              AuthDecision decision =
                  authenticate(payload, services_.config.jwt_secret, tenant_, now_seconds(),
                               std::chrono::duration<double>(services_.config.jwt_leeway).count());
              if (decision.outcome == AuthOutcome::kAccepted) {
                  token_expires_at_ = decision.expires_at;
                  actor_ = decision.subject;
              }
              return decision;
          },
          [&schemas = services.schemas, tenant = tenant_] { return schemas.get(tenant); },
          // Subscriptions begin only after the handshake, when the membership is set.
          [this] { return membership_.window->subscribe(membership_.reader); },
          services.config.max_subscriptions, services.config.max_response_bytes,
          &services.persisted_queries, ProtocolHandler::kDefaultMaxDatabaseOperations,
          [&selections = services.thing_selections, tenant = tenant_](const ThingSelection& s) {
              return selections.hold(tenant, s);
          },
          services.config.max_thing_selections,
          // The tenant's max_subscriptions, over all its connections.
          [this]() -> std::optional<std::string> {
              if (!gate_ || gate_->reserve_subscription())
                  return std::nullopt;
              return "Too many subscriptions for this tenant (at most " +
                     std::to_string(gate_->limits().max_subscriptions) + ")";
          }}),
      init_timer_(ws_.get_executor()),
      expiry_timer_(ws_.get_executor()),
      close_timer_(ws_.get_executor()) {}

WsSession::~WsSession() {
    services_.hub.leave(tenant_, this, membership_);
}

bool WsSession::offers_subprotocol(const Request& request) {
    auto range = request.equal_range(beast::http::field::sec_websocket_protocol);
    for (auto it = range.first; it != range.second; ++it) {
        std::string_view list = view(it->value());
        std::size_t start = 0;
        while (start <= list.size()) {
            std::size_t comma = list.find(',', start);
            std::string_view item = list.substr(
                start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
            while (!item.empty() && item.front() == ' ')
                item.remove_prefix(1);
            while (!item.empty() && item.back() == ' ')
                item.remove_suffix(1);
            if (item == kGraphqlTransportWs)
                return true;
            if (comma == std::string_view::npos)
                break;
            start = comma + 1;
        }
    }
    return false;
}

void WsSession::run(Request request) {
    subprotocol_ok_ = offers_subprotocol(request);
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(30);
    timeouts.idle_timeout = std::chrono::seconds(60);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(kMaxMessageBytes);
    // Like graphql-ws: accept the upgrade without a subprotocol when graphql-transport-ws is
    // not offered, then close with 4406.
    bool ok = subprotocol_ok_;
    ws_.set_option(websocket::stream_base::decorator([ok](websocket::response_type& response) {
        response.set(beast::http::field::server, "udm-gateway");
        if (ok)
            response.set(
                beast::http::field::sec_websocket_protocol,
                beast::string_view(kGraphqlTransportWs.data(), kGraphqlTransportWs.size()));
    }));
    // Counted as pending from the upgrade on; when too many are, the oldest goes.
    std::shared_ptr<PendingConnection> evicted;
    pending_ = services_.pending.enter(weak_from_this(), evicted);
    if (evicted)
        evicted->evict();
    auto self = shared_from_this();
    auto shared_request = std::make_shared<Request>(std::move(request));
    net::dispatch(ws_.get_executor(), [self, shared_request] {
        self->ws_.async_accept(
            *shared_request, [self, shared_request](beast::error_code ec) { self->on_accept(ec); });
    });
}

void WsSession::evict() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        // Chosen just before its connection_init was accepted: it stays.
        if (self->finished_ || self->protocol_.acknowledged())
            return;
        self->services_.metrics.connection_evicted(Metrics::ConnectionKind::kWebSocket);
        log_debug("closing a connection awaiting connection_init: " +
                  std::to_string(self->services_.pending.max()) +
                  " newer ones wait (--max-pending-connections)");
        // At once, without a close handshake: the place is for a client that authenticates.
        beast::error_code ignored;
        self->ws_.next_layer().close(ignored);
    });
}

void WsSession::on_accept(beast::error_code ec) {
    if (ec) {
        log_debug("websocket handshake failed: " + ec.message());
        return;
    }
    // Nothing of the tenant is touched before a token of it is accepted: until then the
    // connection looks the same whether the tenant exists or not.
    admission_ = Admission::kAwaitingInit;
    services_.metrics.add_awaiting_init(1);
    services_.hub.arrive(shared_from_this());  // reached by the shutdown
    if (!subprotocol_ok_) {
        begin_close({close_code::kSubprotocolNotAcceptable, "Subprotocol not acceptable"});
    } else {
        init_timer_.expires_after(services_.config.init_timeout);
        init_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
            if (wait_ec)
                return;
            ProtocolEffects effects = self->protocol_.on_init_timeout();
            // Counted only when it closes the connection (an init may have come first).
            if (effects.close)
                self->services_.metrics.connection_timed_out(Metrics::ConnectionKind::kWebSocket);
            self->apply(std::move(effects), std::nullopt);
        });
    }
    do_read();
}

void WsSession::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
    if (ec) {
        if (ec != websocket::error::closed && ec != net::error::operation_aborted) {
            log_debug("websocket of tenant " + tenant_ + " ended: " + ec.message());
        }
        finish();
        return;
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    // After a close decision, frames are read (to finish the close handshake) and dropped.
    if (subprotocol_ok_ && !pending_close_) {
        ProtocolEffects effects = protocol_.on_message(text);
        if (effects.acknowledged) {
            admit(std::move(effects));  // reads on once the tenant is loaded
            return;
        }
        const int delta = effects.subscriptions_delta;
        apply(std::move(effects), std::nullopt);
        if (delta < 0 && protocol_.subscription_count() == 0) {
            membership_.window->unsubscribe(membership_.reader);
        } else if (delta > 0) {
            pull();  // takes nothing yet, and so waits for the next event
        }
    }
    do_read();
}

void WsSession::admit(ProtocolEffects acknowledgement) {
    init_timer_.cancel();  // the init came: what remains is the tenant's load
    pending_.release();    // authenticated: no longer evicted for newer connections
    auto shared = std::make_shared<ProtocolEffects>(std::move(acknowledgement));
    when_tenant_loaded(services_, tenant_, ws_.get_executor(),
                       [self = shared_from_this(), shared](LoadOutcome outcome) {
                           self->on_tenant_loaded(outcome, std::move(*shared));
                       });
}

void WsSession::on_tenant_loaded(LoadOutcome outcome, ProtocolEffects acknowledgement) {
    if (finished_)
        return;
    if (!pending_close_) {
        switch (outcome) {
            case LoadOutcome::kReady:
                enter();
                apply(std::move(acknowledgement), std::nullopt);
                break;
            case LoadOutcome::kUnknownTenant:
                // Only a token of the tenant gets this far: its holder may know.
                log_info("connection refused: tenant " + tenant_ + " does not exist");
                begin_close({close_code::kForbidden, "Forbidden: unknown tenant"});
                break;
            case LoadOutcome::kUnavailable:
                begin_close({close_code::kInternalServerError, "database unavailable"});
                break;
        }
    }
    // Also after a close decision: the client's close frame must be read.
    do_read();
}

void WsSession::enter() {
    gate_ = services_.limits.gate(tenant_);
    membership_ = services_.hub.join(tenant_, shared_from_this());
    admission_ = Admission::kAdmitted;
    services_.metrics.add_awaiting_init(-1);
    services_.metrics.add_connections(tenant_, 1);
}

void WsSession::apply(ProtocolEffects effects, std::optional<double> committed_at) {
    if (effects.acknowledged && token_expires_at_)
        close_when_token_expires(*token_expires_at_);
    if (effects.subscriptions_delta != 0) {
        services_.metrics.add_subscriptions(tenant_, effects.subscriptions_delta);
        if (effects.subscriptions_delta < 0 && gate_)
            gate_->release_subscriptions(static_cast<std::size_t>(-effects.subscriptions_delta));
    }
    for (auto& text : effects.frames) {
        enqueue(Outgoing{std::move(text), committed_at.has_value(), committed_at.value_or(0)});
    }
    if (effects.close)
        begin_close(*effects.close);
    if (effects.database)
        run_in_database(std::move(*effects.database));
}

void WsSession::run_in_database(DatabaseOperation operation) {
    auto id = std::make_shared<const std::string>(std::move(operation.id));
    auto self = shared_from_this();
    auto executor = ws_.get_executor();
    const auto started = std::chrono::steady_clock::now();
    // Back on the strand: dropped when the client completed the operation or left.
    auto answer_on_strand = [self, id, executor, started](std::shared_ptr<DatabaseAnswer> answer) {
        net::post(executor, [self, id, answer, started] {
            // Counted as HTTP would have answered it.
            unsigned status = 200;
            if (answer->code == "RATE_LIMITED")
                status = 429;
            else if (answer->code == "SERVICE_UNAVAILABLE" ||
                     answer->code == "DATABASE_UNAVAILABLE" ||
                     answer->code == "TRANSACTION_ROLLBACK")
                status = 503;
            else if (!answer->ok)
                status = 500;
            self->services_.metrics.tenant_request_answered(
                self->tenant_, status,
                !answer->ok || answer->body.find("\"errors\": [") != std::string::npos,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
            if (self->finished_)
                return;
            self->apply(self->protocol_.on_database_answer(*id, *answer), std::nullopt);
        });
    };
    // The tenant's rate: over it, the operation is answered with an error at once.
    std::shared_ptr<TenantGate> gate = gate_ ? gate_ : services_.limits.gate(tenant_);
    if (gate->admit_request(services_.limits.now())) {
        auto answer = std::make_shared<DatabaseAnswer>();
        answer->code = "RATE_LIMITED";
        answer->message = rate_limited_message(gate->limits().requests_per_second);
        answer_on_strand(std::move(answer));
        return;
    }
    const TenantLimits limits = gate->limits();
    auto call = std::make_shared<GraphqlCall>(GraphqlCall{
        tenant_, actor_, std::move(operation.query), std::move(operation.variables),
        std::move(operation.operation_name), limits.statement_timeout_ms, limits.work_mem_kb});
    services_.db_pool.submit(
        tenant_, static_cast<std::size_t>(limits.max_connections),
        // On a worker thread: nothing of the session is touched there.
        [call, answer_on_strand](PGconn* connection) {
            GraphqlCallResult result;
            // The client is answered whatever happens here (the pool only logs what escapes).
            try {
                result = run_graphql_call(connection, *call);
            } catch (const std::exception& e) {
                result.ok = false;
                result.sqlstate = dynamic_cast<const std::bad_alloc*>(&e) ? "53200" : "XX000";
                result.message = e.what();
            }
            auto answer = std::make_shared<DatabaseAnswer>();
            if (result.ok) {
                answer->ok = true;
                answer->body = std::move(result.body);
            } else {
                log_warn("GraphQL operation of \"" + call->tenant +
                         "\" over WebSocket failed in the database: " +
                         (result.connection_lost ? std::string("connection lost")
                                                 : "SQLSTATE " + result.sqlstate) +
                         ": " + loggable(result.message, 200));
                GraphqlFailure failure = describe_graphql_failure(result);
                answer->message = std::move(failure.message);
                answer->code = std::move(failure.code);
                answer->sqlstate = std::move(failure.sqlstate);
            }
            answer_on_strand(std::move(answer));
        },
        [answer_on_strand](PoolRefusal refusal) {
            auto answer = std::make_shared<DatabaseAnswer>();
            answer->code = "SERVICE_UNAVAILABLE";
            switch (refusal) {
                case PoolRefusal::kQueueFull:
                    answer->message = "Too many requests wait for the database; try again.";
                    break;
                case PoolRefusal::kTimedOut:
                    answer->message = "No database connection became free in time; try again.";
                    break;
                case PoolRefusal::kUnavailable:
                    answer->message = "The database is unavailable; try again.";
                    break;
                case PoolRefusal::kStopping:
                    answer->message = "The gateway is shutting down.";
                    break;
            }
            answer_on_strand(std::move(answer));
        });
}

void WsSession::wake() {
    // From a lane of the hub (a thread of the io_context) this runs at once when the
    // connection's strand is free; from any other thread it is posted.
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->pull(); });
}

void WsSession::pull() {
    if (finished_ || pending_close_ || !membership_.window)
        return;
    // Only when everything before is written: the frames of one batch at most wait here,
    // the rest waits in the window, and a burst never overflows the queue.
    while (!writing_ && queue_.empty()) {
        EventWindow::Taken taken = membership_.window->take(membership_.reader, kTakeBatch);
        // Cut off: cut_off() is on its way. Nothing: the next event wakes this connection.
        if (taken.cut || taken.events.empty())
            return;
        for (const WindowEvent& event : taken.events) {
            apply(protocol_.on_event(event.kind, *event.root_value, event.seq), event.committed_at);
        }
        // Events none of the subscriptions wanted queue nothing: take the next ones.
    }
}

void WsSession::shut_down() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        if (!self->finished_)
            self->begin_close({close_code::kGoingAway, "going away"});
    });
}

void WsSession::cut_off(CloseDecision decision) {
    net::post(ws_.get_executor(), [self = shared_from_this(), decision = std::move(decision)] {
        if (self->finished_ || self->pending_close_)
            return;
        log_info("closing a connection of tenant " + self->tenant_ + ": " +
                 std::to_string(decision.code) + " " + decision.reason);
        // What is not being written yet is dropped: the close goes out next.
        self->drop_unwritten();
        self->begin_close(decision);
    });
}

void WsSession::enqueue(Outgoing frame) {
    if (pending_close_ || finished_)
        return;
    // Event frames are bounded already (one batch, taken when the queue is empty); the
    // answers to a client that sends without reading are not: they are bounded in messages
    // and in bytes (a frame alone in the queue always goes, responses being bounded).
    const bool too_many = queue_.size() >= services_.config.queue_limit;
    const bool too_large =
        !queue_.empty() && queued_bytes_ + frame.text.size() > services_.config.max_queued_bytes;
    if (!frame.event && (too_many || too_large)) {
        log_warn("closing a connection of tenant " + tenant_ + ": " +
                 std::to_string(queue_.size()) + " messages (" + std::to_string(queued_bytes_) +
                 " bytes) queued (slow consumer)");
        services_.metrics.slow_consumer_closed();
        drop_unwritten();
        begin_close({close_code::kPolicyViolation, "slow consumer"});
        return;
    }
    queued_bytes_ += frame.text.size();
    queue_.push_back(std::move(frame));
    if (!writing_)
        do_write();
}

void WsSession::drop_unwritten() {
    // The frame in flight must complete.
    while (queue_.size() > (writing_ ? 1u : 0u)) {
        queued_bytes_ -= queue_.back().text.size();
        queue_.pop_back();
    }
}

void WsSession::do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front().text),
                    beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
}

void WsSession::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
        log_debug("write to a connection of tenant " + tenant_ + " failed: " + ec.message());
        queue_.clear();
        queued_bytes_ = 0;
        beast::error_code ignored;
        ws_.next_layer().close(ignored);
        return;
    }
    const Outgoing& sent = queue_.front();
    if (sent.event)
        services_.metrics.event_delivered(tenant_, now_seconds() - sent.committed_at);
    queued_bytes_ -= sent.text.size();
    queue_.pop_front();
    if (finished_)
        return;
    if (!queue_.empty()) {
        do_write();
    } else if (pending_close_) {
        if (!close_started_)
            do_close();
    } else {
        pull();
    }
}

void WsSession::begin_close(CloseDecision decision) {
    if (pending_close_ || finished_)
        return;
    log_debug("closing a connection of tenant " + tenant_ + ": " + std::to_string(decision.code) +
              " " + decision.reason);
    pending_close_ = std::move(decision);
    init_timer_.cancel();
    expiry_timer_.cancel();
    close_timer_.expires_after(kCloseGrace);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec)
            return;
        beast::error_code ignored;
        self->ws_.next_layer().close(ignored);
    });
    if (!writing_)
        do_close();
}

void WsSession::do_close() {
    close_started_ = true;
    websocket::close_reason reason(static_cast<websocket::close_code>(pending_close_->code),
                                   pending_close_->reason);
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code ec) {
        if (ec)
            log_debug("close handshake failed: " + ec.message());
    });
}

void WsSession::close_when_token_expires(double expires_at) {
    // A day at a time: an exp far ahead must not overflow the timer.
    const double left = std::clamp(expires_at - now_seconds(), 0.0, 86400.0);
    expiry_timer_.expires_after(std::chrono::milliseconds(static_cast<std::int64_t>(left * 1000)));
    expiry_timer_.async_wait([self = shared_from_this(), expires_at](beast::error_code ec) {
        if (ec || self->finished_)
            return;
        if (now_seconds() < expires_at) {
            self->close_when_token_expires(expires_at);
            return;
        }
        // As a connection_init with this token would now be refused.
        self->cut_off({close_code::kUnauthorized, "Token expired"});
    });
}

void WsSession::finish() {
    if (finished_)
        return;
    finished_ = true;
    init_timer_.cancel();
    expiry_timer_.cancel();
    close_timer_.cancel();
    // The frame in flight stays until its write completes.
    drop_unwritten();
    pending_.release();
    int dropped = protocol_.drop_subscriptions();
    if (dropped > 0) {
        services_.metrics.add_subscriptions(tenant_, -dropped);
        if (gate_)
            gate_->release_subscriptions(static_cast<std::size_t>(dropped));
    }
    if (admission_ == Admission::kAwaitingInit)
        services_.metrics.add_awaiting_init(-1);
    if (admission_ == Admission::kAdmitted)
        services_.metrics.add_connections(tenant_, -1);
    services_.hub.leave(tenant_, this, membership_);
}

}  // namespace udm::gateway
