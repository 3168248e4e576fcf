// What the gateway knows of each followed tenant's outbox: the last schema version and data
// position delivered, the pending schema changes, and how to catch up. Runs on the database
// thread only; the database itself is behind the Outbox interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "event_sink.hpp"
#include "graphql_engine.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "outbox.hpp"
#include "rebuild_throttle.hpp"
#include "schema_cache.hpp"
#include "tenant_loader.hpp"
#include "thing_selections.hpp"

namespace udm::gateway {

// The followed tenants and their positions in the outbox.
class ChangeFeed {
  public:
    using Clock = RebuildThrottle::Clock;

    // Data events read per query.
    static constexpr int kDataBatch = 1000;
    // How soon a tenant whose subscribers have no room yet is looked at again.
    static constexpr std::chrono::milliseconds kRoomRetry{5};
    // After a udm_data signal the tenant is read again kRecheckFirst after it, then at twice
    // that, and so on up to kRecheckLast: an older transaction still running (of any tenant)
    // holds the signalled events back, and nothing signals when it ends.
    static constexpr std::chrono::milliseconds kRecheckFirst{10};
    static constexpr std::chrono::milliseconds kRecheckLast{1000};
    // Signals are hints that anyone allowed to NOTIFY can send: a tenant is read for them at
    // most once per kSignalSpacing, however many come (the others wait for that read).
    static constexpr std::chrono::milliseconds kSignalSpacing{10};

    // things: the thing-selecting subscriptions, whose things each batch of data events
    // is read for (null: none are).
    ChangeFeed(SchemaBuilder builder, SchemaCache& schemas, EventSink& sink, Metrics& metrics,
               Clock::duration rebuild_interval, const ThingSelections* things = nullptr);

    // Starts following tenant (its schema built and cached, its data feed at the newest
    // event); kReady at once when it is followed already. Nothing is kept when any part of
    // it fails.
    LoadOutcome load(const std::string& tenant, Outbox& outbox, Clock::time_point now);
    // Builds what the schema of a loaded tenant builds on first use (TenantSchema::complete),
    // after the requests that waited for its load were answered; a failure is logged.
    void complete(const std::string& tenant);
    // Handles a NOTIFY on udm_schema or udm_data: catches up that tenant if followed, at once
    // or, when a signal read it less than kSignalSpacing ago, then (read_due()). A payload
    // that is not {"tenant": "..."} is logged (at most once a second per channel, cut short).
    void on_notification(const std::string& channel, const std::string& payload, Outbox& outbox,
                         Clock::time_point now);
    // Catches up every followed tenant (after a reconnect, and on every poll), after checking
    // that each still exists and is the one that was loaded.
    void catch_up_all(Outbox& outbox, Clock::time_point now);
    // Rebuilds the schemas whose throttle allows it, publishing their schemaChanged events.
    void rebuild_due(Outbox& outbox, Clock::time_point now);
    // The earliest time a pending rebuild may run.
    std::optional<Clock::time_point> next_rebuild() const;
    // Reads the data events of tenants that wait for room in the sink or for a re-read
    // after a signal, once it is time.
    void read_due(Outbox& outbox, Clock::time_point now);
    // When read_due() next has something to do.
    std::optional<Clock::time_point> next_read() const;
    // Whether tenant is followed.
    bool follows(const std::string& tenant) const { return tenants_.count(tenant) > 0; }

  private:
    struct TenantState {
        std::string identity;              // TenantModel::identity at load
        std::int64_t schema_read = 0;      // newest schema version read from the outbox
        std::int64_t schema_built = 0;     // version of the cached schema
        std::string data_position;         // the last data event published (the head at load)
        std::vector<SchemaEvent> pending;  // read, not yet published
        RebuildThrottle throttle;
        // The last read errors logged, so that each is logged once (schema and data reads
        // fail independently, and would otherwise take turns).
        std::string schema_error;
        std::string data_error;
        std::string rebuild_error;  // the last failed rebuild logged: version and reason
        std::string things_error;   // the last failed thing read logged
        // Set while the sink has no room: data events wait in the outbox until then.
        std::optional<Clock::time_point> room_retry_at;
        // The re-reads after the last udm_data signal: the next one is due at signalled_at +
        // recheck_after; zero when none is.
        Clock::time_point signalled_at{};
        Clock::duration recheck_after{0};
        // Signals not yet acted on, and when signals last made the tenant's schema events
        // and data events read.
        bool schema_signalled = false;
        bool data_signalled = false;
        std::optional<Clock::time_point> schema_signal_read_at;
        std::optional<Clock::time_point> data_signal_read_at;
        // Why the tenant is to be unfollowed (dropped, recreated); done by forget_gone().
        std::optional<std::string> gone;
        // Its events cannot be read now: the Citus node that holds it is down (as the last
        // check of identities found).
        bool unreachable = false;

