// The graphql-transport-ws state machine, driven without sockets.
#include <gtest/gtest.h>

#include "fake_engine.hpp"
#include "protocol.hpp"

namespace udm::gateway {
namespace {

using nlohmann::json;

// A handler whose auth accepts token "good", forbids "other" and refuses the rest.
class ProtocolTest : public ::testing::Test {
  protected:
    std::shared_ptr<const TenantSchema> schema = testing::fake_schema_builder()(json::object(), 7);
    ProtocolHandler handler{
        ProtocolHandler::Context{[](const json& payload) {
                                     std::string token = payload.value("token", "");
                                     if (token == "good")
                                         return AuthDecision{AuthOutcome::kAccepted, {}};
                                     if (token == "other")
                                         return AuthDecision{AuthOutcome::kForbidden, "other"};
                                     return AuthDecision{AuthOutcome::kUnauthorized, "bad"};
                                 },
                                 [this] { return schema; }}};

    ProtocolEffects send(const json& message) { return handler.on_message(message.dump()); }
    void ack() {
        auto effects = send({{"type", "connection_init"}, {"payload", {{"token", "good"}}}});
        ASSERT_TRUE(effects.acknowledged);
    }
    static json frame(const ProtocolEffects& effects, std::size_t i) {
        return json::parse(effects.frames.at(i));
    }
    static int close_code_of(const ProtocolEffects& effects) {
        return effects.close ? effects.close->code : 0;
    }
};

TEST_F(ProtocolTest, InitIsAcknowledged) {
    auto effects = send({{"type", "connection_init"}, {"payload", {{"token", "good"}}}});
    ASSERT_EQ(effects.frames.size(), 1u);
    EXPECT_EQ(frame(effects, 0), json({{"type", "connection_ack"}}));
    EXPECT_FALSE(effects.close);
}

TEST_F(ProtocolTest, RefusedAuthCloses4401) {
    auto effects = send({{"type", "connection_init"}, {"payload", {{"token", "bad"}}}});
    EXPECT_EQ(close_code_of(effects), 4401);
    EXPECT_EQ(effects.close->reason, "Unauthorized");
    EXPECT_FALSE(handler.acknowledged());
}

TEST_F(ProtocolTest, ForbiddenTenantCloses4403) {
    auto effects = send({{"type", "connection_init"}, {"payload", {{"token", "other"}}}});
    EXPECT_EQ(close_code_of(effects), 4403);
    EXPECT_EQ(effects.close->reason, "Forbidden");
}

TEST_F(ProtocolTest, SecondInitCloses4429) {
    ack();
    auto effects = send({{"type", "connection_init"}});
    EXPECT_EQ(close_code_of(effects), 4429);
    EXPECT_EQ(effects.close->reason, "Too many initialisation requests");
}

TEST_F(ProtocolTest, InitTimeoutCloses4408OnlyWithoutInit) {
    EXPECT_EQ(close_code_of(handler.on_init_timeout()), 4408);
    ProtocolHandler other{
        ProtocolHandler::Context{[](const json&) {
                                     return AuthDecision{AuthOutcome::kAccepted, {}};
                                 },
                                 [this] { return schema; }}};
    other.on_message(R"({"type":"connection_init"})");
    EXPECT_FALSE(other.on_init_timeout().close);
}

TEST_F(ProtocolTest, SubscribeBeforeAckCloses4401) {
    auto effects = send({{"id", "1"}, {"type", "subscribe"}, {"payload", {{"query", "{ sdl }"}}}});
    EXPECT_EQ(close_code_of(effects), 4401);
    EXPECT_EQ(effects.close->reason, "Unauthorized");
}

TEST_F(ProtocolTest, InvalidMessagesClose4400WithAReason) {
    EXPECT_EQ(close_code_of(handler.on_message("{oops")), 4400);
    ProtocolHandler h2{ProtocolHandler::Context{[](const json&) {
                                                    return AuthDecision{AuthOutcome::kAccepted, {}};
                                                },
                                                [this] { return schema; }}};
    auto effects = h2.on_message(R"({"type":"nope"})");
    EXPECT_EQ(close_code_of(effects), 4400);
    EXPECT_EQ(effects.close->reason, "Invalid message 'type' property \"nope\"");
}

// Copies and dump() of nlohmann::json recurse: a deep message must be refused before any
// copy (a 100,000-deep ping crashed the gateway with a stack overflow).
TEST_F(ProtocolTest, DeeplyNestedMessagesClose4400BeforeAuth) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    for (const std::string& text :
         {R"({"type":"ping","payload":{"a":)" + deep + "}}",
          R"({"type":"connection_init","payload":{"token":)" + deep + "}}",
          R"({"id":"1","type":"subscribe","payload":{"query":"{ sdl }","variables":{"v":)" + deep +
              "}}}"}) {
        ProtocolHandler fresh{
            ProtocolHandler::Context{[](const json&) {
                                         return AuthDecision{AuthOutcome::kAccepted, {}};
                                     },
                                     [this] { return schema; }}};
        auto effects = fresh.on_message(text);
        EXPECT_EQ(close_code_of(effects), 4400);
        EXPECT_EQ(effects.close->reason,
                  "Invalid message received: nested more than 64 levels deep");
        EXPECT_TRUE(effects.frames.empty());
    }
    // 64 levels are fine, and brackets inside strings (escaped quotes too) do not count.
    const std::string deep64 = std::string(62, '[') + std::string(62, ']');
    auto pong = handler.on_message(R"({"type":"ping","payload":{"a":)" + deep64 + "}}");
    EXPECT_FALSE(pong.close);
    ASSERT_EQ(pong.frames.size(), 1u);
    EXPECT_EQ(frame(pong, 0)["payload"]["a"].dump(), deep64);
    const std::string quoted = R"("\"[[[[)" + std::string(1000, '{') + R"(")";
    auto pong2 = handler.on_message(R"({"type":"ping","payload":{"a":)" + quoted + "}}");
    EXPECT_FALSE(pong2.close);
    ASSERT_EQ(pong2.frames.size(), 1u);
}

