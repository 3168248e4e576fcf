// HTTP requests of the gateway.
#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "log.hpp"
#include "ws_session.hpp"

namespace udm::gateway {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

constexpr std::chrono::seconds kRequestTimeout{30};
constexpr std::uint64_t kMaxRequestBody = 8192;
// Request line and header fields; a request with more gets 431.
constexpr std::uint32_t kMaxRequestHeader = 8192;
// After its answer, what the client still sends is read and dropped for this long, up to
// this much, before the socket is closed: closing with unread data resets the connection,
// and the reset may destroy the answer before the client reads it.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerBytes = 1 << 20;

// The wall-clock time in seconds since the epoch, as token claims count it.
double now_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

HttpSession::HttpSession(ConnectionSocket&& socket, Services& services)
    : stream_(std::move(socket)), services_(services) {}

void HttpSession::run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::do_read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    parser_->header_limit(kMaxRequestHeader);
    stream_.expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
        do_close();
        return;
    }
    if (ec == http::error::header_limit || ec == http::error::body_limit) {
        log_debug("http request refused: " + ec.message());
        send(request_too_large_response(ec == http::error::header_limit
                                            ? http::status::request_header_fields_too_large
                                            : http::status::payload_too_large));
        return;
    }
    if (ec) {
        if (ec != beast::error::timeout && ec != net::error::operation_aborted) {
            log_debug("http read failed: " + ec.message());
        }
        return;
    }
    request_ = parser_->release();
    beast::string_view target_view = request_.target();
    Route route = route_of(std::string_view(target_view.data(), target_view.size()));

    if (beast::websocket::is_upgrade(request_)) {
        if (route.kind != Route::Kind::kGraphql) {
            send(json_response(request_, http::status::not_found, R"({"error":"not found"})"));
            return;
        }
        // Beast accepts any key and answers another version with 426 itself: RFC 6455
        // 4.2.1 wants a key of 16 bytes, and the gateway speaks version 13 only.
        if (std::optional<std::string> why = websocket_upgrade_violation(request_)) {
            send(bad_upgrade_response(request_, *why));
            return;
        }
        // The tenant is neither looked up nor loaded here: the token that allows it comes
        // with connection_init, and before it an unknown tenant must look like any other.
        std::optional<ConnectionSlots::Slot> slot = services_.slots.try_acquire();
        if (!slot) {
            log_warn("refusing a WebSocket connection: " +
                     std::to_string(services_.config.max_connections) +
                     " connections (--max-connections) are open");
            send(json_response(request_, http::status::service_unavailable,
                               R"({"error":"too many connections"})"));
            return;
        }
        upgrade(route.tenant, std::move(*slot));
        return;
    }
    if (route.kind == Route::Kind::kNotFound) {
        send(json_response(request_, http::status::not_found, R"({"error":"not found"})"));
        return;
    }
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
        send(method_not_allowed(request_));
        return;
    }
    switch (route.kind) {
        case Route::Kind::kHealth:
            send(health_response(request_, services_.loader.connected()));
            return;
        case Route::Kind::kMetrics:
            send(metrics_response(request_, services_.metrics.render()));
            return;
        case Route::Kind::kSchema: {
            std::string tenant = route.tenant;
            // Before the tenant is looked up: without a token of the tenant a request learns
            // nothing about which tenants exist and makes no work for the database.
            AuthDecision decision = authenticate_request(
                request_, services_.config.jwt_secret, tenant, now_seconds(),
                std::chrono::duration<double>(services_.config.jwt_leeway).count());
            if (decision.outcome != AuthOutcome::kAccepted) {
                log_debug("SDL request for \"" + tenant + "\" refused: " + decision.reason);
                send(auth_refused_response(request_, decision));
                return;
            }
            with_tenant(tenant, [this, tenant] {
                auto schema = services_.schemas.get(tenant);
                // Dropped since it was loaded: the change feed forgot it in between.
                if (!schema) {
                    send(json_response(request_, http::status::not_found,
                                       R"({"error":"unknown tenant"})"));
                    return;
                }
                send(schema_response(request_, *schema));
            });
            return;
        }
        case Route::Kind::kGraphql: {
            Response response = json_response(
                request_, http::status::upgrade_required,
                R"j({"error":"GraphQL is served over WebSocket (graphql-transport-ws)"})j");
            response.set(http::field::upgrade, "websocket");
            send(std::move(response));
            return;
        }
        case Route::Kind::kNotFound:
            break;
    }
}

void HttpSession::with_tenant(const std::string& tenant, std::function<void()> then) {
    auto self = shared_from_this();
    when_tenant_loaded(
        services_, tenant, stream_.get_executor(), [self, then](LoadOutcome outcome) {
            switch (outcome) {
                case LoadOutcome::kReady:
                    then();
                    return;
                case LoadOutcome::kUnknownTenant:
                    self->send(json_response(self->request_, http::status::not_found,
                                             R"({"error":"unknown tenant"})"));
                    return;
                case LoadOutcome::kUnavailable:
                    self->send(json_response(self->request_, http::status::service_unavailable,
                                             R"({"error":"database unavailable"})"));
                    return;
            }
        });
}

void HttpSession::upgrade(const std::string& tenant, ConnectionSlots::Slot slot) {
    // The WebSocket session takes the socket (and its strand) over; this session ends.
    std::make_shared<WsSession>(stream_.release_socket(), services_, tenant, std::move(slot))
        ->run(std::move(request_));
}

void HttpSession::send(Response response) {
    strip_body_for_head(request_, response);
    auto shared = std::make_shared<Response>(std::move(response));
    http::async_write(stream_, *shared,
                      [self = shared_from_this(), shared](beast::error_code ec, std::size_t) {
                          if (ec)
                              return;
                          if (shared->need_eof()) {
                              self->do_close();
                          } else {
                              self->do_read();
                          }
                      });
}

void HttpSession::do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    if (ec)
        return;
    stream_.expires_after(kLingerTimeout);
    linger(0);
}

void HttpSession::linger(std::size_t dropped) {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this(), dropped](
                                                       beast::error_code ec, std::size_t bytes) {
        // Ends at the client's end of stream, an error, the timeout or the byte bound;
        // the socket closes when the session goes.
        if (ec || dropped + bytes >= kLingerBytes)
            return;
        self->linger(dropped + bytes);
    });
}

}  // namespace udm::gateway
