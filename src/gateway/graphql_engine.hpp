// The GraphQL engine as the gateway sees it: a schema per tenant and version that prepares
// operations, and prepared operations that filter and shape events. The core implements it
// (SDL generation, parsing, validation, execution); the gateway only calls it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "thing_selections.hpp"

namespace udm::gateway {

// A GraphQL error as sent to clients: a message and its 1-based (line, column) locations.
struct GraphQLError {
    std::string message;
    std::vector<std::pair<int, int>> locations;
};

// A validated operation, bound to its variables. Immutable, shared between threads.
class PreparedOperation {
  public:
    virtual ~PreparedOperation() = default;
    // The one root field selected, e.g. "thingChanged", "schemaChanged", "schemaVersion".
    virtual std::string root_field() const = 0;
    // Whether it is a subscription to thing events: thingChanged, or a class's
    // <class>Changed (its root field then names the class, not the event kind).
    virtual bool receives_thing_events() const { return root_field() == "thingChanged"; }
    // True for a subscription, false for a query (answered once).
    virtual bool is_subscription() const = 0;
    // True for a query or mutation that reads or writes things: udm.graphql runs it in the
    // database, with the client's role, instead of execute().
    virtual bool runs_in_database() const { return false; }
    // Whether an event (the root value of root_field) passes the operation's arguments.
    virtual bool matches(const nlohmann::json& event) const = 0;
    // The ExecutionResult ({"data": ..., "errors": [...]}) for one root value, its members
    // in the order the selection set asks for them.
    virtual nlohmann::ordered_json execute(const nlohmann::json& root_value) const = 0;
    // For a subscription that selects the thing of its events (<class>Changed { thing }):
    // what the change feed reads for it with udm.graphql_things. nullopt for any other.
    // execute() then takes the thing from the root value's kThingsMember (by key) or the
    // error from its kThingErrorsMember.
    virtual std::optional<ThingSelection> thing_selection() const { return std::nullopt; }
    // Whether execute() of a query reads the root value's sdl (it selects Query.sdl): the
    // SDL, megabytes for a large model, is put in the root value only then.
    virtual bool selects_sdl() const { return true; }
    // An estimate of execute()'s response in bytes, made without executing it, when an `sdl`
    // value is sdl_bytes long (udm::graphql::estimate_response_bytes). 0: no estimate.
    virtual std::size_t estimated_response_bytes(std::size_t sdl_bytes) const {
        (void)sdl_bytes;
        return 0;
    }

    // execute(event) as JSON text, for the event numbered seq (EventWindow seqs: one number
    // per event, never reused in the process). The subscriptions that share this operation
    // (the engine hands equal requests the same one) execute it once per event: the texts of
    // recent events are kept by seq. Thread-safe.
    std::shared_ptr<const std::string> render(std::uint64_t seq, const nlohmann::json& event) const;

  private:
    struct Rendered {
        std::uint64_t seq = 0;  // 0: empty (seqs start at 1)
        std::shared_ptr<const std::string> text;
    };
    // Connections take events in batches at their own pace, so they can be a few batches
    // apart: slot seq % size holds the text of event seq.
    static constexpr std::size_t kRenderedSlots = 64;
    mutable std::mutex render_mutex_;
    mutable std::array<Rendered, kRenderedSlots> rendered_;
};

// The members of a thingChanged root value that hold the things read for its event: an
// object from ThingSelection::key to the thing (null when it is not there), and one from key
// to {"message", "code"} when the read failed.
inline constexpr const char* kThingsMember = "__things";
inline constexpr const char* kThingErrorsMember = "__thing_errors";

// Either a prepared operation or the GraphQL errors that stopped it.
using PrepareResult =
    std::variant<std::shared_ptr<const PreparedOperation>, std::vector<GraphQLError>>;

// The GraphQL schema of one tenant at one model version. Immutable, shared between threads.
class TenantSchema {
  public:
    virtual ~TenantSchema() = default;
    // The model version the schema was built from.
    virtual std::int64_t version() const = 0;
    // The schema in SDL, as served at /graphql/<tenant>/schema.graphql.
    virtual const std::string& sdl() const = 0;
    // Parses and validates a document against this schema and binds its variables. Equal
    // requests may get the same (shared) operation.
    virtual PrepareResult prepare(std::string_view document, const nlohmann::json& variables,
                                  const std::optional<std::string>& operation_name) const = 0;
    // Builds what the schema builds on first use, so that no request waits for it; the
    // change feed calls it once the schema is served. May throw (out of memory): prepare
    // tries again.
    virtual void complete() const {}
};

// Builds a tenant's schema from its model document (udm.model / udm.schema_at). May throw
// on a document it cannot handle; the gateway then keeps the previous schema.
using SchemaBuilder = std::function<std::shared_ptr<const TenantSchema>(
    const nlohmann::json& model_document, std::int64_t version)>;

}  // namespace udm::gateway
