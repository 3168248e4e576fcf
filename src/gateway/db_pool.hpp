// A bounded pool of libpq connections with worker threads that run requests on them, so
// that Asio threads never wait for the database. One instance serves the gateway's GraphQL
// requests of every tenant: each tenant waits in a queue of its own and runs at most its
// max_connections requests at once (TenantQueues), all under the pool's own bound.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include "log.hpp"
#include "tenant_queues.hpp"

namespace udm::gateway {

// Why a request got no connection.
enum class PoolRefusal {
    kQueueFull,    // every connection busy and the queue at its limit
    kTimedOut,     // waited longer than the queue timeout
    kUnavailable,  // no connection could be opened (the database is down)
    kStopping,     // the gateway shuts down
};

// Counts for /metrics.
struct PoolStats {
    std::size_t open = 0;       // connections open
    std::size_t in_use = 0;     // requests running on a connection
    std::size_t waiting = 0;    // requests waiting for one
    std::uint64_t refused = 0;  // requests refused (queue full, timed out), ever
};

// At most max_connections connections, each opened by the worker thread that uses it when a
// request first needs it and kept open until it is unused for idle_timeout; a broken one is
// closed and replaced on the next request. A request waits in its tenant's FIFO queue (at
// most queue_limit of the tenant's wait, each at most queue_timeout) until a connection is
// free and its tenant runs fewer than the tenant's own maximum; free connections go to the
// waiting tenants in turn, so one tenant's queue never holds another's requests back.
class DbPool {
  public:
    struct Options {
        std::string
            conninfo;  // libpq key=value string or URI (with connection_options.hpp's defaults)
        std::size_t max_connections = 10;
        std::size_t queue_limit = 1000;
        std::chrono::milliseconds queue_timeout{5000};
        std::chrono::milliseconds idle_timeout{60000};
    };
    // Runs on a worker thread with an open connection, outside any transaction; must leave it
    // outside one (the pool closes a connection left broken or in a transaction).
    using Work = std::function<void(PGconn* connection)>;
    // Called instead of Work, on some thread, when the request gets no connection.
    using Refused = std::function<void(PoolRefusal)>;

    explicit DbPool(Options options);
    ~DbPool();
    DbPool(const DbPool&) = delete;
    DbPool& operator=(const DbPool&) = delete;

    // Queues a request of tenant, which may run at most tenant_max_connections requests at
    // once: exactly one of work and refused is called, once. Never blocks on the database;
    // refused may run before submit returns (queue full, stopping).
    void submit(const std::string& tenant, std::size_t tenant_max_connections, Work work,
                Refused refused);

    // Refuses waiting and new requests (kStopping); running ones go on. Does not wait.
    void shut_down();
    // shut_down(), makes running requests fail (their sockets are shut down), then waits for
    // the threads.
    void stop();

    // The counts of now, for /metrics and the shutdown's wait for running requests.
    PoolStats stats() const;
    // The requests running and waiting of each tenant that has some.
    std::map<std::string, TenantQueueCounts> tenant_counts() const;
    // What the pool was made with (max_connections at least 1).
    const Options& options() const { return options_; }

  private:
    struct Entry {
        Work work;
        Refused refused;
    };
    // What stop() needs of a worker's connection: its socket while a request runs on it.
    struct Slot {
        int socket = -1;
    };

    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable work_ready_;     // workers wait for entries
    std::condition_variable queue_changed_;  // the deadline thread waits for the queue
    TenantQueues<Entry> queues_;
    std::vector<Slot> slots_;
    std::size_t open_ = 0;
    std::uint64_t refused_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
    std::thread deadlines_;
    // Failed connection attempts: while the database is down every request makes one.
    std::mutex connect_log_mutex_;
    LogThrottle connect_log_;

    // One worker: takes entries and runs them on its connection.
    void work_loop(std::size_t slot);
    // Refuses entries whose deadline passed.
    void deadline_loop();
    // A connection, opened without blocking stop() for longer than a poll interval; null when
    // it cannot be opened (the reason logged).
    PGconn* connect();
    // Warns that a connection could not be opened, at most once a second with the number of
    // warnings left out (while the database is down, every request tries and fails).
    void warn_connect_failure(const std::string& message);
    // Whether an idle connection is still usable (no EOF or error waiting on its socket).
    static bool still_usable(PGconn* connection);
};

}  // namespace udm::gateway
