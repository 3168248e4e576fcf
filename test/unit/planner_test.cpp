// The DDL planner: which steps, checks, statements and catalog rows a model change gives.
//
// Besides looking at single statements, the tests run whole plans on FakeSchema, a small
// stand-in for the class tables of a tenant schema that understands exactly the statements
// the planner writes and refuses what PostgreSQL would refuse (a rename of something that
// is not there, a name taken twice, dropping a table something still depends on...). After
// a plan has run, the fake schema must match physical::expected_tables of the desired model
// with no difference: what udm.verify checks after a real apply.
// GCC 12 warns about std::regex internals with the sanitizers on (-Wmaybe-uninitialized,
// GCC bug 105562): a false positive in libstdc++, silenced here so real warnings stand out.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "udm/core/planner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/edit.hpp"
#include "udm/core/physical.hpp"

namespace udm::planner {
namespace {

using model::Json;
using model::Model;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t pos = haystack.find(needle); pos != std::string::npos;
         pos = haystack.find(needle, pos + 1))
        ++n;
    return n;
}

std::string q(const std::string& ident) {
    return naming::quote_identifier(ident);
}

std::string joined(const std::vector<std::string>& statements) {
    std::string out;
    for (const auto& s : statements)
        out += s + ";\n";
    return out;
}

std::string describe(const std::vector<physical::Difference>& diffs) {
    std::string out;
    for (const auto& d : diffs)
        out += d.object + ": " + d.problem + " (expected " + d.expected + ", actual " + d.actual +
               ")\n";
    return out;
}

// --- FakeSchema --------------------------------------------------------------------------------

class FakeSchema {
  public:
    explicit FakeSchema(const naming::TenantNames& tenant)
        : schema_(tenant.schema), owner_(tenant.owner_role), app_(tenant.app_role) {}

    // A Citus distributed schema: class tables stay udm's (tenant_catalog.hpp, Placement).
    bool distributed = false;

