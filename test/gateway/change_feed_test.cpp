// The change feed against an in-memory outbox: loading, catch-up, order, retention,
// re-reads after a signal, dropped and recreated tenants, and coalesced schema rebuilds.
#include <gtest/gtest.h>

#include <map>

#include "change_feed.hpp"
#include "fake_engine.hpp"
#include "rebuild_throttle.hpp"

namespace udm::gateway {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = RebuildThrottle::Clock;

// An outbox in memory, one tenant "acme".
class MemoryOutbox : public Outbox {
  public:
    std::int64_t version = 0;
    std::vector<SchemaEvent> schema;
    std::vector<DataEvent> data;             // position i+1 at index i
    std::size_t oldest = 0;                  // positions at or below are no longer retained
    std::size_t visible_through = SIZE_MAX;  // the watermark, as a position
    bool exists = true;                      // false: dropped
    std::string identity = "1";              // another value: dropped and created again
    bool reachable = true;                   // false: its Citus node is down
    bool head_fails = false;
    int schema_at_calls = 0;
    int identity_checks = 0;
    int schema_reads = 0;  // schema_events calls
    int data_reads = 0;    // data_events calls

    std::optional<TenantModel> current_model(const std::string& tenant) override {
        if (tenant != "acme" || !exists)
            return std::nullopt;
        return TenantModel{version, json{{"classes", json::object()}}, identity};
    }
    json schema_at(const std::string&, std::int64_t) override {
        ++schema_at_calls;
        return json{{"classes", json::object()}};
    }
    std::vector<SchemaEvent> schema_events(const std::string&, std::int64_t after) override {
        ++schema_reads;
        std::vector<SchemaEvent> out;
        for (const auto& e : schema) {
            if (e.version > after)
                out.push_back(e);
        }
        return out;
    }
    std::vector<DataEvent> data_events(const std::string&, const std::string& after,
                                       int max) override {
        ++data_reads;
        std::size_t from = std::stoul(after);
        if (from > 0 && from < oldest)
            throw BehindRetention("behind");
        std::vector<DataEvent> out;
        for (std::size_t i = std::max(from, oldest); i < visible() && out.size() < std::size_t(max);
             ++i) {
            out.push_back(data[i]);
        }
        return out;
    }
    std::string data_head(const std::string&) override {
        if (head_fails)
            throw OutboxQueryError("data head: canceling statement due to statement timeout");
        return std::to_string(visible());
    }
    std::string data_pruned_through(const std::string&) override { return std::to_string(oldest); }
    std::map<std::string, TenantPresence> tenant_identities(
        const std::vector<std::string>& tenants) override {
        ++identity_checks;
        std::map<std::string, TenantPresence> out;
        for (const auto& t : tenants) {
            if (t == "acme" && exists)
                out[t] = {identity, reachable};
        }
        return out;
    }
    // Events at positions above this are held back by an older transaction still running.
    std::size_t visible() const { return std::min(data.size(), visible_through); }

    void add_schema_change() {
        ++version;
        SchemaEvent e;
        e.version = version;
        e.previous_version = version - 1;
        e.actor = "a" + std::to_string(version);
        e.diff = json::array({{{"kind", "class"}, {"breaking", version == 2}}});
        schema.push_back(e);
    }
    void add_data(int n, const std::string& cls = "widget") {
        for (int i = 0; i < n; ++i) {
            DataEvent e;
            e.position = std::to_string(data.size() + 1);
            e.class_name = cls;
            e.operation = "insert";
            e.thing_id = "id" + e.position;
            data.push_back(e);
        }
    }
};

// Records what is published, and the tenants gone.
class Recorder : public EventSink {
  public:
    std::vector<std::pair<EventKind, json>> events;
    std::vector<std::pair<std::string, std::string>> gone;
    void publish(const std::string&, EventKind kind, std::shared_ptr<const json> root,
                 double) override {
        events.emplace_back(kind, *root);
    }
    void tenant_gone(const std::string& tenant, const std::string& why) override {
        gone.emplace_back(tenant, why);
    }
};

// Counts the lines of stderr (the log) that contain text.
int count_lines(const std::string& log, const std::string& text) {
    int n = 0;
    for (std::size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1))
        ++n;
    return n;
}

class ChangeFeedTest : public ::testing::Test {
  protected:
    MemoryOutbox outbox;
    Recorder recorder;
    Metrics metrics;
    SchemaCache schemas;
    int builds = 0;
    ChangeFeed feed{[this](const json& model, std::int64_t version) {
                        ++builds;
                        return testing::fake_schema_builder()(model, version);
                    },
                    schemas, recorder, metrics, 250ms};
    Clock::time_point t0 = Clock::now();
};

TEST_F(ChangeFeedTest, LoadsATenantAtItsCurrentVersionAndTheNewestEvent) {
    outbox.add_schema_change();
    outbox.add_data(5);
    EXPECT_EQ(feed.load("nobody", outbox, t0), LoadOutcome::kUnknownTenant);
    EXPECT_EQ(feed.load("acme", outbox, t0), LoadOutcome::kReady);
    ASSERT_TRUE(schemas.get("acme"));
    EXPECT_EQ(schemas.get("acme")->version(), 1);
    EXPECT_TRUE(recorder.events.empty());  // events before loading are history
    EXPECT_EQ(feed.load("acme", outbox, t0), LoadOutcome::kReady);
    EXPECT_EQ(builds, 1);
}

