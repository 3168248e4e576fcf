// Accepts TCP connections and starts an HttpSession on a fresh strand for each.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "connection_socket.hpp"
#include "services.hpp"

namespace udm::gateway {

// When to accept again after a failed accept, and when to say so. A failure such as EMFILE
// repeats at once while the pending connection waits in the backlog, so retrying without a
// pause spins and floods the log; the pause grows while failures go on, and at most one line
// per kLogInterval is written, counting the failures it stands for.
class AcceptBackoff {
  public:
    using Clock = std::chrono::steady_clock;

    static constexpr std::chrono::milliseconds kFirstDelay{100};
    static constexpr std::chrono::milliseconds kMaxDelay{1000};
    static constexpr std::chrono::milliseconds kLogInterval{1000};

    // What to do about one failure.
    struct Step {
        std::chrono::milliseconds delay{0};  // wait this long before the next accept
        bool warn = false;                   // write the warning now
        std::size_t suppressed = 0;          // with warn: failures left out since the last line
    };

    // Records a failed accept at now.
    Step failed(Clock::time_point now);
    // Records an accepted connection at now; returns the failures not yet written when a line
    // about them is due (otherwise they are counted in the next warning).
    std::size_t succeeded(Clock::time_point now);

  private:
    bool failing_ = false;  // the last accept failed
    std::chrono::milliseconds delay_{0};
    bool logged_ = false;
    Clock::time_point last_line_{};
    std::size_t unwritten_ = 0;  // failures not in any line yet

    // Whether a line may be written at now.
    bool line_due(Clock::time_point now) const {
        return !logged_ || now - last_line_ >= kLogInterval;
    }
};

// The listening socket.
class Listener : public std::enable_shared_from_this<Listener> {
  public:
    // Opens, binds and listens; throws boost::system::system_error when it cannot.
    Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
             Services& services);

    // Starts accepting.
    void run();
    // Stops accepting (from any thread).
    void stop();
    // The address and port actually bound (port 0 becomes a real port).
    boost::asio::ip::tcp::endpoint local_endpoint() const;

  private:
    boost::asio::io_context& ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;  // on the acceptor's strand
    AcceptBackoff backoff_;
    Services& services_;

    // Accepts the next connection.
    void do_accept();
    // Starts a session for an accepted connection.
    void on_accept(boost::system::error_code ec, ConnectionSocket socket);
};

}  // namespace udm::gateway
