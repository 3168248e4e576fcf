// The connection pool of HTTP GraphQL requests: worker threads, lazily opened connections,
// a bounded queue with deadlines, and a shutdown that does not wait for the database.
#include "db_pool.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <optional>
#include <utility>

#include "connection_options.hpp"
#include "log.hpp"

namespace udm::gateway {

namespace {

// How often a connection attempt looks whether the pool stops.
constexpr int kConnectPollMs = 100;
// The connect_timeout libpq's blocking connect would use when none is set; the pool's
// non-blocking connect applies it itself.
constexpr int kDefaultConnectTimeoutSeconds = 10;

// Settings of every pooled connection: UTC as the listener has (DateTime values carry
// their offset anyway), a name in pg_stat_activity, and a bound on statements the database
// does not answer unless the connection string, the role or the database set one.
const std::string kSetup = std::string(
                               "SET TimeZone = 'UTC'; SET application_name = 'udm-gateway http'; "
                               "SELECT pg_catalog.set_config('statement_timeout', '") +
                           kDefaultStatementTimeout +
                           "', false) WHERE pg_catalog.current_setting('statement_timeout') = '0'";

// The connect_timeout of a connection being opened, in seconds.
int connect_timeout_of(PGconn* connection) {
    int seconds = kDefaultConnectTimeoutSeconds;
    PQconninfoOption* options = PQconninfo(connection);
    if (options == nullptr)
        return seconds;
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
        if (std::string_view(option->keyword) == "connect_timeout" && option->val != nullptr &&
            *option->val != '\0') {
            seconds = std::atoi(option->val);
        }
    }
    PQconninfoFree(options);
    // libpq takes values below 2 as 2 and 0 as no limit; no limit is not for a pool.
    return seconds <= 0 ? kDefaultConnectTimeoutSeconds : std::max(seconds, 2);
}

// The first line of libpq's error message of a connection, for the log.
std::string first_line(const char* message) {
    std::string text = message == nullptr ? "" : message;
    auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

}  // namespace

DbPool::DbPool(Options options) : options_(std::move(options)) {
    options_.max_connections = std::max<std::size_t>(1, options_.max_connections);
    slots_.resize(options_.max_connections);
    workers_.reserve(options_.max_connections);
    for (std::size_t i = 0; i < options_.max_connections; ++i)
        workers_.emplace_back([this, i] { work_loop(i); });
    deadlines_ = std::thread([this] { deadline_loop(); });
}

DbPool::~DbPool() {
    stop();
}

void DbPool::submit(const std::string& tenant, std::size_t tenant_max_connections, Work work,
                    Refused refused) {
    std::unique_lock<std::mutex> lock(mutex_);
    PoolRefusal refusal;
    if (stopping_) {
        refusal = PoolRefusal::kStopping;
    } else if (Entry entry{std::move(work), std::move(refused)};
               // Connections running nothing take their requests at once: only the rest wait.
               queues_.push(tenant, tenant_max_connections, options_.queue_limit,
                            options_.max_connections - queues_.running(), std::move(entry),
                            std::chrono::steady_clock::now() + options_.queue_timeout)) {
        const bool runnable = queues_.runnable();
        lock.unlock();
        if (runnable)
            work_ready_.notify_one();
        queue_changed_.notify_one();
        return;
    } else {
        // The tenant's queue is full; push() left the entry as it was.
        refused = std::move(entry.refused);
        refusal = PoolRefusal::kQueueFull;
        ++refused_;
    }
    lock.unlock();
    refused(refusal);
}

void DbPool::shut_down() {
    std::vector<Entry> waiting;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        waiting = queues_.drain();
    }
    work_ready_.notify_all();
    queue_changed_.notify_all();
    for (Entry& entry : waiting)
        entry.refused(PoolRefusal::kStopping);
}

void DbPool::stop() {
    shut_down();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        // A statement still running fails now: the worker's libpq call returns an error.
        // The worker forgets its socket under this mutex before closing it, so the number
        // cannot belong to another socket here.
        for (const Slot& slot : slots_) {
            if (slot.socket >= 0)
                ::shutdown(slot.socket, SHUT_RDWR);
        }
    }
    for (std::thread& worker : workers_) {
        if (worker.joinable())
            worker.join();
    }
    if (deadlines_.joinable())
        deadlines_.join();
}

PoolStats DbPool::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    PoolStats stats;
    stats.open = open_;
    stats.in_use = queues_.running();
    stats.waiting = queues_.waiting();
    stats.refused = refused_;
    return stats;
}

std::map<std::string, TenantQueueCounts> DbPool::tenant_counts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queues_.counts();
}

void DbPool::deadline_loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        const auto deadline = queues_.next_deadline();
        if (!deadline) {
            queue_changed_.wait(lock);
            continue;
        }
        if (std::chrono::steady_clock::now() < *deadline) {
            queue_changed_.wait_until(lock, *deadline);
            continue;
        }
        std::vector<Entry> expired = queues_.expire(std::chrono::steady_clock::now());
        refused_ += expired.size();
        lock.unlock();
        for (Entry& entry : expired)
            entry.refused(PoolRefusal::kTimedOut);
        expired.clear();
        lock.lock();
    }
}