TEST(MessageViolation, FollowsGraphqlWsValidateMessage) {
    EXPECT_FALSE(message_violation(json::parse(R"({"type":"connection_init"})")));
    EXPECT_FALSE(message_violation(json::parse(R"({"type":"ping","payload":null})")));
    EXPECT_TRUE(message_violation(json::parse(R"([])")));
    EXPECT_TRUE(message_violation(json::parse(R"({})")));
    EXPECT_TRUE(message_violation(json::parse(R"({"type":1})")));
    EXPECT_TRUE(message_violation(json::parse(R"({"type":"ping","payload":"x"})")));
    EXPECT_TRUE(message_violation(json::parse(R"({"type":"subscribe","payload":{"query":"q"}})")));
    EXPECT_TRUE(
        message_violation(json::parse(R"({"type":"subscribe","id":"","payload":{"query":"q"}})")));
    EXPECT_TRUE(message_violation(json::parse(R"({"type":"subscribe","id":"1","payload":{}})")));
    EXPECT_TRUE(message_violation(
        json::parse(R"({"type":"subscribe","id":"1","payload":{"query":"q","variables":[]}})")));
    EXPECT_TRUE(message_violation(
        json::parse(R"({"type":"subscribe","id":"1","payload":{"query":"q","operationName":1}})")));
    EXPECT_FALSE(message_violation(json::parse(
        R"({"type":"subscribe","id":"1","payload":{"query":"q","variables":null,"operationName":null}})")));
    EXPECT_TRUE(message_violation(json::parse(R"({"type":"complete"})")));
    EXPECT_FALSE(message_violation(json::parse(R"({"type":"complete","id":"1"})")));
    EXPECT_TRUE(message_violation(json::parse(R"({"type":"error","id":"1","payload":[]})")));
}

TEST_F(ProtocolTest, ServerMessagesFromTheClientClose4400) {
    ack();
    auto effects = send({{"type", "connection_ack"}});
    EXPECT_EQ(close_code_of(effects), 4400);
    EXPECT_EQ(effects.close->reason, "Unexpected message of type connection_ack received");
}

