// Following tenants' outboxes: catch-up, coalesced schema rebuilds, event publication.
#include "change_feed.hpp"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <unordered_set>
#include <utility>

#include "log.hpp"

namespace udm::gateway {

using nlohmann::json;

json thing_changed_root(const DataEvent& event) {
    std::string operation = event.operation;
    for (char& c : operation)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return json{{"position", event.position},         {"operation", operation},
                {"class", event.class_name},          {"id", event.thing_id},
                {"changedAttributes", event.changed}, {"time", event.time}};
}

json schema_change_entry(const json& recorded) {
    if (!recorded.is_object())
        return recorded;
    json entry = recorded;
    const std::string kind = recorded.value("kind", std::string());
    // "type" is a data type for attributes and assignments; for relationships it names the
    // relationship type, which stays in detail.
    const bool data_type = kind == "attribute" || kind == "assignment";
    json detail = json::object();
    for (auto it = recorded.begin(); it != recorded.end(); ++it) {
        const std::string& key = it.key();
        if (key == "kind" || key == "change" || key == "class" || key == "attribute" ||
            key == "classes" || key == "breaking" || (key == "type" && data_type)) {
            continue;
        }
        detail[key] = it.value();
    }
    if (!data_type)
        entry.erase("type");
    // Recorded before entries carried the classes they alter: at least their own class.
    if (!entry.contains("classes") || !entry["classes"].is_array()) {
        entry["classes"] = json::array();
        if (recorded.contains("class") && recorded["class"].is_string())
            entry["classes"].push_back(recorded["class"]);
    }
    entry["detail"] = std::move(detail);
    return entry;
}

json schema_changed_root(const std::vector<SchemaEvent>& events, const std::string& sdl) {
    json changes = json::array();
    bool breaking = false;
    for (const auto& event : events) {
        if (!event.diff.is_array())
            continue;
        for (const auto& entry : event.diff) {
            if (entry.is_object() && entry.value("breaking", false))
                breaking = true;
            changes.push_back(schema_change_entry(entry));
        }
    }
    const SchemaEvent& last = events.back();
    return json{{"version", last.version},
                {"previousVersion", events.front().previous_version},
                {"time", last.time},
                {"actor", last.actor},
                {"breaking", breaking},
                {"changes", std::move(changes)},
                {"sdl", sdl}};
}

ChangeFeed::ChangeFeed(SchemaBuilder builder, SchemaCache& schemas, EventSink& sink,
                       Metrics& metrics, Clock::duration rebuild_interval,
                       const ThingSelections* things)
    : builder_(std::move(builder)),
      schemas_(schemas),
      sink_(sink),
      metrics_(metrics),
      rebuild_interval_(rebuild_interval),
      things_(things) {}

LoadOutcome ChangeFeed::load(const std::string& tenant, Outbox& outbox, Clock::time_point) {
    if (follows(tenant))
        return LoadOutcome::kReady;
    std::optional<TenantModel> model;
    std::string head;
    try {
        model = outbox.current_model(tenant);
        if (!model)
            return LoadOutcome::kUnknownTenant;
        // Part of the load: a tenant whose head is not known yet would later start from a
        // newer head and skip what its first subscribers were promised.
        head = outbox.data_head(tenant);
    } catch (const UnknownTenant&) {
        return LoadOutcome::kUnknownTenant;
    } catch (const OutboxQueryError& e) {
        log_error("cannot load tenant " + tenant + ": " + e.what());
        return LoadOutcome::kUnavailable;
    }
    std::shared_ptr<const TenantSchema> schema =
        build(tenant, model->model, model->version, /*log_failure=*/true);
    if (!schema)
        return LoadOutcome::kUnavailable;
    TenantState state(rebuild_interval_);
    state.identity = model->identity;
    state.schema_read = model->version;
    state.schema_built = model->version;
    state.data_position = std::move(head);
    tenants_.emplace(tenant, std::move(state));
    schemas_.put(tenant, std::move(schema));
    log_info("following tenant " + tenant + " at schema version " + std::to_string(model->version));
    return LoadOutcome::kReady;
}

std::shared_ptr<const TenantSchema> ChangeFeed::build(const std::string& tenant, const json& model,
                                                      std::int64_t version, bool log_failure) {
    try {
        auto schema = builder_(model, version);
        if (!schema && log_failure) {
            log_error("the GraphQL engine built no schema for tenant " + tenant + " at version " +
                      std::to_string(version));
        }
        return schema;
    } catch (const std::exception& e) {
        if (log_failure) {
            log_error("the GraphQL engine cannot build the schema of tenant " + tenant +
                      " at version " + std::to_string(version) + ": " + e.what());
        }
        return nullptr;
    }
}

void ChangeFeed::on_notification(const std::string& channel, const std::string& payload,
                                 Outbox& outbox, Clock::time_point now) {
    json message = json::parse(payload, nullptr, false);
    if (message.is_discarded() || !message.is_object() || !message.contains("tenant") ||
        !message["tenant"].is_string()) {
        // Any role may NOTIFY these channels, at any rate and with 8 KB payloads.
        LogThrottle& throttle =
            channel == "udm_schema" ? bad_schema_signal_log_ : bad_data_signal_log_;
        std::size_t suppressed = 0;
        if (throttle.allow(LogThrottle::Clock::now(), suppressed)) {
            log_warn("ignoring a notification on " + loggable(channel, 32) + " with payload " +
                     loggable(payload) +
                     (suppressed > 0 ? " (" + std::to_string(suppressed) +
                                           " more such notifications since the last line)"
                                     : std::string()));
        }
        return;
    }
    auto it = tenants_.find(message["tenant"].get<std::string>());
    if (it == tenants_.end())
        return;
    TenantState& state = it->second;
    if (channel == "udm_schema") {
        state.schema_signalled = true;
    } else if (channel == "udm_data") {
        state.data_signalled = true;
        // Every signal starts the re-reads anew: its events may be the ones held back.
        state.signalled_at = now;
        state.recheck_after = kRecheckFirst;
    } else {
        return;
    }
    // A burst of signals costs one read now and one when the spacing has passed.
    act_on_signals(it->first, state, outbox, now, /*defer_data=*/false);
    forget_gone();
}

bool ChangeFeed::act_on_signals(const std::string& tenant, TenantState& state, Outbox& outbox,
                                Clock::time_point now, bool defer_data) {
    if (state.schema_signalled && signal_read_allowed(state.schema_signal_read_at, now)) {
        state.schema_signalled = false;
        state.schema_signal_read_at = now;
        catch_up_schema(tenant, state, outbox);
    }
    if (state.gone || !state.data_signalled || !signal_read_allowed(state.data_signal_read_at, now))
        return false;
    state.data_signalled = false;
    state.data_signal_read_at = now;
    if (!defer_data)
        catch_up_data(tenant, state, outbox, now);
    return defer_data;
}

void ChangeFeed::catch_up_all(Outbox& outbox, Clock::time_point now) {
    std::vector<std::string> followed;
    followed.reserve(tenants_.size());
    for (const auto& entry : tenants_)
        followed.push_back(entry.first);
    check_identities(outbox, followed);
    for (auto& [tenant, state] : tenants_) {
        // A tenant whose Citus node is down is left for a later poll: its reads would only
        // wait for that node's connection to fail, tenant after tenant.
        if (state.gone || state.unreachable)
            continue;
        // Everything is read now: signals that wait are answered too.
        state.schema_signalled = false;
        state.data_signalled = false;
        catch_up_schema(tenant, state, outbox);
        if (!state.gone)
            catch_up_data(tenant, state, outbox, now);
    }
    forget_gone();
}

void ChangeFeed::check_identities(Outbox& outbox, const std::vector<std::string>& tenants) {
    if (tenants.empty())
        return;
    std::map<std::string, TenantPresence> identities;
    try {
        identities = outbox.tenant_identities(tenants);
        identity_error_.clear();
    } catch (const OutboxQueryError& e) {
        if (identity_error_ != e.what())
            log_error(std::string("cannot check the followed tenants: ") + e.what());
        identity_error_ = e.what();
        return;
    }
    for (const auto& tenant : tenants) {
        auto state = tenants_.find(tenant);
        if (state == tenants_.end())
            continue;
        auto found = identities.find(tenant);
        if (found == identities.end()) {
            state->second.gone = "tenant dropped";
        } else if (found->second.identity != state->second.identity) {
            state->second.gone = "tenant recreated";
        } else if (found->second.reachable == state->second.unreachable) {
            state->second.unreachable = !found->second.reachable;
            if (state->second.unreachable) {
                log_warn("the node that holds tenant " + tenant +
                         " cannot be reached; its events wait there until it can");
            } else {
                log_info("the node that holds tenant " + tenant +
                         " can be reached again; catching up with its events");
            }
        }
    }
}

void ChangeFeed::forget_gone() {
    for (auto it = tenants_.begin(); it != tenants_.end();) {
        if (!it->second.gone) {
            ++it;
            continue;
        }
        const std::string tenant = it->first;
        const std::string why = *it->second.gone;
        it = tenants_.erase(it);
        schemas_.erase(tenant);
        log_info("tenant " + tenant + " is no longer followed (" + why +
                 "); its next request loads it anew");
        sink_.tenant_gone(tenant, why);
    }
}

void ChangeFeed::catch_up_schema(const std::string& tenant, TenantState& state, Outbox& outbox) {
    std::vector<SchemaEvent> events;
    try {
        events = outbox.schema_events(tenant, state.schema_read);
        state.schema_error.clear();
    } catch (const UnknownTenant&) {
        state.gone = "tenant dropped";
        return;
    } catch (const OutboxQueryError& e) {
        if (state.schema_error != e.what())
            log_error("cannot read the schema events of tenant " + tenant + ": " + e.what());
        state.schema_error = e.what();
        return;
    }
    for (auto& event : events) {
        if (event.version <= state.schema_read)
            continue;
        state.schema_read = event.version;
        state.pending.push_back(std::move(event));
        state.throttle.note_change();
    }
}

void ChangeFeed::catch_up_data(const std::string& tenant, TenantState& state, Outbox& outbox,
                               Clock::time_point now) {
    try {
        for (;;) {
            // No further ahead than the slowest subscriber allows: a burst waits in the
            // outbox, and is read as the subscribers take what was published.
            const std::size_t room = sink_.room(tenant);
            if (room == 0) {
                state.room_retry_at = now + kRoomRetry;
                break;
            }
            state.room_retry_at.reset();
            const int max = static_cast<int>(std::min<std::size_t>(room, kDataBatch));
            std::vector<DataEvent> events;
            try {
                events = outbox.data_events(tenant, state.data_position, max);
            } catch (const BehindRetention& e) {
                // The events after how far pruning went are all still kept: go on from there.
                std::string resume = outbox.data_pruned_through(tenant);
                log_warn("data feed of tenant " + tenant +
                         " fell behind the outbox retention at position " + state.data_position +
                         " (" + e.what() + "); the events through position " + resume +
                         " were pruned, resuming after them");
                metrics_.data_resynced();
                if (resume == state.data_position)
                    break;  // the outbox contradicts itself
                state.data_position = std::move(resume);
                continue;
            }
            std::vector<json> roots = roots_of(tenant, state, events, outbox);
            for (std::size_t i = 0; i < events.size(); ++i) {
                sink_.publish(tenant, EventKind::kThingChanged,
                              std::make_shared<const json>(std::move(roots[i])),
                              events[i].committed_at);
                state.data_position = events[i].position;
            }
            if (static_cast<int>(events.size()) < max)
                break;
        }
        state.data_error.clear();
    } catch (const UnknownTenant&) {
        state.gone = "tenant dropped";
    } catch (const OutboxQueryError& e) {
        if (state.data_error != e.what())
            log_error("cannot read the data events of tenant " + tenant + ": " + e.what());
        state.data_error = e.what();
    }
}

json ChangeFeed::read_things(Outbox& outbox, const std::string& tenant,
                             const ThingSelection& selection, const std::vector<std::string>& ids) {
    try {
        return outbox.read_things(tenant, selection.query, selection.variables,
                                  selection.operation_name, ids);
    } catch (const ThingReadError& e) {
        // 54000: the ids times what each thing nests is more than udm.graphql_max_things
        // allows in one statement (a batch of a thousand events, each thing with a page of a
        // nested collection). Halves are read one after the other, down to one thing each.
        if (e.sqlstate() != "54000" || ids.size() < 2)
            throw;
    }
    const auto middle = ids.begin() + static_cast<std::ptrdiff_t>(ids.size() / 2);
    json things = read_things(outbox, tenant, selection, {ids.begin(), middle});
    things.update(read_things(outbox, tenant, selection, {middle, ids.end()}));
    return things;
}

std::vector<json> ChangeFeed::roots_of(const std::string& tenant, TenantState& state,
                                       const std::vector<DataEvent>& events, Outbox& outbox) {
    std::vector<json> roots;
    roots.reserve(events.size());
    for (const auto& event : events)
        roots.push_back(thing_changed_root(event));
    if (things_ == nullptr || events.empty())
        return roots;
    // Tenants without thing selections pay one lookup per batch.
    const std::vector<ThingSelection> selections = things_->of(tenant);
    if (selections.empty())
        return roots;
    // The ids of each class in the batch, each once, in order.
    std::map<std::string, std::vector<std::string>> ids;
    std::unordered_set<std::string> seen;
    for (const auto& event : events) {
        if (seen.insert(event.class_name + '/' + event.thing_id).second)
            ids[event.class_name].push_back(event.thing_id);
    }
    for (const ThingSelection& selection : selections) {
        auto cls = ids.find(selection.class_name);
        if (cls == ids.end())
            continue;
        json things;
        json failure;
        try {
            things = read_things(outbox, tenant, selection, cls->second);
            metrics_.things_read(false);
        } catch (const ThingReadError& e) {
            metrics_.things_read(true);
            // Clients get the gateway's words; PostgreSQL's message goes to the log, once.
            const bool forbidden = e.sqlstate() == "42501";
            failure = {{"message", forbidden ? "Permission denied: the tenant's role may not "
                                               "read these things."
                                             : "The thing could not be read."},
                       {"code", forbidden ? "FORBIDDEN" : "INTERNAL"}};
            const std::string logged = e.sqlstate() + ": " + e.what();
            if (state.things_error != logged) {
                log_error("cannot read the things of tenant " + tenant + " for a " +
                          selection.class_name + " subscription (SQLSTATE " + e.sqlstate() +
                          "): " + e.what());
            }
            state.things_error = logged;
        }
        if (failure.is_null())
            state.things_error.clear();
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (events[i].class_name != selection.class_name)
                continue;
            if (!failure.is_null()) {
                roots[i][kThingErrorsMember][selection.key] = failure;
                continue;
            }
            auto found = things.find(events[i].thing_id);
            roots[i][kThingsMember][selection.key] = found != things.end() ? *found : json();
        }
    }
    return roots;
}

