// A bounded pool of libpq connections with worker threads that run requests on them, so
// that Asio threads never wait for the database. One instance serves the gateway's HTTP
// GraphQL requests; it is self-contained so that a pool per tenant can be made later.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>

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
// request first needs it and kept open; a broken one is closed and replaced on the next
// request. Requests that find all of them busy wait in a FIFO queue of at most queue_limit,
// each at most queue_timeout.
class DbPool {
  public:
    struct Options {
        std::string
            conninfo;  // libpq key=value string or URI (with connection_options.hpp's defaults)
        std::size_t max_connections = 10;
        std::size_t queue_limit = 1000;
        std::chrono::milliseconds queue_timeout{5000};
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

    // Queues a request: exactly one of work and refused is called, once. Never blocks on
    // the database; refused may run before submit returns (queue full, stopping).
    void submit(Work work, Refused refused);

    // Refuses waiting and new requests (kStopping); running ones go on. Does not wait.
    void shut_down();
    // shut_down(), makes running requests fail (their sockets are shut down), then waits for
    // the threads.
    void stop();

    // The counts of now, for /metrics and the shutdown's wait for running requests.
    PoolStats stats() const;
    // What the pool was made with (max_connections at least 1).
    const Options& options() const { return options_; }

  private:
    struct Entry {
        Work work;
        Refused refused;
        std::chrono::steady_clock::time_point deadline;
    };
    // What stop() needs of a worker's connection: its socket while a request runs on it.
    struct Slot {
        int socket = -1;
    };

    Options options_;
    mutable std::mutex mutex_;
    std::condition_variable work_ready_;     // workers wait for entries
    std::condition_variable queue_changed_;  // the deadline thread waits for the queue
    std::deque<Entry> queue_;
    std::vector<Slot> slots_;
    std::size_t idle_workers_ = 0;
    std::size_t in_use_ = 0;
    std::size_t open_ = 0;
    std::uint64_t refused_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
    std::thread deadlines_;

    // One worker: takes entries and runs them on its connection.
    void work_loop(std::size_t slot);
    // Refuses entries whose deadline passed.
    void deadline_loop();
    // A connection, opened without blocking stop() for longer than a poll interval; null when
    // it cannot be opened (the reason logged).
    PGconn* connect();
    // Whether an idle connection is still usable (no EOF or error waiting on its socket).
    static bool still_usable(PGconn* connection);
};

}  // namespace udm::gateway