    // Runs one statement; a statement PostgreSQL would refuse, or one this fake does not
    // know, fails the test.
    void run(const std::string& sql) {
        static const std::string QT = R"re("([^"]+)"\."([^"]+)")re";
        static const std::string ID = R"re("([^"]+)")re";
        static const std::regex comment("COMMENT ON TABLE " + QT + " IS 'udm class ([a-z0-9_]+)'");
        static const std::regex rls("ALTER TABLE " + QT + " ENABLE ROW LEVEL SECURITY");
        static const std::regex owner("ALTER TABLE " + QT + " OWNER TO " + ID);
        static const std::regex grant("GRANT SELECT, INSERT, UPDATE, DELETE ON " + QT + " TO " +
                                      ID);
        static const std::regex policy("CREATE POLICY tenant_members ON " + QT +
                                       R"re( USING \(.*\))re");
        static const std::regex trigger(
            "CREATE TRIGGER \"?([A-Za-z_]+)\"? (BEFORE UPDATE|AFTER DELETE|BEFORE INSERT OR "
            "UPDATE|AFTER "
            "INSERT|AFTER UPDATE) ON " +
            QT + " .*");
        static const std::regex switch_triggers(
            "ALTER TABLE " + QT +
            " ((ENABLE|DISABLE) TRIGGER [a-z_]+(, (ENABLE|DISABLE) TRIGGER [a-z_]+)*)");
        static const std::regex switch_one("(ENABLE|DISABLE) TRIGGER ([a-z_]+)");
        static const std::regex add_column("ALTER TABLE " + QT + " ADD COLUMN " + ID +
                                           " ([a-z ]+)");
        static const std::regex null_ness("ALTER TABLE " + QT + " ALTER COLUMN " + ID +
                                          " (SET|DROP) NOT NULL");
        static const std::regex retype("ALTER TABLE " + QT + " ALTER COLUMN " + ID +
                                       " TYPE ([a-z ]+) USING " + ID + "::([a-z ]+)");
        static const std::regex drop_column("ALTER TABLE " + QT + " DROP COLUMN " + ID);
        static const std::regex add_fkey("ALTER TABLE " + QT + " ADD CONSTRAINT " + ID +
                                         R"re( FOREIGN KEY \()re" + ID + R"re(\) REFERENCES )re" +
                                         QT + R"re( \(id\))re");
        static const std::regex drop_constraint("ALTER TABLE " + QT + " DROP CONSTRAINT " + ID);
        static const std::regex rename_constraint("ALTER TABLE " + QT + " RENAME CONSTRAINT " + ID +
                                                  " TO " + ID);
        static const std::regex rename_column("ALTER TABLE " + QT + " RENAME COLUMN " + ID +
                                              " TO " + ID);
        static const std::regex rename_table("ALTER TABLE " + QT + " RENAME TO " + ID);
        static const std::regex rename_index("ALTER INDEX " + QT + " RENAME TO " + ID);
        static const std::regex create_index("CREATE (UNIQUE )?INDEX " + ID + " ON " + QT +
                                             R"re( \()re" + ID +
                                             R"re(\)( WHERE NOT is_deleted)?)re");
        static const std::regex drop_index("DROP INDEX " + QT);
        static const std::regex drop_tables("DROP TABLE (" + QT + "(, " + QT + ")*)");
        static const std::regex qualified(QT);

        std::smatch m;
        if (sql.rfind("CREATE TABLE ", 0) == 0) {
            create_table(sql);
        } else if (std::regex_match(sql, m, comment)) {
            table(m, 1).class_name = m[3];
        } else if (std::regex_match(sql, m, rls)) {
            table(m, 1).row_security = true;
        } else if (std::regex_match(sql, m, owner)) {
            EXPECT_EQ(m[3], owner_) << sql;
            table(m, 1).owner = m[3];
        } else if (std::regex_match(sql, m, grant)) {
            EXPECT_EQ(m[3], app_) << sql;
            table(m, 1).granted = true;
        } else if (std::regex_match(sql, m, policy)) {
            table(m, 1);
        } else if (std::regex_match(sql, m, trigger)) {
            expect_new(table(m, 3).triggers.insert(m[1]).second, "trigger " + m[1].str(), sql);
        } else if (std::regex_match(sql, m, switch_triggers)) {
            Table& t = table(m, 1);
            const std::string list = m[3];
            for (auto it = std::sregex_iterator(list.begin(), list.end(), switch_one);
                 it != std::sregex_iterator(); ++it) {
                const std::string name = (*it)[2], disabled = name + " (disabled)";
                const bool enable = (*it)[1] == "ENABLE";
                expect_there(t.triggers.erase(name) + t.triggers.erase(disabled) == 1,
                             "trigger " + name, sql);
                t.triggers.insert(enable ? name : disabled);
            }
        } else if (std::regex_match(sql, m, add_column)) {
            Table& t = table(m, 1);
            expect_new(!t.columns.count(m[3]), "column " + m[3].str(), sql);
            t.columns[m[3]] = {m[3], m[4], false};
        } else if (std::regex_match(sql, m, null_ness)) {
            column(m, 1, m[3]).not_null = m[4] == "SET";
        } else if (std::regex_match(sql, m, retype)) {
            EXPECT_EQ(m[3], m[5]) << sql;
            EXPECT_EQ(m[4], m[6]) << sql;
            Table& t = table(m, 1);
            physical::Column& c = column(m, 1, m[3]);
            for (const auto& [name, fk] : t.fkeys) {
                // A foreign key column must keep the type of the key it references.
                if (fk.column == c.name && m[4] != "uuid")
                    ADD_FAILURE() << "column has foreign key " << name << ": " << sql;
            }
            c.type = m[4];
        } else if (std::regex_match(sql, m, drop_column)) {
            Table& t = table(m, 1);
            column(m, 1, m[3]);
            t.columns.erase(m[3]);
            for (auto it = t.fkeys.begin(); it != t.fkeys.end();)
                it = it->second.column == m[3] ? t.fkeys.erase(it) : std::next(it);
            for (auto it = indexes_.begin(); it != indexes_.end();) {
                it = it->second.table == m[2] && it->second.column == m[3] ? indexes_.erase(it)
                                                                           : std::next(it);
            }
        } else if (std::regex_match(sql, m, add_fkey)) {
            Table& t = table(m, 1);
            physical::Column& c = column(m, 1, m[4]);
            EXPECT_EQ(c.type, "uuid") << sql;
            table(m, 5);
            expect_new(!t.fkeys.count(m[3]) && !indexes_.count(m[3]), "constraint " + m[3].str(),
                       sql);
            t.fkeys[m[3]] = {m[4], m[6]};
        } else if (std::regex_match(sql, m, drop_constraint)) {
            expect_there(table(m, 1).fkeys.erase(m[3]) == 1, "constraint " + m[3].str(), sql);
        } else if (std::regex_match(sql, m, rename_constraint)) {
            Table& t = table(m, 1);
            auto node = t.fkeys.extract(m[3]);
            expect_there(!node.empty(), "constraint " + m[3].str(), sql);
            if (node.empty())
                return;
            expect_new(!t.fkeys.count(m[4]), "constraint " + m[4].str(), sql);
            node.key() = m[4];
            t.fkeys.insert(std::move(node));
        } else if (std::regex_match(sql, m, rename_column)) {
            Table& t = table(m, 1);
            physical::Column c = column(m, 1, m[3]);
            expect_new(!t.columns.count(m[4]), "column " + m[4].str(), sql);
            t.columns.erase(m[3]);
            c.name = m[4];
            t.columns[m[4]] = c;
            for (auto& [name, fk] : t.fkeys) {
                if (fk.column == m[3])
                    fk.column = m[4];
            }
            for (auto& [name, ix] : indexes_) {
                if (ix.table == m[2] && ix.column == m[3])
                    ix.column = m[4];
            }
        } else if (std::regex_match(sql, m, rename_table)) {
            check_schema(m[1], sql);
            expect_there(tables_.count(m[2]) == 1, "table " + m[2].str(), sql);
            if (!tables_.count(m[2]))
                return;
            expect_free(m[3], sql);
            auto node = tables_.extract(m[2]);
            node.key() = m[3];
            tables_.insert(std::move(node));
            for (auto& [name, t] : tables_) {
                for (auto& [fname, fk] : t.fkeys) {
                    if (fk.target == m[2])
                        fk.target = m[3];
                }
            }
            for (auto& [name, ix] : indexes_) {
                if (ix.table == m[2])
                    ix.table = m[3];
            }
        } else if (std::regex_match(sql, m, rename_index)) {
            check_schema(m[1], sql);
            auto node = indexes_.extract(m[2]);
            expect_there(!node.empty(), "index " + m[2].str(), sql);
            if (node.empty())
                return;
            expect_free(m[3], sql);
            node.key() = m[3];
            indexes_.insert(std::move(node));
        } else if (std::regex_match(sql, m, create_index)) {
            EXPECT_EQ(m[1].matched, m[6].matched)
                << "unique indexes, and only they, skip deleted rows: " << sql;
            table(m, 3);
            column(m, 3, m[5]);
            expect_free(m[2], sql);
            indexes_[m[2]] = {m[4], m[5]};
        } else if (std::regex_match(sql, m, drop_index)) {
            check_schema(m[1], sql);
            expect_there(indexes_.erase(m[2]) == 1, "index " + m[2].str(), sql);
        } else if (std::regex_match(sql, m, drop_tables)) {
            const std::string list = m[1];
            std::set<std::string> gone;
            for (auto it = std::sregex_iterator(list.begin(), list.end(), qualified);
                 it != std::sregex_iterator(); ++it) {
                check_schema((*it)[1], sql);
                expect_there(tables_.count((*it)[2]) == 1, "table " + (*it)[2].str(), sql);
                gone.insert((*it)[2]);
            }
            for (const auto& [name, t] : tables_) {
                if (gone.count(name))
                    continue;
                for (const auto& [fname, fk] : t.fkeys) {
                    if (gone.count(fk.target))
                        ADD_FAILURE() << name << "." << fname << " still references " << fk.target
                                      << ": " << sql;
                }
            }
            for (const auto& name : gone) {
                tables_.erase(name);
                for (auto it = indexes_.begin(); it != indexes_.end();)
                    it = it->second.table == name ? indexes_.erase(it) : std::next(it);
            }
        } else {
            ADD_FAILURE() << "statement the fake schema does not know: " << sql;
        }
    }

    // Runs a whole plan, checking that every relation a precondition check reads exists
    // when the check runs (before the DDL of its step).
    void run(const Plan& plan) {
        static const std::regex qualified(R"re("([^"]+)"\."([^"]+)")re");
        for (const Step& step : plan.steps) {
            for (const Check& check : step.checks) {
                std::string text = check.sql;
                for (const auto& p : check.params)
                    text += " " + p.value_or("");
                for (auto it = std::sregex_iterator(text.begin(), text.end(), qualified);
                     it != std::sregex_iterator(); ++it) {
                    const std::string rel = (*it)[2];
                    EXPECT_TRUE(tables_.count(rel) || rel == "relationships")
                        << rel << " in check of " << step.action;
                }
            }
            for (const auto& sql : step.ddl)
                run(sql);
        }
    }

    // The class tables as physical::compare reads them.
    std::vector<physical::Table> tables() const {
        std::vector<physical::Table> out;
        for (const auto& [name, t] : tables_) {
            physical::Table p;
            p.name = name;
            p.class_name = t.class_name;
            for (const auto& [cname, c] : t.columns)
                p.columns.push_back(c);
            for (const auto& [iname, ix] : indexes_) {
                if (ix.table == name)
                    p.indexes.push_back(iname);
            }
            for (const auto& [fname, fk] : t.fkeys)
                p.foreign_keys.push_back(fname + ": " + fk.column + " -> " + fk.target);
            p.triggers.assign(t.triggers.begin(), t.triggers.end());
            p.row_security = t.row_security;
            // Every class table is the owner's and open to the application role.
            EXPECT_EQ(t.owner, distributed ? std::string() : owner_) << name;
            EXPECT_TRUE(t.granted) << name;
            out.push_back(std::move(p));
        }
        return out;
    }

  private:
    struct Fkey {
        std::string column;
        std::string target;
    };
    struct Table {
        std::string class_name;
        std::map<std::string, physical::Column> columns;
        std::map<std::string, Fkey> fkeys;
        std::set<std::string> triggers;
        bool row_security = false;
        std::string owner;     // ALTER TABLE ... OWNER TO
        bool granted = false;  // GRANT ... TO the application role
    };
    struct Index {
        std::string table;
        std::string column;  // "id" for a primary key
    };

    void check_schema(const std::string& schema, const std::string& sql) const {
        EXPECT_EQ(schema, schema_) << "outside the tenant schema: " << sql;
    }
    static void expect_new(bool fresh, const std::string& what, const std::string& sql) {
        EXPECT_TRUE(fresh) << what << " already exists: " << sql;
    }
    static void expect_there(bool there, const std::string& what, const std::string& sql) {
        EXPECT_TRUE(there) << what << " does not exist: " << sql;
    }
    // Tables and indexes share one namespace.
    void expect_free(const std::string& relation, const std::string& sql) const {
        EXPECT_TRUE(!tables_.count(relation) && !indexes_.count(relation))
            << "relation " << relation << " already exists: " << sql;
        EXPECT_LE(relation.size(), naming::kMaxIdentifierBytes)
            << "PostgreSQL would truncate: " << sql;
    }
    Table& table(const std::smatch& m, int group) {
        check_schema(m[group], m[0]);
        auto it = tables_.find(m[group + 1]);
        if (it == tables_.end()) {
            ADD_FAILURE() << "table " << m[group + 1] << " does not exist: " << m[0];
            return scratch_;
        }
        return it->second;
    }
    physical::Column& column(const std::smatch& m, int group, const std::string& name) {
        Table& t = table(m, group);
        auto it = t.columns.find(name);
        if (it == t.columns.end()) {
            ADD_FAILURE() << "column " << name << " does not exist: " << m[0];
            return scratch_column_;
        }
        return it->second;
    }

    void create_table(const std::string& sql) {
        static const std::regex head(R"re(CREATE TABLE "([^"]+)"\."([^"]+)" \()re");
        static const std::regex pkey(R"re(CONSTRAINT "([^"]+)" PRIMARY KEY \(id\))re");
        static const std::set<std::string> system = {"id",         "created_at", "updated_at",
                                                     "created_by", "is_deleted", "row_version"};
        std::istringstream lines(sql);
        std::string line;
        std::getline(lines, line);
        std::smatch m;
        if (!std::regex_match(line, m, head)) {
            ADD_FAILURE() << "bad CREATE TABLE: " << sql;
            return;
        }
        check_schema(m[1], sql);
        const std::string name = m[2];
        expect_free(name, sql);
        Table t;
        bool closed = false;
        while (std::getline(lines, line)) {
            if (line == ")") {
                closed = true;
                break;
            }
            ASSERT_EQ(line.rfind("    ", 0), 0u) << line;
            line = line.substr(4);
            if (!line.empty() && line.back() == ',')
                line.pop_back();
            std::smatch pm;
            if (std::regex_match(line, pm, pkey)) {
                expect_free(pm[1], sql);
                indexes_[pm[1]] = {name, "id"};
                continue;
            }
            std::string cname, rest;
            if (line[0] == '"') {
                std::size_t end = line.find('"', 1);
                cname = line.substr(1, end - 1);
                rest = line.substr(end + 2);
            } else {
                std::size_t end = line.find(' ');
                cname = line.substr(0, end);
                rest = line.substr(end + 1);
                EXPECT_TRUE(system.count(cname)) << "unquoted column " << cname << " in " << sql;
            }
            std::size_t nn = rest.find(" NOT NULL");
            physical::Column c{cname, nn == std::string::npos ? rest : rest.substr(0, nn),
                               nn != std::string::npos};
            expect_new(!t.columns.count(cname), "column " + cname, sql);
            t.columns[cname] = c;
        }
        EXPECT_TRUE(closed) << sql;
        tables_[name] = std::move(t);
    }

    std::string schema_;
    std::string owner_;
    std::string app_;
    std::map<std::string, Table> tables_;
    std::map<std::string, Index> indexes_;
    Table scratch_;
    physical::Column scratch_column_;
};

// --- fixtures -----------------------------------------------------------------------------------

// A shop: products with a unique sku and a supplier reference to companies.
Json shop() {
    return Json::parse(R"({
      "attributes": {
        "title": {"type": "text"},
        "price": {"type": "number"},
        "qty": {"type": "text"},
        "sku": {"type": "text"},
        "supplier": {"type": "reference", "target": "company"},
        "founded": {"type": "date"}
      },
      "classes": {
        "product": {"attributes": {"title": {"required": true}, "price": {}, "qty": {},
                                   "sku": {"rules": {"unique": true}}, "supplier": {}}},
        "company": {"attributes": {"title": {}, "founded": {}}}
      },
      "relationship_types": {"supplies": {"inverse": "supplied_by"}},
      "relationships": [{"from": "company", "to": "product", "type": "supplies", "cardinality": {"max_targets": 10}}]
    })");
}

// doc with class from renamed to to, everything pointing at it following.
Json rename_class(Json doc, const std::string& from, const std::string& to) {
    doc["classes"][to] = doc["classes"][from];
    doc["classes"][to]["renamed_from"] = from;
    doc["classes"].erase(from);
    for (auto& [name, a] : doc["attributes"].items()) {
        if (a.value("target", "") == from)
            a["target"] = to;
    }
    for (auto& r : doc["relationships"]) {
        if (r["from"] == from)
            r["from"] = to;
        if (r["to"] == from)
            r["to"] = to;
    }
    return doc;
}

// doc with attribute from renamed to to, in every class.
Json rename_attribute(Json doc, const std::string& from, const std::string& to) {
    doc["attributes"][to] = doc["attributes"][from];
    doc["attributes"][to]["renamed_from"] = from;
    doc["attributes"].erase(from);
    for (auto& [name, c] : doc["classes"].items()) {
        if (c.contains("attributes") && c["attributes"].contains(from)) {
            c["attributes"][to] = c["attributes"][from];
            c["attributes"].erase(from);
        }
    }
    return doc;
}

class PlannerTest : public ::testing::Test {
  protected:
    static std::string id(int n) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
        return buf;
    }
    IdGenerator ids() {
        return [this] { return id(++issued_); };
    }

    // The model as the catalog holds it after doc was applied to a new tenant; db_ holds
    // its tables.
    Model applied(const Json& doc) {
        db_ = FakeSchema(tenant_);
        Model m = model::parse_model(doc);
        Plan p = planner::plan(tenant_, Model{}, m, ids());
        db_.run(p);
        return m;
    }
    // The plan from current to doc; desired_ holds the desired model, with ids, after.
    Plan plan(const Model& current, const Json& doc) {
        desired_ = model::parse_model(doc);
        return planner::plan(tenant_, current, desired_, ids());
    }
    // Runs p on db_ and checks the tables are those of desired_.
    void expect_verified(const Plan& p) {
        db_.run(p);
        auto diffs = physical::compare(physical::expected_tables(desired_), db_.tables());
        EXPECT_TRUE(diffs.empty()) << describe(diffs) << joined(p.ddl());
    }

    static const Step* find_step(const Plan& p, const std::string& action,
                                 const std::string& object) {
        for (const Step& s : p.steps) {
            if (s.action == action && s.object == object)
                return &s;
        }
        return nullptr;
    }
    static int index_of(const Plan& p, const std::string& action, const std::string& object = "") {
        for (std::size_t i = 0; i < p.steps.size(); ++i) {
            if (p.steps[i].action == action && (object.empty() || p.steps[i].object == object))
                return static_cast<int>(i);
        }
        return -1;
    }
    static std::vector<std::string> actions(const Plan& p) {
        std::vector<std::string> out;
        for (const Step& s : p.steps)
            out.push_back(s.action + " " + s.object);
        return out;
    }
    std::string qtable(const std::string& cls) const {
        return q(tenant_.schema) + "." + q(physical::table_name(cls));
    }

    naming::TenantNames tenant_ = naming::tenant_names("acme");
    FakeSchema db_{tenant_};
    Model desired_;
    int issued_ = 0;
};

// --- no change
// -------------------------------------------------------------------------------------

TEST_F(PlannerTest, TheSameModelGivesAnEmptyPlan) {
    const Json docs[] = {
        Json::object(),
        shop(),
        Json::parse(
            R"({"attributes": {"parent": {"type": "reference", "target": "node", "rules": {"indexed": true}}},
                        "classes": {"node": {"description": "d", "rules": {"message": "m"}, "attributes": {"parent": {"required": true}}}},
                        "relationship_types": {"links": {"inverse": "links", "description": "d"}},
                        "relationships": [{"from": "node", "to": "node", "type": "links", "bidirectional": true,
                                           "cardinality": {"max_targets": 1, "max_sources": 2}}]})"),
    };
    for (const Json& doc : docs) {
        Model current = applied(doc);
        Plan again = plan(current, doc);
        EXPECT_TRUE(again.empty()) << doc.dump() << "\n" << testing::PrintToString(actions(again));
        EXPECT_EQ(again.diff(), Json::array());
        EXPECT_TRUE(again.ddl().empty());
        // What udm.model returns is the same model too.
        EXPECT_TRUE(plan(current, model::to_json(current)).empty()) << doc.dump();
    }
}

TEST_F(PlannerTest, TheDesiredModelIsCheckedFirst) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["product"]["attributes"]["color"] = Json::object();  // no such attribute
    try {
        plan(current, doc);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "42704");
        EXPECT_EQ(std::string(e.what()), "attribute \"color\" does not exist");
    }
}

// --- creating
// ---------------------------------------------------------------------------------------

