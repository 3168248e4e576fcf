// Command-line flags and environment variables of udm-gateway.
#include "config.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace udm::gateway {

namespace {

// Shortest secret accepted: RFC 7518 asks for an HS256 key of at least the hash size.
constexpr std::size_t kMinSecretBytes = 32;

constexpr unsigned long long kHourMs = 3600ULL * 1000;

// An unsigned integer in [min, max], or nullopt.
std::optional<unsigned long long> parse_unsigned(const std::string& text, unsigned long long min,
                                                 unsigned long long max) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    errno = 0;
    char* end = nullptr;
    unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || value < min || value > max)
        return std::nullopt;
    return value;
}

// A duration: "250" or "250ms" (milliseconds) or "3s", from min_ms (1 unless given) to
// max_ms (one hour unless given).
std::optional<std::chrono::milliseconds> parse_duration(std::string text,
                                                        unsigned long long min_ms = 1,
                                                        unsigned long long max_ms = kHourMs) {
    unsigned long long scale = 1;
    if (text.size() > 2 && text.compare(text.size() - 2, 2, "ms") == 0) {
        text.resize(text.size() - 2);
    } else if (text.size() > 1 && text.back() == 's') {
        text.pop_back();
        scale = 1000;
    }
    auto value = parse_unsigned(text, 0, max_ms);
    if (!value || *value * scale < min_ms || *value * scale > max_ms)
        return std::nullopt;
    return std::chrono::milliseconds(*value * scale);
}

// One setting: its flag, its environment variable and how a value is applied.
struct Option {
    const char* flag;
    const char* env;
    const char* expected;  // completes "expected ..." in error messages
    std::function<bool(Config&, const std::string&)> apply;
};

