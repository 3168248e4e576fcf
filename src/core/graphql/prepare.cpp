// From a request (document, variables, operation name) to a prepared operation: parse,
// validate, pick the operation, coerce variables (spec 6.1.2), and plan the selection set
// (spec CollectFields and CoerceArgumentValues) so execution needs neither the document
// nor the schema.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "introspection.hpp"
#include "suggest.hpp"
#include "udm/core/graphql/subscription.hpp"
#include "udm/core/naming.hpp"
#include "validation.hpp"
#include "values.hpp"

namespace udm::graphql {

namespace {

using Kind = Selection::Kind;

// Spreading fragments can multiply fields (one fragment spread under many aliases): at
// most this many fields are planned, so a small document cannot make a huge plan.
constexpr std::size_t kMaxPlannedFields = 10000;
// Every planned field with a sub-selection collects its fragments anew: at most this many
// selections are visited in all (validation has its own budget, kMaxValidationWork).
constexpr std::size_t kMaxPlanWork = 200000;
// Names longer than this are too far from every model name (naming::kMaxModelNameLength)
// for a suggestion (within 40% of their length), which costs their length times each name's.
constexpr std::size_t kMaxSuggestedFrom = naming::kMaxModelNameLength * 5 / 3 + 1;

class Planner {
  public:
    Planner(const Schema& schema, const Document& doc, const Json& variables,
            std::vector<Error>& errors)
        : s_(schema), vars_(variables), errors_(errors) {
        for (const FragmentDefinition& f : doc.fragments)
            fragments_.emplace(f.name, &f);
    }

    // The fields to put in the response for selection sets on an object type.
    std::vector<PlannedField> plan(const std::vector<const SelectionSet*>& sets, const Type& type) {
        std::vector<std::pair<std::string, std::vector<const Selection*>>> groups;
        std::map<std::string, std::size_t> index;
        std::set<std::string> visited;
        for (const SelectionSet* set : sets)
            collect(*set, type, groups, index, visited);
        std::vector<PlannedField> out;
        for (const auto& [key, selections] : groups) {
            if (++planned_ > kMaxPlannedFields) {
                if (planned_ == kMaxPlannedFields + 1) {
                    errors_.push_back({"The operation selects too many fields (more than " +
                                           std::to_string(kMaxPlannedFields) +
                                           ") once fragments are spread.",
                                       {selections.front()->location},
                                       {}});
                }
                return out;
            }
            if (auto f = planned(key, selections, type))
                out.push_back(std::move(*f));
        }
        return out;
    }

  private:
    // CollectFields: fields by response key in order of appearance, fragments spread once.
    void collect(const SelectionSet& set, const Type& type,
                 std::vector<std::pair<std::string, std::vector<const Selection*>>>& groups,
                 std::map<std::string, std::size_t>& index, std::set<std::string>& visited) {
        for (const Selection& sel : set) {
            if (++work_ > kMaxPlanWork) {
                if (work_ == kMaxPlanWork + 1) {
                    errors_.push_back(
                        {"Document is too complex: its fields, with fragments "
                         "spread, are too many to plan.",
                         {},
                         {}});
                }
                return;
            }
            if (!included(sel.directives))
                continue;
            if (sel.kind == Kind::kField) {
                auto [it, fresh] = index.emplace(sel.response_key(), groups.size());
                if (fresh)
                    groups.push_back({sel.response_key(), {}});
                groups[it->second].second.push_back(&sel);
            } else if (sel.kind == Kind::kInlineFragment) {
                if (!sel.type_condition || *sel.type_condition == type.name)
                    collect(sel.selection_set, type, groups, index, visited);
            } else if (visited.insert(sel.name).second) {
                auto f = fragments_.find(sel.name);
                if (f != fragments_.end() && f->second->type_condition == type.name) {
                    collect(f->second->selection_set, type, groups, index, visited);
                }
            }
        }
    }

    // Whether @skip and @include let a selection in, with the operation's variables.
    bool included(const std::vector<Directive>& directives) {
        for (const Directive& d : directives) {
            if (d.name != "skip" && d.name != "include")
                continue;
            for (const Argument& a : d.arguments) {
                if (a.name != "if")
                    continue;
                auto v = coerce_literal(s_, a.value, TypeRef::non_null(TypeRef::named("Boolean")),
                                        vars_);
                if (!v) {
                    errors_.push_back(
                        {"Argument \"if\" of non-null type \"Boolean!\" must not be null.",
                         {a.location},
                         {}});
                    return false;
                }
                if (v->get<bool>() == (d.name == "skip"))
                    return false;
            }
        }
        return true;
    }