TEST_F(ProtocolTest, PingIsAnsweredWithItsPayloadAndPongIgnored) {
    auto effects = send({{"type", "ping"}, {"payload", {{"n", 1}}}});
    ASSERT_EQ(effects.frames.size(), 1u);
    EXPECT_EQ(frame(effects, 0), json({{"type", "pong"}, {"payload", {{"n", 1}}}}));
    EXPECT_EQ(frame(send({{"type", "ping"}}), 0), json({{"type", "pong"}}));
    auto pong = send({{"type", "pong"}});
    EXPECT_TRUE(pong.frames.empty());
    EXPECT_FALSE(pong.close);
}

TEST_F(ProtocolTest, AQueryGetsNextAndComplete) {
    ack();
    auto effects =
        send({{"id", "q"}, {"type", "subscribe"}, {"payload", {{"query", "{ schemaVersion }"}}}});
    ASSERT_EQ(effects.frames.size(), 2u);
    EXPECT_EQ(
        frame(effects, 0),
        json({{"id", "q"}, {"type", "next"}, {"payload", {{"data", {{"schemaVersion", 7}}}}}}));
    EXPECT_EQ(frame(effects, 1), json({{"id", "q"}, {"type", "complete"}}));
    EXPECT_EQ(handler.subscription_count(), 0u);
}

TEST_F(ProtocolTest, ValidationErrorsAreAnErrorMessageWithLocations) {
    ack();
    auto effects = send(
        {{"id", "e"}, {"type", "subscribe"}, {"payload", {{"query", "subscription {\n  nope }"}}}});
    ASSERT_EQ(effects.frames.size(), 1u);
    json message = frame(effects, 0);
    EXPECT_EQ(message["type"], "error");
    EXPECT_EQ(message["id"], "e");
    EXPECT_EQ(message["payload"][0]["locations"], json::parse(R"([{"line":2,"column":3}])"));
    EXPECT_FALSE(effects.close);
}

TEST_F(ProtocolTest, SubscriptionsGetMatchingEventsUntilComplete) {
    ack();
    auto effects = send({{"id", "w"},
                         {"type", "subscribe"},
                         {"payload",
                          {{"query", "subscription { thingChanged(class: $c) { id } }"},
                           {"variables", {{"c", "widget"}}}}}});
    EXPECT_EQ(effects.subscriptions_delta, 1);
    EXPECT_TRUE(effects.frames.empty());

    const json widget{{"class", "widget"}, {"id", "1"}};
    auto event = handler.on_event(EventKind::kThingChanged, widget, 1);
    ASSERT_EQ(event.frames.size(), 1u);
    EXPECT_EQ(event.events_sent, 1);
    EXPECT_EQ(frame(event, 0), json({{"id", "w"},
                                     {"type", "next"},
                                     {"payload", {{"data", {{"thingChanged", {{"id", "1"}}}}}}}}));
    EXPECT_TRUE(
        handler.on_event(EventKind::kThingChanged, json{{"class", "gadget"}}, 2).frames.empty());
    EXPECT_TRUE(handler.on_event(EventKind::kSchemaChanged, widget, 3).frames.empty());

    EXPECT_EQ(send({{"id", "w"}, {"type", "complete"}}).subscriptions_delta, -1);
    EXPECT_TRUE(handler.on_event(EventKind::kThingChanged, widget, 4).frames.empty());
    EXPECT_EQ(send({{"id", "w"}, {"type", "complete"}}).subscriptions_delta, 0);
}

// A subscription gets the events from the seq the window gave it when it started, not the
// ones its connection had yet to take.
TEST(ProtocolSeq, ASubscriptionStartsAtItsWindowSeq) {
    std::uint64_t next = 10;
    auto schema = testing::fake_schema_builder()(json::object(), 1);
    ProtocolHandler handler{
        ProtocolHandler::Context{[](const json&) {
                                     return AuthDecision{AuthOutcome::kAccepted, {}};
                                 },
                                 [schema] { return schema; }, [&next] { return next; }, 100}};
    handler.on_message(R"({"type":"connection_init"})");
    const std::string subscribe =
        R"({"id":"ID","type":"subscribe","payload":{"query":"subscription { thingChanged(class: \"w\") { id } }"}})";
    auto with_id = [&](const std::string& id) {
        std::string text = subscribe;
        return text.replace(text.find("ID"), 2, id);
    };
    handler.on_message(with_id("a"));
    next = 12;
    handler.on_message(with_id("b"));
    const json event{{"class", "w"}, {"id", "x"}};
    EXPECT_EQ(handler.on_event(EventKind::kThingChanged, event, 9).frames.size(), 0u);
    EXPECT_EQ(handler.on_event(EventKind::kThingChanged, event, 11).frames.size(), 1u);  // a only
    EXPECT_EQ(handler.on_event(EventKind::kThingChanged, event, 12).frames.size(), 2u);
}