// Every setting that takes a value.
std::vector<Option> options() {
    return {
        {"--listen", "UDM_GATEWAY_LISTEN", "an IPv4 or IPv6 address",
         [](Config& c, const std::string& v) {
             boost::system::error_code ec;
             boost::asio::ip::make_address(v, ec);
             if (ec)
                 return false;
             c.listen_address = v;
             return true;
         }},
        {"--port", "UDM_GATEWAY_PORT", "an integer from 0 to 65535",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 0, 65535);
             if (!n)
                 return false;
             c.port = static_cast<std::uint16_t>(*n);
             return true;
         }},
        {"--database-url", "UDM_GATEWAY_DATABASE_URL", "a libpq connection string or URI",
         [](Config& c, const std::string& v) {
             c.database_url = v;
             return true;
         }},
        {"--connection-init-timeout", "UDM_GATEWAY_CONNECTION_INIT_TIMEOUT",
         "a duration such as 3000, 3000ms or 3s (at most 1 hour)",
         [](Config& c, const std::string& v) {
             auto d = parse_duration(v);
             if (!d)
                 return false;
             c.init_timeout = *d;
             return true;
         }},
        {"--request-timeout", "UDM_GATEWAY_REQUEST_TIMEOUT",
         "a duration such as 30000, 30000ms or 30s (at most 1 hour)",
         [](Config& c, const std::string& v) {
             auto d = parse_duration(v);
             if (!d)
                 return false;
             c.request_timeout = *d;
             return true;
         }},
        {"--jwt-leeway", "UDM_GATEWAY_JWT_LEEWAY",
         "a duration such as 30s, 500ms or 0 (at most 10 minutes)",
         [](Config& c, const std::string& v) {
             auto d = parse_duration(v, 0, 600ULL * 1000);
             if (!d)
                 return false;
             c.jwt_leeway = *d;
             return true;
         }},
        {"--queue-limit", "UDM_GATEWAY_QUEUE_LIMIT", "an integer from 1 to 1000000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 1, 1000000);
             if (!n)
                 return false;
             c.queue_limit = *n;
             return true;
         }},
        {"--max-connections", "UDM_GATEWAY_MAX_CONNECTIONS", "an integer from 1 to 1000000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 1, 1000000);
             if (!n)
                 return false;
             c.max_connections = *n;
             return true;
         }},
        {"--max-pending-connections", "UDM_GATEWAY_MAX_PENDING_CONNECTIONS",
         "an integer from 1 to 1000000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 1, 1000000);
             if (!n)
                 return false;
             c.max_pending_connections = *n;
             return true;
         }},
        {"--max-idle-http-connections", "UDM_GATEWAY_MAX_IDLE_HTTP_CONNECTIONS",
         "an integer from 1 to 1000000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 1, 1000000);
             if (!n)
                 return false;
             c.max_idle_http_connections = *n;
             return true;
         }},
        {"--max-response-bytes", "UDM_GATEWAY_MAX_RESPONSE_BYTES",
         "an integer from 65536 to 1073741824",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 65536, 1ULL << 30);
             if (!n)
                 return false;
             c.max_response_bytes = *n;
             return true;
         }},
        {"--max-queued-bytes", "UDM_GATEWAY_MAX_QUEUED_BYTES",
         "an integer from 65536 to 4294967296",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 65536, 1ULL << 32);
             if (!n)
                 return false;
             c.max_queued_bytes = *n;
             return true;
         }},
        {"--max-subscriptions", "UDM_GATEWAY_MAX_SUBSCRIPTIONS", "an integer from 1 to 10000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 1, 10000);
             if (!n)
                 return false;
             c.max_subscriptions = *n;
             return true;
         }},
        {"--max-thing-selections", "UDM_GATEWAY_MAX_THING_SELECTIONS", "an integer from 1 to 10000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 1, 10000);
             if (!n)
                 return false;
             c.max_thing_selections = *n;
             return true;
         }},
        {"--slow-consumer-timeout", "UDM_GATEWAY_SLOW_CONSUMER_TIMEOUT",
         "a duration such as 5000, 5000ms or 5s (at most 1 hour)",
         [](Config& c, const std::string& v) {
             auto d = parse_duration(v);
             if (!d)
                 return false;
             c.slow_consumer_timeout = *d;
             return true;
         }},
        {"--max-db-connections", "UDM_GATEWAY_MAX_DB_CONNECTIONS", "an integer from 1 to 1000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 1, 1000);
             if (!n)
                 return false;
             c.max_db_connections = *n;
             return true;
         }},
        {"--db-queue-limit", "UDM_GATEWAY_DB_QUEUE_LIMIT", "an integer from 0 to 100000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 0, 100000);
             if (!n)
                 return false;
             c.db_queue_limit = *n;
             return true;
         }},
        {"--db-queue-timeout", "UDM_GATEWAY_DB_QUEUE_TIMEOUT",
         "a duration such as 5000, 5000ms or 5s (at most 10 minutes)",
         [](Config& c, const std::string& v) {
             auto d = parse_duration(v, 1, 600ULL * 1000);
             if (!d)
                 return false;
             c.db_queue_timeout = *d;
             return true;
         }},
        {"--db-idle-timeout", "UDM_GATEWAY_DB_IDLE_TIMEOUT",
         "a duration such as 60000, 60000ms or 60s (at least 100ms, at most 1 hour)",
         [](Config& c, const std::string& v) {
             auto d = parse_duration(v, 100);
             if (!d)
                 return false;
             c.db_idle_timeout = *d;
             return true;
         }},
        {"--metrics-max-tenants", "UDM_GATEWAY_METRICS_MAX_TENANTS", "an integer from 0 to 100000",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 0, 100000);
             if (!n)
                 return false;
             c.metrics_max_tenants = *n;
             return true;
         }},
        {"--max-request-bytes", "UDM_GATEWAY_MAX_REQUEST_BYTES", "an integer from 8192 to 67108864",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 8192, 64ULL << 20);
             if (!n)
                 return false;
             c.max_request_bytes = *n;
             return true;
         }},
        {"--log-level", "UDM_GATEWAY_LOG_LEVEL", "one of debug, info, warn, error",
         [](Config& c, const std::string& v) {
             auto level = parse_log_level(v);
             if (!level)
                 return false;
             c.log_level = *level;
             return true;
         }},
        {"--poll-interval", "UDM_GATEWAY_POLL_INTERVAL",
         "a duration such as 2000, 2000ms or 2s (at most 1 hour)",
         [](Config& c, const std::string& v) {
             auto d = parse_duration(v);
             if (!d)
                 return false;
             c.poll_interval = *d;
             return true;
         }},
        {"--rebuild-interval", "UDM_GATEWAY_REBUILD_INTERVAL",
         "a duration such as 250, 250ms or 1s (at most 1 hour)",
         [](Config& c, const std::string& v) {
             auto d = parse_duration(v);
             if (!d)
                 return false;
             c.rebuild_interval = *d;
             return true;
         }},
        {"--introspection", "UDM_GATEWAY_INTROSPECTION", "on or off",
         [](Config& c, const std::string& v) {
             if (v != "on" && v != "off")
                 return false;
             c.introspection = v == "on";
             return true;
         }},
        {"--threads", "UDM_GATEWAY_THREADS", "an integer from 1 to 64",
         [](Config& c, const std::string& v) {
             auto n = parse_unsigned(v, 1, 64);
             if (!n)
                 return false;
             c.threads = static_cast<unsigned>(*n);
             return true;
         }},
        {"--jwt-secret-file", "UDM_GATEWAY_JWT_SECRET_FILE", "a readable file",
         // Resolved after parsing (the file is read once, below).
         [](Config&, const std::string&) { return true; }},
    };
}

