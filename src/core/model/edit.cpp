// Fine-grained model edits with their argument checks.
#include "udm/core/edit.hpp"

#include <vector>

#include "udm/core/error.hpp"
#include "udm/core/naming.hpp"

namespace udm::edit {

namespace {

using naming::NameKind;

std::string quoted(const std::string& name) {
    return "\"" + naming::abbreviate(name) + "\"";
}

[[noreturn]] void unknown(std::string_view what, const std::string& name) {
    throw Error(sqlstate::kUndefinedObject,
                std::string(what) + " " + quoted(name) + " does not exist");
}

[[noreturn]] void exists(std::string_view what, const std::string& name) {
    throw Error(sqlstate::kDuplicateObject,
                std::string(what) + " " + quoted(name) + " already exists");
}

model::ThingClass& find_class(Model& m, const std::string& name) {
    auto it = m.classes.find(name);
    if (it == m.classes.end()) {
        naming::check_model_name(NameKind::kClass, name);
        unknown("class", name);
    }
    return it->second;
}

model::Attribute& find_attribute(Model& m, const std::string& name) {
    auto it = m.attributes.find(name);
    if (it == m.attributes.end()) {
        naming::check_model_name(NameKind::kAttribute, name);
        unknown("attribute", name);
    }
    return it->second;
}

void check_rules(const Json& rules, const char* what) {
    if (!rules.is_object()) {
        throw Error(sqlstate::kInvalidParameterValue, std::string(what) + " must be a JSON object",
                    "Rules are written as an object, for example {\"max_length\": 200}; {} means "
                    "no rules.");
    }
}

model::DataType parse_type(const std::string& name) {
    auto t = model::parse_data_type(name);
    if (!t) {
        throw Error(sqlstate::kInvalidParameterValue, "unknown data type " + quoted(name),
                    "The data types are " + std::string(model::data_type_list()) + ".");
    }
    return *t;
}

// Checks the target of a reference attribute of type t.
void check_target(const Model& m, model::DataType t, const std::optional<std::string>& target) {
    if (t == model::DataType::kReference) {
        if (!target) {
            throw Error(sqlstate::kInvalidParameterValue,
                        "a reference attribute needs a target class", {},
                        "Pass target_class => 'name_of_the_class'.");
        }
        if (!m.classes.count(*target)) {
            naming::check_model_name(NameKind::kClass, *target);
            unknown("class", *target);
        }
    } else if (target) {
        throw Error(sqlstate::kInvalidParameterValue,
                    "only reference attributes have a target class");
    }
}

std::string list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + quoted(n);
    return out;
}

}  // namespace

void create_class(Model& m, const std::string& name, const std::optional<std::string>& description,
                  const Json& rules) {
    naming::check_model_name(NameKind::kClass, name);
    check_rules(rules, "class rules");
    if (m.classes.count(name))
        exists("class", name);
    model::ThingClass c;
    c.name = name;
    c.description = description;
    c.rules = rules;
    m.classes.emplace(name, std::move(c));
}

void rename_class(Model& m, const std::string& name, const std::string& new_name) {
    find_class(m, name);
    naming::check_model_name(NameKind::kClass, new_name);
    if (name == new_name)
        return;
    if (m.classes.count(new_name))
        exists("class", new_name);
    auto node = m.classes.extract(name);
    node.key() = new_name;
    node.mapped().name = new_name;
    if (!node.mapped().renamed_from)
        node.mapped().renamed_from = name;
    m.classes.insert(std::move(node));
    for (auto& [aname, a] : m.attributes) {
        if (a.target == name)
            a.target = new_name;
    }
    std::map<std::string, model::AllowedRelationship> rels;
    for (auto& [key, r] : m.relationships) {
        if (r.from == name)
            r.from = new_name;
        if (r.to == name)
            r.to = new_name;
        rels.emplace(model::relationship_key(r.from, r.type, r.to), std::move(r));
    }
    m.relationships = std::move(rels);
}

