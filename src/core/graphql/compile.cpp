// The compiler of queries over things: a root field (Query.product, Query.productCollection)
// with its coerced arguments and selection becomes one SQL statement returning one jsonb
// value. References are correlated subqueries of the same statement, never a statement per
// row; collections are keyset-paginated on the orderBy columns and id.
#include "udm/core/graphql/compile.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include "udm/core/naming.hpp"
#include "udm/core/physical.hpp"

namespace udm::graphql {

namespace {

using Json = nlohmann::json;
using model::DataType;

// A problem with the field's input: unwinds to compile_query, which returns it.
struct Refused {
    std::string message;
    Location location;
};

// jsonb_build_object takes at most 100 arguments: objects are built in chunks of this many
// keys and concatenated.
constexpr std::size_t kKeysPerCall = 50;

// The text of an SQL string literal for a fixed text (keys, names; never a value).
std::string lit(std::string_view s) {
    return naming::quote_literal(s);
}

// A column of a class table as a GraphQL field sees it.
struct Column {
    std::string name;  // the column
    std::string_view sql_type;
    bool bigint = false;    // served as a string of digits (BigInt)
    bool not_null = false;  // a column every class has: never null
};

// The order of a sort key.
enum class Direction { kAscNullsFirst, kAscNullsLast, kDescNullsFirst, kDescNullsLast };

// The direction that walks the same order backwards.
Direction reversed(Direction d) {
    switch (d) {
        case Direction::kAscNullsFirst:
            return Direction::kDescNullsLast;
        case Direction::kAscNullsLast:
            return Direction::kDescNullsFirst;
        case Direction::kDescNullsFirst:
            return Direction::kAscNullsLast;
        case Direction::kDescNullsLast:
            break;
    }
    return Direction::kAscNullsFirst;
}

// ORDER BY's spelling of a direction.
const char* order_sql(Direction d) {
    switch (d) {
        case Direction::kAscNullsFirst:
            return " ASC NULLS FIRST";
        case Direction::kAscNullsLast:
            return " ASC NULLS LAST";
        case Direction::kDescNullsFirst:
            return " DESC NULLS FIRST";
        case Direction::kDescNullsLast:
            break;
    }
    return " DESC NULLS LAST";
}

// A sort key of a collection: a column, its direction, and the name it has in cursors.
struct SortKey {
    Column column;
    Direction direction;
    std::string label;  // "name:AscNullsLast"
};

constexpr const char* kSystemColumns[][3] = {
    {"id", "id", "uuid"},
    {"createdAt", "created_at", "timestamp with time zone"},
    {"updatedAt", "updated_at", "timestamp with time zone"},
    {"createdBy", "created_by", "text"},
    {"rowVersion", "row_version", "bigint"}};

class Compiler {
  public:
    Compiler(const Schema& s, const model::Model& m, std::string_view tenant_schema,
             const CompileLimits& limits)
        : s_(s), m_(m), schema_(tenant_schema), limits_(limits) {}

    CompiledQuery root(const PlannedField& f) {
        const auto* entry = s_.class_of_query_field(f.name);
        const std::string& cls = entry->first;
        const ClassNames& names = entry->second;
        std::string sql;
        if (f.name == names.query_field) {
            const Json& id = f.arguments.at("id");
            if (!id.is_string() || !is_uuid(id.get<std::string>()))
                throw Refused{"Argument \"id\" of \"" + f.name + "\" is not a UUID.", f.location};
            const std::string a = alias();
            sql = "SELECT (SELECT " + thing(names, a, f.selection, 1) + " FROM " + table(cls) +
                  " " + a + " WHERE " + a + ".id = " + param(id.get<std::string>(), "uuid") +
                  " AND NOT " + a + ".is_deleted)";
        } else {
            sql = collection(cls, names, f);
        }
        return {std::move(sql), std::move(params_), std::nullopt};
    }

    // The things of a batch of events, by id: the thing field of a <class>Changed
    // subscription, over the ids in $1.
    CompiledQuery thing_reads(const std::string& cls, const ClassNames& names,
                              const PlannedField& thing) {
        const std::string ids = param(std::nullopt, "uuid[]");
        const std::string a = alias();
        std::string sql = "SELECT COALESCE(pg_catalog.jsonb_object_agg(" + a + ".id::text, " +
                          this->thing(names, a, thing.selection, 1) + "), '{}'::jsonb) FROM " +
                          table(cls) + " " + a + " WHERE " + a + ".id = ANY(" + ids + ") AND NOT " +
                          a + ".is_deleted";
        return {std::move(sql), std::move(params_), std::nullopt};
    }

    // A mutation root field: an INSERT, or an UPDATE of at most atMost things.
    CompiledQuery mutation(const PlannedField& f) {
        const auto* entry = s_.class_of_mutation_field(f.name);
        const std::string& cls = entry->first;
        const ClassNames& names = entry->second;
        CompiledQuery q;
        if (f.name == names.insert_field) {
            q.sql = insert(cls, names, f);
        } else {
            const Json& at_most = f.arguments.at("atMost");
            if (!at_most.is_number_integer() || at_most.get<std::int64_t>() < 0 ||
                at_most.get<std::int64_t>() > limits_.max_page_size) {
                throw Refused{"Argument \"atMost\" must be between 0 and " +
                                  std::to_string(limits_.max_page_size) + ".",
                              f.location};
            }
            q.at_most = at_most.get<std::int64_t>();
            q.sql = update(cls, names, f, *q.at_most);
        }
        q.params = std::move(params_);
        return q;
    }

  private:
    // The attribute behind an input field of a class's insert or update input (a reference:
    // its id field), or nullptr.
    const model::Attribute* input_attribute(const ClassNames& names, std::string_view field) const {
        for (const auto& [aname, fname] : names.reference_id_fields) {
            if (fname == field)
                return &m_.attributes.at(aname);
        }
        for (const auto& [aname, fname] : names.attribute_fields) {
            if (fname == field && m_.attributes.at(aname).type != DataType::kReference)
                return &m_.attributes.at(aname);
        }
        return nullptr;
    }