TEST_F(PlannerTest, NewClassGetsItsCompleteTable) {
    Plan p = plan(Model{}, shop());
    const Step* s = find_step(p, "create class", "product");
    ASSERT_NE(s, nullptr);
    EXPECT_FALSE(s->breaking);
    EXPECT_TRUE(s->checks.empty());
    EXPECT_EQ(
        s->change,
        Json::parse(
            R"({"kind": "class", "change": "added", "class": "product", "breaking": false})"));
    ASSERT_EQ(s->ddl.size(), 13u) << joined(s->ddl);
    const std::string& create = s->ddl[0];
    const std::string t = qtable("product");
    EXPECT_EQ(create.rfind("CREATE TABLE " + t + " (\n", 0), 0u) << create;
    for (const char* line :
         {"\n    id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),",
          "\n    created_at timestamp with time zone NOT NULL DEFAULT pg_catalog.now(),",
          "\n    updated_at timestamp with time zone NOT NULL DEFAULT pg_catalog.now(),",
          "\n    created_by text NOT NULL DEFAULT ",
          "\n    is_deleted boolean NOT NULL DEFAULT false,",
          "\n    row_version bigint NOT NULL DEFAULT 1,", "\n    \"title\" text NOT NULL,",
          "\n    \"price\" numeric,", "\n    \"qty\" text,", "\n    \"sku\" text,",
          "\n    \"supplier\" uuid,", "\n    CONSTRAINT \"tc_product_pkey\" PRIMARY KEY (id)\n)"}) {
        EXPECT_TRUE(contains(create, line)) << line << "\n" << create;
    }
    EXPECT_EQ(s->ddl[1], "COMMENT ON TABLE " + t + " IS 'udm class product'");
    // Created by udm, given to the tenant's owner; the application may not TRUNCATE.
    EXPECT_EQ(s->ddl[2], "ALTER TABLE " + t + " OWNER TO \"tenant_acme_owner\"");
    EXPECT_EQ(s->ddl[3],
              "GRANT SELECT, INSERT, UPDATE, DELETE ON " + t + " TO \"tenant_acme_role\"");
    EXPECT_EQ(s->ddl[4], "ALTER TABLE " + t + " ENABLE ROW LEVEL SECURITY");
    EXPECT_EQ(s->ddl[5].rfind("CREATE POLICY tenant_members ON " + t + " USING", 0), 0u)
        << s->ddl[5];
    EXPECT_TRUE(contains(s->ddl[5], "'tenant_acme_role'")) << s->ddl[5];
    // Every trigger but touch_updated_at is given the class's id: it finds its class by
    // it, on a Citus shard too, whose name is not the table's.
    const std::string id = "'" + desired_.classes.at("product").id + "'";
    EXPECT_EQ(s->ddl[6], "CREATE TRIGGER touch_updated_at BEFORE UPDATE ON " + t +
                             " FOR EACH ROW EXECUTE FUNCTION udm.touch_updated_at()");
    EXPECT_EQ(s->ddl[7], "CREATE TRIGGER forget_relationships AFTER DELETE ON " + t +
                             " REFERENCING OLD TABLE AS udm_old FOR EACH STATEMENT EXECUTE "
                             "FUNCTION udm.forget_relationships(" +
                             id + ")");
    EXPECT_EQ(s->ddl[8], "CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON " + t +
                             " FOR EACH ROW EXECUTE FUNCTION udm.validate_row(" + id + ")");
    // Data events: one statement trigger per operation, each reading a transition table.
    EXPECT_EQ(s->ddl[9], "CREATE TRIGGER data_events_insert AFTER INSERT ON " + t +
                             " REFERENCING NEW TABLE AS udm_new FOR EACH STATEMENT EXECUTE "
                             "FUNCTION udm.record_data_events(" +
                             id + ")");
    EXPECT_EQ(s->ddl[10],
              "CREATE TRIGGER data_events_update AFTER UPDATE ON " + t +
                  " REFERENCING OLD TABLE AS udm_old NEW TABLE AS udm_new FOR EACH STATEMENT"
                  " EXECUTE FUNCTION udm.record_data_events(" +
                  id + ")");
    EXPECT_EQ(s->ddl[11], "CREATE TRIGGER data_events_delete AFTER DELETE ON " + t +
                              " REFERENCING OLD TABLE AS udm_old FOR EACH STATEMENT EXECUTE "
                              "FUNCTION udm.record_data_events(" +
                              id + ")");
    // Before the foreign keys' own triggers (name order): a referenced thing is refused in
    // model terms.
    EXPECT_EQ(s->ddl[12], "CREATE TRIGGER \"Check_referrers\" AFTER DELETE ON " + t +
                              " FOR EACH ROW EXECUTE FUNCTION udm.check_referrers(" + id + ")");
    EXPECT_LT(std::string("Check_referrers"), std::string("RI_ConstraintTrigger_a_"));

    ASSERT_EQ(s->catalog.size(), 1u);
    const auto& row = s->catalog[0];
    EXPECT_EQ(
        row.sql,
        "INSERT INTO \"tenant_acme\".\"thing_classes\" (id, name, description, validation_rules, "
        "events_enabled) VALUES ($1::uuid, $2, $3, $4::jsonb, $5::boolean)");
    EXPECT_EQ(row.params,
              (std::vector<std::optional<std::string>>{desired_.classes.at("product").id, "product",
                                                       std::nullopt, "{}", "true"}));
    expect_verified(p);
}

TEST_F(PlannerTest, InACitusDistributedSchema) {
    // Class tables stay udm's, policies check membership per row, and a foreign key gets
    // its new name by being made anew: Citus renames no constraint of a distributed table.
    db_.distributed = true;
    const catalog::Placement citus{true};
    const Model empty;
    desired_ = model::parse_model(shop());
    const Plan p =
        planner::plan(tenant_, empty, desired_, ids(), model::delta(empty, desired_), citus);
    const Step* created = find_step(p, "create class", "product");
    ASSERT_NE(created, nullptr);
    EXPECT_EQ(created->new_table, "tc_product");
    EXPECT_EQ(created->ddl[0].rfind("CREATE TABLE " + qtable("product"), 0), 0u);
    for (const std::string& ddl : created->ddl) {
        EXPECT_FALSE(contains(ddl, "OWNER TO")) << ddl;
        EXPECT_FALSE(contains(ddl, "(SELECT")) << ddl;
    }
    for (const Step& step : p.steps) {
        if (step.action != "create class") {
            EXPECT_TRUE(step.new_table.empty()) << step.action;
        }
    }
    expect_verified(p);

    // Both classes renamed: company's step comes first, so product's foreign key is made
    // anew pointing at company's new table.
    const Model current = desired_;
    desired_ = model::parse_model(
        rename_class(rename_class(shop(), "company", "firm"), "product", "item"));
    const Plan r =
        planner::plan(tenant_, current, desired_, ids(), model::delta(current, desired_), citus);
    const Step* item = find_step(r, "rename class", "product -> item");
    ASSERT_NE(item, nullptr);
    const auto drop = std::find_if(item->ddl.begin(), item->ddl.end(), [](const std::string& d) {
        return contains(d, "DROP CONSTRAINT");
    });
    ASSERT_GE(std::distance(drop, item->ddl.end()), std::ptrdiff_t{2}) << joined(item->ddl);
    const std::vector<std::string> fk(drop, drop + 2);
    EXPECT_EQ(
        fk, (std::vector<std::string>{
                "ALTER TABLE " + qtable("item") + " DROP CONSTRAINT \"tc_product__supplier_fkey\"",
                "ALTER TABLE " + qtable("item") +
                    " ADD CONSTRAINT \"tc_item__supplier_fkey\" FOREIGN KEY (\"supplier\")"
                    " REFERENCES " +
                    qtable("firm") + " (id)"}));
    for (const Step& step : r.steps) {
        for (const std::string& ddl : step.ddl)
            EXPECT_FALSE(contains(ddl, "RENAME CONSTRAINT")) << ddl;
    }
    expect_verified(r);
}

TEST_F(PlannerTest, DataEventsAreSwitchedPerClassWithTheirTriggers) {
    // A new class without events gets its event triggers disabled right away.
    Json doc = shop();
    doc["classes"]["product"]["events"] = false;
    Plan p = plan(Model{}, doc);
    const Step* created = find_step(p, "create class", "product");
    ASSERT_NE(created, nullptr);
    // One trigger per ALTER TABLE: Citus refuses ENABLE/DISABLE TRIGGER with other
    // subcommands.
    const auto switched = [&](const char* verb) {
        std::vector<std::string> out;
        for (const char* t : {"data_events_insert", "data_events_update", "data_events_delete"})
            out.push_back("ALTER TABLE " + qtable("product") + " " + verb + " TRIGGER " + t);
        return out;
    };
    ASSERT_GE(created->ddl.size(), 3u);
    EXPECT_EQ(std::vector<std::string>(created->ddl.end() - 3, created->ddl.end()),
              switched("DISABLE"));
    EXPECT_EQ(created->catalog[0].params.back(), "false");
    expect_verified(p);

    // Turning them on is a class change: ALTER TABLE, a catalog update, a diff entry.
    Model current = desired_;
    doc["classes"]["product"]["events"] = true;
    Plan on = plan(current, doc);
    const Step* changed = find_step(on, "change class", "product");
    ASSERT_NE(changed, nullptr);
    EXPECT_FALSE(changed->breaking);
    EXPECT_EQ(changed->change,
              Json::parse(R"({"kind": "class", "change": "changed", "class": "product",
                                               "events": true, "breaking": false})"));
    EXPECT_EQ(changed->ddl, switched("ENABLE"));
    EXPECT_EQ(changed->catalog[0].params.back(), "true");
    EXPECT_EQ(on.steps.size(), 1u) << testing::PrintToString(actions(on));
    expect_verified(on);

    // The flag is part of the model document only when it is off.
    EXPECT_FALSE(model::to_json(desired_)["classes"]["product"].contains("events"));
    current = desired_;
    doc["classes"]["product"]["events"] = false;
    Plan again_off = plan(current, doc);
    EXPECT_EQ(model::to_json(desired_)["classes"]["product"]["events"], false);
    expect_verified(again_off);
}

TEST_F(PlannerTest, NewClassColumnsNeedNoFurtherDdlExceptKeysAndIndexes) {
    Plan p = plan(Model{}, shop());
    // Inline columns: no ADD COLUMN, no SET NOT NULL, no checks on a table that is empty.
    const std::string ddl = joined(p.ddl());
    EXPECT_FALSE(contains(ddl, "ADD COLUMN")) << ddl;
    EXPECT_FALSE(contains(ddl, "SET NOT NULL")) << ddl;
    for (const Step& s : p.steps) {
        EXPECT_TRUE(s.checks.empty()) << s.action << " " << s.object;
        EXPECT_FALSE(s.breaking) << s.action << " " << s.object;
    }
    const Step* title = find_step(p, "add attribute", "product.title");
    ASSERT_NE(title, nullptr);
    EXPECT_TRUE(title->ddl.empty());
    ASSERT_EQ(title->catalog.size(), 1u);
    EXPECT_EQ(title->catalog[0].sql,
              "INSERT INTO \"tenant_acme\".\"attribute_assignments\" (thing_class_id, "
              "attribute_id, is_required, "
              "assignment_rules) VALUES ($1::uuid, $2::uuid, $3::boolean, $4::jsonb)");
    EXPECT_EQ(title->catalog[0].params, (std::vector<std::optional<std::string>>{
                                            desired_.classes.at("product").id,
                                            desired_.attributes.at("title").id, "true", "{}"}));
    const Step* sku = find_step(p, "add attribute", "product.sku");
    ASSERT_NE(sku, nullptr);
    EXPECT_EQ(sku->catalog[0].params[2], std::optional<std::string>("false"));
    EXPECT_EQ(sku->catalog[0].params[3], std::optional<std::string>(R"({"unique":true})"));
}

TEST_F(PlannerTest, ReferenceGetsForeignKeyAndIndexNamedByPhysical) {
    Plan p = plan(Model{}, shop());
    const Step* s = find_step(p, "add attribute", "product.supplier");
    ASSERT_NE(s, nullptr);
    const std::string fkey = physical::fkey_name("tc_product", "supplier");
    const std::string index = physical::index_name("tc_product", "supplier");
    EXPECT_EQ(fkey, "tc_product__supplier_fkey");
    EXPECT_EQ(index, "tc_product__supplier_idx");
    EXPECT_EQ(s->ddl,
              (std::vector<std::string>{
                  "ALTER TABLE " + qtable("product") + " ADD CONSTRAINT " + q(fkey) +
                      " FOREIGN KEY (\"supplier\") REFERENCES " + qtable("company") + " (id)",
                  "CREATE INDEX " + q(index) + " ON " + qtable("product") + " (\"supplier\")",
              }));
    const Step* attr = find_step(p, "create attribute", "supplier");
    ASSERT_NE(attr, nullptr);
    EXPECT_EQ(attr->change["target"], "company");
    // The catalog row names the target by id.
    EXPECT_EQ(attr->catalog[0].params.back(),
              std::optional<std::string>(desired_.classes.at("company").id));
    EXPECT_EQ(attr->catalog[0].params[3], std::optional<std::string>("reference"));
}

TEST_F(PlannerTest, UniqueRuleGivesAPartialUniqueIndex) {
    Plan p = plan(Model{}, shop());
    const Step* s = find_step(p, "add attribute", "product.sku");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->ddl,
              (std::vector<std::string>{"CREATE UNIQUE INDEX \"tc_product__sku_key\" ON " +
                                        qtable("product") + " (\"sku\") WHERE NOT is_deleted"}));
    // An attribute-level unique rule applies to every class it is assigned to.
    Json doc = shop();
    doc["attributes"]["title"]["rules"] = {{"unique", true}};
    Plan p2 = plan(Model{}, doc);
    const std::string ddl = joined(p2.ddl());
    EXPECT_TRUE(contains(ddl, "CREATE UNIQUE INDEX \"tc_product__title_key\"")) << ddl;
    EXPECT_TRUE(contains(ddl, "CREATE UNIQUE INDEX \"tc_company__title_key\"")) << ddl;
}

