// Flags and environment variables of udm-gateway.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "config.hpp"

namespace udm::gateway {
namespace {

const std::string kSecret(32, 's');

// Sources backed by maps.
ConfigSources sources(std::map<std::string, std::string> env,
                      std::map<std::string, std::string> files = {}) {
    return ConfigSources{[env](const std::string& name) -> std::optional<std::string> {
                             auto it = env.find(name);
                             if (it == env.end())
                                 return std::nullopt;
                             return it->second;
                         },
                         [files](const std::string& path) -> std::optional<std::string> {
                             auto it = files.find(path);
                             if (it == files.end())
                                 return std::nullopt;
                             return it->second;
                         }};
}

TEST(Config, DefaultsWithASecretFromTheEnvironment) {
    auto result = parse_config({}, sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}}));
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->listen_address, "127.0.0.1");
    EXPECT_EQ(result.config->port, 4040);
    EXPECT_EQ(result.config->database_url, "");
    EXPECT_EQ(result.config->jwt_secret, kSecret);
    EXPECT_EQ(result.config->init_timeout, std::chrono::milliseconds(3000));
    EXPECT_EQ(result.config->request_timeout, std::chrono::milliseconds(30000));
    EXPECT_EQ(result.config->jwt_leeway, std::chrono::milliseconds(30000));
}

TEST(Config, JwtLeewayTakesZeroAndAtMostTenMinutes) {
    auto env = sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}});
    EXPECT_EQ(parse_config({"--jwt-leeway", "0"}, env).config->jwt_leeway,
              std::chrono::milliseconds(0));
    EXPECT_EQ(parse_config({"--jwt-leeway=5s"}, env).config->jwt_leeway,
              std::chrono::milliseconds(5000));
    EXPECT_EQ(parse_config({"--jwt-leeway", "600s"}, env).config->jwt_leeway,
              std::chrono::milliseconds(600000));
    auto from_env = parse_config(
        {}, sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}, {"UDM_GATEWAY_JWT_LEEWAY", "1500ms"}}));
    ASSERT_TRUE(from_env.config) << from_env.error;
    EXPECT_EQ(from_env.config->jwt_leeway, std::chrono::milliseconds(1500));
    EXPECT_EQ(parse_config({"--jwt-leeway", "601s"}, env).error,
              "invalid value \"601s\" for --jwt-leeway: expected a duration such as 30s, 500ms "
              "or 0 (at most 10 minutes)");
    EXPECT_NE(parse_config({"--jwt-leeway", "-1s"}, env).error, "");
    EXPECT_NE(parse_config({"--jwt-leeway", "10m"}, env).error, "");
    // Zero is only for the leeway: the other durations stay positive.
    EXPECT_NE(parse_config({"--poll-interval", "0s"}, env).error, "");
    EXPECT_NE(usage().find("--jwt-leeway"), std::string::npos);
}

TEST(Config, FlagsWinOverTheEnvironmentAndBothFormsWork) {
    auto result = parse_config(
        {"--port", "8081", "--listen=::1", "--connection-init-timeout", "2s", "--queue-limit=5",
         "--log-level", "debug", "--database-url", "postgresql:///udm", "--rebuild-interval",
         "100ms", "--threads", "4", "--max-connections", "9", "--poll-interval", "750"},
        sources({{"UDM_GATEWAY_JWT_SECRET", kSecret},
                 {"UDM_GATEWAY_PORT", "9999"},
                 {"UDM_GATEWAY_DATABASE_URL", "host=x"}}));
    ASSERT_TRUE(result.config) << result.error;
    const Config& c = *result.config;
    EXPECT_EQ(c.port, 8081);
    EXPECT_EQ(c.listen_address, "::1");
    EXPECT_EQ(c.init_timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(c.queue_limit, 5u);
    EXPECT_EQ(c.log_level, LogLevel::kDebug);
    EXPECT_EQ(c.database_url, "postgresql:///udm");
    EXPECT_EQ(c.rebuild_interval, std::chrono::milliseconds(100));
    EXPECT_EQ(c.poll_interval, std::chrono::milliseconds(750));
    EXPECT_EQ(c.threads, 4u);
    EXPECT_EQ(c.max_connections, 9u);
}

TEST(Config, IntrospectionIsOnUnlessSwitchedOff) {
    auto env = sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}});
    EXPECT_TRUE(parse_config({}, env).config->introspection);
    EXPECT_FALSE(parse_config({"--introspection", "off"}, env).config->introspection);
    EXPECT_TRUE(parse_config({"--introspection=on"}, env).config->introspection);
    auto off = sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}, {"UDM_GATEWAY_INTROSPECTION", "off"}});
    EXPECT_FALSE(parse_config({}, off).config->introspection);
    auto bad = parse_config({"--introspection", "no"}, env);
    EXPECT_FALSE(bad.config);
    EXPECT_NE(bad.error.find("on or off"), std::string::npos) << bad.error;
}

