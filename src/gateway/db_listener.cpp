// The database thread: LISTEN, poll, load tenants, reconnect with backoff, stop in bounded
// time.
#include "db_listener.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "citus_workers.hpp"
#include "connection_options.hpp"
#include "log.hpp"
#include "pg_outbox.hpp"
#include "pg_tenant_limits.hpp"

namespace udm::gateway {

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

// Collects the notifications of one channel; they are handled after get_notifs() returns,
// outside libpqxx's callback.
class Collector : public pqxx::notification_receiver {
  public:
    Collector(pqxx::connection& connection, const std::string& channel,
              std::vector<std::pair<std::string, std::string>>& out)
        : pqxx::notification_receiver(connection, channel), out_(out) {}

    // Records one notification.
    void operator()(const std::string& payload, int) override {
        out_.emplace_back(channel(), payload);
    }

  private:
    std::vector<std::pair<std::string, std::string>>& out_;
};

}  // namespace

DbListener::DbListener(std::string connection_string, ChangeFeed& feed, Metrics& metrics,
                       std::chrono::milliseconds poll_interval, TenantLimitsFollower* limits)
    : connection_string_(with_connection_defaults(connection_string)),
      feed_(feed),
      metrics_(metrics),
      limits_(limits),
      poll_interval_(poll_interval) {
    if (::pipe2(wake_pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
}

DbListener::~DbListener() {
    stop();
    ::close(wake_pipe_[0]);
    ::close(wake_pipe_[1]);
}

void DbListener::start() {
    thread_ = std::thread([this, handoff = handoff_] {
        try {
            run();
        } catch (const Abandoned&) {
            return;  // the listener may be gone: touch nothing
        }
        std::lock_guard<std::mutex> lock(handoff->mutex);
        handoff->finished = true;
        handoff->finished_changed.notify_all();
    });
}

void DbListener::stop() {
    stopping_ = true;
    wake();
    if (thread_.joinable()) {
        const auto started = std::chrono::steady_clock::now();
        std::unique_lock<std::mutex> lock(handoff_->mutex);
        auto finished = [this] { return handoff_->finished; };
        // Time to finish what it is doing and close the connection cleanly.
        if (!handoff_->finished_changed.wait_for(lock, kStopGrace, finished)) {
            // A call waiting for a database that does not answer fails now instead of when
            // keepalives or statement_timeout give up.
            if (handoff_->socket >= 0)
                ::shutdown(handoff_->socket, SHUT_RDWR);
            handoff_->finished_changed.wait_until(lock, started + kStopWait, finished);
        }
        if (!handoff_->finished && handoff_->connecting) {
            // Only a connection attempt (name lookup, TCP, the startup packet) has no socket
            // to shut down; connect_timeout ends it eventually, but the process is exiting.
            // The thread returns from it without touching the listener (see Handoff).
            handoff_->abandoned = true;
            lock.unlock();
            log_warn("the database did not answer the connection attempt within " +
                     std::to_string(kStopWait.count()) + " s of stopping; not waiting for it");
            thread_.detach();
        } else {
            // Anything else fails fast now that the socket is shut down and stopping_ is set.
            lock.unlock();
            thread_.join();
        }
    }
    requests_.fail_all(LoadOutcome::kUnavailable);
}

void DbListener::request_tenant(const std::string& tenant, std::function<void(LoadOutcome)> done) {
    if (!connected_ || stopping_) {
        done(LoadOutcome::kUnavailable);
        return;
    }
    if (requests_.add(tenant, std::move(done), LoadRequests::Clock::now()))
        wake();
}

void DbListener::wake() {
    char byte = 1;
    // A full pipe already wakes the thread, so a failed write loses nothing.
    [[maybe_unused]] auto written = ::write(wake_pipe_[1], &byte, 1);
}

void DbListener::drain_wake_pipe() {
    char buffer[64];
    while (::read(wake_pipe_[0], buffer, sizeof buffer) > 0) {
    }
}

void DbListener::wait_readable(int fd, std::chrono::milliseconds timeout,
                               std::vector<pollfd> more) {
    std::vector<pollfd> fds = {{wake_pipe_[0], POLLIN, 0}};
    if (fd >= 0)
        fds.push_back({fd, POLLIN, 0});
    fds.insert(fds.end(), more.begin(), more.end());
    int millis = static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, timeout.count()));
    if (::poll(fds.data(), fds.size(), millis) > 0 && (fds[0].revents & POLLIN))
        drain_wake_pipe();
}

