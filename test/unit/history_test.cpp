// The stored model history: checkpoints and patches rebuild every version, and what is
// stored follows the size of the changes, not of the model.
#include "udm/core/history.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"
#include "udm/core/planner.hpp"

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

// --- patches from models ------------------------------------------------------------------

udm::model::Model catalog_model(int classes) {
    using namespace udm::model;
    Model m;
    for (const char* a : {"name", "qty"}) {
        Attribute attr;
        attr.id = std::string("a-") + a;
        attr.name = a;
        attr.type = std::string(a) == "qty" ? DataType::kInteger : DataType::kText;
        m.attributes.emplace(a, attr);
    }
    for (int i = 0; i < classes; ++i) {
        ThingClass c;
        c.id = "c-" + std::to_string(i);
        c.name = "k" + std::to_string(i);
        c.assignments.emplace("name", Assignment{"name", i % 2 == 0, Json::object()});
        m.classes.emplace(c.name, c);
    }
    return m;
}

TEST(History, APatchFromModelsIsTheDiffOfTheirDocuments) {
    using namespace udm::model;
    const Model before = catalog_model(20);
    std::vector<std::pair<const char*, std::function<void(Model&)>>> changes = {
        {"description", [](Model& m) { m.classes.at("k3").description = "new"; }},
        {"assignment",
         [](Model& m) {
             m.classes.at("k4").assignments.emplace("qty", Assignment{"qty", true, Json::object()});
         }},
        {"attribute rules",
         [](Model& m) {
             m.attributes.at("name").rules = {{"max_length", 5}};
         }},
        {"new class",
         [](Model& m) {
             ThingClass c;
             c.name = "new";
             m.classes.emplace("new", c);
         }},
        {"dropped class", [](Model& m) { m.classes.erase("k7"); }},
        {"dropped attribute", [](Model& m) { m.attributes.erase("qty"); }},
        {"relationship",
         [](Model& m) {
             RelationshipType t;
             t.name = "t";
             m.relationship_types.emplace("t", t);
             AllowedRelationship r;
             r.from = "k1";
             r.to = "k2";
             r.type = "t";
             m.relationships.emplace(relationship_key("k1", "t", "k2"), r);
         }},
    };
    for (const auto& [what, change] : changes) {
        Model after = before;
        change(after);
        const Delta d = delta(before, after);
        for (const Delta* only : {static_cast<const Delta*>(nullptr), &d}) {
            std::int64_t bytes = 0;
            const Json p = patch(before, after, &bytes, only);
            EXPECT_EQ(to_json(before).patch(p), to_json(after)) << what;
            const auto exact = static_cast<std::int64_t>(to_json(after).dump().size()) -
                               static_cast<std::int64_t>(to_json(before).dump().size());
            EXPECT_LE(std::abs(bytes - exact), 2) << what;
        }
    }
    // Nothing changed, nothing to patch.
    EXPECT_TRUE(patch(before, before).empty());
}

TEST(History, EntriesFromModelsRebuildEveryVersion) {
    using namespace udm::model;
    Model m = catalog_model(50);
    Store store;
    store.add(to_json(m));
    std::size_t bytes = document_bytes(m);
    std::vector<Json> versions{to_json(m)};
    for (int v = 0; v < 230; ++v) {
        Model next = m;
        next.classes.at("k" + std::to_string(v % 50)).description = "v" + std::to_string(v);
        SinceCheckpoint since;
        for (auto it = store.rows.rbegin(); it != store.rows.rend() && !it->entry.whole; ++it) {
            ++since.patches;
            since.bytes += static_cast<std::int64_t>(it->entry.json.size());
        }
        const Delta d = delta(m, next);
        std::size_t next_bytes = 0;
        store.rows.push_back({entry_for(m, next, bytes, since, &next_bytes, &d)});
        EXPECT_LE(next_bytes > document_bytes(next) ? next_bytes - document_bytes(next)
                                                    : document_bytes(next) - next_bytes,
                  8u);
        bytes = next_bytes;
        m = next;
        versions.push_back(to_json(m));
    }
    for (std::size_t v = 1; v <= versions.size(); ++v)
        EXPECT_EQ(store.at(v), versions[v - 1]) << v;
}

}  // namespace

// --- the classes each recorded change alters ------------------------------------------------

namespace diff_classes {

using udm::model::Model;

// The library model: product and author assign name; a book refers to an author; a
// company supplies products.
const char* kLibrary = R"({
  "attributes": {"name": {"type": "text"}, "stock": {"type": "integer"},
                 "price": {"type": "number"}, "author": {"type": "reference", "target": "author"},
                 "note": {"type": "text"}},
  "classes": {"product": {"attributes": {"name": {}, "stock": {}, "price": {}}},
              "author": {"attributes": {"name": {}}},
              "book": {"attributes": {"author": {}}},
              "company": {}, "shelf": {}},
  "relationship_types": {"supplies": {"inverse": "supplied_by"}},
  "relationships": [{"from": "company", "to": "product", "type": "supplies"}]
})";

