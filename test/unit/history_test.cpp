// The stored model history: checkpoints and patches rebuild every version, and what is
// stored follows the size of the changes, not of the model.
#include "udm/core/history.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "udm/core/error.hpp"

namespace {

using udm::model::Json;
using namespace udm::history;

// Stores versions the way the adapter does, keeping the rows.
struct Store {
    struct Row {
        Entry entry;
    };
    std::vector<Row> rows;
    Json last = Json::object();

    void add(const Json& model) {
        SinceCheckpoint since;
        for (auto it = rows.rbegin(); it != rows.rend() && !it->entry.whole; ++it) {
            ++since.patches;
            since.bytes += static_cast<std::int64_t>(it->entry.json.size());
        }
        Entry e = rows.empty() ? Entry{true, model.dump()} : entry_for(last, model, since);
        rows.push_back({std::move(e)});
        last = model;
    }

    // The model at version v (1-based), rebuilt as udm.schema_at does.
    Json at(std::size_t v) const {
        std::size_t cp = v;
        while (!rows[cp - 1].entry.whole)
            --cp;
        std::vector<Json> patches;
        for (std::size_t i = cp + 1; i <= v; ++i)
            patches.push_back(Json::parse(rows[i - 1].entry.json));
        return rebuild(Json::parse(rows[cp - 1].entry.json), patches);
    }

    std::size_t bytes() const {
        std::size_t n = 0;
        for (const Row& r : rows)
            n += r.entry.json.size();
        return n;
    }
};

Json model_with(int classes, const std::string& description) {
    Json m = {{"attributes", Json::object()},
              {"classes", Json::object()},
              {"relationship_types", Json::object()},
              {"relationships", Json::array()}};
    for (int i = 0; i < classes; ++i) {
        m["classes"]["c" + std::to_string(i)] = {{"description", description},
                                                 {"attributes", Json::object()}};
    }
    return m;
}

TEST(History, EveryVersionRebuilds) {
    Store store;
    std::vector<Json> versions;
    Json m = model_with(3, "start");
    for (int v = 0; v < 250; ++v) {
        // Adds, changes and removes classes, attributes and relationships in turn.
        const std::string c = "k" + std::to_string(v % 17);
        if (v % 5 == 4) {
            m["classes"].erase(c);
        } else {
            m["classes"][c] = {{"description", "version " + std::to_string(v)},
                               {"attributes", {{"a" + std::to_string(v % 3), Json::object()}}}};
        }
        if (v % 7 == 0)
            m["relationships"].push_back({{"from", c}, {"to", "c0"}, {"type", "t"}});
        if (v % 11 == 0 && !m["relationships"].empty())
            m["relationships"].erase(0);
        store.add(m);
        versions.push_back(m);
    }
    for (std::size_t v = 1; v <= versions.size(); ++v)
        EXPECT_EQ(store.at(v), versions[v - 1]) << v;
}

TEST(History, StoredBytesFollowTheChangesNotTheModel) {
    // A large model (about 1 MB) changed 200 times by a few bytes each time.
    Store store;
    Json m = model_with(1000, std::string(1000, 'd'));
    store.add(m);
    const std::size_t model_bytes = store.rows[0].entry.json.size();
    for (int v = 0; v < 200; ++v) {
        m["classes"]["c" + std::to_string(v)]["description"] = "changed " + std::to_string(v);
        store.add(m);
    }
    // Checkpoints only every kMaxPatchesPerCheckpoint changes: 1 + 2 whole models, not 201.
    EXPECT_LT(store.bytes(), 4 * model_bytes);
    std::size_t whole = 0;
    for (const auto& r : store.rows)
        whole += r.entry.whole ? 1 : 0;
    EXPECT_EQ(whole, 3u);
    EXPECT_EQ(store.at(store.rows.size()), m);
    EXPECT_EQ(store.at(150)["classes"]["c148"]["description"], "changed 148");
}

TEST(History, LargeChangesAreCheckpoints) {
    // A patch larger than the model itself (everything replaced) is stored whole.
    Store store;
    store.add(model_with(2, "a"));
    Json other = model_with(0, "");
    other["classes"]["renamed"] = {{"description", std::string(5000, 'b')},
                                   {"attributes", Json::object()}};
    store.add(other);
    EXPECT_TRUE(store.rows[1].entry.whole);
    EXPECT_EQ(store.at(2), other);
}

TEST(History, APatchThatDoesNotApplyIsAnInternalError) {
    Json bad = Json::parse(R"([{"op": "remove", "path": "/classes/nope"}])");
    try {
        rebuild(model_with(1, "x"), {bad});
        FAIL() << "no error";
    } catch (const udm::Error& e) {
        EXPECT_STREQ(e.sqlstate(), "XX000");
    }
}

}  // namespace