TEST_F(ChangeFeedTest, DataEventsArriveOnceAndInOrderAcrossBatches) {
    feed.load("acme", outbox, t0);
    outbox.add_data(2500);
    feed.on_notification("udm_data", R"({"tenant":"acme"})", outbox, t0);
    feed.on_notification("udm_data", R"({"tenant":"acme"})", outbox, t0);
    feed.catch_up_all(outbox, t0);
    ASSERT_EQ(recorder.events.size(), 2500u);
    for (std::size_t i = 0; i < recorder.events.size(); ++i) {
        EXPECT_EQ(recorder.events[i].second["position"], std::to_string(i + 1));
    }
    EXPECT_EQ(recorder.events[0].second,
              json::parse(R"({"position":"1","operation":"INSERT","class":"widget","id":"id1",
                              "changedAttributes":[],"time":""})"));
}

// A sink with room for a fixed number of events at a time, as the hub's windows give it.
class Narrow : public Recorder {
  public:
    std::size_t free = 0;
    void publish(const std::string& tenant, EventKind kind, std::shared_ptr<const json> root,
                 double at) override {
        ASSERT_GT(free, 0u) << "published beyond the room";
        --free;
        Recorder::publish(tenant, kind, std::move(root), at);
    }
    std::size_t room(const std::string&) override { return free; }
};

TEST_F(ChangeFeedTest, DataIsReadNoFurtherThanTheSinkHasRoomFor) {
    Narrow narrow;
    ChangeFeed paced{testing::fake_schema_builder(), schemas, narrow, metrics, 250ms};
    narrow.free = 0;
    paced.load("acme", outbox, t0);
    outbox.add_data(2500);
    paced.on_notification("udm_data", R"({"tenant":"acme"})", outbox, t0);
    EXPECT_TRUE(narrow.events.empty());
    ASSERT_TRUE(paced.next_read());
    EXPECT_EQ(*paced.next_read(), t0 + ChangeFeed::kRoomRetry);
    // Room comes back a little at a time; the rest stays in the outbox meanwhile.
    auto now = t0;
    for (int round = 0; narrow.events.size() < 2500 && round < 100; ++round) {
        narrow.free = 700;
        now += ChangeFeed::kRoomRetry;
        paced.read_due(outbox, now);
    }
    ASSERT_EQ(narrow.events.size(), 2500u);
    for (std::size_t i = 0; i < narrow.events.size(); ++i) {
        ASSERT_EQ(narrow.events[i].second["position"], std::to_string(i + 1));
    }
    // Read up: nothing more to retry once the re-reads after the signal are over.
    narrow.free = 700;
    paced.read_due(outbox, t0 + ChangeFeed::kRecheckLast);
    EXPECT_FALSE(paced.next_read());
}

TEST_F(ChangeFeedTest, EventsHeldBackAfterASignalAreReadAgainWithoutWaitingForThePoll) {
    feed.load("acme", outbox, t0);
    // Committed and signalled, but an older transaction (of any tenant) still runs.
    outbox.visible_through = 0;
    outbox.add_data(2);
    feed.on_notification("udm_data", R"({"tenant":"acme"})", outbox, t0);
    EXPECT_TRUE(recorder.events.empty());
    // Read again 10, 20, 40, ... ms after the signal, up to 1 s.
    std::vector<Clock::duration> rereads;
    for (auto next = feed.next_read(); next; next = feed.next_read()) {
        rereads.push_back(*next - t0);
        if (rereads.size() == 4)
            outbox.visible_through = SIZE_MAX;  // the older one ended
        feed.read_due(outbox, *next);
        ASSERT_LT(rereads.size(), 20u);
    }
    EXPECT_EQ(rereads,
              (std::vector<Clock::duration>{10ms, 20ms, 40ms, 80ms, 160ms, 320ms, 640ms, 1000ms}));
    ASSERT_EQ(recorder.events.size(), 2u);
    EXPECT_EQ(recorder.events[1].second["position"], "2");

    // A new signal starts the schedule anew; a late read does not repeat the steps it missed.
    auto t1 = t0 + 5s;
    feed.on_notification("udm_data", R"({"tenant":"acme"})", outbox, t0 + 4s);
    feed.on_notification("udm_data", R"({"tenant":"acme"})", outbox, t1);
    EXPECT_EQ(feed.next_read(), t1 + 10ms);
    feed.read_due(outbox, t1 + 100ms);
    EXPECT_EQ(feed.next_read(), t1 + 160ms);
    EXPECT_EQ(recorder.events.size(), 2u);
}

