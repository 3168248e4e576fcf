// The database side of the gateway: one thread with one libpqxx connection that LISTENs on
// udm_schema and udm_data (and, on a Citus coordinator, a connection per worker that LISTENs
// on udm_data), polls the outbox as a fallback, loads tenants on request and reconnects with
// exponential backoff. Asio threads never wait for it.
#pragma once

#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "change_feed.hpp"
#include "load_requests.hpp"
#include "metrics.hpp"
#include "tenant_limits.hpp"
#include "tenant_loader.hpp"

namespace udm::gateway {

// Runs a ChangeFeed against a live database connection on its own thread.
class DbListener : public TenantLoader {
  public:
    // How long stop() lets the thread finish on its own before it shuts the connection's
    // socket down, and how long it waits in all for a connection attempt the database does
    // not answer.
    static constexpr std::chrono::seconds kStopGrace{1};
    static constexpr std::chrono::seconds kStopWait{3};
    // Tenant loads served between two looks at the notifications.
    static constexpr std::size_t kLoadsPerTurn = 32;

    // limits, when given, is kept current beside the feed: read at each load, on signals of
    // a changed limits_version, and at every poll and reconnect.
    DbListener(std::string connection_string, ChangeFeed& feed, Metrics& metrics,
               std::chrono::milliseconds poll_interval, TenantLimitsFollower* limits = nullptr);
    ~DbListener() override;
    DbListener(const DbListener&) = delete;
    DbListener& operator=(const DbListener&) = delete;

    // Starts the thread.
    void start();
    // Stops the thread and waits for it (a blocked query is made to fail, a connection
    // attempt is waited for at most kStopWait); pending requests get kUnavailable.
    void stop();

    void request_tenant(const std::string& tenant, std::function<void(LoadOutcome)> done) override;
    bool connected() const override { return connected_.load(); }

  private:
    // What the database thread shares with stop(). The thread holds it too: when stop()
    // gives up on a connection attempt, the thread finds here, after the listener is gone,
    // that it must return without touching anything else.
    struct Handoff {
        std::mutex mutex;
        std::condition_variable finished_changed;
        int socket = -1;          // a duplicate of the open connection's socket, or -1
        bool connecting = false;  // inside libpq's connect, which nothing can interrupt
        bool abandoned = false;   // stop() stopped waiting; the listener may be gone
        bool finished = false;    // the thread is done with the listener
    };
    // Thrown to leave the thread of an abandoned listener; not a std::exception, so that
    // nothing on the way catches it.
    struct Abandoned {};

    std::string connection_string_;  // with the defaults of connection_options.hpp
    ChangeFeed& feed_;
    Metrics& metrics_;
    TenantLimitsFollower* limits_;
    std::chrono::milliseconds poll_interval_;
    std::thread thread_;
    std::shared_ptr<Handoff> handoff_ = std::make_shared<Handoff>();
    std::atomic<bool> stopping_{false};
    std::atomic<bool> connected_{false};
    bool ever_connected_ = false;  // touched by the database thread only
    LoadRequests requests_;
    int wake_pipe_[2] = {-1, -1};  // written to wake the thread from poll()

    // The thread: connect, serve, reconnect until stopped.
    void run();
    // Opens a connection and makes its socket known to stop(); throws Abandoned when stop()
    // gave up waiting meanwhile.
    std::unique_ptr<pqxx::connection> connect();
    // Forgets the socket connect() made known (before the connection closes it).
    void release_socket();
    // Serves one connection until it breaks or the listener stops.
    void serve_connection();
    // Loads the tenants asked for, at most kLoadsPerTurn of them.
    void serve_requests(Outbox& outbox, LimitsSource& limits_source);
    // Wakes the thread.
    void wake();
    // Sleeps for duration unless woken; returns early when stopping.
    void sleep_or_wake(std::chrono::milliseconds duration);
    // Waits until fd is readable, one of more is ready, the thread is woken, or timeout
    // passes.
    void wait_readable(int fd, std::chrono::milliseconds timeout, std::vector<pollfd> more = {});
    // Empties the wake pipe.
    void drain_wake_pipe();
};

}  // namespace udm::gateway
