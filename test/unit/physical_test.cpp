// Physical names of a model, the tables it implies, and their comparison with the database.
#include "udm/core/physical.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"

namespace udm::physical {
namespace {

using model::Json;
using model::Model;

Model parse(const std::string& doc) {
    return model::parse_model(Json::parse(doc));
}

bool is_hex(const std::string& s) {
    return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// --- fit_identifier and the names built on it
// -------------------------------------------------------

TEST(FitIdentifier, ShortIdentifiersAreKept) {
    for (const std::string& s :
         {std::string("a"), std::string("tc_product"), std::string(63, 'x')}) {
        EXPECT_EQ(naming::fit_identifier(s), s);
    }
}

TEST(FitIdentifier, LongIdentifiersGetAPrefixAndAHash) {
    for (std::size_t n = 64; n <= 300; ++n) {
        const std::string ident(n, 'a');
        const std::string fitted = naming::fit_identifier(ident);
        ASSERT_EQ(fitted.size(), 63u) << n;
        EXPECT_EQ(fitted.substr(0, 54), ident.substr(0, 54));
        EXPECT_EQ(fitted[54], '_');
        EXPECT_TRUE(is_hex(fitted.substr(55))) << fitted;
        EXPECT_EQ(naming::fit_identifier(ident), fitted) << "not stable";
    }
}

// Physical names of existing tenants depend on the hash: it must never change.
TEST(FitIdentifier, HashIsFnv1aAndFixed) {
    EXPECT_EQ(naming::fit_identifier(std::string(64, 'a')),
              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_d96f0f85");
    std::string abc;
    for (int i = 0; i < 30; ++i)
        abc += "abc";
    EXPECT_EQ(naming::fit_identifier(abc),
              "abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc_a52f9715");
    EXPECT_EQ(table_name(std::string(100, 'a')),
              "tc_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_6d48dea1");
}

TEST(FitIdentifier, DistinctLongInputsWithACommonPrefixDiffer) {
    std::set<std::string> seen;
    const std::string prefix(100, 'p');
    for (int i = 0; i < 2000; ++i) {
        EXPECT_TRUE(seen.insert(naming::fit_identifier(prefix + "_" + std::to_string(i))).second)
            << i;
    }
    // Also when they differ only in the last byte, or only in length.
    EXPECT_NE(naming::fit_identifier(prefix + "a"), naming::fit_identifier(prefix + "b"));
    EXPECT_NE(naming::fit_identifier(prefix), naming::fit_identifier(prefix + "p"));
}

TEST(FitIdentifier, NoDoubleUnderscoreBeforeTheHash) {
    // Cut right after an underscore: it is dropped rather than doubled.
    for (std::size_t at = 50; at <= 56; ++at) {
        std::string ident(90, 'x');
        ident[at] = '_';
        const std::string fitted = naming::fit_identifier(ident);
        EXPECT_LE(fitted.size(), 63u);
        EXPECT_EQ(fitted.find("__"), std::string::npos) << fitted;
        EXPECT_TRUE(is_hex(fitted.substr(fitted.size() - 8))) << fitted;
    }
}

// Two names found by search whose 32-bit hashes collide: fitting cannot keep them apart,
// which is why check_name_collisions exists.
TEST(FitIdentifier, CanCollide) {
    const std::string p70(70, 'p');
    EXPECT_EQ(naming::fit_identifier(p70 + "_jvlo"), naming::fit_identifier(p70 + "_2pda"));
}

TEST(PhysicalNames, ShortNames) {
    EXPECT_EQ(table_name("product"), "tc_product");
    EXPECT_EQ(column_name("title"), "title");
    EXPECT_EQ(pkey_name("tc_product"), "tc_product_pkey");
    EXPECT_EQ(fkey_name("tc_product", "supplier"), "tc_product__supplier_fkey");
    EXPECT_EQ(index_name("tc_product", "supplier"), "tc_product__supplier_idx");
    EXPECT_EQ(unique_name("tc_product", "sku"), "tc_product__sku_key");
}

TEST(PhysicalNames, LongNamesFitAndStayDistinct) {
    const std::string cls(128, 'c'), attr(128, 'a');
    const std::string t = table_name(cls), c = column_name(attr);
    std::set<std::string> names = {
        t, c, pkey_name(t), fkey_name(t, c), index_name(t, c), unique_name(t, c)};
    EXPECT_EQ(names.size(), 6u);
    for (const auto& n : names)
        EXPECT_LE(n.size(), 63u) << n;
    EXPECT_EQ(t.rfind("tc_", 0), 0u);
    // Classes sharing a long prefix get different tables.
    EXPECT_NE(table_name(std::string(120, 'c') + "_one"),
              table_name(std::string(120, 'c') + "_two"));
}

// Model names hold no "__", so a table name never looks like an index name.
TEST(PhysicalNames, IndexNamesAreNotTableNames) {
    const Model m = parse(R"({"attributes": {"b_idx": {"type": "text", "rules": {"indexed": true}},
                                             "b": {"type": "text", "rules": {"indexed": true, "unique": true}}},
                              "classes": {"a": {"attributes": {"b": {}, "b_idx": {}}}, "a_b": {}, "a_b_idx": {}}})");
    EXPECT_NO_THROW(check_name_collisions(m));
    std::set<std::string> relations;
    for (const Table& t : expected_tables(m)) {
        EXPECT_TRUE(relations.insert(t.name).second) << t.name;
        for (const auto& i : t.indexes)
            EXPECT_TRUE(relations.insert(i).second) << i;
    }
}

// --- check_name_collisions -----------------------------------------------------------------------

TEST(NameCollisions, HashCollisionsAreRefused) {
    const std::string p70(70, 'p');
    Model attrs = parse(R"({"attributes": {")" + p70 + R"(_jvlo": {"type": "text"}, ")" + p70 +
                        R"(_2pda": {"type": "text"}}})");
    try {
        check_name_collisions(attrs);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "42P07");
        EXPECT_FALSE(e.hint().empty());
    }
    const std::string q70(70, 'q');
    Model classes = parse(R"({"classes": {")" + q70 + R"(_hpfo": {}, ")" + q70 + R"(_0rja": {}}})");
    EXPECT_EQ(table_name(q70 + "_hpfo"), table_name(q70 + "_0rja"));
    EXPECT_THROW(check_name_collisions(classes), Error);
}

