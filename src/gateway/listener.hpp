// Accepts TCP connections and starts an HttpSession on a fresh strand for each.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "connection_socket.hpp"
#include "services.hpp"

namespace udm::gateway {

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
    Services& services_;

    // Accepts the next connection.
    void do_accept();
    // Starts a session for an accepted connection.
    void on_accept(boost::system::error_code ec, ConnectionSocket socket);
};

}  // namespace udm::gateway
