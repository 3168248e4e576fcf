// Reading a tenant's model from its catalog, through a per-backend cache.
//
// The cache holds the last few models this backend read or wrote, each under its key
// (model_catalog.hpp): a hit needs one read of the tenant's schema_state row instead of
// the whole catalog (1,000 classes of 20 attributes: about 100 ms). Nothing is ever
// invalidated: a key is never reused for another catalog content.
#include <algorithm>
#include <cstring>
#include <list>
#include <string>
#include <utility>

#include "udm/core/error.hpp"
#include "udm/core/physical.hpp"
#include "udm/pg/fmgr_values.hpp"
#include "udm/pg/model_catalog.hpp"

namespace udm::pg {

namespace {

// The catalog as rows of text, one per attribute ('a'), class ('c'), assignment ('s'),
// relationship type ('t') and allowed relationship ('r'), in one statement (one snapshot).
// Columns: kind, id, name, a third name, description, rules as JSON text (NULL for {}), a
// second name, a flag. Built into the model in C++ (model_from_rows): rows of text read
// directly cost a fraction of having PostgreSQL write the model as one JSON document and
// parsing it again (1,000 classes of 20 attributes: 75 ms for the document alone).
std::string model_rows_query(const std::string& s) {
    return "SELECT 'a', a.id::text, a.name, a.data_type, a.description,"
           " NULLIF(a.validation_rules, '{}'::jsonb)::text, t.name, NULL::text FROM " +
           s + ".attributes a LEFT JOIN " + s +
           ".thing_classes t ON t.id = a.target_class_id"
           " UNION ALL SELECT 'c', c.id::text, c.name, NULL, c.description,"
           " NULLIF(c.validation_rules, '{}'::jsonb)::text, NULL, c.events_enabled::text"
           " FROM " +
           s +
           ".thing_classes c"
           " UNION ALL SELECT 's', NULL, a.name, c.name, NULL,"
           " NULLIF(aa.assignment_rules, '{}'::jsonb)::text, NULL, aa.is_required::text"
           " FROM " +
           s + ".attribute_assignments aa JOIN " + s +
           ".attributes a ON a.id = aa.attribute_id JOIN " + s +
           ".thing_classes c ON c.id = aa.thing_class_id"
           " UNION ALL SELECT 't', r.id::text, r.name, r.inverse_name, r.description, NULL, NULL,"
           " NULL FROM " +
           s +
           ".relationship_types r"
           " UNION ALL SELECT 'r', x.id::text, r.name, f.name, NULL, x.cardinality_rules::text,"
           " t.name, x.is_bidirectional::text FROM " +
           s + ".thing_class_relationships x JOIN " + s +
           ".thing_classes f ON f.id = x.from_thing_class_id JOIN " + s +
           ".thing_classes t ON t.id = x.to_thing_class_id JOIN " + s +
           ".relationship_types r ON r.id = x.relationship_type_id";
}

// The columns of model_rows_query, and how many a row has.
enum Column : std::size_t {
    kKind,
    kId,
    kName,
    kName3,
    kDescription,
    kRules,
    kName2,
    kFlag,
    kColumns
};

[[noreturn]] void damaged(const naming::TenantNames& names) {
    throw Error(sqlstate::kInternalError, "could not read the model of tenant " + names.tenant);
}

// A rules (or cardinality) column: an object, {} for NULL.
model::Json rules_cell(const Cell& cell, const naming::TenantNames& names) {
    if (!cell)
        return model::Json::object();
    model::Json json = model::Json::parse(*cell, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        damaged(names);
    return json;
}

// The model of the rows of model_rows_query, as parse_model read the catalog's document:
// the same names checked, the same defaults. Rows of kind 'v' (model_at's key) are skipped.
model::Model model_from_rows(const std::vector<Row>& rows, const naming::TenantNames& names) {
    model::Model m;
    auto name = [&](const Row& row, Column c, naming::NameKind kind) -> const std::string& {
        if (!row[c])
            damaged(names);
        naming::check_model_name(kind, *row[c]);
        return *row[c];
    };
    auto text = [&](const Row& row, Column c) -> const std::string& {
        if (!row[c])
            damaged(names);
        return *row[c];
    };
    std::vector<const Row*> assignments;
    assignments.reserve(rows.size());
    for (const Row& row : rows) {
        if (row.size() != kColumns || !row[kKind] || row[kKind]->size() != 1)
            damaged(names);
        switch ((*row[kKind])[0]) {
            case 'a': {
                model::Attribute a;
                a.id = text(row, kId);
                a.name = name(row, kName, naming::NameKind::kAttribute);
                auto type = model::parse_data_type(text(row, kName3));
                if (!type)
                    damaged(names);
                a.type = *type;
                a.description = row[kDescription];
                a.rules = rules_cell(row[kRules], names);
                a.target = row[kName2];
                if ((a.type == model::DataType::kReference) != a.target.has_value())
                    damaged(names);
                std::string key = a.name;
                m.attributes.emplace(std::move(key), std::move(a));
                break;
            }
            case 'c': {
                model::ThingClass c;
                c.id = text(row, kId);
                c.name = name(row, kName, naming::NameKind::kClass);
                c.description = row[kDescription];
                c.rules = rules_cell(row[kRules], names);
                if (row[kFlag])
                    c.events = *row[kFlag] == "true";
                std::string key = c.name;
                m.classes.emplace(std::move(key), std::move(c));
                break;
            }
            case 's':
                assignments.push_back(&row);
                break;
            case 't': {
                model::RelationshipType t;
                t.id = text(row, kId);
                t.name = name(row, kName, naming::NameKind::kRelationshipType);
                t.inverse = row[kName3];
                if (t.inverse)
                    naming::check_model_name(naming::NameKind::kRelationshipType, *t.inverse);
                t.description = row[kDescription];
                std::string key = t.name;
                m.relationship_types.emplace(std::move(key), std::move(t));
                break;
            }
            case 'r': {
                model::AllowedRelationship r;
                r.id = text(row, kId);
                r.type = text(row, kName);
                r.from = text(row, kName3);
                r.to = text(row, kName2);
                model::Json cardinality;
                if (row[kRules]) {
                    cardinality = model::Json::parse(*row[kRules], nullptr, false);
                    if (cardinality.is_discarded())
                        damaged(names);
                }
                r.cardinality = model::parse_cardinality(cardinality, "cardinality");
                r.bidirectional = row[kFlag] && *row[kFlag] == "true";
                std::string key = model::relationship_key(r.from, r.type, r.to);
                if (!m.relationships.emplace(std::move(key), std::move(r)).second)
                    damaged(names);
                break;
            }
            case 'v':  // the key's row (model_at)
                break;
            default:
                damaged(names);
        }
    }
    // Assignments after their classes, whatever order the rows came in. Consecutive rows
    // are mostly of one class: its entry is looked up once for them.
    model::ThingClass* cls = nullptr;
    for (const Row* row : assignments) {
        const std::string& cname = text(*row, kName3);
        if (cls == nullptr || cls->name != cname) {
            auto it = m.classes.find(cname);
            if (it == m.classes.end())
                damaged(names);
            cls = &it->second;
        }
        model::Assignment a;
        a.attribute = name(*row, kName, naming::NameKind::kAttribute);
        a.required = (*row)[kFlag] && *(*row)[kFlag] == "true";
        a.rules = rules_cell((*row)[kRules], names);
        std::string key = a.attribute;
        cls->assignments.emplace(std::move(key), std::move(a));
    }
    return m;
}

// At most this many models per backend (a session usually works on one tenant; a pooled
// one on a few at a time). Least recently used first out.
constexpr std::size_t kCachedModels = 8;

struct CachedModel {
    std::string schema;
    KnownModel known;
    std::string jsonb;  // the document as a jsonb datum, made on first use (udm.model)
};

// Created on first use (no static constructors that can throw); most recent first.
std::list<CachedModel>* cache = nullptr;

void store(const std::string& schema, KnownModel known) {
    if (cache == nullptr)
        cache = new std::list<CachedModel>();
    cache->remove_if([&](const CachedModel& c) { return c.schema == schema; });
    cache->push_front({schema, std::move(known), {}});
    if (cache->size() > kCachedModels)
        cache->pop_back();
}

}  // namespace

model::Model load_model(Spi& spi, const naming::TenantNames& names) {
    return model_from_rows(spi.query(model_rows_query(naming::quote_identifier(names.schema))),
                           names);
}

ModelKey model_key(Spi& spi, const naming::TenantNames& names, bool lock, std::string* limits) {
    // Read on every call of udm.graphql and of every model function: planned once. The
    // tenant's limits come along (udm.graphql's page bound) for a column, not a query.
    const std::vector<Row> rows = spi.query_kept(
        std::string("SELECT version, ") + kModelKeyWriter + ", limits::text FROM " +
        naming::qualified(names.schema, "schema_state") + (lock ? " FOR UPDATE" : ""));
    if (rows.empty() || rows[0].size() < 3 || !rows[0][0] || !rows[0][1])
        throw Error(sqlstate::kInternalError,
                    "the schema state of tenant " + names.tenant + " is missing");
    if (limits != nullptr)
        *limits = rows[0][2].value_or("{}");
    return {std::stoll(*rows[0][0]), *rows[0][1]};
}

KnownModel model_at(Spi& spi, const naming::TenantNames& names, const ModelKey& key) {
    if (cache != nullptr) {
        auto it = std::find_if(cache->begin(), cache->end(), [&](const CachedModel& c) {
            return c.schema == names.schema && c.known.key == key;
        });
        if (it != cache->end()) {
            cache->splice(cache->begin(), *cache, it);
            return it->known;
        }
    }
    // The key read with the model, in one statement: one snapshot sees both (its row is
    // of kind 'v').
    const std::string state = naming::qualified(names.schema, "schema_state");
    const std::vector<Row> rows =
        spi.query(std::string("SELECT 'v', version::text, ") + kModelKeyWriter +
                  ", NULL, NULL, NULL, NULL, NULL FROM " + state + " UNION ALL " +
                  model_rows_query(naming::quote_identifier(names.schema)));
    auto state_row = std::find_if(rows.begin(), rows.end(), [](const Row& row) {
        return row.size() == kColumns && row[kKind] == "v" && row[kId] && row[kName];
    });
    if (state_row == rows.end())
        throw Error(sqlstate::kInternalError,
                    "the schema state of tenant " + names.tenant + " is missing");
    KnownModel known{{std::stoll(*(*state_row)[kId]), *(*state_row)[kName]},
                     std::make_shared<const model::Model>(model_from_rows(rows, names)),
                     0};
    store(names.schema, known);
    return known;
}

void remember_model(const naming::TenantNames& names, KnownModel known) {
    store(names.schema, std::move(known));
}

Datum model_document(const naming::TenantNames& names) {
    CachedModel* entry = with_spi(/*read_only=*/true, [&](Spi& spi) {
        model_at(spi, names, model_key(spi, names, false));
        return &cache->front();  // model_at left the tenant's model first in the cache
    });
    if (entry->jsonb.empty()) {
        const Datum doc = jsonb_datum(model::to_json(*entry->known.model));
        const auto* bytes = reinterpret_cast<const char*>(DatumGetPointer(doc));
        entry->jsonb.assign(bytes, VARSIZE(bytes));
    }
    return guard([&] {
        void* copy = palloc(entry->jsonb.size());
        std::memcpy(copy, entry->jsonb.data(), entry->jsonb.size());
        return PointerGetDatum(copy);
    });
}

std::shared_ptr<const model::Model> read_model_shared(const naming::TenantNames& names) {
    return with_spi(/*read_only=*/true, [&](Spi& spi) {
        return model_at(spi, names, model_key(spi, names, false)).model;
    });
}

model::Model read_model(const naming::TenantNames& names) {
    return *read_model_shared(names);
}

namespace {

// The part of the model document that one class needs, in model_query's format: the class
// ($1), the attributes assigned to it, and each class those reference as a bare entry (a
// name and an id), so that the document's references resolve. Every read goes through an
// index on the class's name or id.
std::string class_model_query(const std::string& s) {
    return "WITH c AS (SELECT c.id, c.name, c.description, c.validation_rules, c.events_enabled"
           " FROM " +
           s +
           ".thing_classes c WHERE c.name = $1),"
           " x AS (SELECT a.id, a.name, a.data_type, a.description, a.validation_rules,"
           " a.target_class_id, aa.is_required, aa.assignment_rules FROM c JOIN " +
           s + ".attribute_assignments aa ON aa.thing_class_id = c.id JOIN " + s +
           ".attributes a ON a.id = aa.attribute_id)"
           " SELECT pg_catalog.json_build_object("
           "'attributes', COALESCE((SELECT pg_catalog.json_object_agg(x.name, "
           "pg_catalog.json_build_object("
           "'id', x.id, 'type', x.data_type, 'description', x.description, 'rules', "
           "x.validation_rules, 'target', t.name)) FROM x LEFT JOIN " +
           s +
           ".thing_classes t ON t.id = x.target_class_id), '{}'::json),"
           "'classes', (SELECT pg_catalog.json_object_agg(k.name, k.doc) FROM ("
           "SELECT c.name, pg_catalog.json_build_object("
           "'id', c.id, 'description', c.description, 'rules', c.validation_rules, 'events', "
           "c.events_enabled, 'attributes', COALESCE((SELECT pg_catalog.json_object_agg(x.name, "
           "pg_catalog.json_build_object('required', x.is_required, 'rules', "
           "x.assignment_rules)) FROM x), '{}'::json)) AS doc FROM c"
           " UNION ALL SELECT t.name, pg_catalog.json_build_object('id', t.id) FROM " +
           s +
           ".thing_classes t WHERE t.id IN (SELECT x.target_class_id FROM x)"
           " AND t.id NOT IN (SELECT c.id FROM c)) k))::text"
           " FROM c";
}

// The name of the class whose table is named table, or nullopt. A short table name is "tc_"
// and the class name; a long class name is fitted to 62 or 63 bytes (fit_identifier drops a
// trailing "_" before its "_" and 8 hex digits), so for a name that may be fitted the classes
// whose names start with what the fitting kept are read and the one that maps to the table
// is chosen.
std::optional<std::string> class_of_table(Spi& spi, const std::string& s,
                                          const std::string& table) {
    static constexpr std::string_view kPrefix = "tc_";
    static constexpr std::size_t kSuffix = 9;  // "_" and 8 hex digits
    if (table.compare(0, kPrefix.size(), kPrefix) != 0)
        return std::nullopt;
    std::string exact = table.substr(kPrefix.size());
    const bool may_be_fitted =
        table.size() + 1 >= naming::kMaxIdentifierBytes && table[table.size() - kSuffix] == '_' &&
        table.find_first_not_of("0123456789abcdef", table.size() - kSuffix + 1) ==
            std::string::npos;
    if (!may_be_fitted)
        return exact;
    const std::string kept = table.substr(kPrefix.size(), table.size() - kPrefix.size() - kSuffix);
    const std::vector<Row> rows =
        spi.query("SELECT c.name FROM " + s +
                      ".thing_classes c WHERE c.name = $1 OR pg_catalog.starts_with(c.name, $2)",
                  {exact, kept});
    for (const Row& row : rows) {
        if (!row.empty() && row[0] && physical::table_name(*row[0]) == table)
            return *row[0];
    }
    return std::nullopt;
}

}  // namespace

namespace {

// The model of class cname, or nullopt when the catalog holds no such class.
std::optional<ClassModel> class_model(Spi& spi, const naming::TenantNames& names,
                                      const std::string& s, const std::string& cname) {
    Cell doc = spi.query_value(class_model_query(s), {cname});
    if (!doc)
        return std::nullopt;
    model::Json json = model::Json::parse(*doc, nullptr, false);
    if (json.is_discarded()) {
        throw Error(sqlstate::kInternalError,
                    "could not read class \"" + cname + "\" of tenant " + names.tenant);
    }
    return ClassModel{model::parse_model(json, model::Source::kCatalog), cname};
}

}  // namespace

std::optional<ClassModel> load_class_model(Spi& spi, const naming::TenantNames& names,
                                           const std::string& table) {
    const std::string s = naming::quote_identifier(names.schema);
    std::optional<std::string> cname = class_of_table(spi, s, table);
    if (!cname)
        return std::nullopt;
    return class_model(spi, names, s, *cname);
}

std::optional<ClassModel> load_class_model_by_id(Spi& spi, const naming::TenantNames& names,
                                                 const std::string& class_id) {
    const std::string s = naming::quote_identifier(names.schema);
    const Cell cname =
        spi.query_value("SELECT name FROM " + s + ".thing_classes WHERE id = $1::uuid", {class_id});
    if (!cname)
        return std::nullopt;
    return class_model(spi, names, s, *cname);
}

}  // namespace udm::pg