TEST(Config, BoundsOfResponsesQueuesAndPendingConnections) {
    auto defaults = parse_config({}, sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}}));
    ASSERT_TRUE(defaults.config) << defaults.error;
    EXPECT_EQ(defaults.config->max_response_bytes, 8u << 20);
    EXPECT_EQ(defaults.config->max_queued_bytes, 16u << 20);
    // A quarter of --max-connections, 16 to 1024 (all of them below 16).
    EXPECT_EQ(pending_connections_limit(*defaults.config), 1024u);
    Config c = *defaults.config;
    c.max_connections = 100;
    EXPECT_EQ(pending_connections_limit(c), 25u);
    c.max_connections = 40;
    EXPECT_EQ(pending_connections_limit(c), 16u);
    c.max_connections = 5;
    EXPECT_EQ(pending_connections_limit(c), 5u);
    c.max_pending_connections = 3;
    EXPECT_EQ(pending_connections_limit(c), 3u);

    auto set = parse_config({"--max-pending-connections", "7", "--max-response-bytes", "65536",
                             "--max-queued-bytes=1048576"},
                            sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}}));
    ASSERT_TRUE(set.config) << set.error;
    EXPECT_EQ(pending_connections_limit(*set.config), 7u);
    EXPECT_EQ(set.config->max_response_bytes, 65536u);
    EXPECT_EQ(set.config->max_queued_bytes, 1048576u);
    for (auto args : std::vector<std::vector<std::string>>{{"--max-pending-connections", "0"},
                                                           {"--max-response-bytes", "1000"},
                                                           {"--max-queued-bytes", "-1"}}) {
        EXPECT_NE(parse_config(args, sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}})).error, "")
            << args[0];
    }
    EXPECT_NE(usage().find("--max-pending-connections"), std::string::npos);

    // HTTP connections waiting for a request: a bound of their own, whatever
    // --max-connections (a burst of clients opening connections at once is not cut short).
    EXPECT_EQ(c.max_idle_http_connections, 1024u);
    auto idle = parse_config({"--max-connections", "5", "--max-idle-http-connections", "64"},
                             sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}}));
    ASSERT_TRUE(idle.config) << idle.error;
    EXPECT_EQ(idle.config->max_idle_http_connections, 64u);
    EXPECT_NE(parse_config({"--max-idle-http-connections", "0"},
                           sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}}))
                  .error,
              "");
}

TEST(Config, EnvironmentIsUsedWithoutFlags) {
    auto result = parse_config({}, sources({{"UDM_GATEWAY_JWT_SECRET", kSecret},
                                            {"UDM_GATEWAY_PORT", "0"},
                                            {"UDM_GATEWAY_DATABASE_URL", "host=x"}}));
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->port, 0);
    EXPECT_EQ(result.config->database_url, "host=x");
}

TEST(Config, SecretFileWinsAndLosesItsNewline) {
    auto result =
        parse_config({"--jwt-secret-file", "/s"},
                     sources({{"UDM_GATEWAY_JWT_SECRET", "ignored"}}, {{"/s", kSecret + "\n"}}));
    ASSERT_TRUE(result.config) << result.error;
    EXPECT_EQ(result.config->jwt_secret, kSecret);
}

TEST(Config, ClearErrors) {
    auto env = sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}});
    EXPECT_EQ(parse_config({"--port", "http"}, env).error,
              "invalid value \"http\" for --port: expected an integer from 0 to 65535");
    EXPECT_EQ(parse_config({"--port", "65536"}, env).error,
              "invalid value \"65536\" for --port: expected an integer from 0 to 65535");
    EXPECT_EQ(parse_config({"--listen", "localhost"}, env).error,
              "invalid value \"localhost\" for --listen: expected an IPv4 or IPv6 address");
    EXPECT_EQ(parse_config({"--frobnicate"}, env).error,
              "unknown option \"--frobnicate\" (see --help)");
    // A mistyped option with a value: the value (a secret, say) is not echoed.
    EXPECT_EQ(parse_config({"--jwt-secret=0123456789abcdef0123456789abcdef"}, env).error,
              "unknown option \"--jwt-secret\" (see --help)");
    EXPECT_EQ(parse_config({"--port"}, env).error,
              "option --port needs a value (an integer from 0 to 65535)");
    EXPECT_NE(parse_config({"--connection-init-timeout", "0"}, env).error, "");
    EXPECT_NE(parse_config({"--connection-init-timeout", "-1s"}, env).error, "");
    EXPECT_NE(parse_config({"--request-timeout", "0"}, env).error, "");
    EXPECT_NE(parse_config({"--request-timeout", "3601s"}, env).error, "");
    auto timeout = parse_config({"--request-timeout", "1500ms"}, env);
    ASSERT_TRUE(timeout.config) << timeout.error;
    EXPECT_EQ(timeout.config->request_timeout, std::chrono::milliseconds(1500));
    EXPECT_NE(parse_config({"--queue-limit", "0"}, env).error, "");
    EXPECT_NE(parse_config({"--log-level", "loud"}, env).error, "");
    EXPECT_EQ(
        parse_config({}, sources({{"UDM_GATEWAY_PORT", "x"}, {"UDM_GATEWAY_JWT_SECRET", kSecret}}))
            .error,
        "invalid value \"x\" for UDM_GATEWAY_PORT: expected an integer from 0 to 65535");
}