void ChangeFeed::rebuild_due(Outbox& outbox, Clock::time_point now) {
    for (auto& [tenant, state] : tenants_) {
        if (state.gone || !state.throttle.due(now))
            continue;
        // Schema signals waiting for their spacing: the rebuild takes their versions too.
        if (std::exchange(state.schema_signalled, false)) {
            state.schema_signal_read_at = now;
            catch_up_schema(tenant, state, outbox);
        }
        if (!state.gone)
            rebuild(tenant, state, outbox, now);
    }
    forget_gone();
}

void ChangeFeed::rebuild(const std::string& tenant, TenantState& state, Outbox& outbox,
                         Clock::time_point now) {
    if (state.pending.empty()) {
        state.throttle.rebuilt(now);
        return;
    }
    // A lost connection throws past this function and leaves the rebuild pending.
    const std::int64_t version = state.pending.back().version;
    // The changes stay pending: the next rebuild covers them too, so schemaChanged events
    // still chain from the last one delivered. Retried after the interval, not at once.
    auto retry_later = [&](const std::string& why) {
        const std::string key = std::to_string(version) + ": " + why;
        if (state.rebuild_error != key) {
            log_error("tenant " + tenant + " keeps schema version " +
                      std::to_string(state.schema_built) + ": " + why +
                      "; retrying every rebuild interval");
        }
        state.rebuild_error = key;
        state.throttle.rebuilt(now);
        state.throttle.note_change();
    };
    json model;
    try {
        // A tenant created anew under the same name must not pass its model off as the next
        // version of the old one.
        auto identities = outbox.tenant_identities({tenant});
        auto found = identities.find(tenant);
        if (found == identities.end() || found->second.identity != state.identity) {
            state.gone = found == identities.end() ? "tenant dropped" : "tenant recreated";
            return;
        }
        model = outbox.schema_at(tenant, version);
    } catch (const UnknownTenant&) {
        state.gone = "tenant dropped";
        return;
    } catch (const OutboxQueryError& e) {
        retry_later("cannot read its model at version " + std::to_string(version) + ": " +
                    e.what());
        return;
    }
    // An engine that rejects a model rejects it every time: its reason is logged once.
    const std::string cannot_build =
        "the GraphQL engine cannot build version " + std::to_string(version);
    const bool logged = state.rebuild_error == std::to_string(version) + ": " + cannot_build;
    std::shared_ptr<const TenantSchema> schema = build(tenant, model, version, !logged);
    if (!schema) {
        retry_later(cannot_build);
        return;
    }
    state.throttle.rebuilt(now);
    state.rebuild_error.clear();
    std::vector<SchemaEvent> events = std::move(state.pending);
    state.pending.clear();
    state.schema_built = version;
    // The SDL is served from here on; what the schema builds on first use is built before
    // subscribers hear of the change, so that operations they send at once do not wait.
    schemas_.put(tenant, schema);
    metrics_.schema_rebuilt();
    log_info("tenant " + tenant + ": schema rebuilt at version " + std::to_string(version) + " (" +
             std::to_string(events.size()) + " change(s))");
    complete(tenant, *schema);
    sink_.publish(tenant, EventKind::kSchemaChanged,
                  std::make_shared<const json>(schema_changed_root(events, schema->sdl())),
                  events.back().committed_at);
}