    // A value of an input field as the parameter of its column.
    std::string value_param(const model::Attribute& a, const Json& v) {
        if (v.is_null())
            return param(std::nullopt, model::sql_type(a.type));
        // A Float that is whole is written as the integer it is: 3, not 3.0 (numeric keeps
        // the scale it is given).
        if (v.is_number_float() && std::nearbyint(v.get<double>()) == v.get<double>() &&
            std::fabs(v.get<double>()) < 9007199254740992.0)
            return param(std::to_string(static_cast<std::int64_t>(v.get<double>())),
                         model::sql_type(a.type));
        return param(a.type == DataType::kJson ? v.dump() : text_of(v), model::sql_type(a.type));
    }

    // The response object of a mutation over the written rows in CTE w.
    // order: how records are ordered ("" for the order the CTE w holds them in).
    std::string response(const ClassNames& names, const PlannedField& f, const char* order) {
        std::vector<std::pair<std::string, std::string>> pairs;
        for (const PlannedField& c : f.selection) {
            std::string value;
            if (c.name == "__typename") {
                value = lit(names.mutation_response_type);
            } else if (c.name == "affectedCount") {
                value = "(SELECT pg_catalog.count(*) FROM w)::integer";
            } else if (c.name == "records") {
                value = "COALESCE((SELECT pg_catalog.jsonb_agg(" +
                        thing(names, "p", c.selection, 1) + order + ") FROM w p), '[]'::jsonb)";
            } else {
                throw Refused{"Unknown field \"" + c.name + "\".", c.location};
            }
            pairs.emplace_back(c.response_key, std::move(value));
        }
        return object(pairs);
    }

    // insertInto<Class>Collection(objects): one multi-row INSERT; a field an object does
    // not give is DEFAULT.
    std::string insert(const std::string& cls, const ClassNames& names, const PlannedField& f) {
        const Json& objects = f.arguments.at("objects");
        const Json list = objects.is_array() ? objects : Json::array({objects});
        if (list.size() > static_cast<std::size_t>(limits_.max_page_size)) {
            throw Refused{"Argument \"objects\" lists more than " +
                              std::to_string(limits_.max_page_size) + " things.",
                          f.location};
        }
        if (list.empty()) {
            return "WITH w AS (SELECT e.* FROM " + table(cls) + " e WHERE FALSE) SELECT " +
                   response(names, f, "");
        }
        // The columns any object gives, in the input type's order.
        std::vector<std::pair<std::string, const model::Attribute*>> columns;
        for (const auto& [aname, fname] : names.attribute_fields) {
            const model::Attribute& a = m_.attributes.at(aname);
            std::string field = fname;
            if (a.type == DataType::kReference) {
                for (const auto& [ref, id_field] : names.reference_id_fields) {
                    if (ref == aname)
                        field = id_field;
                }
            }
            for (const Json& o : list) {
                if (o.is_object() && o.contains(field)) {
                    columns.emplace_back(field, &a);
                    break;
                }
            }
        }
        std::string sql = "WITH w AS (INSERT INTO " + table(cls) + " AS t (";
        if (columns.empty()) {
            sql += "id) VALUES ";
            for (std::size_t i = 0; i < list.size(); ++i)
                sql += i == 0 ? "(DEFAULT)" : ", (DEFAULT)";
        } else {
            for (std::size_t i = 0; i < columns.size(); ++i) {
                sql += (i == 0 ? "" : ", ") +
                       naming::quote_identifier(physical::column_name(columns[i].second->name));
            }
            sql += ") VALUES ";
            for (std::size_t r = 0; r < list.size(); ++r) {
                sql += r == 0 ? "(" : ", (";
                for (std::size_t i = 0; i < columns.size(); ++i) {
                    if (i > 0)
                        sql += ", ";
                    auto it = list[r].is_object() ? list[r].find(columns[i].first) : list[r].end();
                    sql += it == list[r].end() ? std::string("DEFAULT")
                                               : value_param(*columns[i].second, *it);
                }
                sql += ")";
            }
        }
        // In the order of objects: RETURNING gives the rows in the order of VALUES, and a
        // CTE is read in the order it was written; no sort.
        sql += " RETURNING t.*) SELECT " + response(names, f, "");
        return sql;
    }

    // update<Class>Collection(set, filter, atMost) and deleteFrom<Class>Collection(filter,
    // atMost): the things passing the filter are locked, at most atMost + 1 of them, and
    // written only when at most atMost are.
    std::string update(const std::string& cls, const ClassNames& names, const PlannedField& f,
                       std::int64_t at_most) {
        std::string set;
        if (f.name == names.update_field) {
            const Json& values = f.arguments.at("set");
            if (values.is_object()) {
                for (const auto& [field, v] : values.items()) {
                    const model::Attribute* a = input_attribute(names, field);
                    if (a == nullptr)
                        continue;  // "_" of a class without attributes
                    set += (set.empty() ? "" : ", ") +
                           naming::quote_identifier(physical::column_name(a->name)) + " = " +
                           value_param(*a, v);
                }
            }
            if (set.empty()) {
                throw Refused{"Argument \"set\" must give at least one attribute.", f.location};
            }
        } else {
            set = "is_deleted = true";
        }
        const Json no_filter;
        auto fit = f.arguments.find("filter");
        const Json& filter_arg = fit == f.arguments.end() ? no_filter : *fit;
        const std::string limit = page_limit(at_most);
        const std::string a = alias();
        return "WITH target AS (SELECT " + a + ".id FROM " + table(cls) + " " + a + " WHERE NOT " +
               a + ".is_deleted AND " + filter(names, a, filter_arg, f.location) + " ORDER BY " +
               a + ".id LIMIT " + limit + " + 1 FOR UPDATE OF " + a + "), w AS (UPDATE " +
               table(cls) + " AS t SET " + set +
               " WHERE t.id IN (SELECT target.id FROM target) AND (SELECT pg_catalog.count(*) "
               "FROM target) <= " +
               limit + " RETURNING t.*) SELECT " + response(names, f, " ORDER BY p.id") +
               ", (SELECT pg_catalog.count(*) FROM target)";
    }

    // A fresh table alias.
    std::string alias() { return "t" + std::to_string(++aliases_); }

    // A new parameter holding value, cast to sql_type.
    std::string param(std::optional<std::string> value, std::string_view sql_type) {
        params_.push_back(std::move(value));
        return "$" + std::to_string(params_.size()) + "::" + std::string(sql_type);
    }

    // The class table, schema-qualified.
    std::string table(const std::string& cls) const {
        return naming::qualified(schema_, physical::table_name(cls));
    }

