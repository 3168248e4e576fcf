// The database side of the gateway: one thread with one libpqxx connection that LISTENs on
// udm_schema and udm_data, polls the outbox as a fallback, loads tenants on request and
// reconnects with exponential backoff. Asio threads never wait for it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "change_feed.hpp"
#include "load_requests.hpp"
#include "metrics.hpp"
#include "tenant_loader.hpp"

namespace udm::gateway {

// Runs a ChangeFeed against a live database connection on its own thread.
class DbListener : public TenantLoader {
public:
    // Tenant loads served between two looks at the notifications.
    static constexpr std::size_t kLoadsPerTurn = 32;

    DbListener(std::string connection_string, ChangeFeed& feed, Metrics& metrics,
               std::chrono::milliseconds poll_interval);
    ~DbListener() override;
    DbListener(const DbListener&) = delete;
    DbListener& operator=(const DbListener&) = delete;

    // Starts the thread.
    void start();
    // Stops the thread and waits for it; pending requests get kUnavailable.
    void stop();

    void request_tenant(const std::string& tenant, std::function<void(LoadOutcome)> done) override;
    bool connected() const override { return connected_.load(); }

private:
    std::string connection_string_;
    ChangeFeed& feed_;
    Metrics& metrics_;
    std::chrono::milliseconds poll_interval_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> connected_{false};
    bool ever_connected_ = false;  // touched by the database thread only
    LoadRequests requests_;
    int wake_pipe_[2] = {-1, -1};  // written to wake the thread from poll()

    // The thread: connect, serve, reconnect until stopped.
    void run();
    // Serves one connection until it breaks or the listener stops.
    void serve_connection();
    // Loads the tenants asked for, at most kLoadsPerTurn of them.
    void serve_requests(Outbox& outbox);
    // Wakes the thread.
    void wake();
    // Sleeps for duration unless woken; returns early when stopping.
    void sleep_or_wake(std::chrono::milliseconds duration);
    // Waits until fd is readable, the thread is woken, or timeout passes.
    void wait_readable(int fd, std::chrono::milliseconds timeout);
    // Empties the wake pipe.
    void drain_wake_pipe();
};

}  // namespace udm::gateway
