// The model document: parsing with precise errors, writing, cross-reference checks.
#include "udm/core/model.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"

namespace udm::model {

namespace {

constexpr std::pair<std::string_view, DataType> kTypes[] = {
    {"text", DataType::kText},           {"number", DataType::kNumber},
    {"integer", DataType::kInteger},     {"boolean", DataType::kBoolean},
    {"date", DataType::kDate},           {"timestamp", DataType::kTimestamp},
    {"reference", DataType::kReference}, {"json", DataType::kJson},
};

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw Error(sqlstate::kInvalidParameterValue, "invalid model: " + path + " " + what);
}

std::string json_type(const Json& v) {
    if (v.is_object())
        return "an object";
    if (v.is_array())
        return "an array";
    if (v.is_string())
        return "a string";
    if (v.is_boolean())
        return "a boolean";
    if (v.is_number())
        return "a number";
    return "null";
}

// Rejects keys outside allowed, so that a typo is an error rather than silently ignored.
// The list in the message leaves "id" out: ids are udm's, and a document from a user that
// carries one is refused (optional_id).
void only_keys(const Json& obj, const std::string& path,
               std::initializer_list<std::string_view> allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool known = false;
        for (std::string_view a : allowed)
            known = known || it.key() == a;
        if (!known) {
            std::string list;
            for (std::string_view a : allowed) {
                if (a != "id")
                    list += (list.empty() ? "" : ", ") + std::string(a);
            }
            bad(path, "has an unknown key \"" + naming::abbreviate(it.key()) +
                          "\" (allowed: " + list + ")");
        }
    }
}

const Json* member(const Json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

void expect_object(const Json& v, const std::string& path) {
    if (!v.is_object())
        bad(path, "must be an object, not " + json_type(v));
}

std::optional<std::string> optional_string(const Json& obj, const char* key,
                                           const std::string& path) {
    const Json* v = member(obj, key);
    if (v == nullptr || v->is_null())
        return std::nullopt;
    if (!v->is_string())
        bad(path + "." + key, "must be a string or null, not " + json_type(*v));
    return v->get<std::string>();
}

bool optional_bool(const Json& obj, const char* key, const std::string& path) {
    const Json* v = member(obj, key);
    if (v == nullptr || v->is_null())
        return false;
    if (!v->is_boolean())
        bad(path + "." + key, "must be a boolean, not " + json_type(*v));
    return v->get<bool>();
}

Json optional_rules(const Json& obj, const std::string& path) {
    const Json* v = member(obj, "rules");
    if (v == nullptr || v->is_null())
        return Json::object();
    if (!v->is_object())
        bad(path + ".rules", "must be an object, not " + json_type(*v));
    return *v;
}

std::string optional_id(const Json& obj, const std::string& path, Source source) {
    const Json* v = member(obj, "id");
    if (source == Source::kUser) {
        if (v != nullptr)
            bad(path, "has an unknown key \"id\" (ids are assigned by udm)");
        return {};
    }
    if (v == nullptr || !v->is_string())
        bad(path + ".id", "must be a string");
    return v->get<std::string>();
}

// Checks name as a name of kind, reporting the path on failure.
void check_name(naming::NameKind kind, const std::string& name, const std::string& path) {
    try {
        naming::check_model_name(kind, name);
    } catch (const Error& e) {
        throw Error(e.sqlstate(), std::string(e.what()) + " (at " + path + ")", e.detail(),
                    e.hint());
    }
}

std::string key_path(const std::string& base, const std::string& key) {
    return base + "[\"" + naming::abbreviate(key) + "\"]";
}

std::optional<std::int64_t> optional_max(const Json& obj, const char* key,
                                         const std::string& path) {
    const Json* v = member(obj, key);
    if (v == nullptr || v->is_null())
        return std::nullopt;
    if (!v->is_number_integer() || v->get<std::int64_t>() < 1) {
        bad(path + "." + key, "must be a positive integer or null");
    }
    return v->get<std::int64_t>();
}

}  // namespace

std::optional<DataType> parse_data_type(std::string_view name) {
    for (const auto& [n, t] : kTypes) {
        if (n == name)
            return t;
    }
    return std::nullopt;
}

std::string_view type_name(DataType type) {
    for (const auto& [n, t] : kTypes) {
        if (t == type)
            return n;
    }
    return "text";
}