TEST_F(PlannerTest, RelationshipTypesAndRelationshipsAreCatalogRows) {
    Plan p = plan(Model{}, shop());
    const Step* type = find_step(p, "create relationship type", "supplies");
    ASSERT_NE(type, nullptr);
    EXPECT_TRUE(type->ddl.empty());
    EXPECT_EQ(type->change,
              Json::parse(R"({"kind": "relationship_type", "change": "added", "type": "supplies",
                                           "inverse": "supplied_by", "breaking": false})"));
    EXPECT_EQ(type->catalog[0].params, (std::vector<std::optional<std::string>>{
                                           desired_.relationship_types.at("supplies").id,
                                           "supplies", "supplied_by", std::nullopt}));
    const Step* rel = find_step(p, "allow relationship", "company -[supplies]-> product");
    ASSERT_NE(rel, nullptr);
    EXPECT_TRUE(rel->ddl.empty());
    EXPECT_EQ(rel->change["cardinality"], Json::parse(R"({"max_targets": 10})"));
    const auto& r = desired_.relationships.begin()->second;
    EXPECT_EQ(
        rel->catalog[0].params,
        (std::vector<std::optional<std::string>>{
            r.id, desired_.classes.at("company").id, desired_.classes.at("product").id,
            desired_.relationship_types.at("supplies").id, R"({"max_targets":10})", "false"}));
}

TEST_F(PlannerTest, StepsComeInDependencyOrder) {
    Plan p = plan(Model{}, shop());
    const int last_class =
        std::max(index_of(p, "create class", "product"), index_of(p, "create class", "company"));
    EXPECT_LT(last_class, index_of(p, "create attribute", "supplier"));  // its target exists
    EXPECT_LT(index_of(p, "create attribute", "supplier"),
              index_of(p, "add attribute", "product.supplier"));
    EXPECT_LT(index_of(p, "add attribute", "product.supplier"), index_of(p, "allow relationship"));
    EXPECT_LT(index_of(p, "create relationship type"), index_of(p, "allow relationship"));
    EXPECT_GE(index_of(p, "create relationship type"), 0);
}

TEST(ThingsQuery, ReadsEveryClassTable) {
    const std::string q =
        physical::things_query("tenant_acme", {{"id-1", "product"}, {"id-2", "company"}});
    for (const auto& [id, cls] :
         {std::pair<std::string, std::string>{"id-1", "product"}, {"id-2", "company"}}) {
        EXPECT_TRUE(
            contains(q, "SELECT id, '" + id + "'::uuid AS thing_class_id, '" + cls +
                            "'::text AS class_name, created_at, updated_at, is_deleted FROM "
                            "\"tenant_acme\".\"tc_" +
                            cls + "\""))
            << q;
    }
    EXPECT_EQ(count_of(q, "\nUNION ALL\n"), 1u);
}

TEST(ThingsQuery, WithoutClassesIsEmptyButTyped) {
    const std::string q = physical::things_query("tenant_acme", {});
    EXPECT_TRUE(contains(q, "WHERE false")) << q;
    // The same columns, in the same order, as with classes.
    std::size_t last = 0;
    for (const char* col : {"AS id", "AS thing_class_id", "AS class_name", "AS created_at",
                            "AS updated_at", "AS is_deleted"}) {
        std::size_t at = q.find(col);
        ASSERT_NE(at, std::string::npos) << col;
        EXPECT_GT(at, last) << col;
        last = at;
    }
}

// --- adding to existing classes -----------------------------------------------------------------

TEST_F(PlannerTest, OptionalAttributeOnAnExistingClassIsMetadataOnly) {
    Model current = applied(shop());
    Json doc = shop();
    doc["attributes"]["color"] = {{"type", "text"}};
    doc["classes"]["product"]["attributes"]["color"] = Json::object();
    Plan p = plan(current, doc);
    // One statement: no NOT NULL, no DEFAULT, so PostgreSQL does not rewrite the table.
    EXPECT_EQ(p.ddl(), (std::vector<std::string>{"ALTER TABLE " + qtable("product") +
                                                 " ADD COLUMN \"color\" text"}));
    EXPECT_EQ(actions(p),
              (std::vector<std::string>{"create attribute color", "add attribute product.color"}));
    for (const Step& s : p.steps) {
        EXPECT_FALSE(s.breaking) << s.action;
        EXPECT_TRUE(s.checks.empty()) << s.action;
    }
    EXPECT_EQ(p.diff(), Json::parse(R"([
        {"kind": "attribute", "change": "added", "attribute": "color", "type": "text", "breaking": false},
        {"kind": "assignment", "change": "added", "class": "product", "attribute": "color", "type": "text",
         "required": false, "breaking": false}])"));
    expect_verified(p);
}

TEST_F(PlannerTest, RequiredAttributeOnAnExistingClassIsCheckedAndBreaking) {
    Model current = applied(shop());
    Json doc = shop();
    doc["attributes"]["color"] = {{"type", "text"}};
    doc["classes"]["product"]["attributes"]["color"] = {{"required", true}};
    Plan p = plan(current, doc);
    const Step* s = find_step(p, "add attribute", "product.color");
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->breaking);
    EXPECT_EQ(s->change["breaking"], true);
    EXPECT_EQ(s->change["required"], true);
    EXPECT_EQ(s->ddl,
              (std::vector<std::string>{
                  "ALTER TABLE " + qtable("product") + " ADD COLUMN \"color\" text",
                  "ALTER TABLE " + qtable("product") + " ALTER COLUMN \"color\" SET NOT NULL",
              }));
    ASSERT_EQ(s->checks.size(), 1u);
    const Check& c = s->checks[0];
    EXPECT_EQ(c.sql, "SELECT pg_catalog.count(*), NULL::text FROM " + qtable("product"));
    EXPECT_EQ(c.sqlstate, "23502");
    EXPECT_TRUE(contains(c.message, "{count}")) << c.message;
    EXPECT_TRUE(contains(c.message, "\"color\"")) << c.message;
    EXPECT_FALSE(c.hint.empty());
    expect_verified(p);
}

TEST_F(PlannerTest, ExistingAttributeAssignedToANewClassIsInline) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["shop"] = {
        {"attributes", {{"title", {{"required", true}}}, {"supplier", Json::object()}}}};
    Plan p = plan(current, doc);
    const Step* create = find_step(p, "create class", "shop");
    ASSERT_NE(create, nullptr);
    EXPECT_TRUE(contains(create->ddl[0], "\n    \"title\" text NOT NULL,")) << create->ddl[0];
    const Step* title = find_step(p, "add attribute", "shop.title");
    ASSERT_NE(title, nullptr);
    EXPECT_FALSE(title->breaking);  // a new table has no rows to break
    EXPECT_TRUE(title->checks.empty());
    EXPECT_TRUE(title->ddl.empty());
    EXPECT_EQ(find_step(p, "create attribute", "title"), nullptr);
    expect_verified(p);
}

// --- changing assignments
// -------------------------------------------------------------------------

TEST_F(PlannerTest, MakingAnAttributeRequiredIsCheckedAndBreaking) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["product"]["attributes"]["price"]["required"] = true;
    Plan p = plan(current, doc);
    ASSERT_EQ(p.steps.size(), 1u);
    const Step& s = p.steps[0];
    EXPECT_EQ(s.action, "change attribute");
    EXPECT_EQ(s.object, "product.price");
    EXPECT_TRUE(s.breaking);
    EXPECT_EQ(s.ddl, (std::vector<std::string>{"ALTER TABLE " + qtable("product") +
                                               " ALTER COLUMN \"price\" SET NOT NULL"}));
    ASSERT_EQ(s.checks.size(), 1u);
    EXPECT_EQ(s.checks[0].sql, "SELECT pg_catalog.count(*), NULL::text FROM " + qtable("product") +
                                   " WHERE \"price\" IS NULL");
    EXPECT_EQ(s.checks[0].sqlstate, "23502");
    EXPECT_EQ(s.change,
              Json::parse(R"({"kind": "assignment", "change": "changed", "class": "product",
                                       "attribute": "price", "required": true, "breaking": true})"));
    EXPECT_EQ(s.catalog[0].params[2], std::optional<std::string>("true"));
    expect_verified(p);
}

TEST_F(PlannerTest, MakingAnAttributeOptionalIsNotBreaking) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["product"]["attributes"]["title"]["required"] = false;
    Plan p = plan(current, doc);
    ASSERT_EQ(p.steps.size(), 1u);
    EXPECT_FALSE(p.steps[0].breaking);
    EXPECT_TRUE(p.steps[0].checks.empty());
    EXPECT_EQ(p.ddl(), (std::vector<std::string>{"ALTER TABLE " + qtable("product") +
                                                 " ALTER COLUMN \"title\" DROP NOT NULL"}));
    expect_verified(p);
}

TEST_F(PlannerTest, RulesOnlyChangeIsACatalogUpdate) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["product"]["attributes"]["qty"]["rules"] = {{"max_length", 5}};
    Plan p = plan(current, doc);
    ASSERT_EQ(p.steps.size(), 1u);
    const Step& s = p.steps[0];
    EXPECT_FALSE(s.breaking);
    EXPECT_TRUE(s.ddl.empty());
    EXPECT_EQ(s.change["rules_changed"], true);
    ASSERT_EQ(s.catalog.size(), 1u);
    EXPECT_TRUE(contains(s.catalog[0].sql, "UPDATE \"tenant_acme\".\"attribute_assignments\""))
        << s.catalog[0].sql;
    EXPECT_EQ(s.catalog[0].params[3], std::optional<std::string>(R"({"max_length":5})"));
}

TEST_F(PlannerTest, UniqueAddedLaterChecksForDuplicates) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["company"]["attributes"]["title"]["rules"] = {{"unique", true}};
    Plan p = plan(current, doc);
    ASSERT_EQ(p.steps.size(), 1u);
    const Step& s = p.steps[0];
    EXPECT_EQ(s.object, "company.title");
    EXPECT_TRUE(s.breaking);
    EXPECT_EQ(s.change["unique"], true);
    ASSERT_EQ(s.checks.size(), 1u);
    EXPECT_EQ(s.checks[0].sqlstate, "23505");
    EXPECT_EQ(s.checks[0].sql,
              "SELECT pg_catalog.count(*), NULL::text FROM (SELECT \"title\" FROM " +
                  qtable("company") +
                  " WHERE NOT is_deleted AND \"title\" IS NOT NULL GROUP BY 1 HAVING "
                  "pg_catalog.count(*) > 1) d");
    EXPECT_EQ(s.ddl,
              (std::vector<std::string>{"CREATE UNIQUE INDEX \"tc_company__title_key\" ON " +
                                        qtable("company") + " (\"title\") WHERE NOT is_deleted"}));
    expect_verified(p);
}

TEST_F(PlannerTest, UniqueOnTheAttributeReachesEveryClass) {
    Model current = applied(shop());
    Json doc = shop();
    doc["attributes"]["title"]["rules"] = {{"unique", true}};
    Plan p = plan(current, doc);
    EXPECT_EQ(actions(p),
              (std::vector<std::string>{"change attribute title", "change attribute company.title",
                                        "change attribute product.title"}));
    EXPECT_FALSE(p.steps[0].breaking);  // the attribute row itself
    EXPECT_TRUE(p.steps[1].breaking);
    EXPECT_EQ(p.steps[1].checks.size(), 1u);
    EXPECT_EQ(p.steps[2].checks.size(), 1u);
    expect_verified(p);
}

TEST_F(PlannerTest, UniqueRemovedDropsTheIndex) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["product"]["attributes"]["sku"] = Json::object();
    Plan p = plan(current, doc);
    ASSERT_EQ(p.steps.size(), 1u);
    EXPECT_FALSE(p.steps[0].breaking);
    EXPECT_TRUE(p.steps[0].checks.empty());
    EXPECT_EQ(p.steps[0].change["unique"], false);
    EXPECT_EQ(p.ddl(),
              (std::vector<std::string>{"DROP INDEX \"tenant_acme\".\"tc_product__sku_key\""}));
    expect_verified(p);
}

