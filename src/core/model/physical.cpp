// Physical names of a model and the comparison behind udm.verify.
#include "udm/core/physical.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"

namespace udm::physical {

namespace {

std::string suffixed(std::string_view table, std::string_view column, std::string_view suffix) {
    return naming::fit_identifier(std::string(table) + "__" + std::string(column) +
                                  std::string(suffix));
}

// The columns every class table has, in table order.
const Column kSystemColumns[] = {
    {"id", "uuid", true},
    {"created_at", "timestamp with time zone", true},
    {"updated_at", "timestamp with time zone", true},
    {"created_by", "text", true},
    {"is_deleted", "boolean", true},
    {"row_version", "bigint", true},
};

}  // namespace

std::string table_name(std::string_view class_name) {
    return naming::fit_identifier("tc_" + std::string(class_name));
}

std::string column_name(std::string_view attribute_name) {
    return naming::fit_identifier(attribute_name);
}

std::string pkey_name(std::string_view table) {
    return naming::fit_identifier(std::string(table) + "_pkey");
}

std::string fkey_name(std::string_view table, std::string_view column) {
    return suffixed(table, column, "_fkey");
}

std::string index_name(std::string_view table, std::string_view column) {
    return suffixed(table, column, "_idx");
}

std::string unique_name(std::string_view table, std::string_view column) {
    return suffixed(table, column, "_key");
}

namespace {

[[noreturn]] void collide(const std::string& name, const std::string& a, const std::string& b) {
    throw Error(sqlstate::kDuplicateTable,
                "\"" + a + "\" and \"" + b + "\" would share the database name \"" + name + "\"",
                "Long names are shortened to 63 bytes with a hash of the whole name; these two "
                "collide.",
                "Rename one of them.");
}

void check_columns(const model::Model& m) {
    std::map<std::string, std::string> columns;  // column name -> attribute
    for (const auto& [name, a] : m.attributes) {
        auto [it, fresh] = columns.emplace(column_name(name), name);
        if (!fresh)
            collide(it->first, it->second, name);
    }
}

// The relations of a class table (the table, its key, its indexes), each with its owner.
template <typename Fn>
void for_each_relation(const std::string& name, const model::ThingClass& c, Fn&& fn) {
    const std::string table = table_name(name);
    fn(table, "class " + name);
    fn(pkey_name(table), "class " + name);
    for (const auto& [aname, as] : c.assignments) {
        const std::string col = column_name(aname);
        fn(index_name(table, col), name + "." + aname);
        fn(unique_name(table, col), name + "." + aname);
    }
}

// Adds the relations of a class to relations (name -> what it is for); throws 42P07 when
// one is already there.
void claim_relations(std::map<std::string, std::string>& relations, const std::string& name,
                     const model::ThingClass& c) {
    for_each_relation(name, c, [&](const std::string& rel, const std::string& what) {
        auto [it, fresh] = relations.emplace(rel, what);
        if (!fresh)
            collide(rel, it->second, what);
    });
}

}  // namespace

void check_name_collisions(const model::Model& m) {
    check_columns(m);
    std::map<std::string, std::string> relations;  // relation name -> what it is for
    for (const auto& [name, c] : m.classes)
        claim_relations(relations, name, c);
}

std::vector<std::string> check_new_names(const model::Model& current, const model::Model& m,
                                         const model::Delta& delta) {
    check_columns(m);
    std::map<std::string, std::string> relations;
    for (const std::string& name : delta.classes)
        claim_relations(relations, name, m.classes.at(name));
    // What a class had before (kept, or renamed: renames run before anything is created)
    // is its own already. A dropped class's relations are not free: new classes are created
    // before old ones are dropped.
    auto forget = [&](const std::string& rel, const std::string&) { relations.erase(rel); };
    for (const std::string& name : delta.classes) {
        if (auto old = current.classes.find(name); old != current.classes.end())
            for_each_relation(name, old->second, forget);
        const model::ThingClass& c = m.classes.at(name);
        if (c.renamed_from && *c.renamed_from != name && current.classes.count(*c.renamed_from))
            for_each_relation(*c.renamed_from, current.classes.at(*c.renamed_from), forget);
    }
    std::vector<std::string> out;
    out.reserve(relations.size());
    for (const auto& [rel, what] : relations)
        out.push_back(rel);
    return out;
}

std::string things_query(std::string_view schema,
                         const std::vector<std::pair<std::string, std::string>>& classes) {
    const std::string s = naming::quote_identifier(schema);
    std::string body;
    for (const auto& [id, name] : classes) {
        if (!body.empty())
            body += "\nUNION ALL\n";
        body += "SELECT id, " + naming::quote_literal(id) + "::uuid AS thing_class_id, " +
                naming::quote_literal(name) +
                "::text AS class_name, created_at, updated_at, is_deleted FROM " + s + "." +
                naming::quote_identifier(table_name(name));
    }
    if (body.empty()) {
        body =
            "SELECT NULL::uuid AS id, NULL::uuid AS thing_class_id, NULL::text AS class_name,"
            " NULL::timestamp with time zone AS created_at, NULL::timestamp with time zone AS "
            "updated_at, NULL::boolean AS is_deleted WHERE false";
    }
    return body;
}

std::vector<Table> expected_tables(const model::Model& m) {
    std::vector<Table> out;
    for (const auto& [name, c] : m.classes) {
        Table t;
        t.name = table_name(name);
        t.class_name = name;
        t.row_security = true;
        t.columns.assign(std::begin(kSystemColumns), std::end(kSystemColumns));
        t.indexes.push_back(pkey_name(t.name));
        t.triggers = {"Check_referrers", "forget_relationships", "touch_updated_at", "validate"};
        for (const char* trigger :
             {"data_events_delete", "data_events_insert", "data_events_update"}) {
            t.triggers.push_back(std::string(trigger) + (c.events ? "" : " (disabled)"));
        }
        for (const auto& [aname, as] : c.assignments) {
            const auto& attr = m.attributes.at(aname);
            const std::string col = column_name(aname);
            t.columns.push_back({col, std::string(model::sql_type(attr.type)), as.required});
            if (attr.type == model::DataType::kReference) {
                t.foreign_keys.push_back(fkey_name(t.name, col) + ": " + col + " -> " +
                                         table_name(*attr.target));
            }
            if (attr.type == model::DataType::kReference || model::wants_index(m, c, as)) {
                t.indexes.push_back(index_name(t.name, col));
            }
            if (model::wants_unique(m, c, as))
                t.indexes.push_back(unique_name(t.name, col));
        }
        out.push_back(std::move(t));
    }
    return out;
}

namespace {

// Reports the names in one list and not the other, both ways.
void compare_names(const std::string& object, const std::string& what,
                   std::vector<std::string> expected, std::vector<std::string> actual,
                   std::vector<Difference>& out) {
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
    std::vector<std::string> missing, extra;
    std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                        std::back_inserter(missing));
    std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                        std::back_inserter(extra));
    for (const auto& n : missing)
        out.push_back({object, "missing " + what, n, ""});
    for (const auto& n : extra)
        out.push_back({object, "unexpected " + what, "", n});
}

}  // namespace

