// Executing a prepared operation on a root value (spec 6.3 and 6.4, without resolvers:
// each field's value is the root value's member of the same name), and the filters of the
// two subscriptions.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "udm/core/graphql/subscription.hpp"

namespace udm::graphql {

namespace {

using Json = nlohmann::json;
using Out = nlohmann::ordered_json;

// The "1234" form of a BigInt: integers as decimal strings, strings of digits as they are.
std::optional<Out> serialize_big_int(const Json& v) {
    if (v.is_number_integer())
        return Out(v.dump());
    if (v.is_number_float()) {
        const double d = v.get<double>();
        // 2^63: doubles at or above it do not fit a bigint.
        if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
            return Out(std::to_string(static_cast<std::int64_t>(d)));
        }
        return std::nullopt;
    }
    if (!v.is_string())
        return std::nullopt;
    const std::string& s = v.get_ref<const std::string&>();
    std::int64_t parsed = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty())
        return std::nullopt;
    return Out(s);
}

// A leaf value as its type serializes it (graphql-js's serializers for the built-in
// scalars), or nullopt with the reason in why (graphql-js's messages).
std::optional<Out> serialize(const PlannedField& f, const Json& v, std::string& why) {
    const std::string& t = f.type.named_type();
    const std::string shown = v.dump();
    if (f.kind == TypeKind::kEnum) {
        if (v.is_string()) {
            for (const std::string& e : f.enum_values) {
                if (e == v.get_ref<const std::string&>())
                    return Out(v);
            }
        }
        why = "Enum \"" + t + "\" cannot represent value: " + shown;
        return std::nullopt;
    }
    if (t == "String") {
        if (v.is_string())
            return Out(v);
        if (v.is_boolean())
            return Out(v.get<bool>() ? "true" : "false");
        if (v.is_number())
            return Out(shown);
        why = "String cannot represent value: " + shown;
        return std::nullopt;
    }
    if (t == "Int") {
        if (v.is_boolean())
            return Out(v.get<bool>() ? 1 : 0);
        const bool integral =
            v.is_number_integer() ||
            (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>());
        if (!integral) {
            why = "Int cannot represent non-integer value: " + shown;
            return std::nullopt;
        }
        const double d = v.get<double>();
        if (d < std::numeric_limits<std::int32_t>::min() ||
            d > std::numeric_limits<std::int32_t>::max()) {
            why = "Int cannot represent non 32-bit signed integer value: " + shown;
            return std::nullopt;
        }
        return Out(static_cast<std::int64_t>(d));
    }
    if (t == "Float") {
        if (v.is_number())
            return Out(v);
        if (v.is_boolean())
            return Out(v.get<bool>() ? 1 : 0);
        why = "Float cannot represent non numeric value: " + shown;
        return std::nullopt;
    }
    if (t == "Boolean") {
        if (v.is_boolean())
            return Out(v);
        if (v.is_number())
            return Out(v.get<double>() != 0);
        why = "Boolean cannot represent a non boolean value: " + shown;
        return std::nullopt;
    }
    if (t == "ID") {
        if (v.is_string())
            return Out(v);
        if (v.is_number_integer())
            return Out(shown);
        why = "ID cannot represent value: " + shown;
        return std::nullopt;
    }
    std::optional<Out> out;
    if (t == "BigInt") {
        out = serialize_big_int(v);
    } else if (t == "Date" || t == "DateTime") {
        if (v.is_string())
            out = Out(v);
    } else {
        out = Out(v);  // JSON: any value
    }
    if (!out)
        why = t + " cannot represent value: " + shown;
    return out;
}

class Executor {
  public:
    explicit Executor(std::vector<Error>& errors) : errors_(errors) {}