TEST_F(ChangeFeedTest, ABurstOfSignalsCostsOneReadPerSpacingNotOnePerSignal) {
    // Issue #15: any role can NOTIFY; 20,000 signals were 20,000 reads.
    feed.load("acme", outbox, t0);
    outbox.add_data(3);
    const int schema_before = outbox.schema_reads;
    const int data_before = outbox.data_reads;
    for (int i = 0; i < 1000; ++i) {
        const auto at = t0 + std::chrono::microseconds(i);  // all within 1 ms
        feed.on_notification("udm_data", R"({"tenant":"acme"})", outbox, at);
        feed.on_notification("udm_schema", R"({"tenant":"acme","version":9})", outbox, at);
    }
    EXPECT_EQ(outbox.data_reads - data_before, 1);
    EXPECT_EQ(outbox.schema_reads - schema_before, 1);
    EXPECT_EQ(recorder.events.size(), 3u);
    // The signals after the first read are answered by one more, once the spacing passed.
    ASSERT_TRUE(feed.next_read());
    EXPECT_EQ(*feed.next_read(), t0 + ChangeFeed::kSignalSpacing);
    feed.read_due(outbox, *feed.next_read());
    EXPECT_EQ(outbox.data_reads - data_before, 2);
    EXPECT_EQ(outbox.schema_reads - schema_before, 2);
    // A steady flood (a signal every 100 us for a poll interval of 2 s) costs at most one
    // read per spacing, plus the re-reads after the last signal.
    const int flood_before = outbox.data_reads;
    auto now = t0 + 1s;
    const auto end = now + 2s;
    for (; now < end; now += std::chrono::microseconds(100)) {
        feed.on_notification("udm_data", R"({"tenant":"acme"})", outbox, now);
        if (auto next = feed.next_read(); next && *next <= now)
            feed.read_due(outbox, now);
    }
    EXPECT_LE(outbox.data_reads - flood_before, 2s / ChangeFeed::kSignalSpacing + 2);
    EXPECT_EQ(recorder.events.size(), 3u);  // nothing was delivered twice
}

TEST_F(ChangeFeedTest, BadSignalsAreLoggedAtMostOnceASecondAndCutShort) {
    feed.load("acme", outbox, t0);
    const std::string big(7000, 'x');
    ::testing::internal::CaptureStderr();
    for (int i = 0; i < 20000; ++i) {
        feed.on_notification("udm_data", "\n" + big, outbox, t0);
        feed.on_notification("udm_schema", R"({"tenant": 42})", outbox, t0);
    }
    std::string log = ::testing::internal::GetCapturedStderr();
    // One line per channel (the test runs within a second), the payload cut to 100 bytes,
    // a newline in it escaped: a log line cannot be forged.
    EXPECT_EQ(count_lines(log, "ignoring a notification on udm_data"), 1) << log;
    EXPECT_EQ(count_lines(log, "ignoring a notification on udm_schema"), 1) << log;
    EXPECT_EQ(count_lines(log, "\n"), 2) << log;
    EXPECT_NE(log.find("with payload \\x0a" + std::string(99, 'x') + "... (7001 bytes)"),
              std::string::npos)
        << log;
    EXPECT_LT(log.size(), 1000u) << log;
}

TEST_F(ChangeFeedTest, NotificationsOfOtherTenantsAndGarbageAreIgnored) {
    feed.load("acme", outbox, t0);
    outbox.add_data(1);
    feed.on_notification("udm_data", R"({"tenant":"other"})", outbox, t0);
    feed.on_notification("udm_data", "not json", outbox, t0);
    EXPECT_TRUE(recorder.events.empty());
}

TEST_F(ChangeFeedTest, BehindRetentionResumesWherePruningReached) {
    feed.load("acme", outbox, t0);
    outbox.add_data(3);
    feed.catch_up_all(outbox, t0);
    ASSERT_EQ(recorder.events.size(), 3u);
    // 4..13 written, 4..8 pruned before the feed read them: 9..13 are still in the outbox.
    outbox.add_data(10);
    outbox.oldest = 8;
    feed.catch_up_all(outbox, t0);
    ASSERT_EQ(recorder.events.size(), 8u);
    EXPECT_EQ(recorder.events[3].second["position"], "9");
    EXPECT_EQ(recorder.events.back().second["position"], "13");
    outbox.add_data(1);
    feed.catch_up_all(outbox, t0);
    ASSERT_EQ(recorder.events.size(), 9u);
    EXPECT_EQ(recorder.events.back().second["position"], "14");
    EXPECT_NE(metrics.render().find("udm_gateway_data_resyncs_total 1"), std::string::npos);
}

TEST_F(ChangeFeedTest, ALoadWhoseHeadCannotBeReadFailsAndKeepsNothing) {
    outbox.add_data(5);
    outbox.head_fails = true;
    EXPECT_EQ(feed.load("acme", outbox, t0), LoadOutcome::kUnavailable);
    EXPECT_FALSE(feed.follows("acme"));
    EXPECT_FALSE(schemas.get("acme"));
    // Written before the next load: history for it, as for any load.
    outbox.add_data(2);
    outbox.head_fails = false;
    EXPECT_EQ(feed.load("acme", outbox, t0), LoadOutcome::kReady);
    outbox.add_data(1);
    feed.on_notification("udm_data", R"({"tenant":"acme"})", outbox, t0);
    ASSERT_EQ(recorder.events.size(), 1u);
    EXPECT_EQ(recorder.events[0].second["position"], "8");
}