void DbListener::sleep_or_wake(std::chrono::milliseconds duration) {
    auto until = std::chrono::steady_clock::now() + duration;
    while (!stopping_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return;
        wait_readable(-1, left);
        // Requests made while disconnected are answered at once.
        requests_.fail_all(LoadOutcome::kUnavailable);
    }
}

void DbListener::run() {
    auto backoff = kFirstBackoff;
    while (!stopping_) {
        try {
            serve_connection();
        } catch (const std::exception& e) {
            if (stopping_)
                break;
            if (connected_.exchange(false)) {
                backoff = kFirstBackoff;
                log_warn(std::string("database connection lost: ") + e.what());
            } else {
                log_warn(std::string("cannot connect to the database: ") + e.what() +
                         "; retrying in " + std::to_string(backoff.count()) + " ms");
            }
            metrics_.set_db_connected(false);
            requests_.fail_all(LoadOutcome::kUnavailable);
            sleep_or_wake(backoff);
            backoff = std::min(backoff * 2, kMaxBackoff);
        }
    }
    connected_ = false;
    metrics_.set_db_connected(false);
}

std::unique_ptr<pqxx::connection> DbListener::connect() {
    // Copies: once stop() gave up waiting, the listener may be gone when libpq returns.
    const std::shared_ptr<Handoff> handoff = handoff_;
    const std::string conninfo = connection_string_;
    {
        std::lock_guard<std::mutex> lock(handoff->mutex);
        if (stopping_)
            throw std::runtime_error("stopping");
        handoff->connecting = true;
    }
    std::unique_ptr<pqxx::connection> connection;
    std::exception_ptr failure;
    try {
        connection = std::make_unique<pqxx::connection>(conninfo);
    } catch (...) {
        failure = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(handoff->mutex);
    handoff->connecting = false;
    if (handoff->abandoned)
        throw Abandoned{};
    if (failure)
        std::rethrow_exception(failure);
    if (stopping_)
        throw std::runtime_error("stopping");
    // A duplicate: stop() may shut it down while libpq closes its own descriptor, without
    // the number going to another socket in between.
    handoff->socket = ::fcntl(connection->sock(), F_DUPFD_CLOEXEC, 0);
    return connection;
}

void DbListener::release_socket() {
    std::lock_guard<std::mutex> lock(handoff_->mutex);
    if (handoff_->socket >= 0)
        ::close(handoff_->socket);
    handoff_->socket = -1;
}

void DbListener::serve_connection() {
    std::unique_ptr<pqxx::connection> connection = connect();
    // Destroyed before the connection: the duplicate is closed first.
    struct SocketRelease {
        DbListener& listener;
        ~SocketRelease() { listener.release_socket(); }
    } release{*this};
    {
        pqxx::nontransaction setup(*connection);
        setup.exec("SET TimeZone = 'UTC'");
        setup.exec("SET application_name = 'udm-gateway'");
        // Bounds a query the database does not answer; a setting of the connection string,
        // the role or the database wins.
        setup.exec(std::string("SELECT pg_catalog.set_config('statement_timeout', '") +
                   kDefaultStatementTimeout +
                   "', false) WHERE pg_catalog.current_setting('statement_timeout') = '0'");
    }
    std::vector<std::pair<std::string, std::string>> notifications;
    Collector schema_channel(*connection, "udm_schema", notifications);
    Collector data_channel(*connection, "udm_data", notifications);
    PgOutbox outbox(*connection);
    PgLimitsSource limits_source(*connection);
    // On a Citus coordinator the workers send the data signals of the tenants they hold.
    // Closed with this connection, opened again after reconnecting.
    CitusWorkerSignals workers(connection_string_, metrics_);

    connected_ = true;
    metrics_.set_db_connected(true);
    if (ever_connected_)
        metrics_.db_reconnected();
    ever_connected_ = true;
    log_info("database listener connected; listening on udm_schema and udm_data");

    auto now = ChangeFeed::Clock::now();
    // Whatever was committed while disconnected is read now, from the last positions.
    feed_.catch_up_all(outbox, now);
    if (limits_)
        limits_->refresh_all(limits_source);
    workers.refresh(*connection, now);
    auto next_poll = now + poll_interval_;

    while (!stopping_) {
        serve_requests(outbox, limits_source);

        connection->get_notifs();
        workers.collect(notifications);
        for (const auto& [channel, payload] : std::exchange(notifications, {})) {
            if (log_enabled(LogLevel::kDebug))
                log_debug("notification on " + channel + ": " + loggable(payload));
            feed_.on_notification(channel, payload, outbox, ChangeFeed::Clock::now());
            if (limits_)
                limits_->on_notification(channel, payload);
        }
        if (limits_)
            limits_->refresh_signalled(limits_source);

        now = ChangeFeed::Clock::now();
        if (now >= next_poll) {
            feed_.catch_up_all(outbox, now);
            if (limits_)
                limits_->refresh_all(limits_source);
            // Nodes added or removed, and workers whose connection failed, since the last.
            workers.refresh(*connection, now);
            next_poll = now + poll_interval_;
        }
        feed_.read_due(outbox, now);
        feed_.rebuild_due(outbox, now);

        auto wake_at = next_poll;
        if (auto rebuild = feed_.next_rebuild())
            wake_at = std::min(wake_at, *rebuild);
        if (auto read = feed_.next_read())
            wake_at = std::min(wake_at, *read);
        // More loads wait than one turn takes: come back at once.
        if (requests_.waiting())
            wake_at = ChangeFeed::Clock::now();
        // A notification that arrived while this turn's queries ran is in libpq's queue, not
        // on the socket: waiting for the socket would hold it until the next poll. The
        // workers' connections run no queries, but reading them here costs nothing.
        connection->get_notifs();
        workers.collect(notifications);
        if (!notifications.empty())
            wake_at = ChangeFeed::Clock::now();
        auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
            wake_at - ChangeFeed::Clock::now());
        std::vector<pollfd> worker_sockets;
        workers.add_pollfds(worker_sockets);
        // Round up so a deadline a fraction of a millisecond away does not spin.
        wait_readable(connection->sock(), timeout + std::chrono::milliseconds(1),
                      std::move(worker_sockets));
    }
}