std::vector<Difference> compare(const std::vector<Table>& expected,
                                const std::vector<Table>& actual) {
    std::vector<Difference> out;
    std::map<std::string, const Table*> have;
    for (const Table& t : actual)
        have[t.name] = &t;
    std::set<std::string> wanted;
    for (const Table& e : expected) {
        wanted.insert(e.name);
        auto it = have.find(e.name);
        if (it == have.end()) {
            out.push_back({e.name, "missing table", "table for class " + e.class_name, ""});
            continue;
        }
        const Table& a = *it->second;
        if (a.class_name != e.class_name) {
            out.push_back({e.name, "wrong class comment", "udm class " + e.class_name,
                           a.class_name.empty() ? "" : "udm class " + a.class_name});
        }
        std::map<std::string, const Column*> cols;
        for (const Column& c : a.columns)
            cols[c.name] = &c;
        for (const Column& c : e.columns) {
            const std::string object = e.name + "." + c.name;
            auto ci = cols.find(c.name);
            if (ci == cols.end()) {
                out.push_back(
                    {object, "missing column", c.type + (c.not_null ? " not null" : ""), ""});
                continue;
            }
            if (ci->second->type != c.type)
                out.push_back({object, "wrong type", c.type, ci->second->type});
            if (ci->second->not_null != c.not_null) {
                out.push_back({object, "wrong nullability", c.not_null ? "not null" : "null",
                               ci->second->not_null ? "not null" : "null"});
            }
            cols.erase(ci);
        }
        for (const auto& [name, c] : cols)
            out.push_back({e.name + "." + name, "unexpected column", "", c->type});
        compare_names(e.name, "index", e.indexes, a.indexes, out);
        compare_names(e.name, "foreign key", e.foreign_keys, a.foreign_keys, out);
        compare_names(e.name, "trigger", e.triggers, a.triggers, out);
        if (a.row_security != e.row_security) {
            out.push_back({e.name, "row-level security", e.row_security ? "enabled" : "disabled",
                           a.row_security ? "enabled" : "disabled"});
        }
    }
    for (const Table& a : actual) {
        if (!wanted.count(a.name)) {
            out.push_back({a.name, "unexpected table", "",
                           a.class_name.empty() ? "no class" : "udm class " + a.class_name});
        }
    }
    return out;
}

}  // namespace udm::physical
