// Validation of executable documents against a schema: the rules of the GraphQL spec
// (section 5) that can fail for this schema, with graphql-js's messages. The schema has
// object, scalar, enum and input object types (no interfaces or unions), which keeps
// fragment spreading and field merging simple.
#include "validation.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "introspection.hpp"
#include "suggest.hpp"
#include "values.hpp"

namespace udm::graphql {

namespace {

using Kind = Selection::Kind;

// graphql-js stops at this many errors too.
constexpr std::size_t kMaxErrors = 100;
// Sub-selections are compared this deep when checking that fields merge (a valid document
// is not deeper than the parser lets it be).
constexpr std::size_t kMaxMergeDepth = 64;

const char* location_name(OperationType t) {
    switch (t) {
        case OperationType::kQuery:
            return "QUERY";
        case OperationType::kMutation:
            return "MUTATION";
        case OperationType::kSubscription:
            return "SUBSCRIPTION";
    }
    return "QUERY";
}

// A variable used somewhere, with the type its position expects and whether the position
// has a default value (an argument's or input field's).
struct VariableUsage {
    const Value* value;
    TypeRef type;
    bool has_default = false;
};

// A field found when collecting a selection set for merging.
struct CollectedField {
    const Selection* selection;
    const Field* definition;  // nullptr for unknown fields and __typename
    const Type* parent;
};

class Validator {
  public:
    Validator(const Schema& schema, const Document& doc, bool introspection)
        : s_(schema), doc_(doc), introspection_(introspection) {
        for (const FragmentDefinition& f : doc.fragments)
            fragments_.emplace(f.name, &f);
    }

    std::vector<Error> run() {
        if (doc_.fragments.size() > kMaxFragments) {
            return {{"Document is too complex: it defines " +
                         std::to_string(doc_.fragments.size()) + " fragments (at most " +
                         std::to_string(kMaxFragments) + ").",
                     {},
                     {}}};
        }
        operation_names();
        fragment_names();
        // Fragments are walked once, before the operations that need their variable usages;
        // their errors are still reported after the operations'.
        std::vector<Error> before = std::move(errors_);
        errors_.clear();
        for (const FragmentDefinition& f : doc_.fragments)
            fragment(f);
        std::vector<Error> of_fragments = std::move(errors_);
        errors_ = std::move(before);
        for (const OperationDefinition& op : doc_.operations)
            operation(op);
        errors_.insert(errors_.end(), std::make_move_iterator(of_fragments.begin()),
                       std::make_move_iterator(of_fragments.end()));
        unused_fragments();
        fragment_cycles();
        if (work_ > kMaxValidationWork) {
            return {
                {"Document is too complex: its fields, with fragments spread, are too many to "
                 "validate.",
                 {},
                 {}}};
        }
        // Fragments are checked on their own and again where they are spread: report
        // each problem once.
        std::vector<Error> unique;
        std::set<std::string> seen;
        for (Error& e : errors_) {
            std::string key = e.message;
            for (const Location& l : e.locations)
                key += "@" + std::to_string(l.line) + ":" + std::to_string(l.column);
            if (seen.insert(key).second)
                unique.push_back(std::move(e));
        }
        if (unique.size() > kMaxErrors) {
            unique.resize(kMaxErrors);
            unique.push_back(
                {"Too many validation errors, error limit reached. Validation aborted.", {}, {}});
        }
        return unique;
    }

    // Units of work spent (selections walked, fields collected).
    std::size_t work() const { return work_; }

  private:
    // Spends n units of work; false once the budget is spent (the walks then stop early and
    // run() refuses the document).
    bool spend(std::size_t n = 1) {
        if (work_ > kMaxValidationWork)
            return false;
        work_ += n;
        return work_ <= kMaxValidationWork;
    }

    // "Unknown type" with the schema's types that come close.
    void unknown_type(const std::string& name, const Location& at) {
        std::vector<std::string> names;
        for (const Type& t : s_.types)
            names.push_back(t.name);
        error("Unknown type \"" + name + "\"." + did_you_mean(suggestions(name, names)), {at});
    }

    void error(std::string message, std::vector<Location> locations) {
        errors_.push_back({std::move(message), std::move(locations), {}});
    }

