// The graphql-transport-ws protocol (graphql-ws PROTOCOL.md) as a state machine without
// sockets: text frames and events in, frames to send and a close decision out.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth.hpp"
#include "graphql_engine.hpp"
#include "persisted_queries.hpp"
#include "thing_selections.hpp"

namespace udm::gateway {

// The WebSocket subprotocol spoken, and the only one accepted.
inline constexpr std::string_view kGraphqlTransportWs = "graphql-transport-ws";

// Close codes of graphql-ws (its CloseCode enum) and of RFC 6455 that the gateway sends.
namespace close_code {
inline constexpr int kGoingAway = 1001;
inline constexpr int kPolicyViolation = 1008;  // slow consumer (outgoing queue overflow)
inline constexpr int kInternalServerError = 4500;
inline constexpr int kBadRequest = 4400;
inline constexpr int kUnauthorized = 4401;
inline constexpr int kForbidden = 4403;
inline constexpr int kSubprotocolNotAcceptable = 4406;
inline constexpr int kConnectionInitialisationTimeout = 4408;
inline constexpr int kSubscriberAlreadyExists = 4409;
inline constexpr int kTooManyInitialisationRequests = 4429;
}  // namespace close_code

// The two kinds of events the gateway streams.
enum class EventKind { kSchemaChanged, kThingChanged };

// The subscription root field that receives events of a kind.
std::string_view root_field_of(EventKind kind);

// A decision to close the socket with a code and a reason (at most 123 bytes).
struct CloseDecision {
    int code = 0;
    std::string reason;
};

// A query or mutation of things for udm.graphql to run with the connection's role and actor.
struct DatabaseOperation {
    std::string id;
    std::string query;
    std::optional<std::string> variables;  // the JSON text of an object
    std::optional<std::string> operation_name;
};

// What came of a DatabaseOperation: udm.graphql's response, or a failure as a GraphQL error.
struct DatabaseAnswer {
    bool ok = false;
    std::string body;      // ok: the response (JSON text of an ExecutionResult)
    std::string message;   // not ok: the gateway's message (never PostgreSQL's)
    std::string code;      // not ok: extensions.code
    std::string sqlstate;  // not ok: extensions.sqlstate, when there is one
};

// What handling one input asks the socket to do, in this order: send the frames, then close.
struct ProtocolEffects {
    std::vector<std::string> frames;
    std::optional<CloseDecision> close;
    int subscriptions_delta = 0;  // subscriptions started minus ended
    int events_sent = 0;          // next frames carrying events (for the metrics)
    bool acknowledged = false;    // connection_ack was just sent
    // A query or mutation to run in the database; its answer goes to on_database_answer().
    std::optional<DatabaseOperation> database;
};

// One graphql-transport-ws connection of one tenant.
class ProtocolHandler {
  public:
    // What the handler needs from the outside.
    struct Context {
        // Decides about a connection_init payload (already bound to secret and tenant).
        std::function<AuthDecision(const nlohmann::json& payload)> authenticate;
        // The tenant's current schema (never null once the connection exists).
        std::function<std::shared_ptr<const TenantSchema>()> schema;
        // A subscription starts: the seq of the first event it gets (EventWindow::subscribe).
        // Unset: every event.
        std::function<std::uint64_t()> start_subscription = nullptr;
        // Most subscriptions one connection may hold; a subscribe beyond is an error message.
        std::size_t max_subscriptions = 100;
        // Largest response (an ExecutionResult) built for a client, unless the SDL is larger:
        // see response_budget().
        std::size_t max_response_bytes = kDefaultMaxResponseBytes;
        // Automatic persisted queries (the persistedQuery extension); null: not served.
        PersistedQueries* persisted_queries = nullptr;
        // Most queries and mutations of one connection running in the database at a time; a
        // subscribe beyond is an error message.
        std::size_t max_database_operations = kDefaultMaxDatabaseOperations;
        // Holds the thing selection of a subscription selecting its events' thing for the
        // tenant (ThingSelections::hold); null refuses it (the tenant's bound is reached).
        // Unset: such subscriptions hold nothing.
        std::function<ThingSelections::Hold(const ThingSelection&)> hold_things = nullptr;
        // The bound hold_things keeps to, for the refusal's message.
        std::size_t max_thing_selections = 0;
        // A subscription of the tenant is to start: nullopt when it may (it is then counted
        // until the subscription ends: subscriptions_delta, drop_subscriptions()), else the
        // message refusing it (the tenant's max_subscriptions). Unset: no tenant-wide bound.
        std::function<std::optional<std::string>()> reserve_subscription = nullptr;
    };