std::string_view sql_type(DataType type) {
    switch (type) {
        case DataType::kText:
            return "text";
        case DataType::kNumber:
            return "numeric";
        case DataType::kInteger:
            return "bigint";
        case DataType::kBoolean:
            return "boolean";
        case DataType::kDate:
            return "date";
        case DataType::kTimestamp:
            return "timestamp with time zone";
        case DataType::kReference:
            return "uuid";
        case DataType::kJson:
            return "jsonb";
    }
    return "text";
}

std::string_view data_type_list() {
    return "text, number, integer, boolean, date, timestamp, reference, json";
}

std::string relationship_key(std::string_view from, std::string_view type, std::string_view to) {
    return std::string(from) + "\n" + std::string(type) + "\n" + std::string(to);
}

Cardinality parse_cardinality(const Json& doc, const std::string& path) {
    if (doc.is_null())
        return {};
    expect_object(doc, path);
    only_keys(doc, path, {"max_targets", "max_sources"});
    return Cardinality{optional_max(doc, "max_targets", path),
                       optional_max(doc, "max_sources", path)};
}

Json cardinality_to_json(const Cardinality& c) {
    Json out = Json::object();
    if (c.max_targets)
        out["max_targets"] = *c.max_targets;
    if (c.max_sources)
        out["max_sources"] = *c.max_sources;
    return out;
}

Model parse_model(const Json& doc, Source source) {
    expect_object(doc, "the model");
    only_keys(doc, "the model", {"attributes", "classes", "relationship_types", "relationships"});
    Model m;

    if (const Json* attrs = member(doc, "attributes"); attrs != nullptr && !attrs->is_null()) {
        expect_object(*attrs, "attributes");
        for (auto it = attrs->begin(); it != attrs->end(); ++it) {
            const std::string path = key_path("attributes", it.key());
            check_name(naming::NameKind::kAttribute, it.key(), path);
            expect_object(*it, path);
            only_keys(*it, path, {"id", "type", "description", "rules", "target", "renamed_from"});
            Attribute a;
            a.id = optional_id(*it, path, source);
            a.name = it.key();
            const Json* type = member(*it, "type");
            if (type == nullptr || !type->is_string())
                bad(path + ".type", "must be a string naming a data type");
            auto dt = parse_data_type(type->get<std::string>());
            if (!dt) {
                bad(path + ".type", "names an unknown data type \"" +
                                        naming::abbreviate(type->get<std::string>()) +
                                        "\" (known: " + std::string(data_type_list()) + ")");
            }
            a.type = *dt;
            a.description = optional_string(*it, "description", path);
            a.rules = optional_rules(*it, path);
            a.target = optional_string(*it, "target", path);
            a.renamed_from = optional_string(*it, "renamed_from", path);
            if (a.type == DataType::kReference && !a.target) {
                bad(path, "is a reference and must name its target class in \"target\"");
            }
            if (a.type != DataType::kReference && a.target) {
                bad(path + ".target", "is only allowed on reference attributes");
            }
            if (a.renamed_from)
                check_name(naming::NameKind::kAttribute, *a.renamed_from, path + ".renamed_from");
            m.attributes.emplace(a.name, std::move(a));
        }
    }

    if (const Json* classes = member(doc, "classes"); classes != nullptr && !classes->is_null()) {
        expect_object(*classes, "classes");
        for (auto it = classes->begin(); it != classes->end(); ++it) {
            const std::string path = key_path("classes", it.key());
            check_name(naming::NameKind::kClass, it.key(), path);
            expect_object(*it, path);
            only_keys(*it, path,
                      {"id", "description", "rules", "attributes", "renamed_from", "events"});
            ThingClass c;
            c.id = optional_id(*it, path, source);
            c.name = it.key();
            c.description = optional_string(*it, "description", path);
            c.rules = optional_rules(*it, path);
            c.renamed_from = optional_string(*it, "renamed_from", path);
            if (c.renamed_from)
                check_name(naming::NameKind::kClass, *c.renamed_from, path + ".renamed_from");
            if (const Json* ev = member(*it, "events"); ev != nullptr && !ev->is_null()) {
                if (!ev->is_boolean())
                    bad(path + ".events", "must be a boolean, not " + json_type(*ev));
                c.events = ev->get<bool>();
            }
            if (const Json* as = member(*it, "attributes"); as != nullptr && !as->is_null()) {
                const std::string apath = path + ".attributes";
                expect_object(*as, apath);
                for (auto at = as->begin(); at != as->end(); ++at) {
                    const std::string p = key_path(apath, at.key());
                    check_name(naming::NameKind::kAttribute, at.key(), p);
                    expect_object(*at, p);
                    only_keys(*at, p, {"required", "rules"});
                    Assignment a;
                    a.attribute = at.key();
                    a.required = optional_bool(*at, "required", p);
                    a.rules = optional_rules(*at, p);
                    c.assignments.emplace(a.attribute, std::move(a));
                }
            }
            m.classes.emplace(c.name, std::move(c));
        }
    }

    if (const Json* types = member(doc, "relationship_types");
        types != nullptr && !types->is_null()) {
        expect_object(*types, "relationship_types");
        for (auto it = types->begin(); it != types->end(); ++it) {
            const std::string path = key_path("relationship_types", it.key());
            check_name(naming::NameKind::kRelationshipType, it.key(), path);
            expect_object(*it, path);
            only_keys(*it, path, {"id", "inverse", "description"});
            RelationshipType t;
            t.id = optional_id(*it, path, source);
            t.name = it.key();
            t.inverse = optional_string(*it, "inverse", path);
            t.description = optional_string(*it, "description", path);
            if (t.inverse)
                check_name(naming::NameKind::kRelationshipType, *t.inverse, path + ".inverse");
            m.relationship_types.emplace(t.name, std::move(t));
        }
    }

    if (const Json* rels = member(doc, "relationships"); rels != nullptr && !rels->is_null()) {
        if (!rels->is_array())
            bad("relationships", "must be an array, not " + json_type(*rels));
        for (std::size_t i = 0; i < rels->size(); ++i) {
            const Json& r = (*rels)[i];
            const std::string path = "relationships[" + std::to_string(i) + "]";
            expect_object(r, path);
            only_keys(r, path, {"id", "from", "to", "type", "cardinality", "bidirectional"});
            AllowedRelationship a;
            a.id = optional_id(r, path, source);
            for (auto [key, field] :
                 {std::pair{"from", &a.from}, {"to", &a.to}, {"type", &a.type}}) {
                auto v = optional_string(r, key, path);
                if (!v)
                    bad(path + "." + key, "is required");
                *field = *v;
            }
            const Json* card = member(r, "cardinality");
            a.cardinality = parse_cardinality(card ? *card : Json(), path + ".cardinality");
            a.bidirectional = optional_bool(r, "bidirectional", path);
            std::string key = relationship_key(a.from, a.type, a.to);
            if (m.relationships.count(key)) {
                bad(path, "repeats the relationship \"" + a.type + "\" from \"" + a.from +
                              "\" to \"" + a.to + "\"");
            }
            m.relationships.emplace(std::move(key), std::move(a));
        }
    }
    return m;
}