// Strips trailing CR/LF, as a secret file usually ends with a newline.
std::string chomp(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

}  // namespace

std::size_t pending_connections_limit(const Config& config) {
    if (config.max_pending_connections > 0)
        return config.max_pending_connections;
    const std::size_t floor = std::min<std::size_t>(16, config.max_connections);
    return std::clamp<std::size_t>(config.max_connections / 4, floor, 1024);
}

ConfigSources process_sources() {
    return ConfigSources{
        [](const std::string& name) -> std::optional<std::string> {
            const char* value = std::getenv(name.c_str());
            if (value == nullptr)
                return std::nullopt;
            return std::string(value);
        },
        [](const std::string& path) -> std::optional<std::string> {
            std::ifstream in(path, std::ios::binary);
            if (!in)
                return std::nullopt;
            std::ostringstream text;
            text << in.rdbuf();
            if (in.bad())
                return std::nullopt;
            return text.str();
        },
    };
}

ConfigResult parse_config(const std::vector<std::string>& args, const ConfigSources& sources) {
    ConfigResult result;
    Config config;
    auto all = options();
    std::vector<std::optional<std::string>> flag_values(all.size());

    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            result.help = true;
            return result;
        }
        std::string name = arg;
        std::optional<std::string> value;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        std::size_t index = 0;
        while (index < all.size() && name != all[index].flag)
            ++index;
        if (index == all.size()) {
            // The name only: the value of a mistyped --jwt-secret=... must not reach the log.
            result.error = "unknown option \"" + name + "\" (see --help)";
            return result;
        }
        if (!value) {
            if (i + 1 == args.size()) {
                result.error = "option " + name + " needs a value (" + all[index].expected + ")";
                return result;
            }
            value = args[++i];
        }
        flag_values[index] = value;
    }

    std::optional<std::string> secret_file;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const Option& option = all[i];
        std::optional<std::string> value = flag_values[i];
        std::string source = option.flag;
        if (!value) {
            value = sources.getenv(option.env);
            source = option.env;
        }
        if (!value)
            continue;
        if (std::string_view(option.flag) == "--jwt-secret-file") {
            secret_file = value;
            continue;
        }
        if (!option.apply(config, *value)) {
            result.error =
                "invalid value \"" + *value + "\" for " + source + ": expected " + option.expected;
            return result;
        }
    }

    if (secret_file) {
        auto text = sources.read_file(*secret_file);
        if (!text) {
            result.error = "cannot read the JWT secret file \"" + *secret_file + "\"";
            return result;
        }
        config.jwt_secret = chomp(*text);
    } else if (auto secret = sources.getenv("UDM_GATEWAY_JWT_SECRET")) {
        config.jwt_secret = *secret;
    } else {
        result.error =
            "no JWT secret: give --jwt-secret-file, UDM_GATEWAY_JWT_SECRET_FILE or "
            "UDM_GATEWAY_JWT_SECRET";
        return result;
    }
    if (config.jwt_secret.size() < kMinSecretBytes) {
        result.error = "the JWT secret is " + std::to_string(config.jwt_secret.size()) +
                       " bytes long; HS256 needs at least " + std::to_string(kMinSecretBytes);
        return result;
    }
    result.config = std::move(config);
    return result;
}