// The recorded diff of the change from kLibrary to edit(kLibrary), by "kind change name":
// the classes of each entry.
std::map<std::string, Json> recorded(const std::function<void(Json&)>& edit) {
    int next = 0;
    auto ids = [&next] {
        return "00000000-0000-0000-0000-" + std::to_string(100000000000 + ++next);
    };
    const auto names = udm::naming::tenant_names("acme");
    Model current = udm::model::parse_model(Json::parse(kLibrary));
    Model first = current;
    udm::planner::plan(names, Model{}, first, ids);
    current = first;
    Json doc = Json::parse(kLibrary);
    edit(doc);
    Model desired = udm::model::parse_model(doc);
    const Json diff =
        recorded_diff(udm::planner::plan(names, current, desired, ids).diff(), current, desired);
    std::map<std::string, Json> out;
    for (const Json& e : diff) {
        std::string key = e.value("kind", "") + " " + e.value("change", "");
        for (const char* name : {"class", "attribute", "type"}) {
            if (e.contains(name) && e[name].is_string())
                key += " " + e[name].get<std::string>();
        }
        out[key] = e;
    }
    return out;
}

TEST(RecordedDiff, AnAttributeChangeAltersEveryClassItIsAssignedTo) {
    auto d = recorded([](Json& m) {
        m["attributes"]["title"] = m["attributes"]["name"];
        m["attributes"]["title"]["renamed_from"] = "name";
        m["attributes"].erase("name");
        for (const char* c : {"product", "author"}) {
            m["classes"][c]["attributes"].erase("name");
            m["classes"][c]["attributes"]["title"] = Json::object();
        }
        m["attributes"]["stock"]["type"] = "number";
        m["attributes"]["price"]["rules"] = {{"min", 0}};
    });
    // A rename names the attribute by its new name, like every other entry.
    ASSERT_TRUE(d.count("attribute renamed title")) << Json(d).dump();
    EXPECT_EQ(d["attribute renamed title"]["classes"], Json::parse(R"(["author", "product"])"));
    EXPECT_EQ(d["attribute renamed title"]["from"], "name");
    EXPECT_EQ(d["attribute retyped stock"]["classes"], Json::parse(R"(["product"])"));
    EXPECT_EQ(d["attribute changed price"]["classes"], Json::parse(R"(["product"])"));
}

// Past a few attribute entries the assignments are looked up in an index built once: the
// same classes as one by one.
TEST(RecordedDiff, ManyAttributeEntriesGiveTheSameClasses) {
    auto d = recorded([](Json& m) {
        m["attributes"]["title"] = m["attributes"]["name"];
        m["attributes"]["title"]["renamed_from"] = "name";
        m["attributes"].erase("name");
        for (const char* c : {"product", "author"}) {
            m["classes"][c]["attributes"].erase("name");
            m["classes"][c]["attributes"]["title"] = Json::object();
        }
        m["attributes"]["stock"]["type"] = "number";
        for (int i = 0; i < 20; ++i) {
            const std::string a = "extra_" + std::to_string(i);
            m["attributes"][a] = {{"type", "text"}};
            m["classes"]["product"]["attributes"][a] = Json::object();
        }
    });
    ASSERT_TRUE(d.count("attribute renamed title")) << Json(d).dump();
    EXPECT_EQ(d["attribute renamed title"]["classes"], Json::parse(R"(["author", "product"])"));
    EXPECT_EQ(d["attribute retyped stock"]["classes"], Json::parse(R"(["product"])"));
    EXPECT_EQ(d["attribute added extra_7 text"]["classes"], Json::parse(R"(["product"])"));
}

TEST(RecordedDiff, AssignmentsRelationshipsAndReferences) {
    auto d = recorded([](Json& m) {
        m["classes"]["product"]["attributes"]["price"] = {{"rules", {{"min", 1}}}};
        m["classes"]["shelf"]["attributes"]["author"] = Json::object();
        m["relationship_types"]["supplies"]["inverse"] = "sourced_from";
        m["attributes"]["note"]["description"] = "unassigned";
    });
    EXPECT_EQ(d["assignment changed product price"]["classes"], Json::parse(R"(["product"])"));
    // A new reference constrains its target too.
    EXPECT_EQ(d["assignment added shelf author reference"]["classes"],
              Json::parse(R"(["author", "shelf"])"));
    // A relationship type's inverse is a field of the classes it relates.
    EXPECT_EQ(d["relationship_type changed supplies"]["classes"],
              Json::parse(R"(["company", "product"])"));
    // An attribute assigned to nothing alters no class.
    EXPECT_EQ(d["attribute changed note"]["classes"], Json::array());
}

TEST(RecordedDiff, RenamedAndRemovedClassesByBothNames) {
    auto d = recorded([](Json& m) {
        m["classes"]["writer"] = m["classes"]["author"];
        m["classes"]["writer"]["renamed_from"] = "author";
        m["classes"].erase("author");
        m["attributes"]["author"]["target"] = "writer";
        m["attributes"]["author"]["description"] = "who wrote it";
        m["classes"].erase("shelf");
        m["relationships"] = Json::array();
    });
    ASSERT_TRUE(d.count("class renamed writer")) << Json(d).dump();
    EXPECT_EQ(d["class renamed writer"]["classes"], Json::parse(R"(["author", "writer"])"));
    EXPECT_EQ(d["class removed shelf"]["classes"], Json::parse(R"(["shelf"])"));
    EXPECT_EQ(d["attribute changed author"]["classes"],
              Json::parse(R"(["author", "book", "writer"])"));
    EXPECT_EQ(d["relationship removed supplies"]["classes"],
              Json::parse(R"(["company", "product"])"));
}

}  // namespace diff_classes