void check_references(const Model& m, const Delta* delta) {
    auto missing = [](const std::string& what, const std::string& name, const std::string& where) {
        throw Error(sqlstate::kUndefinedObject,
                    what + " \"" + naming::abbreviate(name) + "\" does not exist",
                    "Referenced by " + where + ".");
    };
    for (const auto& [name, a] : m.attributes) {
        if (a.target && !m.classes.count(*a.target)) {
            missing("class", *a.target, "the reference attribute \"" + name + "\"");
        }
    }
    // An untouched class assigns no attribute the delta removes (that would touch it).
    for (const auto& [cname, c] : m.classes) {
        if (delta != nullptr && !delta->touches(cname))
            continue;
        for (const auto& [aname, as] : c.assignments) {
            if (!m.attributes.count(aname))
                missing("attribute", aname, "class \"" + cname + "\"");
        }
    }
    for (const auto& [key, r] : m.relationships) {
        const std::string where = "the allowed relationship \"" + r.type + "\" from \"" + r.from +
                                  "\" to \"" + r.to + "\"";
        if (!m.classes.count(r.from))
            missing("class", r.from, where);
        if (!m.classes.count(r.to))
            missing("class", r.to, where);
        if (!m.relationship_types.count(r.type))
            missing("relationship type", r.type, where);
    }
    // Renames must name distinct existing objects; checked against the current model by
    // the planner. Here: no two entries claim the same old name.
    std::set<std::string> seen;
    for (const auto& [name, c] : m.classes) {
        if (c.renamed_from && !seen.insert(*c.renamed_from).second) {
            throw Error(sqlstate::kInvalidParameterValue,
                        "invalid model: two classes are renamed from \"" + *c.renamed_from + "\"");
        }
    }
    seen.clear();
    for (const auto& [name, a] : m.attributes) {
        if (a.renamed_from && !seen.insert(*a.renamed_from).second) {
            throw Error(
                sqlstate::kInvalidParameterValue,
                "invalid model: two attributes are renamed from \"" + *a.renamed_from + "\"");
        }
    }
}

