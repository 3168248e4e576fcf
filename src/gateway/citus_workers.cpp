// LISTEN connections to the workers of a Citus cluster: read from pg_dist_node, connected
// with libpq's asynchronous connect, dropped on failure and opened again at the next poll.
#include "citus_workers.hpp"

#include <algorithm>
#include <exception>

#include "connection_options.hpp"
#include "log.hpp"

namespace udm::gateway {

namespace {

constexpr const char* kHasCitus = "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus'";
constexpr const char* kWorkers =
    "SELECT nodename, nodeport FROM pg_catalog.pg_dist_node"
    " WHERE isactive AND noderole = 'primary' AND groupid <> 0 ORDER BY nodeid";
// The coordinator connection sets the same name with SET; here it is in the connection
// string, the connection runs no other statement.
constexpr const char* kApplicationName = " application_name='udm-gateway'";

// node as host:port for the log.
std::string name_of(const CitusNode& node) {
    return loggable(node.host) + ":" + std::to_string(node.port);
}

// libpq's message for connection, on one line.
std::string error_of(PGconn* connection) {
    std::string message = connection != nullptr ? PQerrorMessage(connection) : "out of memory";
    std::replace(message.begin(), message.end(), '\n', ' ');
    while (!message.empty() && message.back() == ' ')
        message.pop_back();
    return loggable(message, 300);
}

// Messages the server sends on an idle connection (the FATAL of a shutdown among them)
// reach libpq's notice processor, which would print them on stderr as they are. Called
// from libpq's C code: nothing may be thrown through it.
void log_notice(void*, const char* message) noexcept {
    try {
        std::string text = message;
        while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
            text.pop_back();
        log_debug("notice on a Citus worker connection: " + loggable(text, 300));
    } catch (...) {
        // A notice not logged (out of memory) is lost, nothing else.
    }
}

}  // namespace

std::vector<CitusNode> read_citus_workers(pqxx::connection& connection) {
    pqxx::nontransaction txn(connection);
    std::vector<CitusNode> nodes;
    if (txn.exec(kHasCitus).empty())
        return nodes;
    for (const auto& row : txn.exec(kWorkers))
        nodes.push_back({row[0].c_str(), row[1].as<int>()});
    return nodes;
}

CitusWorkerSignals::CitusWorkerSignals(std::string conninfo, Metrics& metrics)
    : conninfo_(std::move(conninfo)), metrics_(metrics) {}

CitusWorkerSignals::~CitusWorkerSignals() {
    for (auto& [node, worker] : workers_)
        close(worker);
    publish();
}

void CitusWorkerSignals::refresh(pqxx::connection& coordinator, Clock::time_point now) {
    std::vector<CitusNode> nodes;
    try {
        nodes = read_citus_workers(coordinator);
    } catch (const pqxx::broken_connection&) {
        throw;
    } catch (const std::exception& e) {
        // Not the connection's fault (a role that may not read pg_dist_node, say): keep
        // the workers known; the poll reads their tenants anyway.
        if (!read_failure_logged_) {
            log_warn(std::string("cannot read the Citus workers (signals of their tenants wait "
                                 "for the poll): ") +
                     loggable(e.what(), 300));
            read_failure_logged_ = true;
        }
        reopen(now);
        return;
    }
    read_failure_logged_ = false;
    follow(nodes, now);
}

void CitusWorkerSignals::follow(const std::vector<CitusNode>& nodes, Clock::time_point now) {
    for (auto it = workers_.begin(); it != workers_.end();) {
        if (std::find(nodes.begin(), nodes.end(), it->first) != nodes.end()) {
            ++it;
            continue;
        }
        if (it->second.connection != nullptr)
            log_info("Citus worker " + name_of(it->first) +
                     " left the cluster; not listening there any more");
        close(it->second);
        it = workers_.erase(it);
    }
    for (const CitusNode& node : nodes)
        workers_.try_emplace(node);
    reopen(now);
}

void CitusWorkerSignals::reopen(Clock::time_point now) {
    for (auto& [node, worker] : workers_) {
        if (worker.connection != nullptr && worker.connecting &&
            now - worker.started > kConnectTimeout) {
            fail(node, worker,
                 "not connected within " + std::to_string(kConnectTimeout.count()) + " s");
        }
        if (worker.connection == nullptr)
            open(node, worker, now);
    }
    publish();
}

void CitusWorkerSignals::open(const CitusNode& node, Worker& worker, Clock::time_point now) {
    auto conninfo = with_host_and_port(conninfo_, node.host, node.port);
    if (!conninfo) {
        fail(node, worker, "the connection string cannot be parsed");
        return;
    }
    // Name lookup, when the node is named by a host name, is the one step of it that waits.
    worker.connection = PQconnectStart((*conninfo + kApplicationName).c_str());
    worker.started = now;
    worker.connecting = true;
    worker.writing = true;
    worker.listening = false;
    if (worker.connection == nullptr || PQstatus(worker.connection) == CONNECTION_BAD) {
        fail(node, worker, error_of(worker.connection));
        return;
    }
    PQsetNoticeProcessor(worker.connection, log_notice, nullptr);
}

void CitusWorkerSignals::collect(std::vector<Notification>& out) {
    bool changed = false;
    for (auto& [node, worker] : workers_) {
        if (worker.connection == nullptr)
            continue;
        const bool was_listening = worker.listening;
        std::string why;
        if (!advance(worker, out, why)) {
            fail(node, worker, why);
            changed = true;
        } else if (worker.listening && !was_listening) {
            log_info(std::string("listening on udm_data on Citus worker ") + name_of(node) +
                     (worker.failure_logged ? " again" : ""));
            worker.failure_logged = false;
            changed = true;
        }
    }
    if (changed)
        publish();
}

bool CitusWorkerSignals::advance(Worker& worker, std::vector<Notification>& out, std::string& why) {
    PGconn* connection = worker.connection;
    if (worker.connecting) {
        // PQconnectPoll only once the socket is ready: a TCP connect still in progress
        // would otherwise be taken for done.
        pollfd ready = {PQsocket(connection), static_cast<short>(worker.writing ? POLLOUT : POLLIN),
                        0};
        if (ready.fd < 0) {
            why = error_of(connection);
            return false;
        }
        if (::poll(&ready, 1, 0) <= 0)
            return true;
        switch (PQconnectPoll(connection)) {
            case PGRES_POLLING_WRITING:
                worker.writing = true;
                return true;
            case PGRES_POLLING_READING:
                worker.writing = false;
                return true;
            case PGRES_POLLING_OK:
                worker.connecting = false;
                if (!PQsendQuery(connection, "LISTEN udm_data")) {
                    why = error_of(connection);
                    return false;
                }
                break;
            default:
                why = error_of(connection);
                return false;
        }
    }
    if (!PQconsumeInput(connection)) {
        why = error_of(connection);
        return false;
    }
    while (!PQisBusy(connection)) {
        PGresult* result = PQgetResult(connection);
        if (result == nullptr)
            break;
        const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        if (!ok)
            why = "LISTEN udm_data failed: " + loggable(PQresultErrorMessage(result), 300);
        PQclear(result);
        if (!ok)
            return false;
        worker.listening = true;
    }
    while (PGnotify* notification = PQnotifies(connection)) {
        out.emplace_back(notification->relname, notification->extra);
        PQfreemem(notification);
    }
    if (PQstatus(connection) == CONNECTION_BAD) {
        why = error_of(connection);
        return false;
    }
    return true;
}

void CitusWorkerSignals::add_pollfds(std::vector<pollfd>& fds) const {
    for (const auto& [node, worker] : workers_) {
        if (worker.connection == nullptr)
            continue;
        const int socket = PQsocket(worker.connection);
        if (socket < 0)
            continue;
        const bool write = worker.connecting && worker.writing;
        fds.push_back({socket, static_cast<short>(write ? POLLOUT : POLLIN), 0});
    }
}

std::size_t CitusWorkerSignals::listening() const {
    return static_cast<std::size_t>(
        std::count_if(workers_.begin(), workers_.end(), [](const auto& entry) {
            return entry.second.connection != nullptr && entry.second.listening;
        }));
}

void CitusWorkerSignals::fail(const CitusNode& node, Worker& worker, const std::string& why) {
    close(worker);
    if (worker.failure_logged)
        return;
    log_warn("cannot listen on Citus worker " + name_of(node) + " (" + why +
             "); its tenants' events come with the poll until it is back");
    worker.failure_logged = true;
}

void CitusWorkerSignals::close(Worker& worker) {
    if (worker.connection != nullptr)
        PQfinish(worker.connection);
    worker.connection = nullptr;
    worker.connecting = false;
    worker.listening = false;
}

void CitusWorkerSignals::publish() const {
    metrics_.set_db_worker_signal_connections(listening());
}

}  // namespace udm::gateway