// The plain index of one column and the unique index of another, on one table, whose
// names collide (found by search). FNV-1a keeps a collision when the same suffix is
// appended, so the two kinds of index names must be checked against each other.
TEST(NameCollisions, IndexNameCollisionsAreRefused) {
    const std::string a = std::string(70, 'x') + "_4vi", b = std::string(70, 'x') + "_e9k";
    ASSERT_NE(column_name(a), column_name(b));
    ASSERT_EQ(index_name("tc_a", column_name(a)), unique_name("tc_a", column_name(b)));
    ASSERT_NE(index_name("tc_a", column_name(a)), index_name("tc_a", column_name(b)));
    Model m = parse(
        R"({"attributes": {")" + a + R"(": {"type": "text", "rules": {"indexed": true}}, ")" + b +
        R"(": {"type": "text", "rules": {"unique": true}}}, "classes": {"a": {"attributes": {")" +
        a + R"(": {}, ")" + b + R"(": {}}}}})");
    try {
        check_name_collisions(m);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), "42P07");
    }
    // Each on its own class is fine: index names include the table.
    Model apart =
        parse(R"({"attributes": {")" + a + R"(": {"type": "text"}, ")" + b +
              R"(": {"type": "text"}}, "classes": {"a": {"attributes": {")" + a + R"(": {}}},
                        "b": {"attributes": {")" +
              b + R"(": {}}}}})");
    EXPECT_NO_THROW(check_name_collisions(apart));
}

// Whatever the model, the relations it implies never share a name: either the model is
// refused or every table and index name is distinct.
TEST(NameCollisions, AcceptedModelsHaveDistinctRelationNames) {
    const char* docs[] = {
        R"({"classes": {"a": {}, "a_pkey": {}}})",
        R"({"classes": {"x": {}, "x_pkey": {}, "x_pkey_pkey": {}}})",
        R"({"attributes": {"k": {"type": "text", "rules": {"unique": true, "indexed": true}}},
            "classes": {"a": {"attributes": {"k": {}}}, "a_k_key": {}, "a_k_idx": {}}})",
        R"({"attributes": {"r": {"type": "reference", "target": "t"}},
            "classes": {"t": {"attributes": {"r": {}}}, "t_r": {}, "t_pkey": {}}})",
    };
    for (const char* doc : docs) {
        Model m = parse(doc);
        try {
            check_name_collisions(m);
        } catch (const Error& e) {
            EXPECT_STREQ(e.sqlstate(), "42P07") << doc;
            continue;
        }
        std::set<std::string> relations;
        for (const Table& t : expected_tables(m)) {
            EXPECT_TRUE(relations.insert(t.name).second) << t.name << " in " << doc;
            for (const auto& i : t.indexes)
                EXPECT_TRUE(relations.insert(i).second) << i << " in " << doc;
        }
    }
}