    static bool is_uuid(const std::string& s) {
        if (s.size() != 36)
            return false;
        for (std::size_t i = 0; i < s.size(); ++i) {
            const char c = s[i];
            const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c)))
                return false;
        }
        return true;
    }

    // The column behind a filter or order field of a class (system field, attribute other
    // than json and reference, or a reference's id field), or nullopt.
    std::optional<Column> column(const ClassNames& names, std::string_view field) const {
        for (const auto& c : kSystemColumns) {
            if (field == c[0])
                return Column{c[1], c[2], std::string_view(c[0]) == "rowVersion", true};
        }
        for (const auto& [aname, fname] : names.reference_id_fields) {
            if (fname == field)
                return Column{physical::column_name(aname), "uuid", false};
        }
        for (const auto& [aname, fname] : names.attribute_fields) {
            if (fname != field)
                continue;
            const model::Attribute& a = m_.attributes.at(aname);
            if (a.type == DataType::kReference || a.type == DataType::kJson)
                return std::nullopt;  // an object field; json values are not compared
            return Column{physical::column_name(aname), model::sql_type(a.type),
                          a.type == DataType::kInteger};
        }
        return std::nullopt;
    }

    // jsonb_build_object of key/value SQL pairs, in chunks.
    static std::string object(const std::vector<std::pair<std::string, std::string>>& pairs) {
        if (pairs.empty())
            return "'{}'::jsonb";
        std::string out;
        for (std::size_t i = 0; i < pairs.size(); i += kKeysPerCall) {
            if (i > 0)
                out += " || ";
            out += "pg_catalog.jsonb_build_object(";
            for (std::size_t j = i; j < pairs.size() && j < i + kKeysPerCall; ++j) {
                if (j > i)
                    out += ", ";
                out += lit(pairs[j].first) + ", " + pairs[j].second;
            }
            out += ")";
        }
        return out;
    }

    // The jsonb object of the thing in row alias a of the class of names, shaped by
    // selection.
    std::string thing(const ClassNames& names, const std::string& a,
                      const std::vector<PlannedField>& selection, int depth) {
        std::vector<std::pair<std::string, std::string>> pairs;
        for (const PlannedField& f : selection) {
            std::string value;
            if (f.name == "__typename") {
                value = lit(names.type);
            } else if (auto c = column(names, f.name)) {
                value = a + "." + naming::quote_identifier(c->name);
                if (c->bigint)
                    value += "::text";
            } else if (auto target = reference(names, f.name)) {
                if (depth + 1 > limits_.max_depth) {
                    throw Refused{"The query nests things deeper than " +
                                      std::to_string(limits_.max_depth) + " levels.",
                                  f.location};
                }
                const std::string& tcls = target->first;
                const auto* tnames = find_class(tcls);
                const std::string b = alias();
                value = "(SELECT " + thing(*tnames, b, f.selection, depth + 1) + " FROM " +
                        table(tcls) + " " + b + " WHERE " + b + ".id = " + a + "." +
                        naming::quote_identifier(target->second) + " AND NOT " + b + ".is_deleted)";
            } else if (const ReverseCollection* r = reverse(names, f.name)) {
                if (depth + 1 > limits_.max_depth) {
                    throw Refused{"The query nests things deeper than " +
                                      std::to_string(limits_.max_depth) + " levels.",
                                  f.location};
                }
                const Correlation correlation{physical::column_name(r->attribute), a};
                value = collection(r->source_class, *find_class(r->source_class), f, &correlation,
                                   depth + 1);
            } else if (const RelationshipFieldNames* r = relationship(names, f.name)) {
                if (depth + 1 > limits_.max_depth) {
                    throw Refused{"The query nests things deeper than " +
                                      std::to_string(limits_.max_depth) + " levels.",
                                  f.location};
                }
                const ClassNames& tnames = *find_class(r->target_class);
                if (r->single) {
                    // At most one: the first by id should the cardinality ever be exceeded.
                    const std::string b = alias();
                    value = "(SELECT " + thing(tnames, b, f.selection, depth + 1) + " FROM " +
                            table(r->target_class) + " " + b + " WHERE NOT " + b +
                            ".is_deleted AND " + related(*r, a, b) + " ORDER BY " + b +
                            ".id LIMIT 1)";
                } else {
                    const Correlation correlation{{}, a, r};
                    value = collection(r->target_class, tnames, f, &correlation, depth + 1);
                }
            } else if (auto json = json_column(names, f.name)) {
                value = a + "." + naming::quote_identifier(*json);
            } else {
                throw Refused{
                    "Field \"" + f.name + "\" of \"" + names.type + "\" cannot be queried.",
                    f.location};
            }
            pairs.emplace_back(f.response_key, std::move(value));
        }
        return object(pairs);
    }

    // The class and column of a reference's object field, or nullopt.
    std::optional<std::pair<std::string, std::string>> reference(const ClassNames& names,
                                                                 std::string_view field) const {
        for (const auto& [aname, fname] : names.attribute_fields) {
            if (fname != field)
                continue;
            const model::Attribute& a = m_.attributes.at(aname);
            if (a.type == DataType::kReference && a.target)
                return std::make_pair(*a.target, physical::column_name(aname));
        }
        return std::nullopt;
    }

    // The reverse collection called field of the class of names, or nullptr.
    static const ReverseCollection* reverse(const ClassNames& names, std::string_view field) {
        for (const ReverseCollection& r : names.reverse_collections) {
            if (r.field == field)
                return &r;
        }
        return nullptr;
    }

    // The relationship field called field of the class of names, or nullptr.
    static const RelationshipFieldNames* relationship(const ClassNames& names,
                                                      std::string_view field) {
        for (const RelationshipFieldNames& r : names.relationships) {
            if (r.field == field)
                return &r;
        }
        return nullptr;
    }

    // The column of a json attribute's field, or nullopt.
    std::optional<std::string> json_column(const ClassNames& names, std::string_view field) const {
        for (const auto& [aname, fname] : names.attribute_fields) {
            if (fname == field && m_.attributes.at(aname).type == DataType::kJson)
                return physical::column_name(aname);
        }
        return std::nullopt;
    }

    const ClassNames* find_class(const std::string& cls) const {
        for (const auto& [name, names] : s_.classes) {
            if (name == cls)
                return &names;
        }
        return nullptr;
    }

    // A value of a filter or cursor as the text of a parameter.
    static std::string text_of(const Json& v) {
        if (v.is_string())
            return v.get<std::string>();
        if (v.is_boolean())
            return v.get<bool>() ? "true" : "false";
        return v.dump();
    }

    // The WHERE condition of a filter object over row alias a, whose things are at level
    // depth (a reference's filter looks one level further).
    std::string filter(const ClassNames& names, const std::string& a, const Json& f,
                       const Location& where, int depth = 1) {
        if (!f.is_object())
            return "TRUE";
        std::vector<std::string> parts;
        for (const auto& [key, value] : f.items()) {
            if (value.is_null())
                continue;
            if (key == names.filter_and || key == names.filter_or) {
                const bool all = key == names.filter_and;
                std::vector<std::string> terms;
                for (const Json& sub : value.is_array() ? value : Json::array({value}))
                    terms.push_back(filter(names, a, sub, where, depth));
                parts.push_back(terms.empty() ? (all ? "TRUE" : "FALSE")
                                              : "(" + join(terms, all ? " AND " : " OR ") + ")");
            } else if (key == names.filter_not) {
                parts.push_back("NOT COALESCE(" + filter(names, a, value, where, depth) +
                                ", false)");
            } else if (auto target = reference(names, key); target && value.is_object()) {
                // Things whose referenced thing exists, is not deleted and passes the
                // target's filter.
                if (depth + 1 > limits_.max_depth) {
                    throw Refused{"The filter nests things deeper than " +
                                      std::to_string(limits_.max_depth) + " levels.",
                                  where};
                }
                const std::string b = alias();
                parts.push_back(
                    "EXISTS (SELECT 1 FROM " + table(target->first) + " " + b + " WHERE " + b +
                    ".id = " + a + "." + naming::quote_identifier(target->second) + " AND NOT " +
                    b + ".is_deleted AND " +
                    filter(*find_class(target->first), b, value, where, depth + 1) + ")");
            } else {
                auto c = column(names, key);
                if (!c || !value.is_object())
                    throw Refused{"Unknown filter field \"" + key + "\".", where};
                const std::string col = a + "." + naming::quote_identifier(c->name);
                for (const auto& [op, v] : value.items()) {
                    if (v.is_null())
                        continue;
                    parts.push_back(condition(col, *c, op, v, where));
                }
            }
        }
        return parts.empty() ? "TRUE" : "(" + join(parts, " AND ") + ")";
    }

    // One operator of a field filter.
    std::string condition(const std::string& col, const Column& c, const std::string& op,
                          const Json& v, const Location& where) {
        static const std::pair<const char*, const char*> kComparisons[] = {
            {"eq", " = "},   {"neq", " <> "}, {"lt", " < "},
            {"lte", " <= "}, {"gt", " > "},   {"gte", " >= "}};
        for (const auto& [name, sql] : kComparisons) {
            if (op == name)
                return col + sql + param(text_of(v), c.sql_type);
        }
        if (op == "in") {
            const Json list = v.is_array() ? v : Json::array({v});
            if (list.size() > limits_.max_in_list) {
                throw Refused{"An \"in\" filter lists more than " +
                                  std::to_string(limits_.max_in_list) + " values.",
                              where};
            }
            Json texts = Json::array();
            for (const Json& e : list)
                texts.push_back(e.is_null() ? Json() : Json(text_of(e)));
            return col + " IN (SELECT e::" + std::string(c.sql_type) +
                   " FROM pg_catalog.jsonb_array_elements_text(" + param(texts.dump(), "jsonb") +
                   ") e)";
        }
        if (op == "is") {
            if (v == "NULL")
                return col + " IS NULL";
            if (v == "NOT_NULL")
                return col + " IS NOT NULL";
        } else if (c.sql_type == "text") {
            if (op == "like")
                return col + " LIKE " + param(text_of(v), "text");
            if (op == "ilike")
                return col + " ILIKE " + param(text_of(v), "text");
            if (op == "startsWith")
                return "pg_catalog.starts_with(" + col + ", " + param(text_of(v), "text") + ")";
        }
        throw Refused{"Unknown filter operator \"" + op + "\".", where};
    }

    static std::string join(const std::vector<std::string>& parts, const char* sep) {
        std::string out;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (i > 0)
                out += sep;
            out += parts[i];
        }
        return out;
    }

    // The sort keys of a collection: the orderBy entries, then id.
    std::vector<SortKey> sort_keys(const ClassNames& names, const PlannedField& f) {
        std::vector<SortKey> keys;
        auto it = f.arguments.find("orderBy");
        if (it != f.arguments.end() && !it->is_null()) {
            const Json list = it->is_array() ? *it : Json::array({*it});
            for (const Json& entry : list) {
                const Json* chosen = nullptr;
                std::string field;
                int given = 0;
                if (!entry.is_object())
                    throw Refused{"Each orderBy entry must give exactly one field.", f.location};
                for (const auto& [k, v] : entry.items()) {
                    if (v.is_null())
                        continue;
                    ++given;
                    chosen = &v;
                    field = k;
                }
                if (given != 1) {
                    throw Refused{"Each orderBy entry must give exactly one field.", f.location};
                }
                auto c = column(names, field);
                static const char* kDirections[] = {"AscNullsFirst", "AscNullsLast",
                                                    "DescNullsFirst", "DescNullsLast"};
                int d = -1;
                for (int i = 0; i < 4; ++i) {
                    if (*chosen == kDirections[i])
                        d = i;
                }
                if (!c || d < 0)
                    throw Refused{"Unknown orderBy field \"" + field + "\".", f.location};
                keys.push_back({*c, static_cast<Direction>(d), field + ":" + kDirections[d]});
            }
        }
        keys.push_back({Column{"id", "uuid", false, true}, Direction::kAscNullsLast, "id"});
        return keys;
    }

    // The condition that a row (alias a) comes after the position values in the order of
    // keys (each key's direction, reversed when backwards). values[i] is null for a null.
    std::string after(const std::vector<SortKey>& keys, const std::vector<std::string>& params,
                      const std::vector<bool>& nulls, const std::string& a, bool backwards) {
        std::vector<std::string> branches;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            std::vector<std::string> terms;
            for (std::size_t j = 0; j < i; ++j) {
                const std::string col = a + "." + naming::quote_identifier(keys[j].column.name);
                terms.push_back(nulls[j] ? col + " IS NULL" : col + " = " + params[j]);
            }
            const std::string col = a + "." + naming::quote_identifier(keys[i].column.name);
            const Direction d = backwards ? reversed(keys[i].direction) : keys[i].direction;
            const bool asc = d == Direction::kAscNullsFirst || d == Direction::kAscNullsLast;
            const bool nulls_first =
                d == Direction::kAscNullsFirst || d == Direction::kDescNullsFirst;
            std::string step;
            if (nulls[i]) {
                if (!nulls_first)
                    continue;  // nothing follows a null when nulls come last
                step = col + " IS NOT NULL";
            } else {
                step = col + (asc ? " > " : " < ") + params[i];
                if (!nulls_first && !keys[i].column.not_null)
                    step = "(" + step + " OR " + col + " IS NULL)";
            }
            terms.push_back(step);
            branches.push_back("(" + join(terms, " AND ") + ")");
        }
        return branches.empty() ? "FALSE" : "(" + join(branches, " OR ") + ")";
    }

    // A decoded cursor argument: one parameter per key, and which keys are null.
    struct Position {
        std::vector<std::string> params;
        std::vector<bool> nulls;
    };

    std::optional<Position> position(const PlannedField& f, const char* arg,
                                     const std::vector<SortKey>& keys,
                                     const std::string& signature) {
        auto it = f.arguments.find(arg);
        if (it == f.arguments.end() || it->is_null())
            return std::nullopt;
        const std::string bad = std::string("Invalid cursor in argument \"") + arg +
                                "\": it is not a cursor of this collection and orderBy.";
        if (!it->is_string())
            throw Refused{bad, f.location};
        auto decoded = decode_cursor(it->get<std::string>());
        if (!decoded || decoded->size() != keys.size() + 1 || (*decoded)[0] != signature)
            throw Refused{bad, f.location};
        Position p;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            const Json& v = (*decoded)[i + 1];
            if (!v.is_null() && !v.is_string())
                throw Refused{bad, f.location};
            if (i + 1 == keys.size() && !(v.is_string() && is_uuid(v.get<std::string>())))
                throw Refused{bad, f.location};
            p.nulls.push_back(v.is_null());
            p.params.push_back(v.is_null() ? std::string()
                                           : param(v.get<std::string>(), keys[i].column.sql_type));
        }
        return p;
    }

    // A checked page size (a LIMIT) as SQL: the one kind of value written into the text as a
    // literal, a number in [0, max_page_size] formatted here, never a user's text. With a
    // parameter PostgreSQL plans the generic plan of a page for an unknown LIMIT (as for a
    // tenth of the table: a sort of the whole class) and so plans every call anew; with the
    // number the kept plan serves every call. Plans are cached by the SQL's text, so each page
    // size in use has its own.
    std::string page_limit(std::int64_t n) const {
        if (n < 0 || n > limits_.max_page_size)
            throw std::logic_error("a page size outside the bounds reached the SQL text");
        return std::to_string(n);
    }

    // A page size argument, checked.
    std::optional<int> page_size(const PlannedField& f, const char* arg) {
        auto it = f.arguments.find(arg);
        if (it == f.arguments.end() || it->is_null())
            return std::nullopt;
        if (!it->is_number_integer())
            throw Refused{std::string("Argument \"") + arg + "\" must be an integer.", f.location};
        const auto n = it->get<std::int64_t>();
        if (n < 0)
            throw Refused{std::string("Argument \"") + arg + "\" must not be negative.",
                          f.location};
        if (n > limits_.max_page_size) {
            throw Refused{std::string("Argument \"") + arg + "\" must be at most " +
                              std::to_string(limits_.max_page_size) + ".",
                          f.location};
        }
        return static_cast<int>(n);
    }

    // The cursor of the row in alias p.
    std::string cursor_sql(const std::vector<SortKey>& keys, const std::string& signature_param,
                           const std::string& p) {
        std::string array = "pg_catalog.jsonb_build_array(" + signature_param;
        for (const SortKey& k : keys) {
            array += ", pg_catalog.to_jsonb(" + p + "." + naming::quote_identifier(k.column.name) +
                     ") #>> '{}'";
        }
        array += ")";
        return "pg_catalog.translate(pg_catalog.encode(pg_catalog.convert_to(" + array +
               "::text, 'UTF8'), 'base64'), pg_catalog.chr(10), '')";
    }

    // The rows of a collection nested in the thing in row alias outer: those whose reference
    // column is its id (a reverse collection), or those related to it (a relationship).
    struct Correlation {
        std::string column;
        std::string outer;
        const RelationshipFieldNames* relationship = nullptr;
    };

    // The condition that row x belongs to the collection of correlation c.
    std::string correlated(const Correlation& c, const std::string& x) {
        if (c.relationship != nullptr)
            return related(*c.relationship, c.outer, x);
        return x + "." + naming::quote_identifier(c.column) + " = " + c.outer + ".id";
    }

    // The condition that the thing in row alias other is related to the thing in row alias
    // me through relationship field r: its id is at the other end of one of me's
    // relationships of r's type (either end when r goes both ways).
    std::string related(const RelationshipFieldNames& r, const std::string& me,
                        const std::string& other) {
        const std::string rel = alias();
        const std::string type = alias();
        std::string end;
        std::string mine;
        if (r.both_ways) {
            end = "CASE WHEN " + rel + ".from_id = " + me + ".id THEN " + rel + ".to_id ELSE " +
                  rel + ".from_id END";
            mine = "(" + rel + ".from_id = " + me + ".id OR " + rel + ".to_id = " + me + ".id)";
        } else {
            end = rel + (r.outgoing ? ".to_id" : ".from_id");
            mine = rel + (r.outgoing ? ".from_id = " : ".to_id = ") + me + ".id";
        }
        return other + ".id IN (SELECT " + end + " FROM " +
               naming::qualified(schema_, "relationships") + " " + rel + " WHERE " + rel +
               ".relationship_type_id = (SELECT " + type + ".id FROM " +
               naming::qualified(schema_, "relationship_types") + " " + type + " WHERE " + type +
               ".name = " + param(r.type, "text") + ") AND " + mine + ")";
    }

    // A collection field: a connection object. At the root (correlation nullptr) a whole
    // statement; nested, a subquery over the rows correlation names, with aliases of its own
    // and its things at level depth.
    std::string collection(const std::string& cls, const ClassNames& names, const PlannedField& f,
                           const Correlation* correlation = nullptr, int depth = 1) {
        const auto first = page_size(f, "first");
        const auto last = page_size(f, "last");
        if (first && last) {
            throw Refused{"Arguments \"first\" and \"last\" cannot be given together.", f.location};
        }
        const bool backwards = last.has_value();
        const int n = first ? *first : last ? *last : limits_.default_page_size;
        const std::vector<SortKey> keys = sort_keys(names, f);
        std::string signature = names.type;
        for (const SortKey& k : keys)
            signature += "|" + k.label;
        const Json no_filter;
        auto fit = f.arguments.find("filter");
        const Json& filter_arg = fit == f.arguments.end() ? no_filter : *fit;
        const auto after_pos = position(f, "after", keys, signature);
        const auto before_pos = position(f, "before", keys, signature);
        // The page's CTE, its rows and the rows it is read from.
        const std::string page_cte = correlation ? alias() : "page";
        const std::string p = correlation ? alias() : "p";
        const std::string a = correlation ? alias() : "a";

        // Rows of the class that pass the filter (and the correlation), as alias x.
        auto passing = [&](const std::string& x) {
            std::string rows = table(cls) + " " + x + " WHERE NOT " + x + ".is_deleted AND ";
            if (correlation) {
                rows += correlated(*correlation, x) + " AND ";
            }
            return rows + filter(names, x, filter_arg, f.location, depth);
        };
        const std::string rn = naming::quote_identifier("udm__rn");
        std::string order;
        for (const SortKey& k : keys) {
            if (!order.empty())
                order += ", ";
            order += a + "." + naming::quote_identifier(k.column.name) +
                     order_sql(backwards ? reversed(k.direction) : k.direction);
        }
        const std::string limit = page_limit(n);
        std::string page = "SELECT " + a + ".*, pg_catalog.row_number() OVER (ORDER BY " + order +
                           ") AS " + rn + " FROM " + passing(a);
        if (after_pos)
            page += " AND " + after(keys, after_pos->params, after_pos->nulls, a, false);
        if (before_pos)
            page += " AND " + after(keys, before_pos->params, before_pos->nulls, a, true);
        page += " ORDER BY " + order + " LIMIT " + limit + " + 1";

        std::string signature_param;
        auto sig = [&]() -> const std::string& {
            if (signature_param.empty())
                signature_param = param(signature, "text");
            return signature_param;
        };
        // Whether a thing that passes the filter lies outside the cursor pos (before it for
        // after, after it for before).
        auto beyond = [&](const Position& pos, bool is_after) {
            const std::string b = alias();
            return "EXISTS (SELECT 1 FROM " + passing(b) + " AND NOT COALESCE(" +
                   after(keys, pos.params, pos.nulls, b, !is_after) + ", false))";
        };
        const std::string more = "EXISTS (SELECT 1 FROM " + page_cte + " " + p + " WHERE " + p +
                                 "." + rn + " > " + limit + ")";
        // In the response's order: rows numbered backwards when walking backwards.
        const char* shown = backwards ? " DESC" : " ASC";
        const char* unshown = backwards ? " ASC" : " DESC";

        std::vector<std::pair<std::string, std::string>> pairs;
        bool uses_page = false;
        for (const PlannedField& c : f.selection) {
            std::string value;
            if (c.name == "__typename") {
                value = lit(names.connection_type);
            } else if (c.name == "totalCount") {
                value = "(SELECT pg_catalog.count(*) FROM " + passing(alias()) + ")::integer";
            } else if (c.name == "aggregate") {
                const std::string x = alias();
                value = "(SELECT " + aggregate(names, c, x) + " FROM " + passing(x) + ")";
            } else if (c.name == "edges") {
                uses_page = true;
                std::vector<std::pair<std::string, std::string>> edge;
                for (const PlannedField& e : c.selection) {
                    if (e.name == "__typename")
                        edge.emplace_back(e.response_key, lit(names.edge_type));
                    else if (e.name == "cursor")
                        edge.emplace_back(e.response_key, cursor_sql(keys, sig(), p));
                    else
                        edge.emplace_back(e.response_key, thing(names, p, e.selection, depth));
                }
                value = "COALESCE((SELECT pg_catalog.jsonb_agg(" + object(edge) + " ORDER BY " + p +
                        "." + rn + shown + ") FROM " + page_cte + " " + p + " WHERE " + p + "." +
                        rn + " <= " + limit + "), '[]'::jsonb)";
            } else if (c.name == "pageInfo") {
                uses_page = true;
                std::vector<std::pair<std::string, std::string>> info;
                for (const PlannedField& i : c.selection) {
                    std::string v;
                    if (i.name == "__typename") {
                        v = lit("PageInfo");
                    } else if (i.name == "hasNextPage" || i.name == "hasPreviousPage") {
                        // The side the page was read towards has more when the page
                        // overflowed; the other side when a thing lies beyond the cursor.
                        const bool next = i.name == "hasNextPage";
                        const auto& pos = next ? before_pos : after_pos;
                        std::string beyond_cursor = pos ? beyond(*pos, !next) : "FALSE";
                        v = next != backwards ? "(" + more + " OR " + beyond_cursor + ")"
                                              : beyond_cursor;
                    } else {
                        const bool start = i.name == "startCursor";
                        v = "(SELECT " + cursor_sql(keys, sig(), p) + " FROM " + page_cte + " " +
                            p + " WHERE " + p + "." + rn + " <= " + limit + " ORDER BY " + p + "." +
                            rn + (start ? shown : unshown) + " LIMIT 1)";
                    }
                    info.emplace_back(i.response_key, std::move(v));
                }
                value = object(info);
            }
            pairs.emplace_back(c.response_key, std::move(value));
        }
        std::string sql;
        if (uses_page)
            sql = "WITH " + page_cte + " AS (" + page + ") ";
        sql += "SELECT " + object(pairs);
        return correlation ? "(" + sql + ")" : sql;
    }

    // The object of a connection's aggregate field c over the rows of alias x (the query
    // groups them all): count, and the sum, avg, min and max of the fields asked.
    std::string aggregate(const ClassNames& names, const PlannedField& c, const std::string& x) {
        static const char* const kFunctions[] = {"sum", "avg", "min", "max"};
        const std::string* const types[] = {&names.sum_type, &names.avg_type, &names.min_type,
                                            &names.max_type};
        std::vector<std::pair<std::string, std::string>> pairs;
        for (const PlannedField& g : c.selection) {
            std::string value;
            if (g.name == "__typename") {
                value = lit(names.aggregate_type);
            } else if (g.name == "count") {
                value = "pg_catalog.count(*)::integer";
            } else {
                int fn = -1;
                for (int i = 0; i < 4; ++i) {
                    if (g.name == kFunctions[i])
                        fn = i;
                }
                if (fn < 0)
                    throw Refused{"Unknown aggregate \"" + g.name + "\".", g.location};
                std::vector<std::pair<std::string, std::string>> values;
                for (const PlannedField& h : g.selection) {
                    if (h.name == "__typename") {
                        values.emplace_back(h.response_key, lit(*types[fn]));
                        continue;
                    }
                    auto col = column(names, h.name);
                    if (!col)
                        throw Refused{"Unknown aggregate field \"" + h.name + "\".", h.location};
                    std::string v = std::string("pg_catalog.") + kFunctions[fn] + "(" + x + "." +
                                    naming::quote_identifier(col->name) + ")";
                    // An average is a Float; a BigInt (sum, min, max) a string of digits.
                    if (fn == 1)
                        v += "::double precision";
                    else if (col->bigint)
                        v += "::text";
                    values.emplace_back(h.response_key, std::move(v));
                }
                value = object(values);
            }
            pairs.emplace_back(g.response_key, std::move(value));
        }
        return object(pairs);
    }

    const Schema& s_;
    const model::Model& m_;
    std::string schema_;
    const CompileLimits& limits_;
    std::vector<std::optional<std::string>> params_;
    int aliases_ = 0;
};

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

