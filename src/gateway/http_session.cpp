// HTTP requests of the gateway.
#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "graphql_call.hpp"
#include "log.hpp"
#include "ws_session.hpp"

namespace udm::gateway {

namespace beast = boost::beast;
namespace net = boost::asio;

namespace {

// Writing an answer: a client that does not read it is closed after this.
constexpr std::chrono::seconds kWriteTimeout{30};
constexpr std::uint64_t kMaxRequestBody = 8192;
// Request line and header fields; a request with more gets 431.
constexpr std::uint32_t kMaxRequestHeader = 8192;
// After its answer, what the client still sends is read and dropped for this long, up to
// this much, before the socket is closed: closing with unread data resets the connection,
// and the reset may destroy the answer before the client reads it.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerBytes = 1 << 20;

// Whether a request whose header was read is a GraphQL request over POST, whose body may be
// larger than other requests' bodies.
bool is_graphql_post(const Request& request) {
    if (request.method() != http::verb::post)
        return false;
    beast::string_view target = request.target();
    return route_of(std::string_view(target.data(), target.size())).kind == Route::Kind::kGraphql;
}

// The wall-clock time in seconds since the epoch, as token claims count it.
double now_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

HttpSession::HttpSession(ConnectionSocket&& socket, Services& services)
    : stream_(std::move(socket)), services_(services) {
    services_.metrics.add_http_connections(1);
}

HttpSession::~HttpSession() {
    services_.metrics.add_http_connections(-1);
}

void HttpSession::run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
}

void HttpSession::become_idle() {
    if (idle_)
        return;
    std::shared_ptr<PendingConnection> evicted;
    idle_ = services_.idle_http.enter(weak_from_this(), evicted);
    if (evicted)
        evicted->evict();
}

void HttpSession::evict() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        // A request came since it was chosen: it is served.
        if (!self->idle_)
            return;
        self->services_.metrics.connection_evicted(Metrics::ConnectionKind::kHttp);
        log_debug(
            "closing an idle HTTP connection: " + std::to_string(self->services_.idle_http.max()) +
            " newer ones wait for a request (--max-idle-http-connections)");
        // At once: the place is for a client that sends its request. The pending read ends
        // with operation_aborted and the session goes.
        self->stream_.close();
    });
}

void HttpSession::do_read() {
    // Until a whole request is read, the connection may be closed for a newer one: a client
    // that opens connections and sends nothing (or a few bytes a second) holds at most
    // --max-idle-http-connections of them.
    become_idle();
    parser_.emplace();
    // The largest bound until the route is known (a Content-Length beyond it fails at once);
    // on_header sets the route's.
    parser_->body_limit(
        std::max<std::uint64_t>(kMaxRequestBody, services_.config.max_request_bytes));
    parser_->header_limit(kMaxRequestHeader);
    stream_.expires_after(services_.config.request_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
}

void HttpSession::on_header(beast::error_code ec, std::size_t bytes) {
    if (ec) {
        on_read(ec, bytes);
        return;
    }
    const Request& header = parser_->get();
    const std::uint64_t limit =
        is_graphql_post(header) ? services_.config.max_request_bytes : kMaxRequestBody;
    if (auto length = parser_->content_length(); length && *length > limit) {
        on_read(http::error::body_limit, 0);
        return;
    }
    parser_->body_limit(limit);
    // curl asks before it sends a body of more than 1 KiB (RFC 9110 10.1.1).
    auto expect = header.find(http::field::expect);
    if (!parser_->is_done() && expect != header.end() &&
        beast::iequals(expect->value(), "100-continue")) {
        auto proceed = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                          header.version());
        http::async_write(stream_, *proceed,
                          [self = shared_from_this(), proceed](beast::error_code ec, std::size_t) {
                              if (!ec)
                                  self->read_body();
                          });
        return;
    }
    read_body();
}

void HttpSession::read_body() {
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
        const http::status status = ec == http::error::header_limit
                                        ? http::status::request_header_fields_too_large
                                        : http::status::payload_too_large;
        services_.metrics.request_too_large(static_cast<unsigned>(status));
        // Answered now: not evicted for a newer connection in the middle of the answer.
        idle_.release();
        send(request_too_large_response(status));
        return;
    }
    if (ec) {
        if (ec == beast::error::timeout) {
            services_.metrics.connection_timed_out(Metrics::ConnectionKind::kHttp);
        } else if (ec != net::error::operation_aborted) {
            log_debug("http read failed: " + ec.message());
        }
        return;
    }
    // A whole request: it is served, and the connection is no longer evicted for newer ones.
    idle_.release();
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
            services_.metrics.connection_refused();
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
    if (route.kind == Route::Kind::kGraphql) {
        serve_graphql(route.tenant);
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
        case Route::Kind::kGraphql:
        case Route::Kind::kNotFound:
            break;
    }
}