TEST_F(PlannerTest, IndexedRuleAddsAndDropsAPlainIndex) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["product"]["attributes"]["price"]["rules"] = {{"indexed", true}};
    Plan add = plan(current, doc);
    ASSERT_EQ(add.steps.size(), 1u);
    EXPECT_FALSE(add.steps[0].breaking);
    EXPECT_EQ(add.steps[0].change["indexed"], true);
    EXPECT_EQ(add.ddl(), (std::vector<std::string>{"CREATE INDEX \"tc_product__price_idx\" ON " +
                                                   qtable("product") + " (\"price\")"}));
    expect_verified(add);

    Model with_index = desired_;
    Plan drop = plan(with_index, shop());
    EXPECT_EQ(drop.ddl(),
              (std::vector<std::string>{"DROP INDEX \"tenant_acme\".\"tc_product__price_idx\""}));
    expect_verified(drop);
}

// --- removing
// -------------------------------------------------------------------------------------

TEST_F(PlannerTest, UnassigningDropsTheColumnAndIsBreaking) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"]["product"]["attributes"].erase("price");
    Plan p = plan(current, doc);
    ASSERT_EQ(p.steps.size(), 1u);
    const Step& s = p.steps[0];
    EXPECT_EQ(s.action, "remove attribute");
    EXPECT_EQ(s.object, "product.price");
    EXPECT_TRUE(s.breaking);
    EXPECT_EQ(s.ddl, (std::vector<std::string>{"ALTER TABLE " + qtable("product") +
                                               " DROP COLUMN \"price\""}));
    ASSERT_EQ(s.catalog.size(), 1u);
    EXPECT_EQ(
        s.catalog[0].sql,
        "DELETE FROM \"tenant_acme\".\"attribute_assignments\" WHERE thing_class_id = $1::uuid "
        "AND attribute_id = $2::uuid");
    EXPECT_EQ(s.catalog[0].params,
              (std::vector<std::optional<std::string>>{current.classes.at("product").id,
                                                       current.attributes.at("price").id}));
    EXPECT_EQ(p.diff(),
              Json::parse(R"([{"kind": "assignment", "change": "removed", "class": "product",
                                         "attribute": "price", "breaking": true}])"));
    expect_verified(p);
}

// What a step destroys is counted before any step runs: under the names the tables and
// columns have before the change, whatever the change renames.
TEST_F(PlannerTest, WhatAStepDestroysIsCountedUnderTheCurrentNames) {
    Model current = applied(shop());
    Json doc = rename_class(shop(), "product", "item");
    doc["classes"]["item"]["attributes"].erase("price");
    doc["relationships"] = Json::array();
    Plan p = plan(current, doc);
    const Step* column = find_step(p, "remove attribute", "item.price");
    ASSERT_NE(column, nullptr);
    ASSERT_EQ(column->losses.size(), 1u);
    EXPECT_EQ(column->losses[0].unit, "values");
    const std::string price = qtable("product") + " WHERE \"price\" IS NOT NULL";
    EXPECT_EQ(column->losses[0].sql, "SELECT CASE WHEN EXISTS (SELECT FROM " + price +
                                         ") THEN (SELECT pg_catalog.count(*) FROM " + price +
                                         ") ELSE 0 END");
    EXPECT_EQ(column->losses[0].lock, "LOCK TABLE " + qtable("product") + " IN SHARE MODE");
    EXPECT_EQ(column->losses[0].what,
              "{count} value{s} of attribute \"price\" of class \"product\"");
    const Step* rel = find_step(p, "disallow relationship", "company -[supplies]-> product");
    ASSERT_NE(rel, nullptr);
    ASSERT_EQ(rel->losses.size(), 1u);
    EXPECT_EQ(rel->losses[0].unit, "relationships");
    EXPECT_EQ(rel->losses[0].params,
              (std::vector<std::optional<std::string>>{current.relationship_types.at("supplies").id,
                                                       current.classes.at("company").id,
                                                       current.classes.at("product").id}));
    // Renames and additions destroy nothing.
    for (const Step& s : p.steps) {
        if (&s != column && &s != rel) {
            EXPECT_TRUE(s.losses.empty()) << s.action << " " << s.object;
        }
    }
}

TEST_F(PlannerTest, DroppingAClassLosesItsThingsAndRetypingToDateItsTimesOfDay) {
    Json base = shop();
    base["attributes"]["seen"] = {{"type", "timestamp"}};
    base["classes"]["company"]["attributes"]["seen"] = Json::object();
    base["classes"]["depot"] = {{"attributes", {{"title", Json::object()}}}};
    Model current = applied(base);
    Json doc = base;
    doc["classes"].erase("depot");
    doc["attributes"]["seen"]["type"] = "date";
    Plan p = plan(current, doc);
    const Step* drop = find_step(p, "drop class", "depot");
    ASSERT_NE(drop, nullptr);
    ASSERT_EQ(drop->losses.size(), 1u);
    EXPECT_EQ(drop->losses[0].unit, "things");
    EXPECT_EQ(drop->losses[0].sql, "SELECT CASE WHEN EXISTS (SELECT FROM " + qtable("depot") +
                                       ") THEN (SELECT pg_catalog.count(*) FROM " +
                                       qtable("depot") + ") ELSE 0 END");
    const Step* retype = find_step(p, "change attribute type", "seen");
    ASSERT_NE(retype, nullptr);
    ASSERT_EQ(retype->losses.size(), 1u);
    const std::string seen =
        qtable("company") + " WHERE \"seen\" IS NOT NULL AND \"seen\" <> \"seen\"::date";
    EXPECT_EQ(retype->losses[0].sql, "SELECT CASE WHEN EXISTS (SELECT FROM " + seen +
                                         ") THEN (SELECT pg_catalog.count(*) FROM " + seen +
                                         ") ELSE 0 END");
    // The other way round loses nothing.
    Model as_date = applied(doc);
    Plan back = plan(as_date, base);
    for (const Step& s : back.steps) {
        if (s.action == "change attribute type") {
            EXPECT_TRUE(s.losses.empty());
        }
    }
}

TEST_F(PlannerTest, DroppingAnAttributeDropsItsColumnsFirst) {
    Model current = applied(shop());
    Json doc = shop();
    doc["attributes"].erase("title");
    doc["classes"]["product"]["attributes"].erase("title");
    doc["classes"]["company"]["attributes"].erase("title");
    Plan p = plan(current, doc);
    EXPECT_EQ(actions(p),
              (std::vector<std::string>{"remove attribute company.title",
                                        "remove attribute product.title", "drop attribute title"}));
    for (const Step& s : p.steps)
        EXPECT_TRUE(s.breaking) << s.action;
    EXPECT_EQ(p.steps[2].catalog[0].params,
              (std::vector<std::optional<std::string>>{current.attributes.at("title").id}));
    expect_verified(p);
}

TEST_F(PlannerTest, AClassStillReferencedCannotBeDropped) {
    Model current = applied(shop());
    Json doc = shop();
    doc["classes"].erase("company");
    doc["relationships"] = Json::array();
    try {
        plan(current, doc);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "42704");
        EXPECT_TRUE(contains(e.what(), "class \"company\" does not exist")) << e.what();
        EXPECT_TRUE(contains(e.detail(), "supplier")) << e.detail();
    }
    // Without the reference it goes, with its relationships.
    doc["attributes"].erase("supplier");
    doc["classes"]["product"]["attributes"].erase("supplier");
    Plan p = plan(current, doc);
    EXPECT_GE(index_of(p, "drop class", "company"), 0);
    EXPECT_LT(index_of(p, "disallow relationship"), index_of(p, "drop class"));
    EXPECT_LT(index_of(p, "remove attribute", "product.supplier"), index_of(p, "drop class"));
    expect_verified(p);
}

TEST_F(PlannerTest, ClassesReferencingEachOtherGoInOneDropTable) {
    const Json cycle = Json::parse(R"({
      "attributes": {"to_b": {"type": "reference", "target": "b"}, "to_a": {"type": "reference", "target": "a"},
                     "me": {"type": "reference", "target": "c"}},
      "classes": {"a": {"attributes": {"to_b": {"required": true}}}, "b": {"attributes": {"to_a": {}}},
                  "c": {"attributes": {"me": {}}}, "d": {}}})");
    Model current = applied(cycle);
    Plan p = plan(current, Json::parse(R"({"classes": {"d": {}}})"));
    const std::vector<std::string> ddl = p.ddl();
    std::vector<std::string> drops;
    for (const auto& s : ddl) {
        if (s.rfind("DROP TABLE", 0) == 0)
            drops.push_back(s);
    }
    EXPECT_EQ(drops, (std::vector<std::string>{"DROP TABLE " + qtable("a") + ", " + qtable("b") +
                                               ", " + qtable("c")}));
    for (const char* cls : {"a", "b", "c"}) {
        const Step* s = find_step(p, "drop class", cls);
        ASSERT_NE(s, nullptr) << cls;
        EXPECT_TRUE(s->breaking);
        EXPECT_EQ(s->catalog[0].params,
                  (std::vector<std::optional<std::string>>{current.classes.at(cls).id}));
    }
    // Their assignments leave the catalog before the attributes do, without a diff entry.
    const Step* forget = find_step(p, "forget assignment", "a.to_b");
    ASSERT_NE(forget, nullptr);
    EXPECT_TRUE(forget->change.is_null());
    EXPECT_TRUE(forget->ddl.empty());
    EXPECT_LT(index_of(p, "forget assignment"), index_of(p, "drop attribute"));
    for (const Json& entry : p.diff())
        EXPECT_NE(entry["change"], nullptr);
    expect_verified(p);
}

// --- renames
// ---------------------------------------------------------------------------------------

TEST_F(PlannerTest, RenamingAClassRenamesTableAndIndexesOnly) {
    Model current = applied(shop());
    Plan p = plan(current, rename_class(shop(), "product", "item"));
    const Step* s = find_step(p, "rename class", "product -> item");
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->breaking);
    EXPECT_EQ(s->change,
              Json::parse(R"({"kind": "class", "change": "renamed", "from": "product", "to": "item",
                                        "breaking": true})"));
    const std::string s_ = "\"tenant_acme\".";
    EXPECT_EQ(s->ddl,
              (std::vector<std::string>{
                  "ALTER TABLE " + s_ + "\"tc_product\" RENAME TO \"tc_item\"",
                  "ALTER INDEX " + s_ + "\"tc_product_pkey\" RENAME TO \"tc_item_pkey\"",
                  "COMMENT ON TABLE " + s_ + "\"tc_item\" IS 'udm class item'",
                  "ALTER INDEX " + s_ + "\"tc_product__sku_key\" RENAME TO \"tc_item__sku_key\"",
                  "ALTER TABLE " + s_ +
                      "\"tc_item\" RENAME CONSTRAINT \"tc_product__supplier_fkey\" TO "
                      "\"tc_item__supplier_fkey\"",
                  "ALTER INDEX " + s_ +
                      "\"tc_product__supplier_idx\" RENAME TO \"tc_item__supplier_idx\"",
              }));
    ASSERT_EQ(s->catalog.size(), 1u);
    EXPECT_EQ(s->catalog[0].sql,
              "UPDATE \"tenant_acme\".\"thing_classes\" SET name = $2 WHERE id = $1::uuid");
    EXPECT_EQ(s->catalog[0].params,
              (std::vector<std::optional<std::string>>{current.classes.at("product").id, "item"}));
    // Nothing is rebuilt and the relationship stays.
    EXPECT_EQ(actions(p), (std::vector<std::string>{"rename class product -> item"}));
    for (const char* word : {"CREATE TABLE", "DROP TABLE", "ADD COLUMN", "DROP COLUMN",
                             "CREATE INDEX", "DROP INDEX"}) {
        EXPECT_FALSE(contains(joined(p.ddl()), word)) << word;
    }
    EXPECT_EQ(desired_.classes.at("item").id, current.classes.at("product").id);
    EXPECT_FALSE(desired_.classes.at("item").renamed_from.has_value());
    EXPECT_EQ(desired_.relationships.begin()->second.id, current.relationships.begin()->second.id);
    expect_verified(p);
}

TEST_F(PlannerTest, RenamingAReferencedClassLeavesTheReferenceAlone) {
    Model current = applied(shop());
    Plan p = plan(current, rename_class(shop(), "company", "vendor"));
    // The foreign key follows the table by itself; the attribute keeps its target id.
    EXPECT_EQ(actions(p), (std::vector<std::string>{"rename class company -> vendor"}));
    EXPECT_EQ(desired_.classes.at("vendor").id, current.classes.at("company").id);
    expect_verified(p);
}