namespace {

// Whether root is the relate or unrelate field of the schema's Mutation type.
bool relates_things(const Schema& schema, const PlannedField& root) {
    if (root.parent_type != kMutationType ||
        (root.name != kRelateField && root.name != kUnrelateField))
        return false;
    const Type* mutation = schema.find_type(kMutationType);
    return mutation != nullptr && mutation->field(root.name) != nullptr;
}

}  // namespace

bool writes_things(const Schema& schema, const PlannedField& root) {
    return schema.class_of_mutation_field(root.name) != nullptr || relates_things(schema, root);
}

CompileResult compile_mutation(const Schema& schema, const model::Model& m,
                               std::string_view tenant_schema, const PlannedField& root,
                               const CompileLimits& limits) {
    CompileResult r;
    if (!writes_things(schema, root)) {
        r.error = Error{"Field \"" + root.name + "\" does not write things.",
                        {root.location},
                        {root.response_key}};
        r.code = "INTERNAL";
        return r;
    }
    if (relates_things(schema, root)) {
        // udm.relate(tenant, type, from, to) does the checking and locking: one statement.
        const std::string_view prefix = "tenant_";
        const auto arg = [&](const char* name) -> std::optional<std::string> {
            auto it = root.arguments.find(name);
            if (it == root.arguments.end() || !it->is_string())
                return std::nullopt;
            return it->get<std::string>();
        };
        CompiledQuery q;
        const std::string_view tenant = tenant_schema.substr(0, prefix.size()) == prefix
                                            ? tenant_schema.substr(prefix.size())
                                            : tenant_schema;
        q.params = {std::string(tenant), arg("type"), arg("fromId"), arg("toId")};
        q.sql = std::string("SELECT pg_catalog.to_jsonb(udm.") +
                (root.name == kRelateField ? "relate" : "unrelate") +
                "($1::text, $2::text, $3::uuid, $4::uuid))";
        r.query = std::move(q);
        return r;
    }
    try {
        Compiler c(schema, m, tenant_schema, limits);
        r.query = c.mutation(root);
    } catch (const Refused& refused) {
        r.error = Error{refused.message, {refused.location}, {root.response_key}};
        r.code = "BAD_USER_INPUT";
    }
    return r;
}

