// The libpq connection settings the gateway's database connection needs to notice a dead
// database or network in bounded time, added to what the user configured.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace udm::gateway {

// The statement_timeout the gateway sets on its connection when nobody else set one (not
// in the connection string: a role's or database's setting wins too).
inline constexpr const char* kDefaultStatementTimeout = "30s";

// conninfo (a libpq URI or key=value string, possibly empty) as a key=value string with
// connect_timeout=10, keepalives=1, keepalives_idle=30, keepalives_interval=10,
// keepalives_count=3 and tcp_user_timeout=30000 added where it does not set them
// (connect_timeout also not when PGCONNECT_TIMEOUT is set). A string libpq cannot parse
// comes back unchanged, so that connecting reports the error.
std::string with_connection_defaults(
    const std::string& conninfo,
    const std::function<std::optional<std::string>(const std::string&)>& getenv);

// The same with the process environment.
std::string with_connection_defaults(const std::string& conninfo);

// conninfo (a libpq URI or key=value string) as a key=value string that reaches host:port
// instead (another node of the same cluster, such as a Citus worker): host and port
// replaced, hostaddr dropped (it would win over host), every other setting kept as given.
// nullopt when libpq cannot parse conninfo.
std::optional<std::string> with_host_and_port(const std::string& conninfo, const std::string& host,
                                              int port);

}  // namespace udm::gateway
