// Integration tests of change events with several sessions (libpqxx): one signal per
// committing transaction and tenant, nothing for rolled-back work, small payloads, and a
// reader of udm.data_events that never misses an event nor gets one twice, also when
// transactions commit in another order than they took their ids and when the consumer
// stops and starts again. support.hpp says how the tests connect and clean up.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace {

using namespace std::chrono_literals;
using namespace udm_it;

const char* const kModel = R"({"attributes": {"title": {"type": "text"}},
                               "classes": {"item": {"attributes": {"title": {}}}}})";

// Collects the notifications of one channel as "channel payload".
class Collector : public pqxx::notification_receiver {
  public:
    Collector(pqxx::connection& c, const std::string& channel, std::vector<std::string>& out)
        : pqxx::notification_receiver(c, channel), out_(out) {}
    void operator()(const std::string& payload, int) override {
        out_.push_back(channel() + " " + payload);
    }

  private:
    std::vector<std::string>& out_;
};

// A session listening on udm_schema and udm_data (and a fence channel of its own).
class Listener {
  public:
    Listener() : conn_(connect()) {
        for (const char* channel : {"udm_schema", "udm_data", "it_fence"}) {
            collectors_.push_back(std::make_unique<Collector>(*conn_, channel, received_));
        }
        // The LISTENs are sent on the first round trip.
        session(*conn_, "SELECT 1");
    }

    // Every signal committed before now, in order, the fence left out: sends a fence
    // notification from another session and waits for it (notifications arrive in commit
    // order). Clears what it returns.
    std::vector<std::string> drain(pqxx::connection& other) {
        session(other, "NOTIFY it_fence");
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            conn_->await_notification(0, 100000);
            auto fence = std::find(received_.begin(), received_.end(), "it_fence ");
            if (fence == received_.end())
                continue;
            std::vector<std::string> out(received_.begin(), fence);
            received_.erase(received_.begin(), fence + 1);
            return out;
        }
        ADD_FAILURE() << "the fence notification did not arrive";
        return {};
    }

  private:
    std::unique_ptr<pqxx::connection> conn_;
    std::vector<std::string> received_;
    std::vector<std::unique_ptr<Collector>> collectors_;
};

class EventsTest : public TenantTest {
  protected:
    void SetUp() override {
        TenantTest::SetUp();
        create_tenant("it_ev");
        query(*admin_, "SELECT udm.apply('it_ev', $1::jsonb)", std::string(kModel));
    }

    // Writes once and returns the position after it. On a Citus cluster the first writer
    // of a tenant on its worker records the worker's epoch, and the tenant's other writers
    // there wait for it to end (docs/events.md): tests that keep writers open side by side
    // write once first, and read after that write.
    std::string first_write() {
        insert(*admin_, "first");
        return scalar(*admin_, "SELECT udm.data_head('it_ev')::text");
    }

    // Inserts an item titled title in a transaction of its own on c.
    static void insert(pqxx::connection& c, const std::string& title) {
        query(c, "INSERT INTO tenant_it_ev.tc_item (title) VALUES ($1)", title);
    }
};

// One event a reader got: its position and the title of its thing.
struct Seen {
    std::string position;
    std::string title;
};

// A consumer of udm.data_events: keeps the last position, checks every batch continues
// strictly after it (compared as numbers by the server).
class Consumer {
  public:
    // Reads what is there after the last position; returns how many events it got.
    std::size_t poll(pqxx::connection& c) {
        pqxx::result r =
            query(c,
                  "SELECT e.position::text, i.title, e.position > $1::numeric"
                  " FROM udm.data_events('it_ev', $1::numeric, 100000) e"
                  " LEFT JOIN tenant_it_ev.tc_item i ON i.id = e.thing_id ORDER BY e.position",
                  last_);
        for (const auto& row : r) {
            EXPECT_STREQ(row[2].c_str(), "t")
                << "position " << row[0].c_str() << " is not after " << last_;
            seen_.push_back({row[0].c_str(), row[1].is_null() ? "" : row[1].c_str()});
            last_ = row[0].c_str();
        }
        return r.size();
    }