namespace {

// An input object of a mutation (GraphQL field names) as the document of the rule engine
// (attribute names, each value in the JSON type values_from_json reads).
Json rules_document(const ClassNames& names, const model::Model& m, const Json& input) {
    Json doc = Json::object();
    if (!input.is_object())
        return doc;
    for (const auto& [aname, fname] : names.attribute_fields) {
        const model::Attribute& a = m.attributes.at(aname);
        std::string field = fname;
        if (a.type == DataType::kReference) {
            for (const auto& [ref, id_field] : names.reference_id_fields) {
                if (ref == aname)
                    field = id_field;
            }
        }
        auto it = input.find(field);
        if (it == input.end())
            continue;
        Json v = *it;
        // BigInt: a string of digits, read as the integer it is when it is one.
        if (a.type == DataType::kInteger && v.is_string()) {
            const std::string& text = v.get_ref<const std::string&>();
            Json n = Json::parse(text, nullptr, false);
            if (!n.is_discarded() && n.is_number_integer() && n.dump() == text)
                v = std::move(n);
        }
        doc[aname] = std::move(v);
    }
    return doc;
}

// The field of an attribute in the inputs of a class (a reference: its id field).
std::string input_field(const ClassNames& names, const std::string& attribute) {
    for (const auto& [ref, id_field] : names.reference_id_fields) {
        if (ref == attribute)
            return id_field;
    }
    for (const auto& [aname, fname] : names.attribute_fields) {
        if (aname == attribute)
            return fname;
    }
    return {};
}

}  // namespace

