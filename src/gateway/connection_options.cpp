// Merging the gateway's connection defaults into the user's libpq connection string.
#include "connection_options.hpp"

#include <cstdlib>
#include <utility>
#include <vector>

#include <libpq-fe.h>

namespace udm::gateway {

namespace {

// A default setting and the environment variable through which libpq takes it, if any.
struct Default {
    const char* keyword;
    const char* value;
    const char* env;
};

// Without these, a database that accepts the connection but never answers, or a network
// that silently drops packets, keeps the gateway's only connection waiting for ever.
constexpr Default kDefaults[] = {
    {"connect_timeout", "10", "PGCONNECT_TIMEOUT"},
    {"keepalives", "1", nullptr},
    {"keepalives_idle", "30", nullptr},
    {"keepalives_interval", "10", nullptr},
    {"keepalives_count", "3", nullptr},
    {"tcp_user_timeout", "30000", nullptr},
};

// value quoted for a key=value connection string.
std::string quoted(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

// The settings conninfo gives, in libpq's order; nullopt when libpq cannot parse it.
std::optional<std::vector<std::pair<std::string, std::string>>> parsed_settings(
    const std::string& conninfo) {
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
    if (parsed == nullptr) {
        if (error != nullptr)
            PQfreemem(error);
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> settings;
    for (PQconninfoOption* option = parsed; option->keyword != nullptr; ++option) {
        if (option->val != nullptr)
            settings.emplace_back(option->keyword, option->val);
    }
    PQconninfoFree(parsed);
    return settings;
}

// settings as a key=value connection string, every value quoted.
std::string joined(const std::vector<std::pair<std::string, std::string>>& settings) {
    std::string out;
    for (const auto& [keyword, value] : settings) {
        if (!out.empty())
            out += ' ';
        out += keyword + "=" + quoted(value);
    }
    return out;
}

}  // namespace

std::string with_connection_defaults(
    const std::string& conninfo,
    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
    auto parsed = parsed_settings(conninfo);
    if (!parsed)
        return conninfo;
    std::vector<std::pair<std::string, std::string>> settings = std::move(*parsed);
    auto is_set = [&](const std::string& keyword) {
        for (const auto& setting : settings) {
            if (setting.first == keyword)
                return true;
        }
        return false;
    };
    for (const Default& d : kDefaults) {
        if (is_set(d.keyword) || (d.env != nullptr && getenv(d.env)))
            continue;
        settings.emplace_back(d.keyword, d.value);
    }
    return joined(settings);
}

std::string with_connection_defaults(const std::string& conninfo) {
    return with_connection_defaults(conninfo,
                                    [](const std::string& name) -> std::optional<std::string> {
                                        const char* value = std::getenv(name.c_str());
                                        if (value == nullptr)
                                            return std::nullopt;
                                        return std::string(value);
                                    });
}

std::optional<std::string> with_host_and_port(const std::string& conninfo, const std::string& host,
                                              int port) {
    auto parsed = parsed_settings(conninfo);
    if (!parsed)
        return std::nullopt;
    std::vector<std::pair<std::string, std::string>> settings;
    for (auto& setting : *parsed) {
        if (setting.first != "host" && setting.first != "port" && setting.first != "hostaddr")
            settings.push_back(std::move(setting));
    }
    settings.emplace_back("host", host);
    settings.emplace_back("port", std::to_string(port));
    return joined(settings);
}

}  // namespace udm::gateway