Json to_json(const Attribute& a) {
    Json j = {{"type", type_name(a.type)}};
    if (a.description)
        j["description"] = *a.description;
    if (!a.rules.empty())
        j["rules"] = a.rules;
    if (a.target)
        j["target"] = *a.target;
    return j;
}

Json to_json(const ThingClass& c) {
    Json j = Json::object();
    if (c.description)
        j["description"] = *c.description;
    if (!c.rules.empty())
        j["rules"] = c.rules;
    if (!c.events)
        j["events"] = false;
    Json as = Json::object();
    for (const auto& [aname, a] : c.assignments) {
        Json aj = Json::object();
        if (a.required)
            aj["required"] = true;
        if (!a.rules.empty())
            aj["rules"] = a.rules;
        as[aname] = std::move(aj);
    }
    j["attributes"] = std::move(as);
    return j;
}

Json to_json(const RelationshipType& t) {
    Json j = Json::object();
    if (t.inverse)
        j["inverse"] = *t.inverse;
    if (t.description)
        j["description"] = *t.description;
    return j;
}

Json to_json(const AllowedRelationship& r) {
    Json j = {{"from", r.from}, {"to", r.to}, {"type", r.type}};
    Json card = cardinality_to_json(r.cardinality);
    if (!card.empty())
        j["cardinality"] = std::move(card);
    if (r.bidirectional)
        j["bidirectional"] = true;
    return j;
}

Json relationships_to_json(const Model& m) {
    Json rels = Json::array();
    for (const auto& [key, r] : m.relationships)
        rels.push_back(to_json(r));
    return rels;
}

Json to_json(const Model& m) {
    Json out = Json::object();
    Json attrs = Json::object();
    for (const auto& [name, a] : m.attributes)
        attrs[name] = to_json(a);
    Json classes = Json::object();
    for (const auto& [name, c] : m.classes)
        classes[name] = to_json(c);
    Json types = Json::object();
    for (const auto& [name, t] : m.relationship_types)
        types[name] = to_json(t);
    out["attributes"] = std::move(attrs);
    out["classes"] = std::move(classes);
    out["relationship_types"] = std::move(types);
    out["relationships"] = relationships_to_json(m);
    return out;
}

bool same_document(const Attribute& a, const Attribute& b) {
    return a.type == b.type && a.description == b.description && a.rules == b.rules &&
           a.target == b.target;
}

bool same_document(const ThingClass& a, const ThingClass& b) {
    if (a.description != b.description || a.rules != b.rules || a.events != b.events ||
        a.assignments.size() != b.assignments.size())
        return false;
    return std::equal(a.assignments.begin(), a.assignments.end(), b.assignments.begin(),
                      [](const auto& x, const auto& y) {
                          return x.first == y.first && x.second.required == y.second.required &&
                                 x.second.rules == y.second.rules;
                      });
}

Delta delta(const Model& current, const Model& desired) {
    Delta d;
    auto same = [](const std::string& a, const std::string& b) {
        return a.empty() || b.empty() || a == b;
    };
    for (const auto& [name, a] : desired.attributes) {
        auto old = current.attributes.find(name);
        if (old == current.attributes.end() || !same(old->second.id, a.id) ||
            (a.renamed_from && *a.renamed_from != name) || !same_document(old->second, a))
            d.attributes.insert(name);
    }
    for (const auto& [name, a] : current.attributes) {
        if (!desired.attributes.count(name))
            d.attributes.insert(name);
    }
    for (const auto& [name, c] : desired.classes) {
        auto old = current.classes.find(name);
        bool touched = old == current.classes.end() || !same(old->second.id, c.id) ||
                       (c.renamed_from && *c.renamed_from != name) ||
                       !same_document(old->second, c);
        for (auto it = c.assignments.begin(); !touched && it != c.assignments.end(); ++it)
            touched = d.attributes.count(it->first) != 0;
        if (touched)
            d.classes.insert(name);
    }
    for (const auto& [name, c] : current.classes) {
        if (!desired.classes.count(name))
            d.removed_classes.insert(name);
    }
    return d;
}