// --- expected_tables ----------------------------------------------------------------------------

const char* const kShop = R"({
  "attributes": {
    "title": {"type": "text"},
    "price": {"type": "number", "rules": {"indexed": true}},
    "sku": {"type": "text", "rules": {"unique": true}},
    "supplier": {"type": "reference", "target": "company"},
    "since": {"type": "timestamp"},
    "data": {"type": "json"}
  },
  "classes": {
    "product": {"attributes": {"title": {"required": true}, "price": {}, "sku": {}, "supplier": {"required": true}}},
    "company": {"attributes": {"title": {}, "since": {}, "data": {}, "sku": {"rules": {"unique": false}}}}
  }
})";

const Table* find_table(const std::vector<Table>& tables, const std::string& name) {
    for (const Table& t : tables) {
        if (t.name == name)
            return &t;
    }
    return nullptr;
}

TEST(ExpectedTables, OneTablePerClassWithSystemAndAttributeColumns) {
    const std::vector<Table> tables = expected_tables(parse(kShop));
    ASSERT_EQ(tables.size(), 2u);
    const Table* product = find_table(tables, "tc_product");
    ASSERT_NE(product, nullptr);
    EXPECT_EQ(product->class_name, "product");
    EXPECT_TRUE(product->row_security);
    std::vector<std::string> cols;
    for (const Column& c : product->columns) {
        cols.push_back(c.name + " " + c.type + (c.not_null ? " not null" : ""));
    }
    EXPECT_EQ(cols,
              (std::vector<std::string>{
                  "id uuid not null", "created_at timestamp with time zone not null",
                  "updated_at timestamp with time zone not null", "created_by text not null",
                  "is_deleted boolean not null", "row_version bigint not null", "price numeric",
                  "sku text", "supplier uuid not null", "title text not null"}));
    EXPECT_EQ(std::set<std::string>(product->triggers.begin(), product->triggers.end()),
              (std::set<std::string>{"Check_referrers", "data_events_delete", "data_events_insert",
                                     "data_events_update", "forget_relationships",
                                     "touch_updated_at", "validate"}));
}

TEST(ExpectedTables, ClassesWithoutEventsHaveTheirEventTriggersDisabled) {
    model::Model m = parse(kShop);
    m.classes.at("product").events = false;
    const std::vector<Table> tables = expected_tables(m);
    const Table* product = find_table(tables, "tc_product");
    ASSERT_NE(product, nullptr);
    EXPECT_EQ(
        std::set<std::string>(product->triggers.begin(), product->triggers.end()),
        (std::set<std::string>{"Check_referrers", "data_events_delete (disabled)",
                               "data_events_insert (disabled)", "data_events_update (disabled)",
                               "forget_relationships", "touch_updated_at", "validate"}));
}

TEST(ExpectedTables, IndexesKeysFollowTheRules) {
    const std::vector<Table> tables = expected_tables(parse(kShop));
    const Table* product = find_table(tables, "tc_product");
    const Table* company = find_table(tables, "tc_company");
    ASSERT_NE(product, nullptr);
    ASSERT_NE(company, nullptr);
    EXPECT_EQ(std::set<std::string>(product->indexes.begin(), product->indexes.end()),
              (std::set<std::string>{"tc_product_pkey", "tc_product__price_idx",
                                     "tc_product__sku_key", "tc_product__supplier_idx"}));
    EXPECT_EQ(product->foreign_keys,
              (std::vector<std::string>{"tc_product__supplier_fkey: supplier -> tc_company"}));
    // The assignment's unique: false wins over the attribute's unique: true.
    EXPECT_EQ(company->indexes, (std::vector<std::string>{"tc_company_pkey"}));
    EXPECT_TRUE(company->foreign_keys.empty());
    std::vector<std::string> types;
    for (const Column& c : company->columns) {
        if (c.name == "since" || c.name == "data")
            types.push_back(c.type);
    }
    EXPECT_EQ(types, (std::vector<std::string>{"jsonb", "timestamp with time zone"}));
}