TEST_F(ChangeFeedTest, ADroppedTenantIsUnfollowedAndItsSchemaForgotten) {
    feed.load("acme", outbox, t0);
    outbox.exists = false;
    feed.catch_up_all(outbox, t0);
    EXPECT_FALSE(feed.follows("acme"));
    EXPECT_FALSE(schemas.get("acme"));
    EXPECT_EQ(recorder.gone,
              (std::vector<std::pair<std::string, std::string>>{{"acme", "tenant dropped"}}));
    EXPECT_EQ(feed.load("acme", outbox, t0), LoadOutcome::kUnknownTenant);
    feed.catch_up_all(outbox, t0);
    EXPECT_EQ(recorder.gone.size(), 1u);
}

TEST_F(ChangeFeedTest, ATenantWhoseNodeIsDownIsKeptAndCaughtUpOnceItIsBack) {
    feed.load("acme", outbox, t0);
    outbox.reachable = false;
    outbox.add_data(3);
    const int schema_before = outbox.schema_reads;
    const int data_before = outbox.data_reads;
    ::testing::internal::CaptureStderr();
    feed.catch_up_all(outbox, t0);
    feed.catch_up_all(outbox, t0);
    const std::string log = ::testing::internal::GetCapturedStderr();
    // Followed still, with its schema; no read waits on the node that is down.
    EXPECT_TRUE(feed.follows("acme"));
    EXPECT_TRUE(schemas.get("acme"));
    EXPECT_TRUE(recorder.gone.empty());
    EXPECT_EQ(outbox.schema_reads, schema_before);
    EXPECT_EQ(outbox.data_reads, data_before);
    EXPECT_TRUE(recorder.events.empty());
    EXPECT_EQ(count_lines(log, "cannot be reached"), 1) << log;
    outbox.reachable = true;
    ::testing::internal::CaptureStderr();
    feed.catch_up_all(outbox, t0);
    const std::string back = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(count_lines(back, "can be reached again"), 1) << back;
    ASSERT_EQ(recorder.events.size(), 3u);
    EXPECT_EQ(recorder.events[2].second["position"], "3");
}

// The in-memory outbox of a dropped tenant, where udm's functions raise 42704.
class DroppedOutbox : public MemoryOutbox {
  public:
    bool dropped = false;
    std::vector<DataEvent> data_events(const std::string& tenant, const std::string& after,
                                       int max) override {
        if (dropped)
            throw UnknownTenant("data events: tenant \"acme\" does not exist");
        return MemoryOutbox::data_events(tenant, after, max);
    }
};

TEST_F(ChangeFeedTest, AReadOfADroppedTenantUnfollowsIt) {
    DroppedOutbox dropping;
    feed.load("acme", dropping, t0);
    dropping.dropped = true;
    feed.on_notification("udm_data", R"({"tenant":"acme"})", dropping, t0);
    EXPECT_FALSE(feed.follows("acme"));
    EXPECT_FALSE(schemas.get("acme"));
    ASSERT_EQ(recorder.gone.size(), 1u);
    EXPECT_EQ(recorder.gone[0].second, "tenant dropped");
    EXPECT_FALSE(feed.next_read());  // no re-reads of a tenant no longer followed
}

TEST_F(ChangeFeedTest, ARecreatedTenantIsUnfollowedAndLoadedAnewAtItsOwnVersion) {
    outbox.add_schema_change();
    outbox.add_schema_change();
    feed.load("acme", outbox, t0);
    ASSERT_EQ(schemas.get("acme")->version(), 2);
    // Dropped and created again between two polls: version 1 of the new tenant is below
    // what was read of the old one.
    outbox.identity = "2";
    outbox.version = 0;
    outbox.schema.clear();
    outbox.add_schema_change();
    feed.catch_up_all(outbox, t0);
    EXPECT_FALSE(feed.follows("acme"));
    EXPECT_FALSE(schemas.get("acme"));
    EXPECT_EQ(recorder.gone,
              (std::vector<std::pair<std::string, std::string>>{{"acme", "tenant recreated"}}));
    EXPECT_EQ(feed.load("acme", outbox, t0), LoadOutcome::kReady);
    EXPECT_EQ(schemas.get("acme")->version(), 1);
    EXPECT_TRUE(recorder.events.empty());
}

TEST_F(ChangeFeedTest, ARecreatedTenantIsCaughtBeforeItsModelIsPublished) {
    feed.load("acme", outbox, t0);
    outbox.identity = "2";
    outbox.add_schema_change();
    feed.on_notification("udm_schema", R"({"tenant":"acme","version":1})", outbox, t0);
    feed.rebuild_due(outbox, t0);
    EXPECT_TRUE(recorder.events.empty());
    EXPECT_FALSE(feed.follows("acme"));
    EXPECT_EQ(recorder.gone.size(), 1u);
}