    // The selected fields of an object value into out; false when a non-null field came
    // out null, which makes the whole object null.
    bool object(const std::vector<PlannedField>& fields, const Json& value, Out& out) {
        out = Out::object();
        for (const PlannedField& f : fields) {
            if (f.name == "__typename") {
                out[f.response_key] = f.parent_type;
                continue;
            }
            path_.push_back(f.response_key);
            const Json* member = f.resolved ? &*f.resolved : nullptr;
            if (member == nullptr && value.is_object()) {
                auto it = value.find(f.name);
                if (it != value.end())
                    member = &*it;
            }
            Out result;
            const bool ok = complete(f, f.type, member != nullptr ? *member : null_, result);
            path_.pop_back();
            if (!ok)
                return false;
            out[f.response_key] = std::move(result);
        }
        return true;
    }

  private:
    void error(const PlannedField& f, std::string message) {
        errors_.push_back({std::move(message), {f.location}, path_});
    }

    // CompleteValue: false when the value is null in a non-null position (the error is
    // recorded), so the null spreads to the parent.
    bool complete(const PlannedField& f, const TypeRef& type, const Json& v, Out& out) {
        if (type.is_non_null()) {
            if (!complete_nullable(f, type.of(), v, out))
                return false;
            if (out.is_null()) {
                error(f, "Cannot return null for non-nullable field " + f.parent_type + "." +
                             f.name + ".");
                return false;
            }
            return true;
        }
        if (!complete_nullable(f, type, v, out))
            out = nullptr;
        return true;
    }

    bool complete_nullable(const PlannedField& f, const TypeRef& type, const Json& v, Out& out) {
        if (v.is_null()) {
            out = nullptr;
            return true;
        }
        if (type.is_list()) {
            if (!v.is_array()) {
                error(f, "Expected Iterable, but did not find one for field \"" + f.parent_type +
                             "." + f.name + "\".");
                return false;
            }
            out = Out::array();
            for (std::size_t i = 0; i < v.size(); ++i) {
                path_.push_back(i);
                Out item;
                const bool ok = complete(f, type.of(), v[i], item);
                path_.pop_back();
                if (!ok)
                    return false;
                out.push_back(std::move(item));
            }
            return true;
        }
        if (f.kind == TypeKind::kObject)
            return object(f.selection, v, out);
        std::string why;
        auto s = serialize(f, v, why);
        if (!s) {
            error(f, std::move(why));
            return false;
        }
        out = std::move(*s);
        return true;
    }

    std::vector<Error>& errors_;
    std::vector<Json> path_;
    const Json null_;
};

// Whether any of names (a JSON array) is a string equal to one of the members of entry
// named by keys.
bool names_any(const Json& names, const Json& entry, std::initializer_list<const char*> keys) {
    for (const char* key : keys) {
        auto it = entry.find(key);
        if (it == entry.end() || !it->is_string())
            continue;
        for (const Json& n : names) {
            if (n == *it)
                return true;
        }
    }
    return false;
}

// Whether a schema change entry concerns one of classes: one of its "classes" (every class
// the change alters, as recorded since entries carry them), its "class", or the "from" and
// "to" of a renamed class or of a relationship.
bool touches_class(const Json& entry, const Json& classes) {
    if (names_any(classes, entry, {"class"}))
        return true;
    auto altered = entry.find("classes");
    if (altered != entry.end() && altered->is_array()) {
        for (const Json& c : *altered) {
            for (const Json& n : classes) {
                if (n == c)
                    return true;
            }
        }
    }
    const Json kind = entry.value("kind", Json());
    return (kind == "class" || kind == "relationship") && names_any(classes, entry, {"from", "to"});
}

// Whether a schema change entry concerns one of attributes: its "attribute", or the
// "from" and "to" of a renamed attribute.
bool touches_attribute(const Json& entry, const Json& attributes) {
    if (names_any(attributes, entry, {"attribute"}))
        return true;
    return entry.value("kind", Json()) == "attribute" &&
           names_any(attributes, entry, {"from", "to"});
}

// The argument name of the root field when it is a list (a given filter), else nullptr.
const Json* filter(const PreparedOperation& op, const char* name) {
    const Json& args = op.root_field().arguments;
    auto it = args.find(name);
    return it != args.end() && it->is_array() ? &*it : nullptr;
}

}  // namespace