void ChangeFeed::complete(const std::string& tenant) {
    if (std::shared_ptr<const TenantSchema> schema = schemas_.get(tenant))
        complete(tenant, *schema);
}

void ChangeFeed::complete(const std::string& tenant, const TenantSchema& schema) {
    try {
        schema.complete();
    } catch (const std::exception& e) {
        log_error("the GraphQL engine cannot complete the schema of tenant " + tenant +
                  " at version " + std::to_string(schema.version()) +
                  " (the first request "
                  "tries again): " +
                  e.what());
    }
}

void ChangeFeed::read_due(Outbox& outbox, Clock::time_point now) {
    for (auto& [tenant, state] : tenants_) {
        bool due = state.room_retry_at && *state.room_retry_at <= now;
        if (state.recheck_after.count() > 0 && state.signalled_at + state.recheck_after <= now) {
            due = true;
            // The next re-read in the schedule that is still ahead (a late one is not repeated).
            while (state.recheck_after.count() > 0 &&
                   state.signalled_at + state.recheck_after <= now) {
                state.recheck_after =
                    state.recheck_after >= kRecheckLast
                        ? Clock::duration(0)
                        : std::min<Clock::duration>(state.recheck_after * 2, kRecheckLast);
            }
        }
        if (act_on_signals(tenant, state, outbox, now, /*defer_data=*/true))
            due = true;
        if (due && !state.gone)
            catch_up_data(tenant, state, outbox, now);
    }
    forget_gone();
}

std::optional<ChangeFeed::Clock::time_point> ChangeFeed::next_read() const {
    std::optional<Clock::time_point> earliest;
    auto consider = [&](Clock::time_point when) {
        if (!earliest || when < *earliest)
            earliest = when;
    };
    for (const auto& [tenant, state] : tenants_) {
        if (state.room_retry_at)
            consider(*state.room_retry_at);
        if (state.recheck_after.count() > 0)
            consider(state.signalled_at + state.recheck_after);
        if (state.schema_signalled && state.schema_signal_read_at)
            consider(*state.schema_signal_read_at + kSignalSpacing);
        if (state.data_signalled && state.data_signal_read_at)
            consider(*state.data_signal_read_at + kSignalSpacing);
    }
    return earliest;
}

std::optional<ChangeFeed::Clock::time_point> ChangeFeed::next_rebuild() const {
    std::optional<Clock::time_point> earliest;
    for (const auto& [tenant, state] : tenants_) {
        auto when = state.throttle.deadline();
        if (when && (!earliest || *when < *earliest))
            earliest = when;
    }
    return earliest;
}

}  // namespace udm::gateway