// A fake schema that records when complete() was called: how many events had been
// published by then.
class CompletingSchema : public TenantSchema {
  public:
    CompletingSchema(std::shared_ptr<const TenantSchema> inner, const Recorder& recorder,
                     std::vector<std::size_t>& completions)
        : inner_(std::move(inner)), recorder_(recorder), completions_(completions) {}
    std::int64_t version() const override { return inner_->version(); }
    const std::string& sdl() const override { return inner_->sdl(); }
    PrepareResult prepare(std::string_view document, const json& variables,
                          const std::optional<std::string>& operation_name) const override {
        return inner_->prepare(document, variables, operation_name);
    }
    void complete() const override { completions_.push_back(recorder_.events.size()); }

  private:
    std::shared_ptr<const TenantSchema> inner_;
    const Recorder& recorder_;
    std::vector<std::size_t>& completions_;
};

// The type system a schema builds on first use: after a load, when the listener says so
// (once the requests that waited for the load are answered); after a rebuild, before the
// schemaChanged event, so that operations sent on hearing of it do not wait for it.
TEST(ChangeFeedCompletion, AfterTheLoadAndBeforeTheSchemaChangedEvent) {
    MemoryOutbox outbox;
    Recorder recorder;
    Metrics metrics;
    SchemaCache schemas;
    std::vector<std::size_t> completions;
    ChangeFeed feed{[&](const json& model, std::int64_t version) {
                        return std::make_shared<const CompletingSchema>(
                            testing::fake_schema_builder()(model, version), recorder, completions);
                    },
                    schemas, recorder, metrics, 250ms};
    const auto t0 = Clock::now();
    outbox.add_schema_change();
    ASSERT_EQ(feed.load("acme", outbox, t0), LoadOutcome::kReady);
    EXPECT_TRUE(completions.empty());
    feed.complete("acme");
    feed.complete("nobody");  // not loaded: nothing to do
    EXPECT_EQ(completions, (std::vector<std::size_t>{0}));
    outbox.add_schema_change();
    feed.on_notification("udm_schema", R"({"tenant":"acme","version":2})", outbox, t0);
    feed.rebuild_due(outbox, t0 + 1s);
    ASSERT_EQ(recorder.events.size(), 1u);
    EXPECT_EQ(recorder.events[0].first, EventKind::kSchemaChanged);
    EXPECT_EQ(schemas.get("acme")->version(), 2);
    EXPECT_EQ(completions, (std::vector<std::size_t>{0, 0}));  // before the event
}

// The in-memory outbox whose schema and data reads fail.
class FailingOutbox : public MemoryOutbox {
  public:
    bool failing = false;
    int schema_at_failures = 0;  // schema_at fails this many more times
    std::vector<SchemaEvent> schema_events(const std::string& tenant, std::int64_t after) override {
        if (failing)
            throw OutboxQueryError("schema events: permission denied");
        return MemoryOutbox::schema_events(tenant, after);
    }
    std::vector<DataEvent> data_events(const std::string& tenant, const std::string& after,
                                       int max) override {
        if (failing)
            throw OutboxQueryError("data events: permission denied");
        return MemoryOutbox::data_events(tenant, after, max);
    }
    json schema_at(const std::string& tenant, std::int64_t version) override {
        if (schema_at_failures > 0) {
            --schema_at_failures;
            throw OutboxQueryError("schema: canceling statement due to statement timeout");
        }
        return MemoryOutbox::schema_at(tenant, version);
    }
};

TEST_F(ChangeFeedTest, SchemaAndDataReadErrorsAreLoggedOnceEach) {
    FailingOutbox failing;
    feed.load("acme", failing, t0);
    failing.failing = true;
    ::testing::internal::CaptureStderr();
    for (int poll = 0; poll < 5; ++poll)
        feed.catch_up_all(failing, t0);
    std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(count_lines(log, "cannot read the schema events of tenant acme"), 1) << log;
    EXPECT_EQ(count_lines(log, "cannot read the data events of tenant acme"), 1) << log;
    // Back, then failing again: logged again.
    failing.failing = false;
    feed.catch_up_all(failing, t0);
    failing.failing = true;
    ::testing::internal::CaptureStderr();
    feed.catch_up_all(failing, t0);
    log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(count_lines(log, "cannot read the"), 2) << log;
}

TEST_F(ChangeFeedTest, ARebuildThatCannotReadTheModelIsRetriedAndTheEventsStillChain) {
    FailingOutbox failing;
    feed.load("acme", failing, t0);
    failing.add_schema_change();
    failing.schema_at_failures = 2;
    feed.catch_up_all(failing, t0);
    feed.rebuild_due(failing, t0);
    EXPECT_TRUE(recorder.events.empty());
    EXPECT_EQ(feed.next_rebuild(), t0 + 250ms);  // retried after the interval, not at once
    failing.add_schema_change();
    feed.catch_up_all(failing, t0 + 100ms);
    feed.rebuild_due(failing, t0 + 250ms);
    EXPECT_TRUE(recorder.events.empty());
    feed.rebuild_due(failing, t0 + 500ms);
    ASSERT_EQ(recorder.events.size(), 1u);
    const json& root = recorder.events[0].second;
    EXPECT_EQ(root["previousVersion"], 0);
    EXPECT_EQ(root["version"], 2);
    EXPECT_EQ(root["changes"].size(), 2u);
    EXPECT_EQ(schemas.get("acme")->version(), 2);
    EXPECT_FALSE(feed.next_rebuild());
}