    void operation_names() {
        std::map<std::string, const OperationDefinition*> named;
        for (const OperationDefinition& op : doc_.operations) {
            if (!op.name) {
                if (doc_.operations.size() > 1) {
                    error("This anonymous operation must be the only defined operation.",
                          {op.location});
                }
                continue;
            }
            auto [it, fresh] = named.emplace(*op.name, &op);
            if (!fresh) {
                error("There can be only one operation named \"" + *op.name + "\".",
                      {it->second->name_location, op.name_location});
            }
        }
    }

    void fragment_names() {
        std::map<std::string, const FragmentDefinition*> seen;
        for (const FragmentDefinition& f : doc_.fragments) {
            auto [it, fresh] = seen.emplace(f.name, &f);
            if (!fresh) {
                error("There can be only one fragment named \"" + f.name + "\".",
                      {it->second->name_location, f.name_location});
            }
        }
    }

    void operation(const OperationDefinition& op) {
        // Without its root type (a mutation of a schema without Mutation) the fields go
        // unchecked, as in graphql-js; prepare() refuses to run such an operation.
        const Type* root = s_.find_type(op.type == OperationType::kQuery      ? kQueryType
                                        : op.type == OperationType::kMutation ? kMutationType
                                                                              : kSubscriptionType);
        variable_definitions(op);
        directives(op.directives, location_name(op.type));
        selection_set(op.selection_set, root);
        if (op.type == OperationType::kSubscription)
            single_root_field(op);
        variables_of(op);
    }

    void variable_definitions(const OperationDefinition& op) {
        std::map<std::string, const VariableDefinition*> seen;
        for (const VariableDefinition& v : op.variables) {
            auto [it, fresh] = seen.emplace(v.name, &v);
            if (!fresh) {
                error("There can be only one variable named \"$" + v.name + "\".",
                      {it->second->location, v.location});
            }
            const Type* t = s_.find_type(v.type.named_type());
            if (t == nullptr) {
                unknown_type(v.type.named_type(), v.type_location);
            } else if (!is_input_type(s_, v.type)) {
                error("Variable \"$" + v.name + "\" cannot be non-input type \"" +
                          v.type.to_string() + "\".",
                      {v.type_location});
            } else if (v.default_value) {
                check_literal(s_, *v.default_value, v.type, errors_);
            }
            directives(v.directives, "VARIABLE_DEFINITION");
        }
    }

    // Directives at a location: known, allowed there, not repeated, arguments right.
    void directives(const std::vector<Directive>& list, const char* where) {
        std::map<std::string, const Directive*> seen;
        for (const Directive& d : list) {
            const DirectiveDefinition* def = s_.find_directive(d.name);
            if (def == nullptr) {
                error("Unknown directive \"@" + d.name + "\".", {d.location});
                continue;
            }
            if (std::find(def->locations.begin(), def->locations.end(), where) ==
                def->locations.end()) {
                error("Directive \"@" + d.name + "\" may not be used on " + where + ".",
                      {d.location});
            }
            auto [it, fresh] = seen.emplace(d.name, &d);
            if (!fresh) {
                error("The directive \"@" + d.name + "\" can only be used once at this location.",
                      {it->second->location, d.location});
            }
            arguments(d.arguments, def->arguments, "directive \"@" + d.name + "\"", d.location,
                      "Directive \"@" + d.name + "\"");
        }
    }

    // Arguments against their definitions: unique, known, required ones given, values of
    // the right type. what names the owner in "Unknown argument" messages, owner in
    // "is required" messages.
    void arguments(const std::vector<Argument>& args, const std::vector<InputValue>& defs,
                   const std::string& what, const Location& at, const std::string& owner) {
        std::map<std::string, const Argument*> seen;
        for (const Argument& a : args) {
            auto [it, fresh] = seen.emplace(a.name, &a);
            if (!fresh) {
                error("There can be only one argument named \"" + a.name + "\".",
                      {it->second->location, a.location});
            }
            auto def = std::find_if(defs.begin(), defs.end(),
                                    [&a](const InputValue& d) { return d.name == a.name; });
            if (def == defs.end()) {
                std::vector<std::string> names;
                for (const InputValue& d : defs)
                    names.push_back(d.name);
                error("Unknown argument \"" + a.name + "\" on " + what + "." +
                          did_you_mean(suggestions(a.name, names)),
                      {a.location});
                unknown_usages(a.value);
                continue;
            }
            check_literal(s_, a.value, def->type, errors_);
            usages(a.value, def->type, def->default_value.has_value());
        }
        for (const InputValue& d : defs) {
            if (d.type.is_non_null() && !d.default_value && !seen.count(d.name)) {
                error(owner + " argument \"" + d.name + "\" of type \"" + d.type.to_string() +
                          "\" is required, but it was not provided.",
                      {at});
            }
        }
    }