    const std::vector<Seen>& seen() const { return seen_; }
    const std::string& last() const { return last_; }
    void restart_from(const std::string& position) { last_ = position; }

  private:
    std::string last_ = "0";
    std::vector<Seen> seen_;
};

// --- signals ----------------------------------------------------------------------------

// On a Citus cluster the data signals are sent by the worker that holds the tenant, not
// heard on the coordinator, and not at all for a transaction over two workers: there,
// test/integration/gateway_citus.sh and docs/scale-out.md.
#define SKIP_ON_CITUS_SIGNALS() \
    if (on_citus(*admin_))      \
    GTEST_SKIP() << "on Citus, data signals are sent by the workers (gateway_citus.sh)"

TEST_F(EventsTest, OneSignalPerCommittingTransactionAndTenant) {
    SKIP_ON_CITUS_SIGNALS();
    Listener listener;
    auto writer = connect();
    create_tenant("it_ev2");
    query(*admin_, "SELECT udm.apply('it_ev2', $1::jsonb)", std::string(kModel));
    listener.drain(*admin_);
    {
        pqxx::work w(*writer);
        for (int i = 0; i < 5; ++i)
            w.exec("INSERT INTO tenant_it_ev.tc_item (title) VALUES ('x')");
        w.exec(
            "INSERT INTO tenant_it_ev.tc_item (title) SELECT 'y' FROM "
            "pg_catalog.generate_series(1, 100)");
        w.exec("UPDATE tenant_it_ev.tc_item SET title = 'z'");
        w.exec("INSERT INTO tenant_it_ev2.tc_item (title) VALUES ('x')");
        w.exec("SELECT udm.create_attribute('it_ev', 'a', 'text')");
        w.exec("SELECT udm.create_attribute('it_ev', 'b', 'text')");
        w.commit();
    }
    std::vector<std::string> got = listener.drain(*admin_);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{
                       "udm_data {\"tenant\": \"it_ev\"}", "udm_data {\"tenant\": \"it_ev2\"}",
                       "udm_schema {\"tenant\": \"it_ev\", \"version\": 3}"}));
    // A second transaction signals again.
    insert(*writer, "again");
    EXPECT_EQ(listener.drain(*admin_),
              (std::vector<std::string>{"udm_data {\"tenant\": \"it_ev\"}"}));
}

TEST_F(EventsTest, RolledBackWorkSignalsNothing) {
    SKIP_ON_CITUS_SIGNALS();
    Listener listener;
    auto writer = connect();
    listener.drain(*admin_);
    {
        pqxx::work w(*writer);
        w.exec("INSERT INTO tenant_it_ev.tc_item (title) VALUES ('gone')");
        w.exec("SELECT udm.create_attribute('it_ev', 'a', 'text')");
        w.abort();
    }
    {
        // Only a rolled-back savepoint wrote events: nothing to signal either.
        pqxx::work w(*writer);
        w.exec("SAVEPOINT s");
        w.exec("INSERT INTO tenant_it_ev.tc_item (title) VALUES ('gone too')");
        w.exec("SELECT udm.create_attribute('it_ev', 'b', 'text')");
        w.exec("ROLLBACK TO SAVEPOINT s");
        w.exec("SELECT 1");
        w.commit();
    }
    {
        // A failed model change inside a savepoint takes its version along; the one after
        // it is what the signal says.
        pqxx::work w(*writer);
        w.exec("SELECT udm.create_attribute('it_ev', 'c', 'text')");
        w.exec("SAVEPOINT s");
        w.exec("SELECT udm.create_attribute('it_ev', 'd', 'text')");
        w.exec("ROLLBACK TO SAVEPOINT s");
        w.commit();
    }
    EXPECT_EQ(listener.drain(*admin_),
              (std::vector<std::string>{"udm_schema {\"tenant\": \"it_ev\", \"version\": 2}"}));
    EXPECT_EQ(scalar(*admin_, "SELECT count(*) FROM udm.data_events('it_ev', 0)"), "0");
}

