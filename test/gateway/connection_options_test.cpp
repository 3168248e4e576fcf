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

TEST(ConnectionOptions, ANodeGetsItsHostAndPortAndEveryOtherSetting) {
    auto conninfo = with_host_and_port(
        R"(host=/tmp/sock port=5432 dbname='my db' user=gw password='it\'s \\ here' )"
        R"(sslmode=prefer application_name='a b' connect_timeout=10 keepalives_idle=30)",
        "10.0.0.7", 56101);
    ASSERT_TRUE(conninfo);
    EXPECT_EQ(parse(*conninfo), (std::map<std::string, std::string>{{"host", "10.0.0.7"},
                                                                    {"port", "56101"},
                                                                    {"dbname", "my db"},
                                                                    {"user", "gw"},
                                                                    {"password", R"(it's \ here)"},
                                                                    {"sslmode", "prefer"},
                                                                    {"application_name", "a b"},
                                                                    {"connect_timeout", "10"},
                                                                    {"keepalives_idle", "30"}}));
}

TEST(ConnectionOptions, ANodeOfAUriGetsItsHostAndPort) {
    auto conninfo = with_host_and_port(
        "postgresql://gw:p%40ss%20word@coordinator.example:6432/app?sslmode=require&keepalives=1",
        "worker-2.example", 5433);
    ASSERT_TRUE(conninfo);
    EXPECT_EQ(parse(*conninfo), (std::map<std::string, std::string>{{"host", "worker-2.example"},
                                                                    {"port", "5433"},
                                                                    {"user", "gw"},
                                                                    {"password", "p@ss word"},
                                                                    {"dbname", "app"},
                                                                    {"sslmode", "require"},
                                                                    {"keepalives", "1"}}));
}

TEST(ConnectionOptions, ANodeDropsHostaddrAndEveryHostOfAList) {
    // hostaddr would win over the node's host; a list of hosts is the coordinator's.
    auto settings = parse(*with_host_and_port(
        "host=a,b port=5432,5433 hostaddr=192.0.2.1,192.0.2.2 dbname=app", "127.0.0.1", 56102));
    EXPECT_EQ(settings, (std::map<std::string, std::string>{
                            {"host", "127.0.0.1"}, {"port", "56102"}, {"dbname", "app"}}));
}

TEST(ConnectionOptions, ANodeOfAnEmptyStringHasOnlyHostAndPort) {
    EXPECT_EQ(parse(*with_host_and_port("", "w1", 5432)),
              (std::map<std::string, std::string>{{"host", "w1"}, {"port", "5432"}}));
}

TEST(ConnectionOptions, ANodeNameWithQuotesAndSpacesIsQuoted) {
    EXPECT_EQ(parse(*with_host_and_port("dbname=app", R"(odd 'host\ name)", 1))["host"],
              R"(odd 'host\ name)");
}

TEST(ConnectionOptions, ANodeOfAStringLibpqCannotParseIsNothing) {
    EXPECT_FALSE(with_host_and_port("nonsense", "w1", 5432));
    EXPECT_FALSE(with_host_and_port("postgresql://h/?nope=1", "w1", 5432));
}

}  // namespace
}  // namespace udm::gateway
