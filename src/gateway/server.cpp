// Wiring of the gateway and its shutdown.
#include "server.hpp"

#include <algorithm>
#include <csignal>
#include <exception>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "change_feed.hpp"
#include "connection_options.hpp"
#include "db_pool.hpp"
#include "db_listener.hpp"
#include "hub.hpp"
#include "listener.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "schema_cache.hpp"
#include "services.hpp"
#include "tenant_limits.hpp"
#include "fd_limit.hpp"

namespace udm::gateway {

namespace net = boost::asio;

namespace {

// How long closing WebSockets may take at shutdown before the server stops anyway.
constexpr std::chrono::seconds kShutdownGrace{3};
constexpr std::chrono::milliseconds kShutdownCheck{50};

// Stops the io_context once every WebSocket is gone and no HTTP GraphQL request runs in the
// database, or the grace period is over.
void stop_when_drained(net::steady_timer& timer, net::io_context& ioc, Hub& hub, DbPool& pool,
                       std::chrono::steady_clock::time_point deadline) {
    const std::size_t running = pool.stats().in_use;
    if ((hub.size() == 0 && running == 0) || std::chrono::steady_clock::now() >= deadline) {
        if (hub.size() > 0)
            log_warn(std::to_string(hub.size()) + " connection(s) did not close in time");
        if (running > 0)
            log_warn(std::to_string(running) + " GraphQL request(s) did not finish in time");
        ioc.stop();
        return;
    }
    timer.expires_after(kShutdownCheck);
    timer.async_wait([&timer, &ioc, &hub, &pool, deadline](boost::system::error_code) {
        stop_when_drained(timer, ioc, hub, pool, deadline);
    });
}

// Runs ioc on this thread until it is stopped. An exception escaping a handler is logged and
// the thread serves on: it must not end the thread (std::terminate) or skip the others'
// handlers (Asio's advice for handlers that can throw).
void run_io(net::io_context& ioc) noexcept {
    for (;;) {
        try {
            ioc.run();
            return;
        } catch (const std::exception& e) {
            log_error(std::string("a connection handler failed: ") + e.what());
        } catch (...) {
            log_error("a connection handler failed with an unknown exception");
        }
    }
}

}  // namespace

int run_server(const Config& config, SchemaBuilder builder) {
    // Declared before the io_context: sessions destroyed with it still reach them.
    Metrics metrics;
    SchemaCache schemas;
    Hub hub(config.queue_limit);
    ConnectionSlots slots(config.max_connections);
    PendingConnections pending(pending_connections_limit(config));
    PendingConnections idle_http(config.max_idle_http_connections);
    ThingSelections thing_selections(config.max_thing_selections);
    ChangeFeed feed(std::move(builder), schemas, hub, metrics, config.rebuild_interval,
                    &thing_selections);
    TenantLimitsRegistry limits;
    TenantLimitsFollower limits_follower(limits);
    DbListener db(config.database_url, feed, metrics, config.poll_interval, &limits_follower);
    DbPool pool(DbPool::Options{with_connection_defaults(config.database_url),
                                config.max_db_connections, config.db_queue_limit,
                                config.db_queue_timeout, config.db_idle_timeout});
    metrics.set_pool_source([&pool] {
        PoolStats stats = pool.stats();
        return Metrics::PoolGauges{stats.open, stats.in_use, stats.waiting, stats.refused};
    });
    metrics.set_tenant_pool_source([&pool] { return pool.tenant_counts(); });
    metrics.set_max_tenant_series(config.metrics_max_tenants);
    PersistedQueries persisted_queries;
    Services services{config,
                      metrics,
                      hub,
                      schemas,
                      db,
                      slots,
                      pending,
                      idle_http,
                      pool,
                      persisted_queries,
                      thing_selections,
                      limits};

    net::io_context ioc(static_cast<int>(config.threads));
    hub.fan_out_on(ioc, config.threads);
    std::shared_ptr<Listener> listener;
    try {
        net::ip::tcp::endpoint endpoint(net::ip::make_address(config.listen_address), config.port);
        listener = std::make_shared<Listener>(ioc, endpoint, services);
    } catch (const boost::system::system_error& e) {
        log_error("cannot listen on " + config.listen_address + ":" + std::to_string(config.port) +
                  ": " + e.code().message());
        return 1;
    }
    auto bound = listener->local_endpoint();
    log_info("listening on http://" + bound.address().to_string() + ":" +
             std::to_string(bound.port()));

    db.start();
    listener->run();

    // Connections whose oldest waiting event waited too long are cut off, so that they stop
    // holding their tenant's window.
    net::steady_timer sweep_timer(ioc);
    const auto sweep_every = std::clamp<std::chrono::steady_clock::duration>(
        config.slow_consumer_timeout / 4, std::chrono::milliseconds(10), std::chrono::seconds(1));
    std::function<void()> schedule_sweep = [&] {
        sweep_timer.expires_after(sweep_every);
        sweep_timer.async_wait([&](boost::system::error_code ec) {
            if (ec)
                return;
            std::size_t cut =
                hub.sweep(std::chrono::steady_clock::now(), config.slow_consumer_timeout);
            for (std::size_t i = 0; i < cut; ++i)
                metrics.slow_consumer_closed();
            schedule_sweep();
        });
    };
    schedule_sweep();

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    net::steady_timer drain_timer(ioc);
    signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec)
            return;
        log_info(std::string("received ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") +
                 ", shutting down");
        listener->stop();
        sweep_timer.cancel();
        hub.shut_down_all();
        // Waiting requests get 503; running ones may finish within the grace period.
        pool.shut_down();
        stop_when_drained(drain_timer, ioc, hub, pool,
                          std::chrono::steady_clock::now() + kShutdownGrace);
    });

    std::vector<std::thread> threads;
    for (unsigned i = 1; i < config.threads; ++i)
        threads.emplace_back([&ioc] { run_io(ioc); });
    run_io(ioc);
    for (auto& thread : threads)
        thread.join();
    // Before the io_context goes: a request still running fails now (its socket is shut
    // down), and its answer is dropped with the io_context's handlers.
    pool.stop();
    metrics.set_pool_source(nullptr);
    metrics.set_tenant_pool_source(nullptr);
    db.stop();
    log_info("stopped");
    return 0;
}

int gateway_main(int argc, char** argv, SchemaBuilder builder) {
    return gateway_main(argc, argv, [&builder](const Config&) { return std::move(builder); });
}

int gateway_main(int argc, char** argv,
                 const std::function<SchemaBuilder(const Config&)>& make_builder) {
    std::vector<std::string> args(argv + 1, argv + argc);
    ConfigResult parsed = parse_config(args, process_sources());
    if (parsed.help) {
        std::cout << usage();
        return 0;
    }
    if (!parsed.config) {
        std::cerr << "udm-gateway: error: " << parsed.error << "\n";
        return 2;
    }
    set_log_level(parsed.config->log_level);
    prepare_fd_limit(parsed.config->max_connections);
    return run_server(*parsed.config, make_builder(*parsed.config));
}

}  // namespace udm::gateway