    // The planned field of one response key; nullopt (with an error) when an argument has
    // no valid value.
    std::optional<PlannedField> planned(const std::string& key,
                                        const std::vector<const Selection*>& selections,
                                        const Type& parent) {
        const Selection& first = *selections.front();
        PlannedField f;
        f.response_key = key;
        f.name = first.name;
        f.parent_type = parent.name;
        f.location = first.location;
        if (first.name == "__typename") {
            f.type = TypeRef::non_null(TypeRef::named("String"));
            return f;
        }
        const Field* def = field_definition(s_, parent, first.name);
        if (def == nullptr)
            return std::nullopt;  // validation has reported it
        f.type = def->type;
        if (!arguments(first, *def, f.arguments))
            return std::nullopt;
        if (parent.name == kSubscriptionType && !filters_can_match(first, f))
            return std::nullopt;
        const Type* type = s_.find_type(def->type.named_type());
        if (type == nullptr)
            return std::nullopt;
        f.kind = type->kind;
        for (const EnumValue& v : type->values)
            f.enum_values.push_back(v.name);
        if (type->kind == TypeKind::kObject) {
            std::vector<const SelectionSet*> sets;
            for (const Selection* sel : selections)
                sets.push_back(&sel->selection_set);
            f.selection = plan(sets, *type);
        }
        if (def != parent.field(first.name)) {  // a meta field: __schema or __type
            f.resolved = introspect(s_, f, introspection_budget_);
            if (!f.resolved) {
                if (!introspection_refused_) {
                    errors_.push_back({"The introspection answer is too large: more than " +
                                           std::to_string(kMaxIntrospectionObjects) +
                                           " objects. Ask for the schema once per request.",
                                       {first.location},
                                       {}});
                }
                introspection_refused_ = true;
                return std::nullopt;
            }
        }
        return f;
    }

    // CoerceArgumentValues: given values, else defaults; absent optional ones left out.
    bool arguments(const Selection& sel, const Field& def, Json& out) {
        bool ok = true;
        for (const InputValue& arg : def.arguments) {
            auto given = std::find_if(sel.arguments.begin(), sel.arguments.end(),
                                      [&arg](const Argument& a) { return a.name == arg.name; });
            const std::string what = "Argument \"" + arg.name + "\" ";
            const std::string type = arg.type.to_string();
            const bool unset_variable = given != sel.arguments.end() &&
                                        given->value.kind == Value::Kind::kVariable &&
                                        !vars_.contains(given->value.text);
            if (given == sel.arguments.end() || unset_variable) {
                if (arg.default_value) {
                    out[arg.name] = default_value(s_, arg);
                } else if (arg.type.is_non_null()) {
                    errors_.push_back(
                        {unset_variable
                             ? what + "of required type \"" + type +
                                   "\" was provided the variable \"$" + given->value.text +
                                   "\" which was not provided a runtime value."
                             : what + "of required type \"" + type + "\" was not provided.",
                         {given == sel.arguments.end() ? sel.location : given->location},
                         {}});
                    ok = false;
                }
                continue;
            }
            const bool is_null = given->value.kind == Value::Kind::kNull ||
                                 (given->value.kind == Value::Kind::kVariable &&
                                  vars_.at(given->value.text).is_null());
            if (is_null && arg.type.is_non_null()) {
                errors_.push_back({what + "of non-null type \"" + type + "\" must not be null.",
                                   {given->location},
                                   {}});
                ok = false;
                continue;
            }
            auto v = coerce_literal(s_, given->value, arg.type, vars_);
            if (!v) {
                errors_.push_back({what + "has invalid value " + print_value(given->value) + ".",
                                   {given->location},
                                   {}});
                ok = false;
                continue;
            }
            out[arg.name] = std::move(*v);
        }
        return ok;
    }