void drop_class(Model& m, const std::string& name) {
    find_class(m, name);
    std::vector<std::string> referencing;
    for (const auto& [aname, a] : m.attributes) {
        if (a.target == name)
            referencing.push_back(aname);
    }
    if (!referencing.empty()) {
        std::vector<std::string> classes = model::classes_referencing(m, name);
        throw Error(sqlstate::kDependentObjectsStillExist,
                    "cannot drop class " + quoted(name) + ": reference attributes point at it",
                    "Reference attributes " + list(referencing) + " target it" +
                        (classes.empty() ? "." : "; classes " + list(classes) + " use them."),
                    "Drop those attributes, or point them at another class, first.");
    }
    m.classes.erase(name);
    for (auto it = m.relationships.begin(); it != m.relationships.end();) {
        it = (it->second.from == name || it->second.to == name) ? m.relationships.erase(it)
                                                                : std::next(it);
    }
}

void set_class_events(Model& m, const std::string& name, bool on) {
    find_class(m, name).events = on;
}

void create_attribute(Model& m, const std::string& name, const std::string& data_type,
                      const Json& rules, const std::optional<std::string>& target,
                      const std::optional<std::string>& description) {
    naming::check_model_name(NameKind::kAttribute, name);
    model::DataType t = parse_type(data_type);
    check_rules(rules, "attribute rules");
    if (m.attributes.count(name))
        exists("attribute", name);
    check_target(m, t, target);
    model::Attribute a;
    a.name = name;
    a.type = t;
    a.rules = rules;
    a.target = target;
    a.description = description;
    m.attributes.emplace(name, std::move(a));
}

void alter_attribute(Model& m, const std::string& name, const AttributeChange& change) {
    model::Attribute& a = find_attribute(m, name);
    if (change.data_type) {
        a.type = parse_type(*change.data_type);
        if (a.type != model::DataType::kReference)
            a.target.reset();
    }
    if (change.target)
        a.target = change.target;
    check_target(m, a.type, a.target);
    if (change.description)
        a.description = change.description;
    if (change.rules) {
        check_rules(*change.rules, "attribute rules");
        a.rules = *change.rules;
    }
    if (change.new_name && *change.new_name != name) {
        const std::string new_name = *change.new_name;
        naming::check_model_name(NameKind::kAttribute, new_name);
        if (m.attributes.count(new_name))
            exists("attribute", new_name);
        auto node = m.attributes.extract(name);
        node.key() = new_name;
        node.mapped().name = new_name;
        if (!node.mapped().renamed_from)
            node.mapped().renamed_from = name;
        m.attributes.insert(std::move(node));
        for (auto& [cname, c] : m.classes) {
            auto as = c.assignments.extract(name);
            if (as.empty())
                continue;
            as.key() = new_name;
            as.mapped().attribute = new_name;
            c.assignments.insert(std::move(as));
        }
    }
}

void drop_attribute(Model& m, const std::string& name, bool force) {
    find_attribute(m, name);
    std::vector<std::string> users;
    for (const auto& [cname, c] : m.classes) {
        if (c.assignments.count(name))
            users.push_back(cname);
    }
    if (!users.empty() && !force) {
        throw Error(
            sqlstate::kDependentObjectsStillExist,
            "cannot drop attribute " + quoted(name) + ": it is assigned to classes " + list(users),
            "Dropping it would drop its column, and every value in it, from those tables.",
            "Unassign it first, or call udm.drop_attribute(tenant, name, force => true).");
    }
    for (const auto& cname : users)
        m.classes.at(cname).assignments.erase(name);
    m.attributes.erase(name);
}