TEST_F(ChangeFeedTest, ABurstOfSchemaChangesIsCoalescedAndEndsOnTheLastVersion) {
    feed.load("acme", outbox, t0);
    // 1000 changes over one second, read as they come every millisecond.
    for (int ms = 0; ms < 1000; ++ms) {
        outbox.add_schema_change();
        auto now = t0 + std::chrono::milliseconds(ms);
        feed.on_notification("udm_schema", R"({"tenant":"acme","version":1})", outbox, now);
        feed.rebuild_due(outbox, now);
    }
    // Then quiet: the trailing rebuild runs at its deadline.
    auto deadline = feed.next_rebuild();
    ASSERT_TRUE(deadline);
    feed.rebuild_due(outbox, *deadline);
    EXPECT_FALSE(feed.next_rebuild());

    EXPECT_LE(builds - 1, 6);  // leading edge + one per 250 ms + trailing
    EXPECT_GE(builds - 1, 4);
    EXPECT_EQ(schemas.get("acme")->version(), 1000);
    ASSERT_EQ(recorder.events.size(), std::size_t(builds - 1));
    // The schemaChanged events chain without gaps and cover every change.
    std::int64_t previous = 0;
    std::size_t changes = 0;
    for (const auto& [kind, root] : recorder.events) {
        EXPECT_EQ(kind, EventKind::kSchemaChanged);
        EXPECT_EQ(root["previousVersion"], previous);
        previous = root["version"];
        changes += root["changes"].size();
    }
    EXPECT_EQ(previous, 1000);
    EXPECT_EQ(changes, 1000u);
}

TEST_F(ChangeFeedTest, SchemaChangedCarriesBreakingActorAndSdl) {
    feed.load("acme", outbox, t0);
    outbox.add_schema_change();
    outbox.add_schema_change();  // version 2 is breaking
    feed.catch_up_all(outbox, t0);
    feed.rebuild_due(outbox, t0);
    ASSERT_EQ(recorder.events.size(), 1u);
    const json& root = recorder.events[0].second;
    EXPECT_EQ(root["version"], 2);
    EXPECT_EQ(root["previousVersion"], 0);
    EXPECT_EQ(root["actor"], "a2");
    EXPECT_EQ(root["breaking"], true);
    EXPECT_EQ(root["changes"].size(), 2u);
    EXPECT_EQ(root["sdl"], schemas.get("acme")->sdl());
}

TEST_F(ChangeFeedTest, AFailingBuildKeepsThePreviousSchema) {
    // The engine refuses version 1 for good; version 2 repairs the model.
    ChangeFeed failing{
        [](const json&, std::int64_t version) -> std::shared_ptr<const TenantSchema> {
            if (version == 1)
                throw std::runtime_error("engine says no");
            return testing::fake_schema_builder()(json::object(), version);
        },
        schemas, recorder, metrics, 250ms};
    failing.load("acme", outbox, t0);
    outbox.add_schema_change();
    failing.catch_up_all(outbox, t0);
    ::testing::internal::CaptureStderr();
    failing.rebuild_due(outbox, t0);
    EXPECT_EQ(schemas.get("acme")->version(), 0);
    EXPECT_TRUE(recorder.events.empty());
    // Retried once per rebuild interval, not in a loop, and logged once for the version.
    auto now = t0;
    for (int i = 0; i < 4; ++i) {
        auto next = failing.next_rebuild();
        ASSERT_TRUE(next);
        EXPECT_EQ(*next, now + 250ms);
        now = *next;
        failing.rebuild_due(outbox, now);
    }
    std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(count_lines(log, "engine says no"), 1) << log;
    EXPECT_EQ(count_lines(log, "keeps schema version 0"), 1) << log;
    EXPECT_EQ(outbox.schema_at_calls, 5);
    EXPECT_TRUE(recorder.events.empty());
    // The next event covers every version since the last one delivered.
    outbox.add_schema_change();
    failing.catch_up_all(outbox, now);
    failing.rebuild_due(outbox, now + 250ms);
    ASSERT_EQ(recorder.events.size(), 1u);
    EXPECT_EQ(recorder.events[0].second["previousVersion"], 0);
    EXPECT_EQ(recorder.events[0].second["version"], 2);
    EXPECT_EQ(recorder.events[0].second["changes"].size(), 2u);
    EXPECT_EQ(schemas.get("acme")->version(), 2);
    EXPECT_FALSE(failing.next_rebuild());
}

TEST(ChangeFeedRoots, ThingChangedRootHasTheThingEventFields) {
    DataEvent event{"4294967297",           "purchase_order",       "update", "0b7e",
                    json::array({"total"}), "2026-11-22T10:00:00Z", 0};
    EXPECT_EQ(thing_changed_root(event), json({{"position", "4294967297"},
                                               {"operation", "UPDATE"},
                                               {"class", "purchase_order"},
                                               {"id", "0b7e"},
                                               {"changedAttributes", {"total"}},
                                               {"time", "2026-11-22T10:00:00Z"}}));
}

