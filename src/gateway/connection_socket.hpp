// The socket of a client connection: TCP, bound to the connection's own strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

namespace udm::gateway {

// The strand of one connection. A concrete type rather than any_io_executor: Asio copies and
// "prefers" the executor of a socket on every operation, and an any_io_executor holding a
// strand allocates each time (scripts/bench_gateway, docs/benchmarks.md).
using ConnectionStrand = boost::asio::strand<boost::asio::io_context::executor_type>;

// A TCP socket whose handlers run on its connection's strand.
using ConnectionSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, ConnectionStrand>;

}  // namespace udm::gateway