TEST(Config, TheSecretIsRequiredAndLongEnough) {
    EXPECT_NE(parse_config({}, sources({})).error.find("no JWT secret"), std::string::npos);
    EXPECT_NE(
        parse_config({}, sources({{"UDM_GATEWAY_JWT_SECRET", "short"}})).error.find("at least 32"),
        std::string::npos);
    EXPECT_NE(
        parse_config({"--jwt-secret-file", "/missing"}, sources({})).error.find("cannot read"),
        std::string::npos);
}

TEST(Config, Help) {
    EXPECT_TRUE(parse_config({"--help"}, sources({})).help);
    EXPECT_TRUE(parse_config({"-h"}, sources({})).help);
    EXPECT_NE(usage().find("--jwt-secret-file"), std::string::npos);
}

TEST(Config, IdleTimeoutAndTenantSeries) {
    auto env = sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}});
    auto defaults = parse_config({}, env);
    ASSERT_TRUE(defaults.config) << defaults.error;
    EXPECT_EQ(defaults.config->db_idle_timeout, std::chrono::milliseconds(60000));
    EXPECT_EQ(defaults.config->metrics_max_tenants, 1000u);
    auto flags = parse_config({"--db-idle-timeout", "2s", "--metrics-max-tenants", "0"}, env);
    ASSERT_TRUE(flags.config) << flags.error;
    EXPECT_EQ(flags.config->db_idle_timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(flags.config->metrics_max_tenants, 0u);
    EXPECT_NE(parse_config({"--db-idle-timeout", "50ms"}, env).error, "");
    EXPECT_NE(parse_config({"--metrics-max-tenants", "100001"}, env).error, "");
}

TEST(Config, DatabasePoolAndRequestBodyBounds) {
    auto env = sources({{"UDM_GATEWAY_JWT_SECRET", kSecret}});
    auto defaults = parse_config({}, env);
    ASSERT_TRUE(defaults.config) << defaults.error;
    EXPECT_EQ(defaults.config->max_db_connections, 10u);
    EXPECT_EQ(defaults.config->db_queue_limit, 1000u);
    EXPECT_EQ(defaults.config->db_queue_timeout, std::chrono::milliseconds(5000));
    EXPECT_EQ(defaults.config->max_request_bytes, 1048576u);
    auto flags = parse_config({"--max-db-connections", "3", "--db-queue-limit=0",
                               "--db-queue-timeout", "250ms", "--max-request-bytes", "65536"},
                              env);
    ASSERT_TRUE(flags.config) << flags.error;
    EXPECT_EQ(flags.config->max_db_connections, 3u);
    EXPECT_EQ(flags.config->db_queue_limit, 0u);
    EXPECT_EQ(flags.config->db_queue_timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(flags.config->max_request_bytes, 65536u);
    auto from_env = parse_config({}, sources({{"UDM_GATEWAY_JWT_SECRET", kSecret},
                                              {"UDM_GATEWAY_MAX_DB_CONNECTIONS", "7"},
                                              {"UDM_GATEWAY_DB_QUEUE_TIMEOUT", "2s"}}));
    ASSERT_TRUE(from_env.config) << from_env.error;
    EXPECT_EQ(from_env.config->max_db_connections, 7u);
    EXPECT_EQ(from_env.config->db_queue_timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(parse_config({"--max-db-connections", "0"}, env).error,
              "invalid value \"0\" for --max-db-connections: expected an integer from 1 to 1000");
    EXPECT_NE(parse_config({"--db-queue-timeout", "0"}, env).error, "");
    EXPECT_NE(parse_config({"--max-request-bytes", "100"}, env).error, "");
    EXPECT_NE(usage().find("--max-db-connections"), std::string::npos);
}

}  // namespace
}  // namespace udm::gateway