TEST(ChangeFeedRoots, SchemaChangeEntriesKeepTheirFieldsAndPutTheRestInDetail) {
    json retyped = schema_change_entry(json::parse(
        R"({"kind": "attribute", "change": "retyped", "attribute": "stock", "from": "integer",
            "to": "number", "breaking": false})"));
    EXPECT_EQ(retyped["attribute"], "stock");
    EXPECT_EQ(retyped["detail"], json({{"from", "integer"}, {"to", "number"}}));
    // Renames stay beside the fields too: the classes/attributes filters look there.
    EXPECT_EQ(retyped["from"], "integer");

    json assignment = schema_change_entry(json::parse(
        R"({"kind": "assignment", "change": "added", "class": "product", "attribute": "sku",
            "type": "text", "required": false, "breaking": false})"));
    EXPECT_EQ(assignment["type"], "text");
    EXPECT_EQ(assignment["detail"], json({{"required", false}}));

    // For relationships, "type" names the relationship type: not a data type, so detail.
    json relationship = schema_change_entry(json::parse(
        R"({"kind": "relationship", "change": "added", "from": "company", "to": "product",
            "type": "supplies", "breaking": false})"));
    EXPECT_FALSE(relationship.contains("type"));
    EXPECT_EQ(relationship["detail"],
              json({{"from", "company"}, {"to", "product"}, {"type", "supplies"}}));
    EXPECT_EQ(relationship["to"], "product");

    EXPECT_EQ(schema_change_entry(json("odd")), json("odd"));
}

TEST(ChangeFeedRoots, SchemaChangeEntriesListTheClassesTheyAlter) {
    // Recorded with the classes: beside the fields, not in detail.
    json renamed = schema_change_entry(json::parse(
        R"({"kind": "attribute", "change": "renamed", "attribute": "title", "from": "name",
            "to": "title", "classes": ["author", "product"], "breaking": true})"));
    EXPECT_EQ(renamed["classes"], json({"author", "product"}));
    EXPECT_EQ(renamed["attribute"], "title");
    EXPECT_EQ(renamed["detail"], json({{"from", "name"}, {"to", "title"}}));
    // Recorded without them: its own class, if any (the field is non-null).
    EXPECT_EQ(schema_change_entry(json::parse(R"({"kind": "class", "change": "added",
                                                  "class": "product", "breaking": false})"))
                  ["classes"],
              json({"product"}));
    EXPECT_EQ(schema_change_entry(json::parse(R"({"kind": "relationship_type", "change": "added",
                                                  "type": "supplies", "breaking": false})"))
                  ["classes"],
              json::array());
}

TEST(RebuildThrottle, LeadingAndTrailingEdges) {
    RebuildThrottle throttle(100ms);
    auto t = Clock::now();
    EXPECT_FALSE(throttle.due(t));
    throttle.note_change();
    EXPECT_TRUE(throttle.due(t));  // first change after quiet: at once
    throttle.rebuilt(t);
    throttle.note_change();
    EXPECT_FALSE(throttle.due(t + 50ms));
    EXPECT_EQ(throttle.deadline(), t + 100ms);
    EXPECT_TRUE(throttle.due(t + 100ms));
    throttle.rebuilt(t + 100ms);
    EXPECT_FALSE(throttle.pending());
    EXPECT_FALSE(throttle.deadline());
}

}  // namespace
}  // namespace udm::gateway

namespace udm::gateway {
namespace {

// An outbox that also reads things: each call recorded, the things of ids "idN" named "tN"
// (odd N: deleted, so left out), or a failure with forbidden's SQLSTATE.
class ThingOutbox : public MemoryOutbox {
  public:
    std::vector<std::pair<std::string, std::vector<std::string>>> reads;  // query, ids
    bool forbidden = false;
    // More ids than this in one read are over udm.graphql_max_things.
    std::size_t most = SIZE_MAX;
    json read_things(const std::string&, const std::string& query, const std::string&,
                     const std::optional<std::string>&,
                     const std::vector<std::string>& ids) override {
        reads.emplace_back(query, ids);
        if (forbidden)
            throw ThingReadError("42501", "permission denied for table tc_widget");
        if (ids.size() > most)
            throw ThingReadError("54000", "reading 3 things may read up to 300 things");
        json out = json::object();
        for (const auto& id : ids) {
            const int n = std::stoi(id.substr(2));
            if (n % 2 == 0)
                out[id] = {{"name", "t" + std::to_string(n)}};
        }
        return out;
    }
};

class ThingFeedTest : public ::testing::Test {
  protected:
    ThingOutbox outbox;
    Recorder recorder;
    Metrics metrics;
    SchemaCache schemas;
    ThingSelections selections{2};
    ChangeFeed feed{testing::fake_schema_builder(), schemas, recorder, metrics, 250ms, &selections};
    Clock::time_point t0 = Clock::now();