Out execute(const PreparedOperation& operation, const Json& root_value) {
    std::vector<Error> errors;
    Executor executor(errors);
    Out data;
    Out response;
    // A subscription's root value is the event: the value of its one root field.
    const bool subscription =
        operation.type == OperationType::kSubscription && !operation.root_fields.empty();
    const Json root = subscription ? Json{{operation.root_field().name, root_value}} : Json();
    const bool ok = executor.object(operation.root_fields, subscription ? root : root_value, data);
    response["data"] = ok ? std::move(data) : Out();
    if (!errors.empty())
        response["errors"] = to_json(errors);
    return response;
}

bool schema_change_matches(const PreparedOperation& op, const Json& event) {
    if (op.root_fields.empty() || op.root_field().name != "schemaChanged" || !event.is_object())
        return false;
    const Json* classes = filter(op, "classes");
    const Json* attributes = filter(op, "attributes");
    if (classes == nullptr && attributes == nullptr)
        return true;
    auto changes = event.find("changes");
    if (changes == event.end() || !changes->is_array())
        return false;
    bool class_seen = classes == nullptr, attribute_seen = attributes == nullptr;
    for (const Json& entry : *changes) {
        if (!entry.is_object())
            continue;
        class_seen = class_seen || touches_class(entry, *classes);
        attribute_seen = attribute_seen || touches_attribute(entry, *attributes);
    }
    return class_seen && attribute_seen;
}

bool thing_event_matches(const PreparedOperation& op, const Json& event) {
    if (op.root_fields.empty() || !event.is_object())
        return false;
    const bool class_field = !op.event_class.empty();
    if (!class_field && op.root_field().name != "thingChanged")
        return false;
    // Looked up in place, not copied: this runs for every event and subscription.
    const Json& args = op.root_field().arguments;
    const auto cls = event.find("class");
    if (cls == event.end() || !cls->is_string())
        return false;
    if (class_field) {
        if (cls->get_ref<const std::string&>() != op.event_class)
            return false;
    } else {
        const auto wanted = args.find("class");
        if (wanted == args.end() || *cls != *wanted)
            return false;
    }
    const Json* operations = filter(op, "operations");
    if (operations == nullptr)
        return true;
    const auto operation = event.find("operation");
    if (operation == event.end())
        return false;
    for (const Json& o : *operations) {
        if (o == *operation)
            return true;
    }
    return false;
}

const PlannedField* event_thing_field(const PreparedOperation& op) {
    if (op.type != OperationType::kSubscription || op.root_fields.empty() || op.event_class.empty())
        return nullptr;
    for (const PlannedField& f : op.root_field().selection) {
        if (f.name == kEventThingField)
            return &f;
    }
    return nullptr;
}

Out execute_thing_event(const PreparedOperation& op, const Json& event, const Json& thing,
                        const std::optional<std::string>& read_error,
                        const std::string& error_code) {
    const PlannedField* f = event_thing_field(op);
    if (f == nullptr)
        return execute(op, event);
    // The event's own members only: not what the gateway attached for every selection of
    // the tenant ("__things", "__thing_errors"), which would be copied for each subscriber.
    Json root = Json::object();
    for (auto it = event.begin(); it != event.end(); ++it) {
        if (it.key().rfind("__", 0) != 0)
            root.emplace(it.key(), it.value());
    }
    root[std::string(kEventThingField)] = read_error ? Json() : thing;
    Out response = execute(op, root);
    if (read_error) {
        Error e{*read_error, {f->location}, {op.root_field().response_key, f->response_key}};
        Out j = e.to_json();
        j["extensions"] = {{"code", error_code}};
        // The thing is nullable: the error sits beside the data, first of the errors.
        Out errors = Out::array();
        errors.push_back(std::move(j));
        if (response.contains("errors"))
            for (auto& other : response["errors"])
                errors.push_back(std::move(other));
        response["errors"] = std::move(errors);
    }
    return response;
}

}  // namespace udm::graphql