void DbPool::work_loop(std::size_t slot) {
    PGconn* connection = nullptr;
    auto close_connection = [&] {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            slots_[slot].socket = -1;
            --open_;
        }
        PQfinish(connection);
        connection = nullptr;
    };
    auto last_used = std::chrono::steady_clock::now();
    auto has_work = [this] { return stopping_ || queues_.runnable(); };
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        if (connection == nullptr) {
            work_ready_.wait(lock, has_work);
        } else if (!work_ready_.wait_until(lock, last_used + options_.idle_timeout, has_work)) {
            // Unused for the idle timeout: a quiet gateway holds no database sessions. It is
            // opened again by the next request this worker takes.
            lock.unlock();
            close_connection();
            lock.lock();
            continue;
        }
        if (stopping_)
            break;
        auto taken = queues_.take();
        if (!taken)
            continue;  // another worker took it first
        lock.unlock();
        queue_changed_.notify_one();
        Entry entry = std::move(taken->payload);

        if (connection != nullptr && !still_usable(connection))
            close_connection();
        if (connection == nullptr) {
            connection = connect();
            if (connection != nullptr) {
                std::lock_guard<std::mutex> guard(mutex_);
                ++open_;
            }
        }
        std::optional<PoolRefusal> refused;
        {
            std::lock_guard<std::mutex> guard(mutex_);
            if (stopping_) {
                refused = PoolRefusal::kStopping;  // also when connect() gave up for it
            } else if (connection == nullptr) {
                refused = PoolRefusal::kUnavailable;
            } else {
                slots_[slot].socket = PQsocket(connection);
            }
        }
        // Neither callback may end this thread: the request is answered either way.
        try {
            if (refused) {
                entry.refused(*refused);
            } else {
                entry.work(connection);
            }
        } catch (const std::exception& e) {
            log_error(std::string("a database request failed: ") + e.what());
        } catch (...) {
            log_error("a database request failed with an unknown exception");
        }
        entry = Entry{};  // the callbacks' captures go now, not at the next request
        if (connection != nullptr && (PQstatus(connection) != CONNECTION_OK ||
                                      PQtransactionStatus(connection) != PQTRANS_IDLE)) {
            close_connection();
        }
        last_used = std::chrono::steady_clock::now();
        lock.lock();
        slots_[slot].socket = -1;
        queues_.finished(taken->tenant);
    }
    lock.unlock();
    if (connection != nullptr)
        close_connection();
}

PGconn* DbPool::connect() {
    PGconn* connection = PQconnectStart(options_.conninfo.c_str());
    if (connection == nullptr) {
        warn_connect_failure("cannot connect to the database: out of memory");
        return nullptr;
    }
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(connect_timeout_of(connection));
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (PQstatus(connection) != CONNECTION_BAD) {
        if (status == PGRES_POLLING_OK)
            break;
        if (status == PGRES_POLLING_FAILED)
            break;
        pollfd fd{PQsocket(connection),
                  static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
        int ready = 0;
        for (;;) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                if (stopping_) {
                    PQfinish(connection);
                    return nullptr;
                }
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                warn_connect_failure("cannot connect to the database: timed out");
                PQfinish(connection);
                return nullptr;
            }
            ready = ::poll(&fd, 1, kConnectPollMs);
            if (ready != 0)
                break;
        }
        status = PQconnectPoll(connection);
    }
    if (PQstatus(connection) != CONNECTION_OK) {
        warn_connect_failure("cannot connect to the database: " +
                             first_line(PQerrorMessage(connection)));
        PQfinish(connection);
        return nullptr;
    }
    PGresult* setup = PQexec(connection, kSetup.c_str());
    const bool ok = PQresultStatus(setup) == PGRES_TUPLES_OK;
    if (!ok) {
        warn_connect_failure("cannot set up a database connection: " +
                             first_line(PQresultErrorMessage(setup)));
    }
    PQclear(setup);
    if (!ok) {
        PQfinish(connection);
        return nullptr;
    }
    return connection;
}

void DbPool::warn_connect_failure(const std::string& message) {
    std::size_t suppressed = 0;
    {
        std::lock_guard<std::mutex> lock(connect_log_mutex_);
        if (!connect_log_.allow(LogThrottle::Clock::now(), suppressed))
            return;
    }
    log_warn(message + (suppressed > 0 ? " (" + std::to_string(suppressed) +
                                             " more failed attempts since the last warning)"
                                       : std::string()));
}

bool DbPool::still_usable(PGconn* connection) {
    if (PQstatus(connection) != CONNECTION_OK)
        return false;
    // An idle connection of the pool (it LISTENs on nothing) has nothing to read unless the
    // server is closing it: a restart or pg_terminate_backend sends a FATAL error, then ends
    // the stream. libpq would only notice at the next query, which would then fail.
    pollfd fd{PQsocket(connection), POLLIN, 0};
    return ::poll(&fd, 1, 0) == 0;
}

}  // namespace udm::gateway