    static ThingSelection selection(const std::string& key, const std::string& cls) {
        return ThingSelection{key, cls, "doc " + key, "{}", std::nullopt};
    }
};

TEST_F(ThingFeedTest, OneReadPerBatchAndSelectionWhateverTheSubscribers) {
    feed.load("acme", outbox, t0);
    // Three subscriptions of one selection, one of another class, one of a class not in the
    // batch.
    auto a1 = selections.hold("acme", selection("a", "widget"));
    auto a2 = selections.hold("acme", selection("a", "widget"));
    auto b = selections.hold("acme", selection("b", "gadget"));
    ASSERT_TRUE(a1 && a2 && b);
    EXPECT_EQ(selections.count("acme"), 2u);
    // The bound: a third distinct selection is refused, an equal one is not.
    EXPECT_FALSE(selections.hold("acme", selection("c", "widget")));
    EXPECT_TRUE(selections.hold("acme", selection("a", "widget")));
    outbox.add_data(3, "widget");
    outbox.add_data(1, "other");
    outbox.data.push_back(outbox.data[1]);  // the same thing twice in a batch
    outbox.data.back().position = "5";
    feed.catch_up_all(outbox, t0);
    ASSERT_EQ(outbox.reads.size(), 1u);
    EXPECT_EQ(outbox.reads[0].first, "doc a");
    EXPECT_EQ(outbox.reads[0].second, (std::vector<std::string>{"id1", "id2", "id3"}));
    ASSERT_EQ(recorder.events.size(), 5u);
    EXPECT_EQ(recorder.events[0].second[kThingsMember], json::parse(R"({"a": null})"));
    EXPECT_EQ(recorder.events[1].second[kThingsMember], json::parse(R"({"a": {"name": "t2"}})"));
    EXPECT_FALSE(recorder.events[3].second.contains(kThingsMember));  // class other
    EXPECT_EQ(recorder.events[4].second[kThingsMember], json::parse(R"({"a": {"name": "t2"}})"));
    EXPECT_NE(metrics.render().find("udm_gateway_thing_reads_total 1\n"), std::string::npos);
    // Released: nothing is read any more.
    a1.reset();
    a2.reset();
    b.reset();
    EXPECT_EQ(selections.count("acme"), 0u);
    outbox.add_data(2, "widget");
    feed.catch_up_all(outbox, t0);
    EXPECT_EQ(outbox.reads.size(), 1u);
    EXPECT_EQ(recorder.events.size(), 7u);
}

TEST_F(ThingFeedTest, ABatchOverTheThingBoundIsReadInHalves) {
    feed.load("acme", outbox, t0);
    auto a = selections.hold("acme", selection("a", "widget"));
    outbox.most = 2;
    outbox.add_data(5, "widget");
    feed.catch_up_all(outbox, t0);
    using Ids = std::vector<std::string>;
    ASSERT_EQ(outbox.reads.size(), 5u);
    EXPECT_EQ(outbox.reads[0].second, (Ids{"id1", "id2", "id3", "id4", "id5"}));
    EXPECT_EQ(outbox.reads[1].second, (Ids{"id1", "id2"}));
    EXPECT_EQ(outbox.reads[2].second, (Ids{"id3", "id4", "id5"}));
    EXPECT_EQ(outbox.reads[3].second, (Ids{"id3"}));
    EXPECT_EQ(outbox.reads[4].second, (Ids{"id4", "id5"}));
    ASSERT_EQ(recorder.events.size(), 5u);
    EXPECT_EQ(recorder.events[1].second[kThingsMember], json::parse(R"({"a": {"name": "t2"}})"));
    EXPECT_EQ(recorder.events[3].second[kThingsMember], json::parse(R"({"a": {"name": "t4"}})"));
    EXPECT_EQ(recorder.events[4].second[kThingsMember], json::parse(R"({"a": null})"));
    EXPECT_NE(metrics.render().find("udm_gateway_thing_reads_total 1\n"), std::string::npos);

    // One thing over the bound: its event gets an error, not a loop.
    outbox.most = 0;
    outbox.reads.clear();
    outbox.add_data(1, "widget");
    ::testing::internal::CaptureStderr();
    feed.catch_up_all(outbox, t0);
    ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(outbox.reads.size(), 1u);
    ASSERT_EQ(recorder.events.size(), 6u);
    EXPECT_EQ(recorder.events[5].second[kThingErrorsMember]["a"]["code"], "INTERNAL");
}

TEST_F(ThingFeedTest, AFailedReadDeliversTheEventsWithAnError) {
    feed.load("acme", outbox, t0);
    auto a = selections.hold("acme", selection("a", "widget"));
    outbox.forbidden = true;
    outbox.add_data(2, "widget");
    ::testing::internal::CaptureStderr();
    feed.catch_up_all(outbox, t0);
    outbox.add_data(1, "widget");
    feed.catch_up_all(outbox, t0);
    const std::string log = ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(recorder.events.size(), 3u);
    for (const auto& [kind, root] : recorder.events) {
        EXPECT_FALSE(root.contains(kThingsMember));
        EXPECT_EQ(
            root[kThingErrorsMember]["a"],
            json::parse(
                R"({"message": "Permission denied: the tenant's role may not read these things.",
                                  "code": "FORBIDDEN"})"));
    }
    // PostgreSQL's message goes to the log once, not to clients.
    EXPECT_EQ(count_lines(log, "permission denied for table tc_widget"), 1) << log;
    EXPECT_NE(metrics.render().find("udm_gateway_thing_read_failures_total 2\n"),
              std::string::npos);
}

}  // namespace
}  // namespace udm::gateway