TEST(ExpectedTables, LongNamesUseFittedNames) {
    const std::string cls(120, 'k'), attr(125, 'r');
    Json doc = {{"attributes", {{attr, {{"type", "reference"}, {"target", cls}}}}},
                {"classes", {{cls, {{"attributes", {{attr, Json::object()}}}}}}}};
    const std::vector<Table> tables = expected_tables(model::parse_model(doc));
    ASSERT_EQ(tables.size(), 1u);
    const Table& t = tables[0];
    EXPECT_EQ(t.name, table_name(cls));
    EXPECT_EQ(t.class_name, cls);  // the comment keeps the whole name
    EXPECT_EQ(t.columns.back().name, column_name(attr));
    EXPECT_EQ(t.foreign_keys,
              (std::vector<std::string>{fkey_name(t.name, column_name(attr)) + ": " +
                                        column_name(attr) + " -> " + t.name}));
    for (const auto& i : t.indexes)
        EXPECT_LE(i.size(), 63u);
}

TEST(ExpectedTables, NoClassesNoTables) {
    EXPECT_TRUE(expected_tables(Model{}).empty());
}

// --- compare
// --------------------------------------------------------------------------------------------

TEST(Compare, TheSameTablesInAnyOrderHaveNoDifference) {
    const std::vector<Table> expected = expected_tables(parse(kShop));
    std::vector<Table> actual(expected.rbegin(), expected.rend());
    for (Table& t : actual) {
        std::reverse(t.columns.begin(), t.columns.end());
        std::reverse(t.indexes.begin(), t.indexes.end());
        std::reverse(t.triggers.begin(), t.triggers.end());
    }
    EXPECT_TRUE(compare(expected, actual).empty());
    EXPECT_TRUE(compare({}, {}).empty());
}