    // Records the variables of a value at a position of type (graphql-js TypeInfo: list
    // items at the item type, input object fields at the field's type).
    void usages(const Value& v, const TypeRef& type, bool has_default = false) {
        if (v.kind == Value::Kind::kVariable) {
            usages_.push_back({&v, type, has_default});
        } else if (v.kind == Value::Kind::kList) {
            const TypeRef& item = type.nullable().is_list() ? type.nullable().of() : type;
            for (const Value& x : v.list)
                usages(x, item);
        } else if (v.kind == Value::Kind::kObject) {
            const Type* t = s_.find_type(type.named_type());
            for (const auto& [k, x] : v.fields) {
                const InputValue* f =
                    t != nullptr && t->kind == TypeKind::kInputObject ? t->input_field(k) : nullptr;
                if (f != nullptr)
                    usages(x, f->type, f->default_value.has_value());
                else
                    unknown_usages(x);
            }
        }
    }

    // Records the variables of a value whose position has no type (they must still be defined).
    void unknown_usages(const Value& v) {
        if (v.kind == Value::Kind::kVariable)
            usages_.push_back({&v, TypeRef()});
        for (const Value& x : v.list)
            unknown_usages(x);
        for (const auto& [k, x] : v.fields)
            unknown_usages(x);
    }

    void selection_set(const SelectionSet& set, const Type* parent) {
        if (!spend(set.size()))
            return;
        for (const Selection& sel : set) {
            switch (sel.kind) {
                case Kind::kField:
                    field(sel, parent);
                    break;
                case Kind::kFragmentSpread:
                    spread(sel, parent);
                    break;
                case Kind::kInlineFragment:
                    inline_fragment(sel, parent);
                    break;
            }
        }
        if (parent != nullptr)
            merge_conflicts(set, parent);
    }

    void field(const Selection& sel, const Type* parent) {
        directives(sel.directives, "FIELD");
        if (parent == nullptr) {
            for (const Argument& a : sel.arguments)
                unknown_usages(a.value);
            selection_set(sel.selection_set, nullptr);
            return;
        }
        if (sel.name == "__typename") {
            arguments(sel.arguments, {}, "field \"" + parent->name + ".__typename\"", sel.location,
                      "Field \"__typename\"");
            leaf_selection(sel, TypeRef::non_null(TypeRef::named("String")), nullptr);
            return;
        }
        if ((sel.name == "__schema" || sel.name == "__type") && introspection_too_deep(sel))
            error("Maximum introspection depth exceeded", {sel.location});
        const Field* def = field_definition(s_, *parent, sel.name);
        if (def == nullptr) {
            std::vector<std::string> names;
            for (const Field& f : parent->fields)
                names.push_back(f.name);
            error("Cannot query field \"" + sel.name + "\" on type \"" + parent->name + "\"." +
                      did_you_mean(suggestions(sel.name, names)),
                  {sel.location});
            for (const Argument& a : sel.arguments)
                unknown_usages(a.value);
            selection_set(sel.selection_set, nullptr);
            return;
        }
        arguments(sel.arguments, def->arguments, "field \"" + parent->name + "." + sel.name + "\"",
                  sel.location, "Field \"" + sel.name + "\"");
        if (!introspection_ && is_introspection_type(def->type.named_type())) {
            error(
                "GraphQL introspection has been disabled, but the requested query contained "
                "the field \"" +
                    sel.name + "\".",
                {sel.location});
        }
        const Type* type = s_.find_type(def->type.named_type());
        leaf_selection(sel, def->type, type);
    }

