// graphql-transport-ws, following graphql-ws's PROTOCOL.md and its server's behaviour.
#include "protocol.hpp"

#include <exception>

#include "log.hpp"

namespace udm::gateway {

namespace {

using nlohmann::json;

// A close reason must fit a control frame: 125 bytes less the 2-byte code.
constexpr std::size_t kMaxCloseReasonBytes = 123;

// Deepest nesting of arrays and objects accepted in a message. nlohmann::json parses and
// frees any depth without recursion, but copies and dump() recurse, so a message of 100,000
// '[' (200 KB) would overflow the stack; no valid message comes near this.
constexpr int kMaxMessageDepth = 64;

// The empty object, for payloads that are absent or null.
const json& empty_object() {
    static const json kEmpty = json::object();
    return kEmpty;
}

// reason cut to kMaxCloseReasonBytes on a UTF-8 character boundary.
std::string fit_close_reason(std::string reason) {
    if (reason.size() <= kMaxCloseReasonBytes)
        return reason;
    std::size_t end = kMaxCloseReasonBytes;
    while (end > 0 && (static_cast<unsigned char>(reason[end]) & 0xC0) == 0x80)
        --end;
    reason.resize(end);
    return reason;
}

// The JavaScript-ish type name of a JSON value, for messages like graphql-ws's.
std::string type_name(const json& value) {
    if (value.is_null())
        return "null";
    if (value.is_array())
        return "array";
    if (value.is_object())
        return "object";
    if (value.is_string())
        return "string";
    if (value.is_boolean())
        return "boolean";
    if (value.is_number())
        return "number";
    return "undefined";
}

// The member key of object, or null when absent.
const json& member(const json& object, const char* key) {
    static const json kNull;
    auto it = object.find(key);
    return it == object.end() ? kNull : *it;
}

// Why message's id is not a non-empty string, or nullopt.
std::optional<std::string> id_violation(const json& message, const std::string& type) {
    const json& id = member(message, "id");
    if (!id.is_string()) {
        return "\"" + type + "\" message expects the 'id' property to be a string, but got " +
               type_name(id);
    }
    if (id.get_ref<const std::string&>().empty()) {
        return "\"" + type + "\" message requires a non-empty 'id' property";
    }
    return std::nullopt;
}

// A frame of type with an id and an optional payload, members in that order. Payloads
// that are ExecutionResults keep the order of their selection sets (ordered_json).
template <class Payload = json>
std::string frame(const char* type, const std::string* id, const Payload* payload) {
    nlohmann::ordered_json message = nlohmann::ordered_json::object();
    if (id)
        message["id"] = *id;
    message["type"] = type;
    if (payload)
        message["payload"] = *payload;
    return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The start of the next frames of subscription id, up to their payload.
std::string next_frame_prefix(const std::string& id) {
    return R"({"id":)" + json(id).dump(-1, ' ', false, json::error_handler_t::replace) +
           R"(,"type":"next","payload":)";
}

// A next frame carrying an ExecutionResult already serialized, after its prefix.
std::string next_frame(const std::string& prefix, const std::string& payload) {
    std::string text;
    text.reserve(prefix.size() + payload.size() + 1);
    text += prefix;
    text += payload;
    text += '}';
    return text;
}

// An ExecutionResult carrying one error, for failures of the engine itself.
nlohmann::ordered_json error_result(const std::string& message) {
    return {{"data", nullptr}, {"errors", nlohmann::ordered_json::array({{{"message", message}}})}};
}

// The message of a response that came out larger than budget (the estimate missed it).
std::string too_large_message(std::size_t bytes, std::size_t budget) {
    return "Response too large: " + std::to_string(bytes) + " bytes, more than the limit of " +
           std::to_string(budget) + " bytes";
}

// The length of the root value's sdl member, 0 without one.
std::size_t sdl_bytes_of(const json& root_value) {
    auto it = root_value.find("sdl");
    return it != root_value.end() && it->is_string() ? it->get_ref<const std::string&>().size() : 0;
}

}  // namespace

// Whether the JSON text nests arrays and objects at most max_depth deep (brackets inside
// strings do not count). Malformed text is left to the parser.
bool json_nesting_within(std::string_view text, int max_depth) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

std::string_view root_field_of(EventKind kind) {
    return kind == EventKind::kSchemaChanged ? "schemaChanged" : "thingChanged";
}

std::optional<std::string> message_violation(const json& message) {
    if (!message.is_object()) {
        return "Message is expected to be an object, but got " + type_name(message);
    }
    const json& type_value = member(message, "type");
    if (type_value.is_null() ||
        (type_value.is_string() && type_value.get_ref<const std::string&>().empty())) {
        return std::string("Message is missing the 'type' property");
    }
    if (!type_value.is_string()) {
        return "Message is expects the 'type' property to be a string, but got " +
               type_name(type_value);
    }
    const std::string& type = type_value.get_ref<const std::string&>();
    const json& payload = member(message, "payload");
    if (type == "connection_init" || type == "connection_ack" || type == "ping" || type == "pong") {
        if (!payload.is_null() && !payload.is_object()) {
            return "\"" + type +
                   "\" message expects the 'payload' property to be an object or nullish or "
                   "missing, but got " +
                   type_name(payload);
        }
        return std::nullopt;
    }
    if (type == "subscribe") {
        if (auto why = id_violation(message, type))
            return why;
        if (!payload.is_object()) {
            return "\"subscribe\" message expects the 'payload' property to be an object, but "
                   "got " +
                   type_name(payload);
        }
        const json& query = member(payload, "query");
        // With automatic persisted queries a client may send the hash alone.
        const json& extensions = member(payload, "extensions");
        const bool persisted =
            extensions.is_object() && !member(extensions, "persistedQuery").is_null();
        if (!query.is_string() && !(persisted && query.is_null())) {
            return "\"subscribe\" message payload expects the 'query' property to be a string, "
                   "but got " +
                   type_name(query);
        }
        for (const char* key : {"variables", "extensions"}) {
            const json& value = member(payload, key);
            if (!value.is_null() && !value.is_object()) {
                return std::string("\"subscribe\" message payload expects the '") + key +
                       "' property to be an object or nullish or missing, but got " +
                       type_name(value);
            }
        }
        const json& operation_name = member(payload, "operationName");
        if (!operation_name.is_null() && !operation_name.is_string()) {
            return "\"subscribe\" message payload expects the 'operationName' property to be a "
                   "string or nullish or missing, but got " +
                   type_name(operation_name);
        }
        return std::nullopt;
    }
    if (type == "next") {
        if (auto why = id_violation(message, type))
            return why;
        if (!payload.is_object()) {
            return "\"next\" message expects the 'payload' property to be an object, but got " +
                   type_name(payload);
        }
        return std::nullopt;
    }
    if (type == "error") {
        if (auto why = id_violation(message, type))
            return why;
        bool errors = payload.is_array() && !payload.empty();
        for (const auto& error : payload) {
            if (!error.is_object() || !error.contains("message"))
                errors = false;
        }
        if (!errors) {
            return std::string(
                "\"error\" message expects the 'payload' property to be an array of GraphQL "
                "errors");
        }
        return std::nullopt;
    }
    if (type == "complete")
        return id_violation(message, type);
    return "Invalid message 'type' property \"" + type + "\"";
}

json errors_to_json(const std::vector<GraphQLError>& errors) {
    json out = json::array();
    for (const auto& error : errors) {
        json item{{"message", error.message}};
        if (!error.locations.empty()) {
            json locations = json::array();
            for (const auto& [line, column] : error.locations) {
                locations.push_back(json{{"line", line}, {"column", column}});
            }
            item["locations"] = std::move(locations);
        }
        out.push_back(std::move(item));
    }
    return out;
}

ProtocolHandler::ProtocolHandler(Context context) : context_(std::move(context)) {}

ProtocolEffects ProtocolHandler::close(int code, std::string reason) {
    ProtocolEffects effects;
    closing_ = true;
    effects.close = CloseDecision{code, fit_close_reason(std::move(reason))};
    return effects;
}

ProtocolEffects ProtocolHandler::on_message(std::string_view text) {
    if (closing_)
        return {};
    if (!json_nesting_within(text, kMaxMessageDepth)) {
        return close(close_code::kBadRequest, "Invalid message received: nested more than " +
                                                  std::to_string(kMaxMessageDepth) +
                                                  " levels deep");
    }
    json message = json::parse(text, nullptr, false);
    if (message.is_discarded())
        return close(close_code::kBadRequest, "Invalid message received");
    if (auto why = message_violation(message))
        return close(close_code::kBadRequest, *why);

    const std::string& type = message["type"].get_ref<const std::string&>();
    if (type == "connection_init")
        return on_init(message);
    if (type == "ping") {
        ProtocolEffects effects;
        const json& payload = member(message, "payload");
        effects.frames.push_back(
            frame<json>("pong", nullptr, payload.is_null() ? nullptr : &payload));
        return effects;
    }
    if (type == "pong")
        return {};
    if (type == "subscribe")
        return on_subscribe(message);
    if (type == "complete") {
        ProtocolEffects effects;
        const std::string& id = message["id"].get_ref<const std::string&>();
        if (subscriptions_.erase(id) > 0) {
            effects.subscriptions_delta = -1;
        }
        // A query or mutation still running: its answer is dropped when it comes.
        running_.erase(id);
        return effects;
    }
    // connection_ack, next and error travel from server to client only.
    return close(close_code::kBadRequest, "Unexpected message of type " + type + " received");
}

ProtocolEffects ProtocolHandler::on_init(const json& message) {
    if (init_received_) {
        return close(close_code::kTooManyInitialisationRequests,
                     "Too many initialisation requests");
    }
    init_received_ = true;
    const json& payload = member(message, "payload");
    AuthDecision decision = context_.authenticate(payload.is_object() ? payload : empty_object());
    if (decision.outcome == AuthOutcome::kForbidden) {
        log_info("connection refused (forbidden): " + decision.reason);
        return close(close_code::kForbidden, "Forbidden");
    }
    if (decision.outcome == AuthOutcome::kUnauthorized) {
        log_info("connection refused (unauthorized): " + decision.reason);
        return close(close_code::kUnauthorized, "Unauthorized");
    }
    acknowledged_ = true;
    ProtocolEffects effects;
    effects.acknowledged = true;
    effects.frames.push_back(frame<json>("connection_ack", nullptr, nullptr));
    return effects;
}

ProtocolEffects ProtocolHandler::on_subscribe(const json& message) {
    if (!acknowledged_)
        return close(close_code::kUnauthorized, "Unauthorized");
    const std::string& id = message["id"].get_ref<const std::string&>();
    if (id.size() > kMaxIdBytes) {
        return close(close_code::kBadRequest,
                     "Subscription id longer than " + std::to_string(kMaxIdBytes) + " bytes");
    }
    if (subscriptions_.count(id) > 0 || running_.count(id) > 0) {
        return close(close_code::kSubscriberAlreadyExists,
                     "Subscriber for " + id + " already exists");
    }
    const json& payload = message["payload"];
    const json& variables = member(payload, "variables");
    const json& operation_name = member(payload, "operationName");
    std::optional<std::string> name;
    if (operation_name.is_string())
        name = operation_name.get<std::string>();

    std::shared_ptr<const TenantSchema> schema = context_.schema();
    ProtocolEffects effects;
    if (!schema) {
        json errors = json::array({json{{"message", "The schema of this tenant is not loaded"}}});
        effects.frames.push_back(frame("error", &id, &errors));
        return effects;
    }
    // The query text, or the one stored under the persistedQuery extension's hash.
    const json& query_member = member(payload, "query");
    const json& extensions = member(payload, "extensions");
    std::optional<std::string> query;
    if (query_member.is_string())
        query = query_member.get<std::string>();
    if (context_.persisted_queries != nullptr && extensions.is_object() &&
        !member(extensions, "persistedQuery").is_null()) {
        if (query && query->empty())
            query.reset();  // the hash alone
        PersistedQueryOutcome resolved =
            context_.persisted_queries->resolve(&extensions, std::move(query));
        if (auto* refusal = std::get_if<PersistedQueryRefusal>(&resolved)) {
            json errors = json::array(
                {json{{"message", refusal->message}, {"extensions", {{"code", refusal->code}}}}});
            effects.frames.push_back(frame("error", &id, &errors));
            return effects;
        }
        query = std::move(std::get<std::string>(resolved));
    }
    PrepareResult prepared;
    try {
        prepared = schema->prepare(query.value_or(std::string()),
                                   variables.is_object() ? variables : empty_object(), name);
    } catch (const std::exception& e) {
        log_error(std::string("GraphQL engine failed to prepare an operation: ") + e.what());
        json errors = json::array({json{{"message", "Internal server error"}}});
        effects.frames.push_back(frame("error", &id, &errors));
        return effects;
    }
    if (auto* errors = std::get_if<std::vector<GraphQLError>>(&prepared)) {
        json payload_errors = errors_to_json(*errors);
        effects.frames.push_back(frame("error", &id, &payload_errors));
        return effects;
    }
    auto operation = std::get<std::shared_ptr<const PreparedOperation>>(prepared);
    if (operation->runs_in_database()) {
        // Validated here, run by udm.graphql on a pooled connection (WsSession): the answer
        // comes back through on_database_answer.
        if (running_.size() >= context_.max_database_operations) {
            json errors =
                json::array({json{{"message",
                                   "Too many queries and mutations running on this connection (at "
                                   "most " +
                                       std::to_string(context_.max_database_operations) + ")"}}});
            effects.frames.push_back(frame("error", &id, &errors));
            return effects;
        }
        running_.insert(id);
        effects.database = DatabaseOperation{
            id, std::move(*query),
            variables.is_object() ? std::optional<std::string>(variables.dump(
                                        -1, ' ', false, json::error_handler_t::replace))
                                  : std::nullopt,
            std::move(name)};
        return effects;
    }
    // Priced before it runs: `{ a0: sdl a1: sdl ... }` would copy the SDL once per alias.
    const std::size_t budget = response_budget(context_.max_response_bytes, schema->sdl().size());
    const std::size_t estimate = operation->estimated_response_bytes(schema->sdl().size());
    if (estimate > budget) {
        json errors = json::array(
            {json{{"message", "Response too large: the operation selects about " +
                                  std::to_string(estimate) + " bytes, more than the limit of " +
                                  std::to_string(budget) +
                                  " bytes. Select large fields such as sdl once."}}});
        effects.frames.push_back(frame("error", &id, &errors));
        return effects;
    }
    if (operation->is_subscription()) {
        if (subscriptions_.size() >= context_.max_subscriptions) {
            json errors = json::array(
                {json{{"message", "Too many subscriptions on this connection (at most " +
                                      std::to_string(context_.max_subscriptions) + ")"}}});
            effects.frames.push_back(frame("error", &id, &errors));
            return effects;
        }
        // The things of its events are read once per batch for all equal subscriptions of
        // the tenant; the distinct ones are bounded (each costs a read per batch).
        ThingSelections::Hold things;
        if (context_.hold_things) {
            if (std::optional<ThingSelection> selection = operation->thing_selection()) {
                things = context_.hold_things(*selection);
                if (!things) {
                    json errors = json::array(
                        {json{{"message",
                               "Too many different subscriptions selecting things for this "
                               "tenant (at most " +
                                   std::to_string(context_.max_thing_selections) +
                                   "): subscribe with a document, operation and variables "
                                   "already in use, or leave out the thing field"}}});
                    effects.frames.push_back(frame("error", &id, &errors));
                    return effects;
                }
            }
        }
        // Last: a refusal above releases nothing it did not hold.
        if (context_.reserve_subscription) {
            if (std::optional<std::string> refused = context_.reserve_subscription()) {
                json errors =
                    json::array({json{{"message", std::move(*refused)},
                                      {"extensions", {{"code", "TOO_MANY_SUBSCRIPTIONS"}}}}});
                effects.frames.push_back(frame("error", &id, &errors));
                return effects;
            }
        }
        std::uint64_t from = context_.start_subscription ? context_.start_subscription() : 0;
        subscriptions_.emplace(
            id, Subscription{std::move(operation), next_frame_prefix(id), from, std::move(things)});
        effects.subscriptions_delta = 1;
        return effects;
    }
    // A query is answered at once from the schema it was prepared against; the SDL is
    // copied only for a query that selects it (a large model's is megabytes).
    json root{{"schemaVersion", schema->version()}};
    if (operation->selects_sdl())
        root["sdl"] = schema->sdl();
    nlohmann::ordered_json result;
    try {
        result = operation->execute(root);
    } catch (const std::exception& e) {
        log_error(std::string("GraphQL engine failed to execute a query: ") + e.what());
        result = error_result("Internal server error");
    }
    std::string next = frame("next", &id, &result);
    result = nlohmann::ordered_json();
    if (next.size() > budget) {
        log_warn("a query's response came out at " + std::to_string(next.size()) +
                 " bytes, over its estimate; answered with an error");
        nlohmann::ordered_json refused = error_result(too_large_message(next.size(), budget));
        next = frame("next", &id, &refused);
    }
    effects.frames.push_back(std::move(next));
    effects.frames.push_back(frame<json>("complete", &id, nullptr));
    return effects;
}

ProtocolEffects ProtocolHandler::on_init_timeout() {
    if (init_received_ || closing_)
        return {};
    return close(close_code::kConnectionInitialisationTimeout, "Connection initialisation timeout");
}

ProtocolEffects ProtocolHandler::on_event(EventKind kind, const json& root_value,
                                          std::uint64_t seq) {
    ProtocolEffects effects;
    if (closing_)
        return effects;
    std::string_view field = root_field_of(kind);
    for (const auto& [id, subscription] : subscriptions_) {
        if (seq < subscription.from_seq)
            continue;
        const auto& operation = subscription.operation;
        std::shared_ptr<const std::string> payload;
        try {
            const bool receives = kind == EventKind::kThingChanged
                                      ? operation->receives_thing_events()
                                      : operation->root_field() == field;
            if (!receives || !operation->matches(root_value))
                continue;
            payload = operation->render(seq, root_value);
        } catch (const std::exception& e) {
            log_error(std::string("GraphQL engine failed on an event: ") + e.what());
            payload =
                std::make_shared<const std::string>(error_result("Internal server error").dump());
        }
        // The estimate was made against the SDL of the time the subscription started; an
        // event's own SDL may be larger.
        if (payload->size() > context_.max_response_bytes) {
            const std::size_t budget =
                response_budget(context_.max_response_bytes, sdl_bytes_of(root_value));
            if (payload->size() > budget) {
                payload = std::make_shared<const std::string>(
                    error_result(too_large_message(payload->size(), budget)).dump());
            }
        }
        effects.frames.push_back(next_frame(subscription.next_prefix, *payload));
        ++effects.events_sent;
    }
    return effects;
}

ProtocolEffects ProtocolHandler::on_database_answer(const std::string& id,
                                                    const DatabaseAnswer& answer) {
    ProtocolEffects effects;
    if (closing_ || running_.erase(id) == 0)
        return effects;
    std::string next;
    if (!answer.ok) {
        nlohmann::ordered_json extensions{{"code", answer.code}};
        if (!answer.sqlstate.empty())
            extensions["sqlstate"] = answer.sqlstate;
        nlohmann::ordered_json result{
            {"errors", nlohmann::ordered_json::array(
                           {{{"message", answer.message}, {"extensions", extensions}}})}};
        next = frame("next", &id, &result);
    } else if (answer.body.size() > context_.max_response_bytes) {
        // udm.graphql bounds what it reads; this bounds what one frame carries.
        nlohmann::ordered_json refused =
            error_result(too_large_message(answer.body.size(), context_.max_response_bytes));
        next = frame("next", &id, &refused);
    } else {
        next = next_frame(next_frame_prefix(id), answer.body);
    }
    effects.frames.push_back(std::move(next));
    effects.frames.push_back(frame<json>("complete", &id, nullptr));
    return effects;
}

int ProtocolHandler::drop_subscriptions() {
    int count = static_cast<int>(subscriptions_.size());
    subscriptions_.clear();
    running_.clear();
    return count;
}

}  // namespace udm::gateway