// Each mutation of the actual tables gives exactly one difference.
TEST(Compare, ReportsEachKindOfDifference) {
    struct Case {
        const char* what;
        std::function<void(std::vector<Table>&)> mutate;
        Difference expected;
    };
    auto product = [](std::vector<Table>& ts) -> Table& {
        for (Table& t : ts) {
            if (t.name == "tc_product")
                return t;
        }
        throw std::logic_error("no tc_product");
    };
    auto column = [&](std::vector<Table>& ts, const std::string& name) -> Column& {
        for (Column& c : product(ts).columns) {
            if (c.name == name)
                return c;
        }
        throw std::logic_error("no column " + name);
    };
    auto erase = [](std::vector<std::string>& v, const std::string& s) {
        v.erase(std::find(v.begin(), v.end(), s));
    };
    const Case cases[] = {
        {"missing table",
         [&](std::vector<Table>& ts) { ts.erase(ts.begin() + (&product(ts) - ts.data())); },
         {"tc_product", "missing table", "table for class product", ""}},
        {"unexpected table with a class",
         [](std::vector<Table>& ts) {
             Table extra;
             extra.name = "tc_old";
             extra.class_name = "old";
             ts.push_back(extra);
         },
         {"tc_old", "unexpected table", "", "udm class old"}},
        {"unexpected table without one",
         [](std::vector<Table>& ts) {
             ts.push_back(Table{"tc_stray", "", {}, {}, {}, {}, false});
         },
         {"tc_stray", "unexpected table", "", "no class"}},
        {"wrong comment",
         [&](std::vector<Table>& ts) { product(ts).class_name = "item"; },
         {"tc_product", "wrong class comment", "udm class product", "udm class item"}},
        {"no comment",
         [&](std::vector<Table>& ts) { product(ts).class_name = ""; },
         {"tc_product", "wrong class comment", "udm class product", ""}},
        {"missing column",
         [&](std::vector<Table>& ts) {
             auto& cols = product(ts).columns;
             cols.erase(std::find_if(cols.begin(), cols.end(),
                                     [](const Column& c) { return c.name == "title"; }));
         },
         {"tc_product.title", "missing column", "text not null", ""}},
        {"missing system column",
         [&](std::vector<Table>& ts) {
             auto& cols = product(ts).columns;
             cols.erase(std::find_if(cols.begin(), cols.end(),
                                     [](const Column& c) { return c.name == "row_version"; }));
         },
         {"tc_product.row_version", "missing column", "bigint not null", ""}},
        {"unexpected column",
         [&](std::vector<Table>& ts) {
             product(ts).columns.push_back({"legacy", "integer", false});
         },
         {"tc_product.legacy", "unexpected column", "", "integer"}},
        {"wrong type",
         [&](std::vector<Table>& ts) { column(ts, "price").type = "double precision"; },
         {"tc_product.price", "wrong type", "numeric", "double precision"}},
        {"nullable required column",
         [&](std::vector<Table>& ts) { column(ts, "title").not_null = false; },
         {"tc_product.title", "wrong nullability", "not null", "null"}},
        {"not null optional column",
         [&](std::vector<Table>& ts) { column(ts, "price").not_null = true; },
         {"tc_product.price", "wrong nullability", "null", "not null"}},
        {"missing index",
         [&](std::vector<Table>& ts) { erase(product(ts).indexes, "tc_product__sku_key"); },
         {"tc_product", "missing index", "tc_product__sku_key", ""}},
        {"missing primary key",
         [&](std::vector<Table>& ts) { erase(product(ts).indexes, "tc_product_pkey"); },
         {"tc_product", "missing index", "tc_product_pkey", ""}},
        {"unexpected index",
         [&](std::vector<Table>& ts) { product(ts).indexes.push_back("tc_product_manual"); },
         {"tc_product", "unexpected index", "", "tc_product_manual"}},
        {"missing foreign key",
         [&](std::vector<Table>& ts) { product(ts).foreign_keys.clear(); },
         {"tc_product", "missing foreign key", "tc_product__supplier_fkey: supplier -> tc_company",
          ""}},
        {"unexpected foreign key",
         [&](std::vector<Table>& ts) {
             product(ts).foreign_keys.push_back("x_fkey: title -> tc_company");
         },
         {"tc_product", "unexpected foreign key", "", "x_fkey: title -> tc_company"}},
        {"missing trigger",
         [&](std::vector<Table>& ts) { erase(product(ts).triggers, "touch_updated_at"); },
         {"tc_product", "missing trigger", "touch_updated_at", ""}},
        {"unexpected trigger",
         [&](std::vector<Table>& ts) { product(ts).triggers.push_back("audit"); },
         {"tc_product", "unexpected trigger", "", "audit"}},
        {"row-level security off",
         [&](std::vector<Table>& ts) { product(ts).row_security = false; },
         {"tc_product", "row-level security", "enabled", "disabled"}},
    };
    const std::vector<Table> expected = expected_tables(parse(kShop));
    for (const Case& c : cases) {
        std::vector<Table> actual = expected;
        c.mutate(actual);
        const std::vector<Difference> diffs = compare(expected, actual);
        ASSERT_EQ(diffs.size(), 1u) << c.what;
        EXPECT_EQ(diffs[0].object, c.expected.object) << c.what;
        EXPECT_EQ(diffs[0].problem, c.expected.problem) << c.what;
        EXPECT_EQ(diffs[0].expected, c.expected.expected) << c.what;
        EXPECT_EQ(diffs[0].actual, c.expected.actual) << c.what;
    }
}

TEST(Compare, AForeignKeyToTheWrongTableIsBothMissingAndUnexpected) {
    const std::vector<Table> expected = expected_tables(parse(kShop));
    std::vector<Table> actual = expected;
    for (Table& t : actual) {
        if (t.name == "tc_product")
            t.foreign_keys = {"tc_product__supplier_fkey: supplier -> tc_other"};
    }
    const std::vector<Difference> diffs = compare(expected, actual);
    ASSERT_EQ(diffs.size(), 2u);
    EXPECT_EQ(diffs[0].problem, "missing foreign key");
    EXPECT_EQ(diffs[1].problem, "unexpected foreign key");
    EXPECT_EQ(diffs[1].actual, "tc_product__supplier_fkey: supplier -> tc_other");
}

TEST(Compare, AMissingTableIsOneDifferenceNotOnePerColumn) {
    const std::vector<Table> expected = expected_tables(parse(kShop));
    const std::vector<Difference> diffs = compare(expected, {});
    ASSERT_EQ(diffs.size(), 2u);
    for (const Difference& d : diffs)
        EXPECT_EQ(d.problem, "missing table");
}

}  // namespace
}  // namespace udm::physical