        explicit TenantState(Clock::duration rebuild_interval) : throttle(rebuild_interval) {}
    };

    SchemaBuilder builder_;
    SchemaCache& schemas_;
    EventSink& sink_;
    Metrics& metrics_;
    Clock::duration rebuild_interval_;
    const ThingSelections* things_;
    std::map<std::string, TenantState> tenants_;
    std::string identity_error_;  // the last failed identity check logged
    LogThrottle bad_schema_signal_log_;
    LogThrottle bad_data_signal_log_;

    // Whether signals may make a read at now, the last such read having been at last
    // (kSignalSpacing since).
    static bool signal_read_allowed(const std::optional<Clock::time_point>& last,
                                    Clock::time_point now) {
        return !last || now >= *last + kSignalSpacing;
    }
    // Acts on the signals of tenant that wait, as far as the spacing allows at now: reads
    // its schema events, and its data events unless defer_data (read_due() then does it);
    // returns whether data is to be read.
    bool act_on_signals(const std::string& tenant, TenantState& state, Outbox& outbox,
                        Clock::time_point now, bool defer_data);

    // Marks the followed tenants that no longer exist, or exist anew, as gone.
    void check_identities(Outbox& outbox, const std::vector<std::string>& tenants);
    // Unfollows the tenants marked gone: forgets their state and schema, and tells the sink.
    void forget_gone();
    // Reads the schema events after the last one read; they wait for the next rebuild.
    void catch_up_schema(const std::string& tenant, TenantState& state, Outbox& outbox);
    // Reads and publishes the data events after the last position, as far as the sink has
    // room for them.
    void catch_up_data(const std::string& tenant, TenantState& state, Outbox& outbox,
                       Clock::time_point now);
    // The root values of a batch of data events of tenant: thing_changed_root() of each, with
    // the things read for the thing selections of the tenant whose class the batch has (one
    // udm.graphql_things per selection; a failed read gives each of its events an error
    // instead). A lost connection throws.
    std::vector<nlohmann::json> roots_of(const std::string& tenant, TenantState& state,
                                         const std::vector<DataEvent>& events, Outbox& outbox);
    // The things of ids for selection: one udm.graphql_things, or, when that is over
    // udm.graphql_max_things (54000), its two halves, each read the same way. Throws
    // ThingReadError as Outbox::read_things does.
    static nlohmann::json read_things(Outbox& outbox, const std::string& tenant,
                                      const ThingSelection& selection,
                                      const std::vector<std::string>& ids);
    // Builds the schema at the newest version read and publishes one schemaChanged event
    // covering every pending change; on failure the changes stay pending and are retried
    // after the rebuild interval.
    void rebuild(const std::string& tenant, TenantState& state, Outbox& outbox,
                 Clock::time_point now);
    void complete(const std::string& tenant, const TenantSchema& schema);
    // The schema the engine builds from model, or null (logged when log_failure) when it
    // fails.
    std::shared_ptr<const TenantSchema> build(const std::string& tenant,
                                              const nlohmann::json& model, std::int64_t version,
                                              bool log_failure);
};

// The thingChanged root value of a data event.
nlohmann::json thing_changed_root(const DataEvent& event);

// A SchemaChangeEntry of a recorded change (an entry of schema_versions.diff): kind,
// change, class, attribute, classes (the classes it alters; its class when it was recorded
// without them), the data type of attributes and assignments, breaking, and detail holding
// the other members (from, to, target, required, ...). The other members also stay beside
// them, where the subscription filters look for renames.
nlohmann::json schema_change_entry(const nlohmann::json& recorded);

// The schemaChanged root value covering consecutive schema events, with the new SDL.
nlohmann::json schema_changed_root(const std::vector<SchemaEvent>& events, const std::string& sdl);

}  // namespace udm::gateway