TEST(ProtocolLimits, LongIdsCloseAndExtraSubscriptionsAreErrors) {
    auto schema = testing::fake_schema_builder()(json::object(), 1);
    ProtocolHandler handler{
        ProtocolHandler::Context{[](const json&) {
                                     return AuthDecision{AuthOutcome::kAccepted, {}};
                                 },
                                 [schema] { return schema; }, nullptr, 2}};
    handler.on_message(R"({"type":"connection_init"})");
    auto subscribe = [&](const std::string& id) {
        return handler.on_message(
            json({{"id", id},
                  {"type", "subscribe"},
                  {"payload", {{"query", "subscription { thingChanged(class: \"w\") { id } }"}}}})
                .dump());
    };
    EXPECT_EQ(subscribe("1").subscriptions_delta, 1);
    EXPECT_EQ(subscribe("2").subscriptions_delta, 1);
    auto third = subscribe("3");
    EXPECT_EQ(third.subscriptions_delta, 0);
    ASSERT_EQ(third.frames.size(), 1u);
    EXPECT_EQ(
        json::parse(third.frames[0]),
        json::parse(
            R"j({"id":"3","type":"error","payload":[{"message":"Too many subscriptions on this connection (at most 2)"}]})j"));
    EXPECT_FALSE(third.close);
    // A completed one makes room again.
    handler.on_message(R"({"id":"1","type":"complete"})");
    EXPECT_EQ(subscribe("4").subscriptions_delta, 1);
    auto long_id = subscribe(std::string(129, 'x'));
    ASSERT_TRUE(long_id.close);
    EXPECT_EQ(long_id.close->code, 4400);
    EXPECT_EQ(long_id.close->reason, "Subscription id longer than 128 bytes");
}

TEST_F(ProtocolTest, DuplicateSubscriptionIdCloses4409) {
    ack();
    json subscribe{{"id", "d"},
                   {"type", "subscribe"},
                   {"payload", {{"query", "subscription { schemaChanged { version } }"}}}};
    send(subscribe);
    auto effects = send(subscribe);
    EXPECT_EQ(close_code_of(effects), 4409);
    EXPECT_EQ(effects.close->reason, "Subscriber for d already exists");
}

TEST_F(ProtocolTest, NothingIsHandledAfterAClose) {
    EXPECT_EQ(close_code_of(handler.on_message("{oops")), 4400);
    EXPECT_TRUE(handler.closing());
    auto effects = send({{"type", "ping"}});
    EXPECT_TRUE(effects.frames.empty());
    EXPECT_FALSE(effects.close);
}

TEST_F(ProtocolTest, LongCloseReasonsAreCutToFitAControlFrame) {
    ack();
    std::string id(ProtocolHandler::kMaxIdBytes,
                   'x');  // "Subscriber for <id> already exists" is longer
    json subscribe{{"id", id},
                   {"type", "subscribe"},
                   {"payload", {{"query", "subscription { schemaChanged { version } }"}}}};
    send(subscribe);
    auto effects = send(subscribe);
    ASSERT_TRUE(effects.close);
    EXPECT_LE(effects.close->reason.size(), 123u);
}

TEST(ErrorsToJson, OmitsEmptyLocations) {
    json errors = errors_to_json({{"a", {}}, {"b", {{1, 2}}}});
    EXPECT_EQ(
        errors,
        json::parse(R"([{"message":"a"},{"message":"b","locations":[{"line":1,"column":2}]}])"));
}

}  // namespace
}  // namespace udm::gateway