    // Scalars and enums take no selection set; objects need one (ScalarLeafsRule).
    void leaf_selection(const Selection& sel, const TypeRef& type, const Type* named) {
        const bool object = named != nullptr && named->kind == TypeKind::kObject;
        if (!object && !sel.selection_set.empty()) {
            error("Field \"" + sel.name + "\" must not have a selection since type \"" +
                      type.to_string() + "\" has no subfields.",
                  {sel.selection_set_location});
            selection_set(sel.selection_set, nullptr);
            return;
        }
        if (object && sel.selection_set.empty()) {
            error("Field \"" + sel.name + "\" of type \"" + type.to_string() +
                      "\" must have a selection of subfields. Did you mean \"" + sel.name +
                      " { ... }\"?",
                  {sel.location});
            return;
        }
        if (object)
            selection_set(sel.selection_set, named);
    }

    void spread(const Selection& sel, const Type* parent) {
        directives(sel.directives, "FRAGMENT_SPREAD");
        auto it = fragments_.find(sel.name);
        if (it == fragments_.end()) {
            error("Unknown fragment \"" + sel.name + "\".", {sel.name_location});
            return;
        }
        const Type* frag_type = s_.find_type(it->second->type_condition);
        if (parent != nullptr && frag_type != nullptr && frag_type->kind == TypeKind::kObject &&
            frag_type != parent) {
            error("Fragment \"" + sel.name + "\" cannot be spread here as objects of type \"" +
                      parent->name + "\" can never be of type \"" + frag_type->name + "\".",
                  {sel.location});
        }
    }

    void inline_fragment(const Selection& sel, const Type* parent) {
        directives(sel.directives, "INLINE_FRAGMENT");
        const Type* type = parent;
        if (sel.type_condition) {
            type = s_.find_type(*sel.type_condition);
            if (type == nullptr) {
                unknown_type(*sel.type_condition, sel.type_condition_location);
            } else if (type->kind != TypeKind::kObject) {
                error("Fragment cannot condition on non composite type \"" + type->name + "\".",
                      {sel.type_condition_location});
                type = nullptr;
            } else if (parent != nullptr && type != parent) {
                error("Fragment cannot be spread here as objects of type \"" + parent->name +
                          "\" can never be of type \"" + type->name + "\".",
                      {sel.location});
            }
        }
        selection_set(sel.selection_set, type);
    }

    void fragment(const FragmentDefinition& f) {
        directives(f.directives, "FRAGMENT_DEFINITION");
        const Type* type = s_.find_type(f.type_condition);
        if (type == nullptr) {
            unknown_type(f.type_condition, f.type_condition_location);
        } else if (type->kind != TypeKind::kObject) {
            error("Fragment \"" + f.name + "\" cannot condition on non composite type \"" +
                      type->name + "\".",
                  {f.type_condition_location});
            type = nullptr;
        }
        // The variables used in a fragment are checked with each operation spreading it.
        const std::size_t mark = usages_.size();
        selection_set(f.selection_set, type);
        // Of a repeated name, the first definition is the one spread.
        if (fragments_.at(f.name) == &f) {
            fragment_usages_[f.name].assign(usages_.begin() + static_cast<std::ptrdiff_t>(mark),
                                            usages_.end());
        }
        usages_.resize(mark);
    }

    // The fragments spread in a selection set, directly (not through other fragments).
    void spreads_of(const SelectionSet& set, std::vector<const Selection*>& out) {
        if (!spend(set.size()))
            return;
        for (const Selection& sel : set) {
            if (sel.kind == Kind::kFragmentSpread)
                out.push_back(&sel);
            spreads_of(sel.selection_set, out);
        }
    }

    // Every fragment reachable from a selection set, through fragments too.
    void reachable(const SelectionSet& set, std::set<std::string>& out) {
        std::vector<const Selection*> spreads;
        spreads_of(set, spreads);
        for (const Selection* sp : spreads) {
            auto it = fragments_.find(sp->name);
            if (it != fragments_.end() && out.insert(sp->name).second)
                reachable(it->second->selection_set, out);
        }
    }

    void unused_fragments() {
        std::set<std::string> used;
        for (const OperationDefinition& op : doc_.operations)
            reachable(op.selection_set, used);
        for (const FragmentDefinition& f : doc_.fragments) {
            if (!used.count(f.name))
                error("Fragment \"" + f.name + "\" is never used.", {f.location});
        }
    }