std::string usage() {
    return R"(usage: udm-gateway [options]

Serves udm's GraphQL SDL, GraphQL queries over HTTP and GraphQL subscriptions
(graphql-transport-ws) per tenant.

Every option can also be set by the environment variable named after it; flags win.

  --listen ADDR                  address to listen on (UDM_GATEWAY_LISTEN; default 127.0.0.1)
  --port N                       TCP port, 0 for any free one (UDM_GATEWAY_PORT; default 4040)
  --database-url URL             libpq connection string or URI (UDM_GATEWAY_DATABASE_URL);
                                 default: the PGHOST, PGPORT, PGDATABASE, ... variables
  --jwt-secret-file PATH         file holding the HS256 secret, at least 32 bytes
                                 (UDM_GATEWAY_JWT_SECRET_FILE); or the secret itself in
                                 UDM_GATEWAY_JWT_SECRET
  --jwt-leeway D                 accept tokens up to D after their exp and D before their nbf,
                                 for clocks that disagree, at most 10 minutes
                                 (UDM_GATEWAY_JWT_LEEWAY; default 30s)
  --connection-init-timeout D    wait for connection_init at most D (default 3s)
                                 (UDM_GATEWAY_CONNECTION_INIT_TIMEOUT)
  --request-timeout D            an HTTP request's header and body must arrive within D of
                                 the connection or the previous answer, else the connection
                                 is closed (UDM_GATEWAY_REQUEST_TIMEOUT; default 30s)
  --queue-limit N                events kept per tenant for its slowest subscriber, and
                                 messages queued per connection (UDM_GATEWAY_QUEUE_LIMIT;
                                 default 10000); further events wait in the outbox
  --slow-consumer-timeout D      close a connection whose oldest waiting event waited longer
                                 (UDM_GATEWAY_SLOW_CONSUMER_TIMEOUT; default 5s)
  --max-connections N            open WebSocket connections at most (default 10000)
                                 (UDM_GATEWAY_MAX_CONNECTIONS)
  --max-pending-connections N    connections waiting for their connection_init at most; the
                                 oldest is closed for a new one (default: a quarter of
                                 --max-connections, 16 to 1024) (UDM_GATEWAY_MAX_PENDING_CONNECTIONS)
  --max-idle-http-connections N  HTTP connections without a request being served (waiting
                                 for one or reading one) at most; the oldest is closed for a
                                 new one (UDM_GATEWAY_MAX_IDLE_HTTP_CONNECTIONS; default 1024)
  --max-response-bytes N         largest response built for a client, unless the SDL alone is
                                 larger (UDM_GATEWAY_MAX_RESPONSE_BYTES; default 8388608)
  --max-queued-bytes N           bytes of answers queued per connection before it is closed as
                                 a slow consumer (UDM_GATEWAY_MAX_QUEUED_BYTES; default 16777216)
  --max-subscriptions N          subscriptions per connection at most (default 100)
                                 (UDM_GATEWAY_MAX_SUBSCRIPTIONS)
  --max-thing-selections N       distinct subscriptions selecting their events' thing, per
                                 tenant (UDM_GATEWAY_MAX_THING_SELECTIONS; default 100)
  --max-db-connections N         database connections of GraphQL requests at most, shared by
                                 the tenants, each held to its max_connections
                                 (UDM_GATEWAY_MAX_DB_CONNECTIONS; default 10)
  --db-queue-limit N             GraphQL requests of one tenant waiting for a connection at
                                 most; more get 503 (UDM_GATEWAY_DB_QUEUE_LIMIT; default 1000)
  --db-queue-timeout D           a request waiting longer for a connection gets 503
                                 (UDM_GATEWAY_DB_QUEUE_TIMEOUT; default 5s)
  --db-idle-timeout D            close a database connection unused this long
                                 (UDM_GATEWAY_DB_IDLE_TIMEOUT; default 60s)
  --metrics-max-tenants N        tenants with label sets of their own in /metrics; the others
                                 are summed as tenant="_other"
                                 (UDM_GATEWAY_METRICS_MAX_TENANTS; default 1000)
  --max-request-bytes N          largest body of a POST /graphql/<tenant>; larger gets 413
                                 (UDM_GATEWAY_MAX_REQUEST_BYTES; default 1048576)
  --log-level L                  debug, info, warn or error (UDM_GATEWAY_LOG_LEVEL; default info)
  --poll-interval D              read the outbox this often without a notification
                                 (UDM_GATEWAY_POLL_INTERVAL; default 2s)
  --rebuild-interval D           rebuild a tenant's schema at most this often
                                 (UDM_GATEWAY_REBUILD_INTERVAL; default 250ms)
  --threads N                    threads serving connections (UDM_GATEWAY_THREADS; default 2)
  --introspection on|off         whether clients may query __schema and __type
                                 (UDM_GATEWAY_INTROSPECTION; default on)
  -h, --help                     this text

Durations are milliseconds ("250", "250ms") or seconds ("3s").
)";
}

}  // namespace udm::gateway