TEST_F(EventsTest, PayloadStaysSmallForAClassOfAThousandAttributes) {
    Listener listener;
    listener.drain(*admin_);
    query(*admin_,
          "SELECT udm.apply('it_ev', pg_catalog.jsonb_build_object("
          " 'attributes', (SELECT pg_catalog.jsonb_object_agg('a' || g, '{\"type\": "
          "\"text\"}'::jsonb)"
          "                FROM pg_catalog.generate_series(1, 1000) g),"
          " 'classes', pg_catalog.jsonb_build_object('wide', "
          "pg_catalog.jsonb_build_object('attributes',"
          "   (SELECT pg_catalog.jsonb_object_agg('a' || g, '{}'::jsonb) FROM "
          "pg_catalog.generate_series(1, 1000) g)))))");
    std::vector<std::string> got = listener.drain(*admin_);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], "udm_schema {\"tenant\": \"it_ev\", \"version\": 2}");
    EXPECT_LT(got[0].size(), 8000u);
    // The event itself is in the outbox, whole.
    EXPECT_EQ(
        scalar(
            *admin_,
            "SELECT pg_catalog.jsonb_array_length(diff) > 2000 FROM udm.schema_events('it_ev', 1)"),
        "t");
}

// --- reading gap-free ---------------------------------------------------------------------

TEST_F(EventsTest, EventsOfALaterTransactionWaitForAnEarlierOneStillRunning) {
    auto early = connect();
    auto late = connect();
    Consumer consumer;
    consumer.restart_from(first_write());
    pqxx::work a(*early);
    a.exec("INSERT INTO tenant_it_ev.tc_item (title) VALUES ('early')");  // takes its id first
    {
        pqxx::work b(*late);
        b.exec("INSERT INTO tenant_it_ev.tc_item (title) VALUES ('late')");
        b.commit();  // commits first
    }
    // Committed, but below the still running transaction's id: not readable yet.
    EXPECT_EQ(consumer.poll(*admin_), 0u);
    a.commit();
    EXPECT_EQ(consumer.poll(*admin_), 2u);
    ASSERT_EQ(consumer.seen().size(), 2u);
    EXPECT_EQ(consumer.seen()[0].title, "early");
    EXPECT_EQ(consumer.seen()[1].title, "late");
}

TEST_F(EventsTest, InterleavedCommitsNeverPutAnEventBelowOneAlreadyRead) {
    constexpr int kWriters = 3;
    constexpr int kRounds = 60;
    std::vector<std::unique_ptr<pqxx::connection>> writers;
    for (int i = 0; i < kWriters; ++i)
        writers.push_back(connect());
    Consumer consumer;
    consumer.restart_from(first_write());
    std::mt19937 random(42);
    std::set<std::string> committed, rolled_back;
    for (int round = 0; round < kRounds; ++round) {
        // Every writer opens a transaction and writes in a random order, then they end in
        // another random order, the consumer reading between every two steps.
        std::vector<std::unique_ptr<pqxx::work>> open;
        std::vector<int> order(kWriters);
        for (int i = 0; i < kWriters; ++i)
            order[i] = i;
        std::shuffle(order.begin(), order.end(), random);
        std::vector<std::string> titles(kWriters);
        open.resize(kWriters);
        for (int i : order) {
            open[i] = std::make_unique<pqxx::work>(*writers[i]);
            titles[i] = "r" + std::to_string(round) + "w" + std::to_string(i);
            open[i]->exec_params("INSERT INTO tenant_it_ev.tc_item (title) VALUES ($1), ($1)",
                                 titles[i]);
            consumer.poll(*admin_);
        }
        std::shuffle(order.begin(), order.end(), random);
        for (int i : order) {
            if (random() % 5 == 0) {
                open[i]->abort();
                rolled_back.insert(titles[i]);
            } else {
                open[i]->commit();
                committed.insert(titles[i]);
            }
            open[i].reset();
            consumer.poll(*admin_);
        }
    }
    consumer.poll(*admin_);
    // Every committed event exactly once, no rolled-back one.
    std::map<std::string, int> count;
    std::set<std::string> positions;
    for (const Seen& s : consumer.seen()) {
        ++count[s.title];
        EXPECT_TRUE(positions.insert(s.position).second)
            << "position " << s.position << " read twice";
    }
    for (const std::string& t : committed)
        EXPECT_EQ(count[t], 2) << t;
    for (const std::string& t : rolled_back)
        EXPECT_EQ(count.count(t), 0u) << t;
    EXPECT_EQ(consumer.seen().size(), 2 * committed.size());
}