bool same_document(const RelationshipType& a, const RelationshipType& b) {
    return a.inverse == b.inverse && a.description == b.description;
}

bool same_document(const AllowedRelationship& a, const AllowedRelationship& b) {
    return a.from == b.from && a.to == b.to && a.type == b.type && a.cardinality == b.cardinality &&
           a.bidirectional == b.bidirectional;
}

namespace {

void check_description(const std::optional<std::string>& before,
                       const std::optional<std::string>& after, const std::string& what) {
    if (!after || after == before || after->size() <= kMaxDescriptionBytes)
        return;
    throw Error(sqlstate::kStringDataRightTruncation, "the description of " + what + " is too long",
                "It has " + std::to_string(after->size()) + " bytes; at most " +
                    std::to_string(kMaxDescriptionBytes) + " are allowed.");
}

void check_rules_size(const Json* before, const Json& after, const std::string& what) {
    if (after.empty() || (before != nullptr && *before == after))
        return;
    const std::size_t n = after.dump().size();
    if (n <= kMaxRulesBytes)
        return;
    throw Error(sqlstate::kProgramLimitExceeded, "the rules of " + what + " are too large",
                "They take " + std::to_string(n) + " bytes as JSON; at most " +
                    std::to_string(kMaxRulesBytes) + " are allowed.");
}

}  // namespace

void check_limits(const Model& current, const Model& desired, const Delta* delta) {
    for (const auto& [name, a] : desired.attributes) {
        auto old = current.attributes.find(name);
        const bool had = old != current.attributes.end();
        const std::string what = "attribute \"" + name + "\"";
        check_description(had ? old->second.description : std::nullopt, a.description, what);
        check_rules_size(had ? &old->second.rules : nullptr, a.rules, what);
    }
    for (const auto& [name, c] : desired.classes) {
        if (delta != nullptr && !delta->touches(name))
            continue;
        auto old = current.classes.find(name);
        const bool had = old != current.classes.end();
        const std::string what = "class \"" + name + "\"";
        check_description(had ? old->second.description : std::nullopt, c.description, what);
        check_rules_size(had ? &old->second.rules : nullptr, c.rules, what);
        for (const auto& [aname, as] : c.assignments) {
            const Assignment* before = nullptr;
            if (had) {
                auto it = old->second.assignments.find(aname);
                if (it != old->second.assignments.end())
                    before = &it->second;
            }
            check_rules_size(before != nullptr ? &before->rules : nullptr, as.rules,
                             "attribute \"" + aname + "\" of class \"" + name + "\"");
        }
    }
    for (const auto& [name, t] : desired.relationship_types) {
        auto old = current.relationship_types.find(name);
        check_description(
            old != current.relationship_types.end() ? old->second.description : std::nullopt,
            t.description, "relationship type \"" + name + "\"");
    }
}

std::vector<std::string> classes_referencing(const Model& m, const std::string& class_name) {
    std::vector<std::string> out;
    for (const auto& [cname, c] : m.classes) {
        for (const auto& [aname, as] : c.assignments) {
            auto it = m.attributes.find(aname);
            if (it != m.attributes.end() && it->second.target == class_name) {
                out.push_back(cname);
                break;
            }
        }
    }
    return out;
}

namespace {

// The merged value of a boolean rule key: assignment rules win over attribute rules.
bool merged_flag(const Model& m, const Assignment& a, const char* key) {
    if (auto it = a.rules.find(key); it != a.rules.end() && it->is_boolean())
        return it->get<bool>();
    auto attr = m.attributes.find(a.attribute);
    if (attr != m.attributes.end()) {
        if (auto it = attr->second.rules.find(key);
            it != attr->second.rules.end() && it->is_boolean()) {
            return it->get<bool>();
        }
    }
    return false;
}

}  // namespace

bool wants_index(const Model& m, const ThingClass&, const Assignment& a) {
    return merged_flag(m, a, "indexed");
}

bool wants_unique(const Model& m, const ThingClass&, const Assignment& a) {
    return merged_flag(m, a, "unique");
}

}  // namespace udm::model