    // NoFragmentCyclesRule: a depth-first walk from each fragment not yet visited.
    void fragment_cycles() {
        std::set<std::string> visited;
        std::vector<const Selection*> path;
        std::map<std::string, std::size_t> index_in_path;
        for (const FragmentDefinition& f : doc_.fragments) {
            if (!visited.count(f.name))
                cycles_from(f, visited, path, index_in_path);
        }
    }

    void cycles_from(const FragmentDefinition& f, std::set<std::string>& visited,
                     std::vector<const Selection*>& path,
                     std::map<std::string, std::size_t>& index_in_path) {
        if (!visited.insert(f.name).second)
            return;
        std::vector<const Selection*> spreads;
        spreads_of(f.selection_set, spreads);
        if (spreads.empty())
            return;
        index_in_path[f.name] = path.size();
        for (const Selection* sp : spreads) {
            auto target = fragments_.find(sp->name);
            if (target == fragments_.end())
                continue;
            auto cycle = index_in_path.find(sp->name);
            path.push_back(sp);
            if (cycle == index_in_path.end()) {
                cycles_from(*target->second, visited, path, index_in_path);
            } else {
                std::string via;
                std::vector<Location> locations;
                for (std::size_t i = cycle->second; i < path.size(); ++i) {
                    locations.push_back(path[i]->location);
                    if (i + 1 < path.size())
                        via += std::string(via.empty() ? "" : ", ") + "\"" + path[i]->name + "\"";
                }
                error("Cannot spread fragment \"" + sp->name + "\" within itself" +
                          (via.empty() ? "" : " via " + via) + ".",
                      locations);
            }
            path.pop_back();
        }
        index_in_path.erase(f.name);
    }

    // SingleFieldSubscriptionsRule: one response key at the root, not an introspection field.
    void single_root_field(const OperationDefinition& op) {
        std::vector<const Selection*> fields;
        std::set<std::string> spread;
        root_fields(op.selection_set, fields, spread);
        const std::string who =
            op.name ? "Subscription \"" + *op.name + "\"" : std::string("Anonymous Subscription");
        std::set<std::string> keys;
        std::vector<Location> extra;
        for (const Selection* f : fields) {
            keys.insert(f->response_key());
            if (keys.size() > 1 && f->response_key() != fields.front()->response_key())
                extra.push_back(f->location);
        }
        if (keys.size() > 1)
            error(who + " must select only one top level field.", extra);
        for (const Selection* f : fields) {
            if (f->name.rfind("__", 0) == 0) {
                error(who + " must not select an introspection top level field.", {f->location});
                break;
            }
        }
    }

    // The fields of a root selection set, through fragments, leaving out those a literal
    // @skip(if: true) or @include(if: false) removes.
    void root_fields(const SelectionSet& set, std::vector<const Selection*>& out,
                     std::set<std::string>& spread) {
        if (!spend(set.size()))
            return;
        for (const Selection& sel : set) {
            if (statically_excluded(sel.directives))
                continue;
            if (sel.kind == Kind::kField) {
                out.push_back(&sel);
            } else if (sel.kind == Kind::kInlineFragment) {
                root_fields(sel.selection_set, out, spread);
            } else if (auto it = fragments_.find(sel.name);
                       it != fragments_.end() && spread.insert(sel.name).second) {
                root_fields(it->second->selection_set, out, spread);
            }
        }
    }

    static bool statically_excluded(const std::vector<Directive>& directives) {
        for (const Directive& d : directives) {
            for (const Argument& a : d.arguments) {
                if (a.name != "if" || a.value.kind != Value::Kind::kBoolean)
                    continue;
                if ((d.name == "skip" && a.value.boolean) ||
                    (d.name == "include" && !a.value.boolean))
                    return true;
            }
        }
        return false;
    }

