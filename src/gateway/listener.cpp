// The accepting socket of the gateway.
#include "listener.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "http_session.hpp"
#include "log.hpp"

namespace udm::gateway {

namespace net = boost::asio;

namespace {

// After a connection was closed to free a descriptor: long enough for its strand to close it.
constexpr std::chrono::milliseconds kEvictedRetryDelay{5};

}  // namespace

AcceptBackoff::Step AcceptBackoff::failed(Clock::time_point now) {
    delay_ = failing_ ? std::min(delay_ * 2, kMaxDelay) : kFirstDelay;
    failing_ = true;
    Step step;
    step.delay = delay_;
    if (line_due(now)) {
        step.warn = true;
        step.suppressed = unwritten_;
        unwritten_ = 0;
        logged_ = true;
        last_line_ = now;
    } else {
        ++unwritten_;
    }
    return step;
}

std::size_t AcceptBackoff::succeeded(Clock::time_point now) {
    failing_ = false;
    if (unwritten_ == 0 || !line_due(now))
        return 0;
    last_line_ = now;
    return std::exchange(unwritten_, 0);
}

Listener::Listener(net::io_context& ioc, const net::ip::tcp::endpoint& endpoint, Services& services)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      retry_timer_(acceptor_.get_executor()),
      services_(services) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

void Listener::run() {
    net::dispatch(acceptor_.get_executor(),
                  boost::beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
}

void Listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
        self->retry_timer_.cancel();
    });
}

net::ip::tcp::endpoint Listener::local_endpoint() const {
    return acceptor_.local_endpoint();
}

void Listener::do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_), boost::beast::bind_front_handler(
                                                       &Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::system::error_code ec, ConnectionSocket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
        return;
    if (ec) {
        services_.metrics.accept_failed();
        AcceptBackoff::Step step = backoff_.failed(AcceptBackoff::Clock::now());
        // Out of descriptors: the oldest connection that has not sent a whole request (or,
        // failing one, not authenticated its WebSocket) gives its descriptor up, so that a
        // flood of connections that send nothing cannot keep real clients out. Then a short
        // pause for it to close.
        auto delay = step.delay;
        if (ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open ||
            ec == boost::system::errc::too_many_files_open_in_system) {
            std::shared_ptr<PendingConnection> victim = services_.idle_http.take_oldest();
            if (!victim)
                victim = services_.pending.take_oldest();
            if (victim) {
                victim->evict();
                delay = kEvictedRetryDelay;
            }
        }
        if (step.warn) {
            std::string message = "accept failed: " + ec.message() + "; retrying in " +
                                  std::to_string(delay.count()) + " ms";
            if (delay == kEvictedRetryDelay)
                message += " after closing the oldest connection without a request";
            if (step.suppressed > 0) {
                message += " (" + std::to_string(step.suppressed) +
                           " more failures since the last warning)";
            }
            log_warn(message);
        }
        // Not at once: the same error would come back at once (EMFILE with the connection
        // still in the backlog) and the loop would spin.
        retry_timer_.expires_after(delay);
        retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
            if (wait_ec || !self->acceptor_.is_open())
                return;
            self->do_accept();
        });
        return;
    }
    if (std::size_t unwritten = backoff_.succeeded(AcceptBackoff::Clock::now()); unwritten > 0) {
        log_info("accepting again (" + std::to_string(unwritten) +
                 " more failed accepts since the last warning)");
    }
    std::make_shared<HttpSession>(std::move(socket), services_)->run();
    do_accept();
}

}  // namespace udm::gateway