std::vector<InputViolation> check_inputs(const Schema& schema, const model::Model& m,
                                         const PlannedField& root, const RulesOf& rules_of,
                                         std::int64_t now) {
    std::vector<InputViolation> out;
    const auto* entry = schema.class_of_mutation_field(root.name);
    if (entry == nullptr || entry->second.delete_field == root.name)
        return out;
    const rules::CompiledClass* compiled = rules_of(entry->first);
    if (compiled == nullptr || compiled->empty())
        return out;
    const ClassNames& names = entry->second;
    const bool insert = root.name == names.insert_field;
    auto judge = [&](const Json& input, const std::string& prefix) {
        const Json doc = rules_document(names, m, input);
        std::vector<rules::Violation> found;
        std::vector<rules::Value> values = rules::values_from_json(*compiled, doc, found);
        rules::evaluate(*compiled, values, now, found);
        for (rules::Violation& v : found) {
            if (!insert && (!doc.contains(v.attribute) || v.rule == "required_together" ||
                            v.rule == "one_of_required" || v.rule == "compare"))
                continue;
            const std::string field = input_field(names, v.attribute);
            out.push_back({field.empty() ? prefix : prefix + "." + field, std::move(v.attribute),
                           std::move(v.rule), std::move(v.message)});
        }
    };
    if (insert) {
        auto it = root.arguments.find("objects");
        if (it == root.arguments.end())
            return out;
        const Json list = it->is_array() ? *it : Json::array({*it});
        for (std::size_t i = 0; i < list.size(); ++i)
            judge(list[i], "objects[" + std::to_string(i) + "]");
    } else {
        auto it = root.arguments.find("set");
        if (it != root.arguments.end())
            judge(*it, "set");
    }
    return out;
}