    static constexpr std::size_t kDefaultMaxDatabaseOperations = 16;

    static constexpr std::size_t kDefaultMaxResponseBytes = 8u << 20;

    // The largest response allowed when the SDL it may carry is sdl_bytes long: the larger
    // of max_response_bytes and twice the SDL, so that a query of the SDL (escaped as JSON)
    // always fits, and a document selecting it under many aliases does not.
    static std::size_t response_budget(std::size_t max_response_bytes, std::size_t sdl_bytes) {
        return std::max(max_response_bytes, 2 * sdl_bytes);
    }

    // Longest subscription id accepted (graphql-ws clients send UUIDs); longer closes 4400.
    static constexpr std::size_t kMaxIdBytes = 128;

    explicit ProtocolHandler(Context context);

    // Handles one received frame.
    ProtocolEffects on_message(std::string_view text);
    // Handles the end of the connection_init wait: closes with 4408 unless init came.
    ProtocolEffects on_init_timeout();
    // Streams the event seq to the subscriptions of its root field that started before it
    // and that it matches. Subscriptions sharing an operation render it once (render()).
    ProtocolEffects on_event(EventKind kind, const nlohmann::json& root_value, std::uint64_t seq);
    // The frames answering the database operation id (next, complete), or none when the
    // client completed it meanwhile or the connection is closing.
    ProtocolEffects on_database_answer(const std::string& id, const DatabaseAnswer& answer);
    // Forgets every subscription and running operation (the socket closed); returns how many
    // subscriptions there were.
    int drop_subscriptions();
    // Queries and mutations running in the database.
    std::size_t database_operation_count() const { return running_.size(); }

    // Active subscriptions.
    std::size_t subscription_count() const { return subscriptions_.size(); }
    // Whether connection_ack was sent.
    bool acknowledged() const { return acknowledged_; }
    // Whether a close was decided (no more input is handled).
    bool closing() const { return closing_; }

  private:
    Context context_;
    bool init_received_ = false;
    bool acknowledged_ = false;
    bool closing_ = false;
    // A subscription: its operation, the start of its next frames up to the payload (made
    // once so that an event costs one string per connection), and its first event's seq.
    struct Subscription {
        std::shared_ptr<const PreparedOperation> operation;
        std::string next_prefix;
        std::uint64_t from_seq = 0;
        ThingSelections::Hold things;  // the hold on its thing selection, if it has one
    };
    std::map<std::string, Subscription> subscriptions_;
    // Ids of the operations running in the database, until answered or completed.
    std::set<std::string> running_;

    // Decides to close with code and reason.
    ProtocolEffects close(int code, std::string reason);
    // Handles connection_init.
    ProtocolEffects on_init(const nlohmann::json& message);
    // Handles subscribe.
    ProtocolEffects on_subscribe(const nlohmann::json& message);
};

// Why a parsed frame is not a valid graphql-transport-ws message, or nullopt when it is
// (the checks of graphql-ws's validateMessage).
std::optional<std::string> message_violation(const nlohmann::json& message);

// Whether the JSON text nests arrays and objects at most max_depth deep (brackets inside
// strings do not count). Malformed text is left to the parser. nlohmann::json parses any
// depth, but copies and dump() recurse.
bool json_nesting_within(std::string_view text, int max_depth);

// The GraphQL errors as the payload of an error message.
nlohmann::json errors_to_json(const std::vector<GraphQLError>& errors);

}  // namespace udm::gateway
