// The fine-grained model changes behind udm.create_class, udm.assign_attribute, ...: each
// edits a model in memory, checking its arguments against it; the planner then turns the
// edited model into DDL like any desired model.
#pragma once

#include <optional>
#include <string>

#include "udm/core/model.hpp"

namespace udm::edit {

using model::Json;
using model::Model;

// Each throws udm::Error: 22023 for a bad name or value, 42704 for an unknown object,
// 42710 for one that already exists, 2BP01 for one still in use.
void create_class(Model& m, const std::string& name, const std::optional<std::string>& description,
                  const Json& rules);
void rename_class(Model& m, const std::string& name, const std::string& new_name);
void drop_class(Model& m, const std::string& name);
// Turns the data events of a class on or off.
void set_class_events(Model& m, const std::string& name, bool on);

void create_attribute(Model& m, const std::string& name, const std::string& data_type,
                      const Json& rules, const std::optional<std::string>& target,
                      const std::optional<std::string>& description);

// What udm.alter_attribute changes; an empty field is left as it is.
struct AttributeChange {
    std::optional<std::string> new_name;
    std::optional<std::string> data_type;
    std::optional<std::string> target;
    std::optional<std::string> description;
    std::optional<Json> rules;
};
void alter_attribute(Model& m, const std::string& name, const AttributeChange& change);
// Refuses an attribute still assigned to a class unless force, which unassigns it.
void drop_attribute(Model& m, const std::string& name, bool force);

void assign_attribute(Model& m, const std::string& cls, const std::string& attribute, bool required,
                      const Json& rules);
// Changes an assignment: whether it is required and its rules; nullopt leaves either as
// it is. Making it required is refused by the plan while rows hold no value.
void alter_assignment(Model& m, const std::string& cls, const std::string& attribute,
                      std::optional<bool> required, const std::optional<Json>& rules);
void unassign_attribute(Model& m, const std::string& cls, const std::string& attribute);

void create_relationship_type(Model& m, const std::string& name,
                              const std::optional<std::string>& inverse,
                              const std::optional<std::string>& description);
void drop_relationship_type(Model& m, const std::string& name);

void allow_relationship(Model& m, const std::string& from, const std::string& to,
                        const std::string& type, const Json& cardinality, bool bidirectional);
void disallow_relationship(Model& m, const std::string& from, const std::string& to,
                           const std::string& type);

}  // namespace udm::edit