TEST_F(PlannerTest, RenamingAnAttributeRenamesItsColumnInEveryTable) {
    Model current = applied(shop());
    Plan p = plan(current, rename_attribute(shop(), "title", "name"));
    ASSERT_EQ(p.steps.size(), 1u);
    const Step& s = p.steps[0];
    EXPECT_EQ(s.action, "rename attribute");
    EXPECT_EQ(s.object, "title -> name");
    EXPECT_EQ(s.ddl,
              (std::vector<std::string>{
                  "ALTER TABLE " + qtable("company") + " RENAME COLUMN \"title\" TO \"name\"",
                  "ALTER TABLE " + qtable("product") + " RENAME COLUMN \"title\" TO \"name\"",
              }));
    EXPECT_EQ(s.catalog[0].sql,
              "UPDATE \"tenant_acme\".\"attributes\" SET name = $2 WHERE id = $1::uuid");
    EXPECT_EQ(s.catalog[0].params,
              (std::vector<std::optional<std::string>>{current.attributes.at("title").id, "name"}));
    EXPECT_EQ(desired_.attributes.at("name").id, current.attributes.at("title").id);
    expect_verified(p);
}

TEST_F(PlannerTest, RenamingAnIndexedAttributeRenamesItsIndexesAndKey) {
    Model current = applied(shop());
    Plan p = plan(current,
                  rename_attribute(rename_attribute(shop(), "sku", "code"), "supplier", "maker"));
    const std::string ddl = joined(p.ddl());
    for (const char* statement :
         {"ALTER TABLE \"tenant_acme\".\"tc_product\" RENAME COLUMN \"sku\" TO \"code\"",
          "ALTER INDEX \"tenant_acme\".\"tc_product__sku_key\" RENAME TO \"tc_product__code_key\"",
          "ALTER TABLE \"tenant_acme\".\"tc_product\" RENAME COLUMN \"supplier\" TO \"maker\"",
          "ALTER TABLE \"tenant_acme\".\"tc_product\" RENAME CONSTRAINT "
          "\"tc_product__supplier_fkey\" TO \"tc_product__maker_fkey\"",
          "ALTER INDEX \"tenant_acme\".\"tc_product__supplier_idx\" RENAME TO "
          "\"tc_product__maker_idx\""}) {
        EXPECT_TRUE(contains(ddl, statement)) << statement << "\n" << ddl;
    }
    EXPECT_EQ(count_of(ddl, ";\n"), 5u) << ddl;
    expect_verified(p);
}

TEST_F(PlannerTest, RenamingClassAndAttributeTogetherChainsTheNames) {
    Model current = applied(shop());
    Plan p = plan(current,
                  rename_attribute(rename_class(shop(), "product", "item"), "supplier", "maker"));
    EXPECT_LT(index_of(p, "rename class"), index_of(p, "rename attribute"));
    const Step* attr = find_step(p, "rename attribute", "supplier -> maker");
    ASSERT_NE(attr, nullptr);
    // The attribute step works on the table under its new name.
    EXPECT_TRUE(contains(joined(attr->ddl),
                         "ALTER TABLE \"tenant_acme\".\"tc_item\" RENAME CONSTRAINT "
                         "\"tc_item__supplier_fkey\" TO \"tc_item__maker_fkey\""))
        << joined(attr->ddl);
    expect_verified(p);
}

TEST_F(PlannerTest, RenamesThatCannotBeMadeAreRefused) {
    Model current = applied(shop());
    struct Case {
        const char* what;
        Json doc;
        const char* sqlstate;
    };
    Json onto_existing = rename_class(shop(), "product", "company");
    Json kept_and_renamed = shop();
    kept_and_renamed["classes"]["store"] = {{"renamed_from", "product"}};
    Json unknown_attr = shop();
    unknown_attr["attributes"]["name"] = {{"type", "text"}, {"renamed_from", "nothing"}};
    Json attr_onto_existing = shop();
    attr_onto_existing["attributes"]["price"]["renamed_from"] = "qty";
    Json attr_kept_and_renamed = shop();
    attr_kept_and_renamed["attributes"]["name"] = {{"type", "text"}, {"renamed_from", "title"}};
    Json from_nothing = shop();
    from_nothing["classes"]["store"] = {{"renamed_from", "nothing"}};
    const Case cases[] = {
        {"class from nothing", from_nothing, "42704"},
        {"class onto an existing class", onto_existing, "42710"},
        {"class kept and renamed", kept_and_renamed, "22023"},
        {"attribute from nothing", unknown_attr, "42704"},
        {"attribute onto an existing one", attr_onto_existing, "42710"},
        {"attribute kept and renamed", attr_kept_and_renamed, "22023"},
    };
    for (const Case& c : cases) {
        try {
            plan(current, c.doc);
            ADD_FAILURE() << c.what << ": no error";
        } catch (const Error& e) {
            EXPECT_STREQ(e.sqlstate(), c.sqlstate) << c.what << ": " << e.what();
        }
    }
}

// --- retyping
// ----------------------------------------------------------------------------------------

TEST_F(PlannerTest, RetypingFollowsTheConversionTable) {
    struct Case {
        const char* from;
        const char* to;
        bool breaking;
        const char* check;  // a part of the precondition's SQL; empty for none
    };
    const Case cases[] = {
        {"text", "integer", true, "udm._unconvertible($1::regclass, $2, $3::regtype)"},
        {"text", "number", true, "udm._unconvertible("},
        {"text", "boolean", true, "udm._unconvertible("},
        {"text", "date", true, "udm._unconvertible("},
        {"text", "timestamp", true, "udm._unconvertible("},
        {"text", "json", true, "udm._unconvertible("},
        {"number", "integer", true, "pg_catalog.trunc(\"v\")"},
        {"integer", "number", false, ""},
        {"date", "timestamp", false, ""},
        {"timestamp", "date", true, ""},
        {"integer", "text", false, ""},
        {"number", "text", false, ""},
        {"boolean", "text", false, ""},
        {"date", "text", false, ""},
        {"timestamp", "text", false, ""},
        {"json", "text", false, ""},
    };
    for (const Case& c : cases) {
        const Json before = {
            {"attributes", {{"v", {{"type", c.from}}}}},
            {"classes", {{"product", {{"attributes", {{"v", {{"required", true}}}}}}}}}};
        Json after = before;
        after["attributes"]["v"]["type"] = c.to;
        db_ = FakeSchema(tenant_);
        Model current = applied(before);
        Plan p = plan(current, after);
        ASSERT_EQ(p.steps.size(), 1u) << c.from << " -> " << c.to;
        const Step& s = p.steps[0];
        const std::string sql_type(model::sql_type(*model::parse_data_type(c.to)));
        EXPECT_EQ(s.action, "change attribute type");
        EXPECT_EQ(s.breaking, c.breaking) << c.from << " -> " << c.to;
        EXPECT_EQ(s.change, Json({{"kind", "attribute"},
                                  {"change", "retyped"},
                                  {"attribute", "v"},
                                  {"from", c.from},
                                  {"to", c.to},
                                  {"breaking", c.breaking}}));
        EXPECT_EQ(s.ddl, (std::vector<std::string>{"ALTER TABLE " + qtable("product") +
                                                   " ALTER COLUMN \"v\" TYPE " + sql_type +
                                                   " USING \"v\"::" + sql_type}));
        if (*c.check == '\0') {
            EXPECT_TRUE(s.checks.empty()) << c.from << " -> " << c.to;
        } else {
            ASSERT_EQ(s.checks.size(), 1u) << c.from << " -> " << c.to;
            EXPECT_TRUE(contains(s.checks[0].sql, c.check)) << s.checks[0].sql;
            EXPECT_EQ(s.checks[0].sqlstate, "22000");
            EXPECT_TRUE(contains(s.checks[0].message, "{count}"));
        }
        EXPECT_EQ(s.catalog[0].params[2], std::optional<std::string>(c.to));
        expect_verified(p);
    }
}

TEST_F(PlannerTest, TextToIntegerCheckNamesTableColumnAndType) {
    Model current = applied(shop());
    Json doc = shop();
    doc["attributes"]["qty"]["type"] = "integer";
    Plan p = plan(current, doc);
    ASSERT_EQ(p.steps.size(), 1u);
    ASSERT_EQ(p.steps[0].checks.size(), 1u);
    const Check& c = p.steps[0].checks[0];
    EXPECT_EQ(c.sql,
              "SELECT failures, sample FROM udm._unconvertible($1::regclass, $2, $3::regtype)");
    EXPECT_EQ(c.params, (std::vector<std::optional<std::string>>{"\"tenant_acme\".\"tc_product\"",
                                                                 "qty", "bigint"}));
    EXPECT_EQ(
        p.ddl(),
        (std::vector<std::string>{"ALTER TABLE " + qtable("product") +
                                  " ALTER COLUMN \"qty\" TYPE bigint USING \"qty\"::bigint"}));
    EXPECT_TRUE(p.steps[0].breaking);
}

TEST_F(PlannerTest, ImpossibleRetypesAreRefused) {
    const std::pair<const char*, const char*> cases[] = {
        {"boolean", "date"},   {"integer", "boolean"},   {"date", "integer"},
        {"json", "number"},    {"boolean", "integer"},   {"number", "date"},
        {"timestamp", "json"}, {"integer", "reference"},
    };
    for (const auto& [from, to] : cases) {
        const Json before = {{"attributes", {{"v", {{"type", from}}}}},
                             {"classes", {{"product", {{"attributes", {{"v", Json::object()}}}}}}}};
        Json after = before;
        after["attributes"]["v"]["type"] = to;
        if (std::string(to) == "reference")
            after["attributes"]["v"]["target"] = "product";
        Model current = applied(before);
        try {
            plan(current, after);
            ADD_FAILURE() << from << " -> " << to << ": no error";
        } catch (const Error& e) {
            EXPECT_STREQ(e.sqlstate(), "22023") << from << " -> " << to;
            EXPECT_EQ(std::string(e.what()), "cannot change the type of attribute \"v\" from " +
                                                 std::string(from) + " to " + to);
            EXPECT_FALSE(e.hint().empty());
        }
    }
}

TEST_F(PlannerTest, ReferenceToTextDropsTheForeignKeyFirst) {
    Model current = applied(shop());
    Json doc = shop();
    doc["attributes"]["supplier"] = {{"type", "text"}};
    Plan p = plan(current, doc);
    const Step* s = find_step(p, "change attribute type", "supplier");
    ASSERT_NE(s, nullptr);
    EXPECT_FALSE(s->breaking);
    EXPECT_TRUE(s->checks.empty());
    EXPECT_EQ(s->ddl, (std::vector<std::string>{
                          "ALTER TABLE " + qtable("product") +
                              " DROP CONSTRAINT \"tc_product__supplier_fkey\"",
                          "ALTER TABLE " + qtable("product") +
                              " ALTER COLUMN \"supplier\" TYPE text USING \"supplier\"::text",
                      }));
    EXPECT_FALSE(s->catalog[0].params.back().has_value());  // no target any more
    // The index that came with the reference goes too.
    EXPECT_TRUE(
        contains(joined(p.ddl()), "DROP INDEX \"tenant_acme\".\"tc_product__supplier_idx\""));
    expect_verified(p);
}

TEST_F(PlannerTest, TextToReferenceChecksValuesThenAddsKeyAndIndex) {
    Model current = applied(shop());
    Json doc = shop();
    doc["attributes"]["qty"] = {{"type", "reference"}, {"target", "company"}};
    Plan p = plan(current, doc);
    const Step* s = find_step(p, "change attribute type", "qty");
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->breaking);
    EXPECT_EQ(s->change["target"], "company");
    ASSERT_EQ(s->checks.size(), 2u);
    EXPECT_TRUE(contains(s->checks[0].sql, "udm._unconvertible("));
    EXPECT_EQ(s->checks[0].params[2], std::optional<std::string>("uuid"));
    EXPECT_EQ(s->checks[1].sqlstate, "23503");
    EXPECT_TRUE(
        contains(s->checks[1].sql, "FROM " + qtable("company") + " t WHERE t.id = \"qty\"::uuid"))
        << s->checks[1].sql;
    EXPECT_EQ(s->ddl.back(), "ALTER TABLE " + qtable("product") +
                                 " ADD CONSTRAINT \"tc_product__qty_fkey\" FOREIGN KEY "
                                 "(\"qty\") REFERENCES " +
                                 qtable("company") + " (id)");
    EXPECT_TRUE(contains(joined(p.ddl()), "CREATE INDEX \"tc_product__qty_idx\""));
    expect_verified(p);
}