bool reads_things(const Schema& schema, const PlannedField& root) {
    return schema.class_of_query_field(root.name) != nullptr;
}

CompileResult compile_query(const Schema& schema, const model::Model& m,
                            std::string_view tenant_schema, const PlannedField& root,
                            const CompileLimits& limits) {
    CompileResult r;
    if (!reads_things(schema, root)) {
        r.error = Error{"Field \"" + root.name + "\" does not read things.",
                        {root.location},
                        {root.response_key}};
        r.code = "INTERNAL";
        return r;
    }
    try {
        Compiler c(schema, m, tenant_schema, limits);
        r.query = c.root(root);
    } catch (const Refused& refused) {
        r.error = Error{refused.message, {refused.location}, {root.response_key}};
        r.code = "BAD_USER_INPUT";
    }
    return r;
}

CompileResult compile_thing_reads(const Schema& schema, const model::Model& m,
                                  std::string_view tenant_schema, const PreparedOperation& op,
                                  const CompileLimits& limits) {
    CompileResult r;
    const PlannedField* thing = event_thing_field(op);
    const auto* entry =
        op.root_fields.empty() ? nullptr : schema.class_of_changed_field(op.root_field().name);
    if (thing == nullptr || entry == nullptr) {
        r.error = Error{"The operation is no subscription selecting a thing.", {}, {}};
        r.code = "BAD_USER_INPUT";
        return r;
    }
    try {
        Compiler c(schema, m, tenant_schema, limits);
        r.query = c.thing_reads(entry->first, entry->second, *thing);
    } catch (const Refused& refused) {
        r.error = Error{refused.message,
                        {refused.location},
                        {op.root_field().response_key, thing->response_key}};
        r.code = "BAD_USER_INPUT";
    }
    return r;
}

