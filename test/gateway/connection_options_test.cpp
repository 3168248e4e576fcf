// The connection defaults merged into URIs and key=value strings, the user's settings kept.
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <map>

#include "connection_options.hpp"

namespace udm::gateway {
namespace {

// The settings of a connection string, as libpq parses it.
std::map<std::string, std::string> parse(const std::string& conninfo) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    if (options == nullptr) {
        std::string message = error != nullptr ? error : "unparsable";
        PQfreemem(error);
        ADD_FAILURE() << conninfo << ": " << message;
        return {};
    }
    std::map<std::string, std::string> out;
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val != nullptr)
            out[o->keyword] = o->val;
    }
    PQconninfoFree(options);
    return out;
}

// An environment without any variable.
std::optional<std::string> no_env(const std::string&) {
    return std::nullopt;
}

TEST(ConnectionOptions, AnEmptyStringGetsEveryDefaultAndNothingElse) {
    auto settings = parse(with_connection_defaults("", no_env));
    EXPECT_EQ(settings, (std::map<std::string, std::string>{{"connect_timeout", "10"},
                                                            {"keepalives", "1"},
                                                            {"keepalives_idle", "30"},
                                                            {"keepalives_interval", "10"},
                                                            {"keepalives_count", "3"},
                                                            {"tcp_user_timeout", "30000"}}));
}

TEST(ConnectionOptions, AUriKeepsItsSettingsAndGetsTheMissingDefaults) {
    auto settings = parse(with_connection_defaults(
        "postgresql://gw:p%40ss@db.example:6432/app?connect_timeout=3&keepalives_idle=5", no_env));
    EXPECT_EQ(settings["host"], "db.example");
    EXPECT_EQ(settings["port"], "6432");
    EXPECT_EQ(settings["user"], "gw");
    EXPECT_EQ(settings["password"], "p@ss");
    EXPECT_EQ(settings["dbname"], "app");
    EXPECT_EQ(settings["connect_timeout"], "3");
    EXPECT_EQ(settings["keepalives_idle"], "5");
    EXPECT_EQ(settings["keepalives"], "1");
    EXPECT_EQ(settings["tcp_user_timeout"], "30000");
}

TEST(ConnectionOptions, AKeyValueStringKeepsItsSettingsAndQuoting) {
    auto settings = parse(with_connection_defaults(
        R"(host=/tmp/sock dbname='my db' password='it\'s \\ here' keepalives=0 tcp_user_timeout=0)",
        no_env));
    EXPECT_EQ(settings["host"], "/tmp/sock");
    EXPECT_EQ(settings["dbname"], "my db");
    EXPECT_EQ(settings["password"], R"(it's \ here)");
    EXPECT_EQ(settings["keepalives"], "0");
    EXPECT_EQ(settings["tcp_user_timeout"], "0");
    EXPECT_EQ(settings["connect_timeout"], "10");
}

TEST(ConnectionOptions, PgConnectTimeoutInTheEnvironmentWins) {
    auto env = [](const std::string& name) -> std::optional<std::string> {
        if (name == "PGCONNECT_TIMEOUT")
            return std::string("60");
        return std::nullopt;
    };
    auto settings = parse(with_connection_defaults("dbname=app", env));
    EXPECT_EQ(settings.count("connect_timeout"), 0u);
    EXPECT_EQ(settings["keepalives"], "1");
}

TEST(ConnectionOptions, AStringLibpqCannotParseIsLeftForLibpqToReport) {
    EXPECT_EQ(with_connection_defaults("nonsense", no_env), "nonsense");
    EXPECT_EQ(with_connection_defaults("postgresql://h/?nope=1", no_env), "postgresql://h/?nope=1");
}

}  // namespace
}  // namespace udm::gateway