    // Whether the filter arguments of a subscription can ever let an event through; when
    // not, an error says why (a subscription that silently never fires helps nobody). A
    // thingChanged class must be one of the schema's. schemaChanged may name a class or
    // attribute that does not exist yet (it is how one waits for it), but only by a name a
    // class or attribute can have.
    bool filters_can_match(const Selection& sel, const PlannedField& f) {
        auto location = [&sel](const std::string& name) {
            for (const Argument& a : sel.arguments) {
                if (a.name == name)
                    return a.location;
            }
            return sel.location;
        };
        const std::size_t before = errors_.size();
        auto not_empty = [&](const std::string& name, const char* what) {
            auto it = f.arguments.find(name);
            if (it == f.arguments.end() || !it->is_array() || !it->empty())
                return;
            errors_.push_back({"Argument \"" + name + "\" of \"" + f.name +
                                   "\" must list at least one " + what +
                                   ": an empty list matches nothing. Leave it out for all.",
                               {location(name)},
                               {}});
        };
        if (s_.class_of_changed_field(f.name) != nullptr) {
            not_empty("operations", "operation");
        } else if (f.name == "thingChanged") {
            not_empty("operations", "operation");
            auto cls = f.arguments.find("class");
            if (cls != f.arguments.end() && cls->is_string() &&
                !s_.class_type_name(cls->get_ref<const std::string&>())) {
                const std::string& name = cls->get_ref<const std::string&>();
                errors_.push_back({"Unknown class \"" + naming::abbreviate(name, 100) +
                                       "\" in argument \"class\" of \"thingChanged\"." +
                                       did_you_mean(class_suggestions(name)),
                                   {location("class")},
                                   {}});
            }
        } else if (f.name == "schemaChanged") {
            for (const char* name : {"classes", "attributes"}) {
                not_empty(name, name[0] == 'c' ? "class" : "attribute");
                auto list = f.arguments.find(name);
                if (list == f.arguments.end() || !list->is_array())
                    continue;
                // One error per argument, for its first bad name: suggestions cost a pass
                // over the model each, and a document may hold thousands of names.
                const std::string* first_bad = nullptr;
                std::size_t bad = 0;
                for (const Json& v : *list) {
                    if (!v.is_string() ||
                        !naming::model_name_violation(v.get_ref<const std::string&>()))
                        continue;
                    if (bad++ == 0)
                        first_bad = &v.get_ref<const std::string&>();
                }
                if (first_bad == nullptr)
                    continue;
                const std::string& given = *first_bad;
                const bool is_class = name[0] == 'c';
                errors_.push_back(
                    {std::string("Argument \"") + name + "\" of \"schemaChanged\" has \"" +
                         naming::abbreviate(given, 100) + "\", which cannot name " +
                         (is_class ? "a class" : "an attribute") +
                         ": model names are lower case, e.g. \"purchase_order\"." +
                         (bad > 1 ? " So do " + std::to_string(bad - 1) + " more of its names."
                                  : "") +
                         did_you_mean(is_class ? class_suggestions(given)
                                               : attribute_suggestions(given)),
                     {location(name)},
                     {}});
            }
        }
        return errors_.size() == before;
    }

    // The classes to suggest for an unknown one: the class whose GraphQL type it names,
    // then those with a name like it.
    std::vector<std::string> class_suggestions(const std::string& name) const {
        std::vector<std::string> out;
        if (auto cls = s_.class_of_type(name))
            out.push_back(*cls);
        if (name.size() > kMaxSuggestedFrom)
            return out;
        std::vector<std::string> options;
        options.reserve(s_.classes.size());
        for (const auto& [cname, names] : s_.classes)
            options.push_back(cname);
        for (std::string& c : suggestions(name, options)) {
            if (std::find(out.begin(), out.end(), c) == out.end())
                out.push_back(std::move(c));
        }
        return out;
    }

    // The assigned attributes with a model or GraphQL name like name.
    std::vector<std::string> attribute_suggestions(const std::string& name) const {
        std::set<std::string> names;
        std::vector<std::string> out;
        for (const auto& [cname, names_of_class] : s_.classes) {
            for (const auto& [attribute, field] : names_of_class.attribute_fields) {
                names.insert(attribute);
                if (field == name && std::find(out.begin(), out.end(), attribute) == out.end())
                    out.push_back(attribute);
            }
        }
        if (name.size() > kMaxSuggestedFrom)
            return out;
        for (std::string& a : suggestions(name, {names.begin(), names.end()})) {
            if (std::find(out.begin(), out.end(), a) == out.end())
                out.push_back(std::move(a));
        }
        return out;
    }

