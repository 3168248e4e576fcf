// The data signals of a Citus cluster: a tenant's writes run on the worker that holds its
// schema, so its udm_data NOTIFY is sent there and a LISTEN on the coordinator never hears
// it. The database listener keeps one LISTEN connection per worker besides its own.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include "metrics.hpp"

namespace udm::gateway {

// A worker node as pg_dist_node names it.
struct CitusNode {
    std::string host;
    int port = 0;

    bool operator<(const CitusNode& other) const {
        return std::tie(host, port) < std::tie(other.host, other.port);
    }
    bool operator==(const CitusNode& other) const {
        return host == other.host && port == other.port;
    }
};

// The active primary workers of the cluster whose coordinator connection is on, in node id
// order; empty for a database without the citus extension. Throws pqxx's errors.
std::vector<CitusNode> read_citus_workers(pqxx::connection& connection);

// LISTEN udm_data connections to the workers of a Citus cluster, driven by the database
// listener's thread without ever blocking it (libpq's asynchronous connect): a worker that
// is down, restarts or does not answer costs its signals (the poll still reads its tenants'
// events), never the coordinator connection.
class CitusWorkerSignals {
  public:
    using Clock = std::chrono::steady_clock;
    using Notification = std::pair<std::string, std::string>;  // channel, payload

    // How long a connection may take to connect and LISTEN before it counts as failed.
    static constexpr std::chrono::seconds kConnectTimeout{10};

    // conninfo: the coordinator's connection string; each worker gets it with its own host
    // and port.
    CitusWorkerSignals(std::string conninfo, Metrics& metrics);
    ~CitusWorkerSignals();
    CitusWorkerSignals(const CitusWorkerSignals&) = delete;
    CitusWorkerSignals& operator=(const CitusWorkerSignals&) = delete;

    // Reads the workers through the coordinator connection and follows them. Throws
    // pqxx::broken_connection for the coordinator; any other error is logged once and the
    // workers known are kept.
    void refresh(pqxx::connection& coordinator, Clock::time_point now);
    // Connects to the nodes not connected (new ones, those whose connection failed, those
    // still connecting after kConnectTimeout) and closes the connections of nodes not listed.
    void follow(const std::vector<CitusNode>& nodes, Clock::time_point now);
    // Moves the connections on as far as they go without waiting and appends the
    // notifications they received to out. A connection that fails is closed (logged once
    // until it listens again) and opened again by the next follow().
    void collect(std::vector<Notification>& out);
    // Appends what each open connection waits for.
    void add_pollfds(std::vector<pollfd>& fds) const;
    // The connections listening now.
    std::size_t listening() const;

  private:
    struct Worker {
        PGconn* connection = nullptr;
        bool connecting = false;  // libpq's connect not finished yet
        bool writing = true;      // while connecting: libpq waits to write, else to read
        bool listening = false;   // LISTEN done
        Clock::time_point started{};
        bool failure_logged = false;  // reset once it listens again
    };

    std::string conninfo_;
    Metrics& metrics_;
    std::map<CitusNode, Worker> workers_;
    bool read_failure_logged_ = false;

    // Connects to the nodes known and not connected, after closing those still connecting
    // after kConnectTimeout.
    void reopen(Clock::time_point now);
    // Starts connecting to node.
    void open(const CitusNode& node, Worker& worker, Clock::time_point now);
    // Moves one open connection on; false with why when it failed.
    bool advance(Worker& worker, std::vector<Notification>& out, std::string& why);
    // Closes worker's connection and logs why, once until it listens again.
    void fail(const CitusNode& node, Worker& worker, const std::string& why);
    // Closes worker's connection, if any.
    static void close(Worker& worker);
    // Publishes the number of connections listening.
    void publish() const;
};

}  // namespace udm::gateway