    // The variable rules of an operation, over its own usages and those of the
    // fragments it spreads: every variable defined, every definition used, every use in
    // a position its type allows.
    void variables_of(const OperationDefinition& op) {
        std::vector<VariableUsage> all = std::move(usages_);
        usages_.clear();
        std::set<std::string> reached;
        reachable(op.selection_set, reached);
        for (const std::string& f : reached) {
            // Every fragment was walked before the operations (run()).
            const auto& u = fragment_usages_[f];
            if (!spend(u.size() + 1))
                break;
            all.insert(all.end(), u.begin(), u.end());
        }
        std::map<std::string, const VariableDefinition*> defs;
        for (const VariableDefinition& v : op.variables)
            defs.emplace(v.name, &v);
        std::set<std::string> used;
        for (const VariableUsage& u : all) {
            const std::string& name = u.value->text;
            used.insert(name);
            auto def = defs.find(name);
            if (def == defs.end()) {
                error("Variable \"$" + name + "\" is not defined" +
                          (op.name ? " by operation \"" + *op.name + "\"" : "") + ".",
                      {u.value->location, op.location});
                continue;
            }
            if (u.type.named_type().empty() || !is_input_type(s_, def->second->type))
                continue;
            if (!allowed_usage(*def->second, u.type, u.has_default)) {
                error("Variable \"$" + name + "\" of type \"" + def->second->type.to_string() +
                          "\" used in position expecting type \"" + u.type.to_string() + "\".",
                      {def->second->location, u.value->location});
            }
        }
        for (const VariableDefinition& v : op.variables) {
            if (!used.count(v.name)) {
                error("Variable \"$" + v.name + "\" is never used" +
                          (op.name ? " in operation \"" + *op.name + "\"" : "") + ".",
                      {v.location});
            }
        }
    }

    // VariablesInAllowedPosition: a nullable variable may fill a non-null position only
    // when it has a non-null default or the position has a default.
    static bool allowed_usage(const VariableDefinition& def, const TypeRef& location,
                              bool location_has_default) {
        if (location.is_non_null() && !def.type.is_non_null()) {
            const bool has_default =
                def.default_value && def.default_value->kind != Value::Kind::kNull;
            return (has_default || location_has_default) && subtype(def.type, location.of());
        }
        return subtype(def.type, location);
    }

    static bool subtype(const TypeRef& sub, const TypeRef& super) {
        if (super.is_non_null())
            return sub.is_non_null() && subtype(sub.of(), super.of());
        if (sub.is_non_null())
            return subtype(sub.of(), super);
        if (super.is_list())
            return sub.is_list() && subtype(sub.of(), super.of());
        if (sub.is_list())
            return false;
        return sub.named_type() == super.named_type();
    }

    // --- OverlappingFieldsCanBeMerged -----------------------------------------------------

    // The fields of a selection set by response key, through fragments (each once).
    void collect(const SelectionSet& set, const Type* parent,
                 std::map<std::string, std::vector<CollectedField>>& out,
                 std::set<std::string>& spread) {
        for (const Selection& sel : set) {
            if (!spend())
                return;
            if (sel.kind == Kind::kField) {
                const Field* def =
                    parent != nullptr ? field_definition(s_, *parent, sel.name) : nullptr;
                out[sel.response_key()].push_back({&sel, def, parent});
            } else if (sel.kind == Kind::kInlineFragment) {
                const Type* t = sel.type_condition ? s_.find_type(*sel.type_condition) : parent;
                collect(sel.selection_set, t, out, spread);
            } else if (auto it = fragments_.find(sel.name);
                       it != fragments_.end() && spread.insert(sel.name).second) {
                collect(it->second->selection_set, s_.find_type(it->second->type_condition), out,
                        spread);
            }
        }
    }

    static bool same_arguments(const Selection& a, const Selection& b) {
        if (a.arguments.size() != b.arguments.size())
            return false;
        for (const Argument& x : a.arguments) {
            auto y = std::find_if(b.arguments.begin(), b.arguments.end(),
                                  [&x](const Argument& o) { return o.name == x.name; });
            if (y == b.arguments.end() || print_value(x.value) != print_value(y->value))
                return false;
        }
        return true;
    }

    // Why the fields of one response key cannot be merged, or "" when they can; locations
    // gets the two fields in conflict.
    std::string conflict(const std::vector<CollectedField>& fields,
                         std::vector<Location>& locations, std::size_t depth = 0) {
        const CollectedField& first = fields.front();
        for (std::size_t i = 1; i < fields.size(); ++i) {
            const CollectedField& other = fields[i];
            locations = {first.selection->location, other.selection->location};
            if (first.selection->name != other.selection->name) {
                return "\"" + first.selection->name + "\" and \"" + other.selection->name +
                       "\" are different fields";
            }
            if (!same_arguments(*first.selection, *other.selection))
                return "they have differing arguments";
        }
        // Same field everywhere: the sub-selections, merged, must merge too. Deeper than a
        // document can nest, fragments spread into themselves (reported as a cycle).
        if (depth >= kMaxMergeDepth || work_ > kMaxValidationWork)
            return {};
        std::map<std::string, std::vector<CollectedField>> children;
        std::set<std::string> spread;
        for (const CollectedField& f : fields) {
            const Type* t =
                f.definition != nullptr ? s_.find_type(f.definition->type.named_type()) : nullptr;
            collect(f.selection->selection_set, t, children, spread);
        }
        for (const auto& [key, group] : children) {
            if (group.size() < 2)
                continue;
            std::vector<Location> inner;
            std::string why = conflict(group, inner, depth + 1);
            if (!why.empty()) {
                locations = inner;
                return "subfields \"" + key + "\" conflict because " + why;
            }
        }
        return {};
    }