    const Schema& s_;
    const Json& vars_;
    std::vector<Error>& errors_;
    std::map<std::string, const FragmentDefinition*> fragments_;
    std::size_t planned_ = 0;
    std::size_t work_ = 0;  // selections visited by collect()
    std::size_t introspection_budget_ = kMaxIntrospectionObjects;
    bool introspection_refused_ = false;
};

// The operation to run, or an error.
const OperationDefinition* select_operation(const Document& doc,
                                            const std::optional<std::string>& name,
                                            std::vector<Error>& errors) {
    if (name) {
        for (const OperationDefinition& op : doc.operations) {
            if (op.name == name)
                return &op;
        }
        errors.push_back({"Unknown operation named \"" + *name + "\".", {}, {}});
        return nullptr;
    }
    if (doc.operations.size() == 1)
        return &doc.operations.front();
    errors.push_back({doc.operations.empty()
                          ? "Must provide an operation."
                          : "Must provide operation name if query contains multiple operations.",
                      {},
                      {}});
    return nullptr;
}

// CoerceVariableValues: every defined variable from the request's values or its default.
Json coerce_variables(const Schema& s, const OperationDefinition& op, const Json& given,
                      std::vector<Error>& errors) {
    Json out = Json::object();
    for (const VariableDefinition& v : op.variables) {
        const std::string type = v.type.to_string();
        auto it = given.find(v.name);
        if (it == given.end()) {
            if (v.default_value) {
                if (auto d = coerce_literal(s, *v.default_value, v.type, Json::object()))
                    out[v.name] = std::move(*d);
            } else if (v.type.is_non_null()) {
                errors.push_back({"Variable \"$" + v.name + "\" of required type \"" + type +
                                      "\" was not provided.",
                                  {v.location},
                                  {}});
            }
            continue;
        }
        if (it->is_null() && v.type.is_non_null()) {
            errors.push_back(
                {"Variable \"$" + v.name + "\" of non-null type \"" + type + "\" must not be null.",
                 {v.location},
                 {}});
            continue;
        }
        Coerced c = coerce_variable(s, v.name, *it, v.type);
        if (c.error) {
            errors.push_back({*c.error, {v.location}, {}});
        } else {
            out[v.name] = std::move(c.value);
        }
    }
    return out;
}

}  // namespace

bool PreparedOperation::introspects() const {
    for (const PlannedField& f : root_fields) {
        if (f.resolved)
            return true;
    }
    return false;
}

PrepareResult prepare(const Schema& schema, std::string_view document, const Json& variables,
                      const std::optional<std::string>& operation_name, const ParseLimits& limits) {
    PrepareOptions options;
    options.limits = limits;
    return prepare(schema, document, variables, operation_name, options);
}

CheckResult check_document(const Schema& schema, std::string_view document,
                           const PrepareOptions& options) {
    CheckResult result;
    ParseResult parsed = parse(document, options.limits);
    if (!parsed.ok()) {
        result.errors.push_back(std::move(*parsed.error));
        return result;
    }
    result.errors = validate(schema, parsed.document, nullptr, options.introspection);
    if (result.errors.empty())
        result.document = std::make_shared<const Document>(std::move(parsed.document));
    return result;
}

PrepareResult prepare_checked(const Schema& schema, const Document& doc, const Json& variables,
                              const std::optional<std::string>& operation_name) {
    PrepareResult result;
    const OperationDefinition* op = select_operation(doc, operation_name, result.errors);
    if (op == nullptr)
        return result;
    const Type* root = schema.find_type(op->type == OperationType::kQuery      ? kQueryType
                                        : op->type == OperationType::kMutation ? kMutationType
                                                                               : kSubscriptionType);
    if (root == nullptr) {
        // graphql-js's execute: validation leaves such an operation's fields unchecked.
        result.errors.push_back({"Schema is not configured to execute " +
                                     std::string(operation_type_name(op->type)) + " operation.",
                                 {op->location},
                                 {}});
        return result;
    }
    if (!variables.is_null() && !variables.is_object()) {
        result.errors.push_back(
            {"Variables must be provided as an Object where each property is a variable value. "
             "Perhaps look to see if an unexpected array was supplied.",
             {},
             {}});
        return result;
    }
    PreparedOperation prepared;
    prepared.type = op->type;
    prepared.name = op->name;
    prepared.variables = coerce_variables(
        schema, *op, variables.is_null() ? Json::object() : variables, result.errors);
    if (!result.errors.empty())
        return result;
    Planner planner(schema, doc, prepared.variables, result.errors);
    prepared.root_fields = planner.plan({&op->selection_set}, *root);
    if (!result.errors.empty())
        return result;
    if (op->type == OperationType::kSubscription && prepared.root_fields.size() != 1) {
        result.errors.push_back(
            {"Subscription must select one top level field.", {op->location}, {}});
        return result;
    }
    if (op->type == OperationType::kSubscription) {
        const PlannedField& f = prepared.root_field();
        if (const auto* entry = schema.class_of_changed_field(f.name)) {
            prepared.event_class = entry->first;
            // The gateway reads one thing per event and selection: its response key is the
            // one it fills.
            const PlannedField* first = nullptr;
            for (const PlannedField& c : f.selection) {
                if (c.name != kEventThingField)
                    continue;
                if (first != nullptr) {
                    result.errors.push_back(
                        {"Field \"" + std::string(kEventThingField) + "\" of \"" + f.name +
                             "\" may be selected under one response key only (\"" +
                             first->response_key + "\" and \"" + c.response_key + "\").",
                         {c.location},
                         {}});
                    return result;
                }
                first = &c;
            }
        }
    }
    result.operation = std::move(prepared);
    return result;
}

PrepareResult prepare(const Schema& schema, std::string_view document, const Json& variables,
                      const std::optional<std::string>& operation_name,
                      const PrepareOptions& options) {
    CheckResult checked = check_document(schema, document, options);
    if (!checked.ok()) {
        PrepareResult result;
        result.errors = std::move(checked.errors);
        return result;
    }
    return prepare_checked(schema, *checked.document, variables, operation_name);
}

}  // namespace udm::graphql
