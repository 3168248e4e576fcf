// One HTTP connection: health, metrics and SDL requests, and WebSocket upgrades.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "connection_socket.hpp"
#include "graphql_http.hpp"
#include "http_routes.hpp"
#include "services.hpp"

namespace udm::gateway {

// Reads requests one at a time and answers them; hands upgrades to a WsSession. While it
// has no request to serve (it waits for one or reads one; not while it lingers after a
// closing answer) it is among services.idle_http, and closed when too many newer ones are.
class HttpSession : public std::enable_shared_from_this<HttpSession>, public PendingConnection {
  public:
    HttpSession(ConnectionSocket&& socket, Services& services);
    ~HttpSession() override;
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    // Starts reading requests.
    void run();
    // Closes the connection if it still has no request to serve (from any thread).
    void evict() override;

  private:
    boost::beast::basic_stream<boost::asio::ip::tcp, ConnectionStrand> stream_;
    boost::beast::flat_buffer buffer_;
    Services& services_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Request request_;
    // The authenticated GraphQL request being served: its tenant, and when it was accepted
    // (for the per-tenant metrics).
    std::optional<std::string> graphql_tenant_;
    std::chrono::steady_clock::time_point graphql_started_{};
    // Held while the session has no request to serve.
    PendingConnections::Ticket idle_;

    // Enters services.idle_http unless in it already, closing the oldest there if too many.
    void become_idle();

    // Reads the next request: its header, then its body within the route's bound.
    void do_read();
    // Sets the body bound of the request whose header was read, then reads the body.
    void on_header(boost::beast::error_code ec, std::size_t bytes);
    // Reads the body (after 100 Continue, when asked for).
    void read_body();
    // Dispatches a request by route.
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    // Runs then once the tenant's schema is loaded; answers 404 or 503 otherwise.
    void with_tenant(const std::string& tenant, std::function<void()> then);
    // GET or POST /graphql/<tenant>: a GraphQL request run in the database.
    void serve_graphql(const std::string& tenant);
    // Runs request for tenant on a pooled connection as actor, then answers it.
    void run_graphql(const std::string& tenant, const std::string& actor,
                     GraphqlHttpRequest request);
    // Writes the response of a GraphQL request, counting it in the metrics.
    void send_graphql(Response response);
    // Hands the connection to a WebSocket session of tenant.
    void upgrade(const std::string& tenant, ConnectionSlots::Slot slot);
    // Writes a response (its headers only for HEAD), then reads the next request or closes.
    void send(Response response);
    // Shuts the connection down after a response that asked for it.
    void do_close();
    // Reads and drops what the client still sends (dropped bytes so far), for a while.
    void linger(std::size_t dropped);
};

}  // namespace udm::gateway