    void merge_conflicts(const SelectionSet& set, const Type* parent) {
        // A set of one fragment, spread or inline, holds exactly the fields of that fragment,
        // checked where its own selection set was: a chain of fragments each spreading the
        // next costs one step per fragment, not the length of the rest of the chain.
        if (set.size() == 1 && set.front().kind != Kind::kField)
            return;
        std::map<std::string, std::vector<CollectedField>> by_key;
        std::set<std::string> spread;
        collect(set, parent, by_key, spread);
        for (const auto& [key, fields] : by_key) {
            if (fields.size() < 2)
                continue;
            std::vector<Location> locations;
            std::string why = conflict(fields, locations);
            if (!why.empty()) {
                error("Fields \"" + key + "\" conflict because " + why +
                          ". Use different aliases on the fields to fetch both if this was "
                          "intentional.",
                      locations);
            }
        }
    }

    // --- MaxIntrospectionDepthRule -------------------------------------------------------

    // Whether an introspection field nests the lists fields, interfaces, possibleTypes and
    // inputFields three deep (a query whose answer grows exponentially with the schema),
    // through fragments too: graphql-js's walk, with its memo of fragments checked.
    bool introspection_too_deep(const Selection& field) {
        std::map<std::string, int> visited;
        return too_deep(field, visited, 0);
    }

    bool too_deep(const Selection& node, std::map<std::string, int>& visited, int depth) {
        if (!spend())
            return false;
        if (node.kind == Kind::kFragmentSpread) {
            auto exceeded = exceeded_fragments_.find(node.name);
            if (exceeded != exceeded_fragments_.end() && exceeded->second <= depth)
                return true;
            auto seen = visited.find(node.name);
            auto checked = checked_fragments_.find(node.name);
            if ((seen != visited.end() && seen->second >= depth) ||
                (checked != checked_fragments_.end() && checked->second >= depth))
                return false;
            auto f = fragments_.find(node.name);
            if (f == fragments_.end())
                return false;
            visited[node.name] = depth;
            for (const Selection& child : f->second->selection_set) {
                if (too_deep(child, visited, depth)) {
                    exceeded_fragments_[node.name] = depth;
                    return true;
                }
            }
            checked_fragments_[node.name] = depth;
            return false;
        }
        if (node.kind == Kind::kField &&
            (node.name == "fields" || node.name == "interfaces" || node.name == "possibleTypes" ||
             node.name == "inputFields")) {
            if (++depth >= 3)
                return true;
        }
        for (const Selection& child : node.selection_set) {
            if (too_deep(child, visited, depth))
                return true;
        }
        return false;
    }

    const Schema& s_;
    const Document& doc_;
    const bool introspection_;
    std::map<std::string, int> checked_fragments_;   // entry depth a check completed at
    std::map<std::string, int> exceeded_fragments_;  // entry depth a check hit the limit at
    std::map<std::string, const FragmentDefinition*> fragments_;  // the first of each name
    std::vector<Error> errors_;
    std::vector<VariableUsage> usages_;  // of the operation or fragment being walked
    std::map<std::string, std::vector<VariableUsage>> fragment_usages_;
    std::size_t work_ = 0;  // units spent by every walk of the document
};

}  // namespace

std::vector<Error> validate(const Schema& schema, const Document& document, std::size_t* work,
                            bool introspection) {
    Validator validator(schema, document, introspection);
    std::vector<Error> errors = validator.run();
    if (work != nullptr)
        *work = validator.work();
    return errors;
}

}  // namespace udm::graphql