TEST_F(EventsTest, ConsumerThatStopsAndStartsAgainCatchesUpWithNoGapAndNoDuplicate) {
    constexpr int kTransactions = 400;
    std::atomic<bool> done{false};
    std::thread writer([&] {
        auto c = connect();
        for (int i = 0; i < kTransactions; ++i) {
            pqxx::work w(*c);
            w.exec_params("INSERT INTO tenant_it_ev.tc_item (title) VALUES ($1)",
                          "t" + std::to_string(i));
            if (i % 7 == 3) {
                w.abort();  // never seen
            } else {
                w.commit();
            }
        }
        done = true;
    });
    Consumer consumer;
    std::string saved;
    int restarts = 0;
    while (!done) {
        // The consumer's process: connect, listen, read on from the saved position, wait
        // for a signal (or a short timeout), read again; then stop, as if it crashed.
        auto c = connect();
        std::vector<std::string> signals;
        Collector doorbell(*c, "udm_data", signals);
        session(*c, "SELECT 1");  // sends the LISTEN
        consumer.restart_from(saved.empty() ? "0" : saved);
        for (int i = 0; i < 3; ++i) {
            consumer.poll(*c);
            c->await_notification(0, 50000);
        }
        saved = consumer.last();
        ++restarts;
    }
    writer.join();
    while (consumer.poll(*admin_) > 0) {
    }
    std::map<std::string, int> count;
    for (const Seen& s : consumer.seen())
        ++count[s.title];
    for (int i = 0; i < kTransactions; ++i) {
        const std::string t = "t" + std::to_string(i);
        EXPECT_EQ(count[t], i % 7 == 3 ? 0 : 1) << t;
    }
    EXPECT_GT(restarts, 1);
}

TEST_F(EventsTest, SchemaEventsOfConcurrentChangesArriveInVersionOrder) {
    std::vector<std::thread> changers;
    for (int t = 0; t < 3; ++t) {
        changers.emplace_back([t] {
            auto c = connect();
            for (int i = 0; i < 10; ++i) {
                query(*c, "SELECT udm.create_attribute('it_ev', $1, 'text')",
                      "a" + std::to_string(t) + "_" + std::to_string(i));
            }
        });
    }
    std::vector<std::string> versions;
    std::string last = "1";
    for (int polls = 0; polls < 2000 && last != "31"; ++polls) {
        pqxx::result r = query(
            *admin_, "SELECT version, previous_version FROM udm.schema_events('it_ev', $1::bigint)",
            last);
        for (const auto& row : r) {
            EXPECT_STREQ(row[1].c_str(), last.c_str());
            last = row[0].c_str();
            versions.push_back(last);
        }
        std::this_thread::sleep_for(2ms);
    }
    for (auto& t : changers)
        t.join();
    ASSERT_EQ(versions.size(), 30u);
    EXPECT_EQ(versions.back(), "31");
}

}  // namespace