void DbListener::serve_requests(Outbox& outbox, LimitsSource& limits_source) {
    std::vector<std::string> loaded;
    for (const std::string& tenant : requests_.take(kLoadsPerTurn)) {
        LoadOutcome outcome = LoadOutcome::kUnavailable;
        try {
            // The limits before the schema: a request finding the schema finds its limits.
            const bool loading = !feed_.follows(tenant);
            if (limits_ && loading)
                limits_->load(tenant, limits_source);
            outcome = feed_.load(tenant, outbox, ChangeFeed::Clock::now());
            if (limits_ && loading && outcome != LoadOutcome::kReady)
                limits_->load_failed(tenant);
        } catch (...) {
            // The connection is gone: every request waiting, this one, the others taken with
            // it and those queued since, is answered before reconnecting.
            requests_.fail_all(LoadOutcome::kUnavailable);
            throw;
        }
        requests_.finish(tenant, outcome, LoadRequests::Clock::now());
        if (outcome == LoadOutcome::kReady)
            loaded.push_back(tenant);
    }
    // Once every request of this turn is answered: a request for the SDL, or for a tenant
    // loaded after a large one, does not wait for a type system it does not need.
    for (const std::string& tenant : loaded)
        feed_.complete(tenant);
}

}  // namespace udm::gateway