void HttpSession::serve_graphql(const std::string& tenant) {
    if (request_.method() != http::verb::get && request_.method() != http::verb::post) {
        // read_graphql_request's 405, before the token: the method is wrong for anyone.
        send_graphql(std::get<Response>(read_graphql_request(request_)));
        return;
    }
    // As for the SDL: the token before anything else, so that without one a request learns
    // nothing and costs the database nothing.
    AuthDecision decision =
        authenticate_request(request_, services_.config.jwt_secret, tenant, now_seconds(),
                             std::chrono::duration<double>(services_.config.jwt_leeway).count());
    if (decision.outcome != AuthOutcome::kAccepted) {
        log_debug("GraphQL request for \"" + tenant + "\" refused: " + decision.reason);
        send_graphql(auth_refused_response(request_, decision));
        return;
    }
    graphql_tenant_ = tenant;
    graphql_started_ = std::chrono::steady_clock::now();
    auto read = read_graphql_request(request_, {}, &services_.persisted_queries);
    if (auto* refused = std::get_if<Response>(&read)) {
        send_graphql(std::move(*refused));
        return;
    }
    GraphqlHttpRequest request = std::move(std::get<GraphqlHttpRequest>(read));
    auto self = shared_from_this();
    when_tenant_loaded(
        services_, tenant, stream_.get_executor(),
        [self, tenant, actor = std::move(decision.subject),
         request = std::make_shared<GraphqlHttpRequest>(std::move(request))](LoadOutcome outcome) {
            switch (outcome) {
                case LoadOutcome::kReady:
                    self->run_graphql(tenant, actor, std::move(*request));
                    return;
                case LoadOutcome::kUnknownTenant:
                    self->send_graphql(graphql_error_response(self->request_, request->media_type,
                                                              http::status::not_found,
                                                              "Unknown tenant.", "UNKNOWN_TENANT"));
                    return;
                case LoadOutcome::kUnavailable: {
                    Response response = graphql_error_response(
                        self->request_, request->media_type, http::status::service_unavailable,
                        "The database is unavailable; try again.", "DATABASE_UNAVAILABLE");
                    response.set(http::field::retry_after, "1");
                    self->send_graphql(std::move(response));
                    return;
                }
            }
        });
}

void HttpSession::run_graphql(const std::string& tenant, const std::string& actor,
                              GraphqlHttpRequest request) {
    const GraphqlMediaType type = request.media_type;
    // The tenant's limits: its rate first (a request over it costs the pool nothing), then
    // its pool, statement_timeout and work_mem.
    std::shared_ptr<TenantGate> gate = services_.limits.gate(tenant);
    if (auto wait = gate->admit_request(services_.limits.now())) {
        send_graphql(graphql_rate_limited_response(request_, type,
                                                   gate->limits().requests_per_second, *wait));
        return;
    }
    const TenantLimits limits = gate->limits();
    auto call = std::make_shared<GraphqlCall>(GraphqlCall{
        tenant, actor, std::move(request.query), std::move(request.variables),
        std::move(request.operation_name), limits.statement_timeout_ms, limits.work_mem_kb});
    auto self = shared_from_this();
    auto executor = stream_.get_executor();
    const auto retry_after = services_.config.db_queue_timeout;
    services_.db_pool.submit(
        tenant, static_cast<std::size_t>(limits.max_connections),
        // On a worker thread: nothing of the session is touched there.
        [self, call, type, executor](PGconn* connection) {
            auto result = std::make_shared<GraphqlCallResult>();
            // The request is answered whatever happens here (the pool only logs what escapes).
            try {
                *result = run_graphql_call(connection, *call);
            } catch (const std::exception& e) {
                result->ok = false;
                result->sqlstate = dynamic_cast<const std::bad_alloc*>(&e) ? "53200" : "XX000";
                result->message = e.what();
            }
            if (!result->ok) {
                log_warn("GraphQL request of \"" + call->tenant + "\" failed in the database: " +
                         (result->connection_lost ? std::string("connection lost")
                                                  : "SQLSTATE " + result->sqlstate) +
                         ": " + loggable(result->message, 200));
            }
            net::post(executor, [self, result, type] {
                if (result->ok) {
                    self->send_graphql(
                        graphql_result_response(self->request_, type, std::move(result->body)));
                } else {
                    self->send_graphql(graphql_failure_response(self->request_, type, *result));
                }
            });
        },
        [self, type, executor, retry_after](PoolRefusal refusal) {
            net::post(executor, [self, type, retry_after, refusal] {
                switch (refusal) {
                    case PoolRefusal::kQueueFull:
                        self->send_graphql(graphql_busy_response(
                            self->request_, type,
                            "Too many requests wait for the database; try again.", retry_after));
                        return;
                    case PoolRefusal::kTimedOut:
                        self->send_graphql(graphql_busy_response(
                            self->request_, type,
                            "No database connection became free in time; try again.", retry_after));
                        return;
                    case PoolRefusal::kUnavailable:
                        self->send_graphql(graphql_busy_response(
                            self->request_, type, "The database is unavailable; try again.",
                            std::chrono::seconds(1)));
                        return;
                    case PoolRefusal::kStopping:
                        self->send_graphql(graphql_busy_response(self->request_, type,
                                                                 "The gateway is shutting down.",
                                                                 std::chrono::seconds(1)));
                        return;
                }
            });
        });
}

void HttpSession::send_graphql(Response response) {
    const std::string& body = response.body();
    // A GraphQL response has errors when it is not a success or when jsonb wrote them.
    const bool with_errors =
        response.result() != http::status::ok || body.find("\"errors\": [") != std::string::npos;
    services_.metrics.graphql_http_answered(response.result_int(), with_errors);
    if (graphql_tenant_) {
        services_.metrics.tenant_request_answered(
            *graphql_tenant_, response.result_int(), with_errors,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - graphql_started_)
                .count());
        graphql_tenant_.reset();
    }
    send(std::move(response));
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
    // How long a kept-alive connection may wait for its next request: clients that read it
    // (undici, Node's fetch) stop reusing the connection before the gateway closes it, rather
    // than race the close with a request.
    if (response.keep_alive()) {
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(services_.config.request_timeout);
        if (seconds.count() > 0)
            response.set(http::field::keep_alive, "timeout=" + std::to_string(seconds.count()));
    }
    auto shared = std::make_shared<Response>(std::move(response));
    // Its own deadline: the read's may have passed while the request ran in the database.
    stream_.expires_after(kWriteTimeout);
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
    // Not counted among the idle connections while it lingers: evicting it would reset the
    // socket and could lose the answer the linger is there to deliver. It is bounded by the
    // linger's own time and bytes.
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