TEST_F(PlannerTest, RetargetingAReferenceChecksAndReplacesTheKey) {
    Json before = shop();
    before["classes"]["shop"] = Json::object();
    Model current = applied(before);
    Json doc = before;
    doc["attributes"]["supplier"]["target"] = "shop";
    Plan p = plan(current, doc);
    ASSERT_EQ(p.steps.size(), 1u);
    const Step& s = p.steps[0];
    EXPECT_EQ(s.action, "change reference target");
    EXPECT_TRUE(s.breaking);
    EXPECT_EQ(s.change["from"], "company");
    EXPECT_EQ(s.change["to"], "shop");
    ASSERT_EQ(s.checks.size(), 1u);
    EXPECT_EQ(s.checks[0].sqlstate, "23503");
    EXPECT_TRUE(contains(s.checks[0].sql, "NOT EXISTS (SELECT 1 FROM " + qtable("shop") +
                                              " t WHERE t.id = \"supplier\")"));
    EXPECT_EQ(s.ddl, (std::vector<std::string>{
                         "ALTER TABLE " + qtable("product") +
                             " DROP CONSTRAINT \"tc_product__supplier_fkey\"",
                         "ALTER TABLE " + qtable("product") +
                             " ADD CONSTRAINT \"tc_product__supplier_fkey\" FOREIGN KEY "
                             "(\"supplier\") REFERENCES " +
                             qtable("shop") + " (id)",
                     }));
    EXPECT_EQ(s.catalog[0].params.back(),
              std::optional<std::string>(current.classes.at("shop").id));
    expect_verified(p);
}

// --- relationships
// ----------------------------------------------------------------------------------

TEST_F(PlannerTest, TighteningCardinalityIsCheckedAndBreaking) {
    struct Case {
        Json before, after;
        bool breaking;
        std::vector<std::string> grouped_by;  // one check per tightened side
    };
    const Json none = Json::object();
    const Case cases[] = {
        {{{"max_targets", 10}}, {{"max_targets", 5}}, true, {"from_id"}},
        {{{"max_targets", 10}}, {{"max_targets", 20}}, false, {}},
        {{{"max_targets", 10}}, none, false, {}},
        {none, {{"max_sources", 1}}, true, {"to_id"}},
        {none, {{"max_targets", 3}, {"max_sources", 1}}, true, {"from_id", "to_id"}},
        {{{"max_sources", 1}}, {{"max_sources", 1}, {"max_targets", 1}}, true, {"from_id"}},
    };
    for (const Case& c : cases) {
        Json before = shop();
        before["relationships"][0]["cardinality"] = c.before;
        Json after = shop();
        after["relationships"][0]["cardinality"] = c.after;
        Model current = applied(before);
        Plan p = plan(current, after);
        ASSERT_EQ(p.steps.size(), 1u) << c.before << " -> " << c.after;
        const Step& s = p.steps[0];
        EXPECT_EQ(s.action, "change relationship");
        EXPECT_EQ(s.object, "company -[supplies]-> product");
        EXPECT_EQ(s.breaking, c.breaking) << c.before << " -> " << c.after;
        EXPECT_EQ(s.change["cardinality"], c.after);
        ASSERT_EQ(s.checks.size(), c.grouped_by.size()) << c.before << " -> " << c.after;
        for (std::size_t i = 0; i < s.checks.size(); ++i) {
            EXPECT_EQ(s.checks[i].sqlstate, "23514");
            EXPECT_TRUE(contains(s.checks[i].sql, "(SELECT " + c.grouped_by[i] +
                                                      " FROM \"tenant_acme\".\"relationships\""))
                << s.checks[i].sql;
            EXPECT_EQ(s.checks[i].params[0],
                      std::optional<std::string>(current.relationship_types.at("supplies").id));
            EXPECT_EQ(s.checks[i].params[1],
                      std::optional<std::string>(current.classes.at("company").id));
            EXPECT_EQ(s.checks[i].params[2],
                      std::optional<std::string>(current.classes.at("product").id));
        }
        if (c.grouped_by.size() == 1) {
            const char* key = c.grouped_by[0] == "from_id" ? "max_targets" : "max_sources";
            EXPECT_EQ(s.checks[0].params[3],
                      std::optional<std::string>(std::to_string(c.after[key].get<int>())));
        }
        EXPECT_EQ(s.catalog[0].params,
                  (std::vector<std::optional<std::string>>{current.relationships.begin()->second.id,
                                                           c.after.dump(), "false"}));
    }
}

TEST_F(PlannerTest, DroppingBidirectionalIsBreaking) {
    Json bi = shop();
    bi["relationships"][0]["bidirectional"] = true;
    Model uni_model = applied(shop());
    Plan adding = plan(uni_model, bi);
    ASSERT_EQ(adding.steps.size(), 1u);
    EXPECT_FALSE(adding.steps[0].breaking);
    EXPECT_EQ(adding.steps[0].change["bidirectional"], true);

    Model bi_model = applied(bi);
    Plan dropping = plan(bi_model, shop());
    ASSERT_EQ(dropping.steps.size(), 1u);
    EXPECT_TRUE(dropping.steps[0].breaking);
    EXPECT_TRUE(dropping.steps[0].checks.empty());
}

TEST_F(PlannerTest, RelationshipTypeChanges) {
    Model current = applied(shop());
    Json inverse = shop();
    inverse["relationship_types"]["supplies"]["inverse"] = "bought_from";
    Plan p = plan(current, inverse);
    ASSERT_EQ(p.steps.size(), 1u);
    EXPECT_EQ(p.steps[0].action, "change relationship type");
    EXPECT_TRUE(p.steps[0].breaking);
    EXPECT_EQ(p.steps[0].catalog[0].params,
              (std::vector<std::optional<std::string>>{current.relationship_types.at("supplies").id,
                                                       "bought_from", std::nullopt}));

    Json described = shop();
    described["relationship_types"]["supplies"]["description"] = "Deliveries";
    Plan d = plan(current, described);
    ASSERT_EQ(d.steps.size(), 1u);
    EXPECT_FALSE(d.steps[0].breaking);
}

TEST_F(PlannerTest, DroppingARelationshipTypeDisallowsItFirst) {
    Model current = applied(shop());
    Json doc = shop();
    doc["relationship_types"] = Json::object();
    doc["relationships"] = Json::array();
    Plan p = plan(current, doc);
    EXPECT_EQ(actions(p),
              (std::vector<std::string>{"disallow relationship company -[supplies]-> product",
                                        "drop relationship type supplies"}));
    for (const Step& s : p.steps)
        EXPECT_TRUE(s.breaking);
    const Step& dis = p.steps[0];
    ASSERT_EQ(dis.catalog.size(), 2u);
    // The relationships between things go with it, then the allowed relationship.
    EXPECT_TRUE(contains(dis.catalog[0].sql, "DELETE FROM \"tenant_acme\".\"relationships\""))
        << dis.catalog[0].sql;
    EXPECT_EQ(dis.catalog[0].params,
              (std::vector<std::optional<std::string>>{current.relationship_types.at("supplies").id,
                                                       current.classes.at("company").id,
                                                       current.classes.at("product").id}));
    EXPECT_TRUE(
        contains(dis.catalog[1].sql, "DELETE FROM \"tenant_acme\".\"thing_class_relationships\""));
    EXPECT_EQ(dis.catalog[1].params,
              (std::vector<std::optional<std::string>>{current.relationships.begin()->second.id}));
    EXPECT_TRUE(p.ddl().empty());
}

// --- ids and the diff
// ---------------------------------------------------------------------------------

TEST_F(PlannerTest, IdsAreKeptForKeptAndRenamedObjectsAndNewForNewOnes) {
    Model current = applied(shop());
    std::set<std::string> old_ids;
    for (const auto& [n, c] : current.classes)
        old_ids.insert(c.id);
    for (const auto& [n, a] : current.attributes)
        old_ids.insert(a.id);
    for (const auto& [n, t] : current.relationship_types)
        old_ids.insert(t.id);
    for (const auto& [k, r] : current.relationships)
        old_ids.insert(r.id);
    EXPECT_EQ(old_ids.size(), 2u + 6u + 1u + 1u);  // all distinct

    Json doc = rename_attribute(rename_class(shop(), "company", "vendor"), "price", "cost");
    doc["classes"]["shop"] = Json::object();
    doc["attributes"]["color"] = {{"type", "text"}};
    doc["relationship_types"]["owns"] = Json::object();
    doc["relationships"].push_back({{"from", "vendor"}, {"to", "shop"}, {"type", "owns"}});
    const int before = issued_;
    plan(current, doc);
    EXPECT_EQ(desired_.classes.at("vendor").id, current.classes.at("company").id);
    EXPECT_EQ(desired_.classes.at("product").id, current.classes.at("product").id);
    EXPECT_EQ(desired_.attributes.at("cost").id, current.attributes.at("price").id);
    EXPECT_EQ(desired_.attributes.at("title").id, current.attributes.at("title").id);
    EXPECT_EQ(desired_.relationship_types.at("supplies").id,
              current.relationship_types.at("supplies").id);
    EXPECT_EQ(
        desired_.relationships.at(model::relationship_key("vendor", "supplies", "product")).id,
        current.relationships.begin()->second.id);
    // Exactly four new objects, four new ids, none reused.
    EXPECT_EQ(issued_ - before, 4);
    std::set<std::string> fresh = {
        desired_.classes.at("shop").id, desired_.attributes.at("color").id,
        desired_.relationship_types.at("owns").id,
        desired_.relationships.at(model::relationship_key("vendor", "owns", "shop")).id};
    EXPECT_EQ(fresh.size(), 4u);
    for (const auto& f : fresh)
        EXPECT_FALSE(old_ids.count(f)) << f;
}

TEST_F(PlannerTest, TheDiffListsEveryChangeWithBreaking) {
    Model current = applied(shop());
    Json doc = rename_class(shop(), "company", "vendor");
    doc["attributes"]["qty"]["type"] = "integer";
    doc["classes"]["product"]["attributes"].erase("price");
    doc["classes"]["product"]["description"] = "Goods";
    doc["classes"]["shop"] = {{"attributes", {{"title", Json::object()}}}};
    Plan p = plan(current, doc);
    Json diff = p.diff();
    std::size_t with_change = 0;
    for (const Step& s : p.steps) {
        if (s.change.is_null())
            continue;
        ASSERT_LT(with_change, diff.size());
        EXPECT_EQ(diff[with_change], s.change);
        EXPECT_EQ(s.change["breaking"], s.breaking) << s.action;
        ++with_change;
    }
    EXPECT_EQ(diff.size(), with_change);
    std::vector<std::string> kinds;
    for (const Json& d : diff)
        kinds.push_back(d["kind"].get<std::string>() + " " + d["change"].get<std::string>());
    EXPECT_EQ(kinds,
              (std::vector<std::string>{"class renamed", "assignment removed", "class added",
                                        "class changed", "attribute retyped", "assignment added"}));
    std::vector<std::string> all;
    for (const Step& s : p.steps)
        all.insert(all.end(), s.ddl.begin(), s.ddl.end());
    EXPECT_EQ(p.ddl(), all);
    expect_verified(p);
}

// --- names ---------------------------------------------------------------------------------------

// The words of sql outside quoted identifiers and string literals.
std::set<std::string> unquoted_words(const std::string& sql) {
    std::set<std::string> out;
    std::string word;
    auto flush = [&] {
        if (!word.empty())
            out.insert(word);
        word.clear();
    };
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '"' || c == '\'') {
            flush();
            for (++i; i < sql.size(); ++i) {
                if (sql[i] == c) {
                    if (i + 1 < sql.size() && sql[i + 1] == c) {
                        ++i;
                        continue;
                    }
                    break;
                }
            }
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
            word += c;
        } else {
            flush();
        }
    }
    flush();
    return out;
}

TEST(UnquotedWords, SkipsIdentifiersAndLiterals) {
    EXPECT_EQ(unquoted_words("ALTER TABLE \"s\".\"select\" ADD x 'from''where' \"a\"\"b\" y"),
              (std::set<std::string>{"ALTER", "TABLE", "ADD", "x", "y"}));
}