void assign_attribute(Model& m, const std::string& cls, const std::string& attribute, bool required,
                      const Json& rules) {
    model::ThingClass& c = find_class(m, cls);
    find_attribute(m, attribute);
    check_rules(rules, "assignment rules");
    if (c.assignments.count(attribute)) {
        throw Error(
            sqlstate::kDuplicateObject,
            "attribute " + quoted(attribute) + " is already assigned to class " + quoted(cls), {},
            "udm.alter_assignment changes whether it is required and its assignment "
            "rules.");
    }
    c.assignments.emplace(attribute, model::Assignment{attribute, required, rules});
}

void alter_assignment(Model& m, const std::string& cls, const std::string& attribute,
                      std::optional<bool> required, const std::optional<Json>& rules) {
    model::ThingClass& c = find_class(m, cls);
    find_attribute(m, attribute);
    if (rules)
        check_rules(*rules, "assignment rules");
    auto it = c.assignments.find(attribute);
    if (it == c.assignments.end()) {
        throw Error(sqlstate::kUndefinedObject,
                    "attribute " + quoted(attribute) + " is not assigned to class " + quoted(cls),
                    {}, "udm.assign_attribute assigns it.");
    }
    if (required)
        it->second.required = *required;
    if (rules)
        it->second.rules = *rules;
}

void unassign_attribute(Model& m, const std::string& cls, const std::string& attribute) {
    model::ThingClass& c = find_class(m, cls);
    find_attribute(m, attribute);
    if (!c.assignments.erase(attribute)) {
        throw Error(sqlstate::kUndefinedObject,
                    "attribute " + quoted(attribute) + " is not assigned to class " + quoted(cls));
    }
}

void create_relationship_type(Model& m, const std::string& name,
                              const std::optional<std::string>& inverse,
                              const std::optional<std::string>& description) {
    naming::check_model_name(NameKind::kRelationshipType, name);
    if (inverse)
        naming::check_model_name(NameKind::kRelationshipType, *inverse);
    if (m.relationship_types.count(name))
        exists("relationship type", name);
    m.relationship_types.emplace(name, model::RelationshipType{"", name, inverse, description});
}

void drop_relationship_type(Model& m, const std::string& name) {
    if (!m.relationship_types.count(name)) {
        naming::check_model_name(NameKind::kRelationshipType, name);
        unknown("relationship type", name);
    }
    for (const auto& [key, r] : m.relationships) {
        if (r.type == name) {
            throw Error(sqlstate::kDependentObjectsStillExist,
                        "cannot drop relationship type " + quoted(name) +
                            ": it is allowed from class " + quoted(r.from) + " to class " +
                            quoted(r.to),
                        {}, "Disallow it first with udm.disallow_relationship.");
        }
    }
    m.relationship_types.erase(name);
}

void allow_relationship(Model& m, const std::string& from, const std::string& to,
                        const std::string& type, const Json& cardinality, bool bidirectional) {
    find_class(m, from);
    find_class(m, to);
    if (!m.relationship_types.count(type)) {
        naming::check_model_name(NameKind::kRelationshipType, type);
        unknown("relationship type", type);
    }
    model::AllowedRelationship r;
    r.from = from;
    r.to = to;
    r.type = type;
    r.cardinality = model::parse_cardinality(cardinality, "cardinality");
    r.bidirectional = bidirectional;
    std::string key = model::relationship_key(from, type, to);
    if (m.relationships.count(key)) {
        throw Error(sqlstate::kDuplicateObject, "relationship " + quoted(type) +
                                                    " is already allowed from class " +
                                                    quoted(from) + " to class " + quoted(to));
    }
    m.relationships.emplace(std::move(key), std::move(r));
}

void disallow_relationship(Model& m, const std::string& from, const std::string& to,
                           const std::string& type) {
    find_class(m, from);
    find_class(m, to);
    if (!m.relationships.erase(model::relationship_key(from, type, to))) {
        throw Error(sqlstate::kUndefinedObject, "relationship " + quoted(type) +
                                                    " is not allowed from class " + quoted(from) +
                                                    " to class " + quoted(to));
    }
}

}  // namespace udm::edit