namespace {

// The page size of a collection field (first/last, or the default), or 1 for a mutation's
// records: its objects or atMost.
std::uint64_t count_of(const PlannedField& f, const CompileLimits& limits) {
    for (const char* arg : {"first", "last", "atMost"}) {
        auto it = f.arguments.find(arg);
        if (it != f.arguments.end() && it->is_number_integer())
            return static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->get<std::int64_t>()));
    }
    auto objects = f.arguments.find("objects");
    if (objects != f.arguments.end())
        return objects->is_array() ? objects->size() : 1;
    return static_cast<std::uint64_t>(limits.default_page_size);
}

// Saturating arithmetic: an estimate past any bound stays past it.
std::uint64_t add(std::uint64_t a, std::uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
std::uint64_t times(std::uint64_t a, std::uint64_t b) {
    return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

// The things a field's value holds: a thing is 1 plus what it nests; a connection or a
// mutation response its count times what one of its things costs.
std::uint64_t things_of(const Schema& schema, const PlannedField& f, const CompileLimits& limits,
                        std::uint64_t multiplier) {
    const std::string& type = f.type.named_type();
    if (schema.class_of_type(type)) {
        std::uint64_t n = 1;
        for (const PlannedField& c : f.selection)
            n = add(n, things_of(schema, c, limits, 1));
        return times(multiplier, n);
    }
    bool connection = false, written = false;  // many things read, or written
    for (const auto& [cls, names] : schema.classes) {
        connection = connection || names.connection_type == type;
        written = written || names.mutation_response_type == type;
    }
    const bool many = connection || written;
    const std::uint64_t each = many ? times(multiplier, count_of(f, limits)) : multiplier;
    // The things a mutation writes count whatever it selects of them.
    std::uint64_t n = written ? each : 0;
    for (const PlannedField& c : f.selection) {
        // A count or an aggregate reads the things that pass the filter without returning
        // them: charged as a page of the collection, so aliases of counts are bounded too.
        if (connection && (c.name == "totalCount" || c.name == "aggregate"))
            n = add(n, each);
        else
            n = add(n, things_of(schema, c, limits, each));
    }
    return n;
}

}  // namespace

std::uint64_t estimate_things(const Schema& schema, const PlannedField& root,
                              const CompileLimits& limits) {
    if (root.name == kRelateField || root.name == kUnrelateField)
        return 2;
    return things_of(schema, root, limits, 1);
}

std::string encode_cursor(const nlohmann::json& array) {
    const std::string in = array.dump();
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out += kBase64[v >> 18];
        out += kBase64[(v >> 12) & 63];
        out += kBase64[(v >> 6) & 63];
        out += kBase64[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size())
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += kBase64[v >> 18];
        out += kBase64[(v >> 12) & 63];
        out += i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<nlohmann::json> decode_cursor(std::string_view text) {
    // Cursors are short: a long one is not ours.
    if (text.empty() || text.size() % 4 != 0 || text.size() > 16384)
        return std::nullopt;
    std::string bytes;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            int d = -1;
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                ++pad;
                d = 0;
            } else if (pad == 0) {
                for (int k = 0; k < 64; ++k) {
                    if (kBase64[k] == c)
                        d = k;
                }
            }
            if (d < 0)
                return std::nullopt;
            v = (v << 6) | static_cast<unsigned>(d);
        }
        bytes += static_cast<char>(v >> 16);
        if (pad < 2)
            bytes += static_cast<char>((v >> 8) & 255);
        if (pad < 1)
            bytes += static_cast<char>(v & 255);
    }
    Json j = Json::parse(bytes, nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.empty() || !j[0].is_string())
        return std::nullopt;
    return j;
}

}  // namespace udm::graphql