TEST_F(PlannerTest, KeywordNamesAreAlwaysQuoted) {
    tenant_ = naming::tenant_names("select");
    db_ = FakeSchema(tenant_);
    const Json hostile = Json::parse(R"({
      "attributes": {"from": {"type": "text"}, "where": {"type": "text"}, "order": {"type": "integer"},
                     "limit": {"type": "text", "rules": {"indexed": true}}, "group": {"type": "text"},
                     "references": {"type": "reference", "target": "table"}},
      "classes": {"table": {"attributes": {"from": {"required": true}, "order": {"rules": {"unique": true}}}},
                  "user": {"attributes": {"where": {}, "limit": {}, "references": {}}},
                  "grant": {}},
      "relationship_types": {"drop": {"inverse": "cascade"}},
      "relationships": [{"from": "user", "to": "table", "type": "drop", "cardinality": {"max_targets": 2}}]})");
    const std::set<std::string> names = {"select", "from",       "where",  "order", "limit",
                                         "group",  "references", "table",  "user",  "grant",
                                         "drop",   "cascade",    "having", "union", "analyse"};
    auto check = [&](const Plan& p) {
        for (const Step& s : p.steps) {
            for (const std::string& sql : s.ddl) {
                for (const std::string& w : unquoted_words(sql))
                    EXPECT_FALSE(names.count(w)) << w << " unquoted in " << sql;
            }
            for (const Check& c : s.checks) {
                for (const std::string& w : unquoted_words(c.sql))
                    EXPECT_FALSE(names.count(w)) << w << " unquoted in " << c.sql;
            }
            // Catalog rows take names as parameters only.
            for (const auto& row : s.catalog) {
                for (const std::string& w : unquoted_words(row.sql))
                    EXPECT_FALSE(names.count(w)) << w << " in " << row.sql;
            }
        }
    };
    Plan create = plan(Model{}, hostile);
    check(create);
    expect_verified(create);
    Model current = desired_;

    Json changed = rename_attribute(rename_class(hostile, "user", "union"), "from", "having");
    changed["attributes"]["where"]["type"] = "integer";
    changed["attributes"]["order"]["type"] = "text";
    changed["classes"]["union"]["attributes"]["group"] = {{"required", true}};
    changed["classes"]["table"]["attributes"]["having"]["rules"] = {{"unique", true}};
    changed["classes"]["analyse"] = {{"attributes", {{"references", Json::object()}}}};
    changed["relationships"][0]["cardinality"] = {{"max_targets", 1}};
    changed["classes"].erase("grant");
    Plan change = plan(current, changed);
    EXPECT_GE(change.steps.size(), 8u);
    check(change);
    expect_verified(change);
}

TEST_F(PlannerTest, LongNamesAreShortenedTheSameWayEverywhere) {
    const std::string base(110, 'k');
    const std::string cls_a = base + "_alpha", cls_b = base + "_beta";  // share 110 bytes
    const std::string attr = std::string(120, 'r') + "_ref";            // a reference
    const std::string uniq = std::string(120, 'u') + "_code";           // unique
    Json doc = {
        {"attributes",
         {{attr, {{"type", "reference"}, {"target", cls_a}}}, {uniq, {{"type", "text"}}}}},
        {"classes",
         {{cls_a, {{"attributes", {{uniq, {{"rules", {{"unique", true}}}}}}}}},
          {cls_b, {{"attributes", {{attr, {{"required", true}}}, {uniq, Json::object()}}}}}}}};
    Plan p = plan(Model{}, doc);
    const std::string ta = physical::table_name(cls_a), tb = physical::table_name(cls_b);
    EXPECT_NE(ta, tb);
    EXPECT_LE(ta.size(), 63u);
    EXPECT_LE(tb.size(), 63u);
    const std::string ddl = joined(p.ddl());
    EXPECT_TRUE(contains(ddl, "CREATE TABLE \"tenant_acme\"." + q(ta) + " (")) << ddl;
    EXPECT_TRUE(contains(ddl, "REFERENCES \"tenant_acme\"." + q(ta) + " (id)")) << ddl;
    EXPECT_TRUE(
        contains(ddl, "CREATE INDEX " + q(physical::index_name(tb, physical::column_name(attr)))))
        << ddl;
    EXPECT_TRUE(contains(
        ddl, "CREATE UNIQUE INDEX " + q(physical::unique_name(ta, physical::column_name(uniq)))))
        << ddl;
    // No quoted identifier is longer than PostgreSQL keeps, and no model name appears whole.
    static const std::regex quoted(R"re("([^"]*)")re");
    for (const std::string& sql : p.ddl()) {
        for (auto it = std::sregex_iterator(sql.begin(), sql.end(), quoted);
             it != std::sregex_iterator(); ++it) {
            EXPECT_LE((*it)[1].length(), 63) << (*it)[1] << " in " << sql;
        }
        EXPECT_FALSE(contains(sql, "\"" + attr + "\"")) << sql;
    }
    expect_verified(p);

    // Later plans find the same tables: adding a column, renaming the class.
    Model current = desired_;
    Json more = doc;
    more["attributes"]["note"] = {{"type", "text"}};
    more["classes"][cls_a]["attributes"]["note"] = Json::object();
    more = rename_class(more, cls_b, base + "_gamma");
    Plan p2 = plan(current, more);
    const std::string tg = physical::table_name(base + "_gamma");
    const std::string ddl2 = joined(p2.ddl());
    EXPECT_TRUE(
        contains(ddl2, "ALTER TABLE \"tenant_acme\"." + q(ta) + " ADD COLUMN \"note\" text"))
        << ddl2;
    EXPECT_TRUE(contains(ddl2, "ALTER TABLE \"tenant_acme\"." + q(tb) + " RENAME TO " + q(tg)))
        << ddl2;
    expect_verified(p2);
}

TEST_F(PlannerTest, NamesThatWouldCollideAreRefused) {
    // Two attribute names that differ only after the 54 bytes kept and whose hashes collide
    // (found by search; see PhysicalNames.FitIdentifierCanCollide).
    const std::string p70(70, 'p');
    Json attrs = {
        {"attributes", {{p70 + "_jvlo", {{"type", "text"}}}, {p70 + "_2pda", {{"type", "text"}}}}}};
    try {
        plan(Model{}, attrs);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "42P07");
    }
    // A short class name spelling the shortened table name of a long one.
    const std::string long_class = std::string(70, 'q') + "_hpfo";
    const std::string table = physical::table_name(long_class);
    ASSERT_EQ(table.rfind("tc_", 0), 0u);
    const std::string impostor = table.substr(3);
    ASSERT_FALSE(naming::model_name_violation(impostor).has_value()) << impostor;
    ASSERT_EQ(physical::table_name(impostor), table);
    Json classes = {{"classes", {{long_class, Json::object()}, {impostor, Json::object()}}}};
    try {
        plan(Model{}, classes);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "42P07");
    }
}

// --- whole scenarios on the fake schema
// ---------------------------------------------------------------

TEST_F(PlannerTest, EveryScenarioLeavesTheTablesVerifyExpects) {
    struct Scenario {
        const char* name;
        Json before, after;
    };
    auto with = [](Json doc, const std::function<void(Json&)>& f) {
        f(doc);
        return doc;
    };
    const Scenario scenarios[] = {
        {"drop everything", shop(), Json::object()},
        {"new class referencing an old one", shop(),
         with(shop(),
              [](Json& d) {
                  d["attributes"]["shop_ref"] = {{"type", "reference"}, {"target", "shop"}};
                  d["classes"]["shop"] = {{"attributes", {{"supplier", Json::object()}}}};
                  d["classes"]["product"]["attributes"]["shop_ref"] = Json::object();
              })},
        {"retarget to a renamed class",
         with(shop(), [](Json& d) { d["classes"]["shop"] = Json::object(); }),
         with(rename_class(with(shop(), [](Json& d) { d["classes"]["shop"] = Json::object(); }),
                           "shop", "store"),
              [](Json& d) { d["attributes"]["supplier"]["target"] = "store"; })},
        {"retype an attribute while renaming it and its class", shop(),
         with(rename_attribute(rename_class(shop(), "product", "item"), "qty", "amount"),
              [](Json& d) { d["attributes"]["amount"]["type"] = "integer"; })},
        {"reference becomes text and back in one class, dropped in another", shop(),
         with(shop(),
              [](Json& d) {
                  d["attributes"]["supplier"] = {{"type", "text"}};
                  d["classes"]["company"]["attributes"]["supplier"] = {
                      {"rules", {{"unique", true}}}};
              })},
        {"drop a referenced class with its reference", shop(),
         with(shop(),
              [](Json& d) {
                  d["classes"].erase("company");
                  d["attributes"].erase("supplier");
                  d["attributes"].erase("founded");
                  d["classes"]["product"]["attributes"].erase("supplier");
                  d["relationships"] = Json::array();
              })},
        {"unassign a renamed attribute", shop(),
         with(rename_attribute(shop(), "sku", "code"),
              [](Json& d) { d["classes"]["product"]["attributes"].erase("code"); })},
        {"unique and indexed flip", shop(),
         with(shop(),
              [](Json& d) {
                  d["attributes"]["sku"]["rules"] = {{"indexed", true}};
                  d["classes"]["product"]["attributes"]["sku"]["rules"] = {{"unique", false}};
                  d["classes"]["product"]["attributes"]["price"]["rules"] = {{"unique", true},
                                                                             {"indexed", true}};
              })},
    };
    for (const Scenario& s : scenarios) {
        SCOPED_TRACE(s.name);
        db_ = FakeSchema(tenant_);
        Model current = applied(s.before);
        EXPECT_TRUE(physical::compare(physical::expected_tables(current), db_.tables()).empty());
        Plan p = plan(current, s.after);
        EXPECT_FALSE(p.empty());
        expect_verified(p);
        // Applying the same model again changes nothing.
        const Model done = desired_;
        EXPECT_TRUE(plan(done, model::to_json(done)).empty());
    }
}

// --- planning with a delta ---------------------------------------------------------------

// A fine-grained edit, as udm's functions make them.
using EditFn = std::function<void(Model&)>;

TEST_F(PlannerTest, ADeltaPlansWhatTheWholeModelPlans) {
    const std::vector<std::pair<const char*, EditFn>> edits = {
        {"create class",
         [](Model& m) { edit::create_class(m, "shelf", "Shelves", Json::object()); }},
        {"create attribute",
         [](Model& m) {
             edit::create_attribute(m, "color", "text", Json::object(), std::nullopt, std::nullopt);
         }},
        {"assign",
         [](Model& m) { edit::assign_attribute(m, "company", "qty", true, Json::object()); }},
        {"unassign", [](Model& m) { edit::unassign_attribute(m, "product", "price"); }},
        {"rename class", [](Model& m) { edit::rename_class(m, "company", "vendor"); }},
        {"rename attribute",
         [](Model& m) {
             edit::AttributeChange c;
             c.new_name = "name";
             edit::alter_attribute(m, "title", c);
         }},
        {"retype",
         [](Model& m) {
             edit::AttributeChange c;
             c.data_type = "integer";
             edit::alter_attribute(m, "qty", c);
         }},
        {"rules",
         [](Model& m) {
             edit::AttributeChange c;
             c.rules = Json::parse(R"({"unique": true})");
             edit::alter_attribute(m, "title", c);
         }},
        {"drop class", [](Model& m) { edit::drop_class(m, "product"); }},
        {"drop attribute", [](Model& m) { edit::drop_attribute(m, "sku", true); }},
    };
    for (const auto& [what, fn] : edits) {
        const Model current = applied(shop());
        Model whole = current;
        fn(whole);
        Model with_delta = whole;
        const model::Delta delta = model::delta(current, with_delta);
        const int start = issued_;
        const Plan expected = planner::plan(tenant_, current, whole, ids());
        issued_ = start;  // the same new ids for the same new objects
        const Plan p = planner::plan(tenant_, current, with_delta, ids(), delta);
        EXPECT_EQ(actions(p), actions(expected)) << what;
        EXPECT_EQ(p.ddl(), expected.ddl()) << what;
        EXPECT_EQ(p.diff(), expected.diff()) << what;
        EXPECT_FALSE(delta.classes.empty() && delta.attributes.empty() &&
                     delta.removed_classes.empty())
            << what;
    }
}

TEST_F(PlannerTest, ADeltaLeavesUntouchedClassesAlone) {
    const Model current = applied(shop());
    Model desired = current;
    edit::create_attribute(desired, "color", "text", Json::object(), std::nullopt, std::nullopt);
    const model::Delta delta = model::delta(current, desired);
    EXPECT_EQ(delta.attributes, (std::set<std::string>{"color"}));
    EXPECT_TRUE(delta.classes.empty());
    edit::assign_attribute(desired, "company", "color", false, Json::object());
    const model::Delta assigned = model::delta(current, desired);
    EXPECT_EQ(assigned.classes, (std::set<std::string>{"company"}));
    const Plan p = planner::plan(tenant_, current, desired, ids(), assigned);
    // New relations: the index names of the new column, to be checked against the schema.
    EXPECT_EQ(p.new_relations,
              (std::vector<std::string>{"tc_company__color_idx", "tc_company__color_key"}));
}

}  // namespace
}  // namespace udm::planner
