// Subscription.<class>Changed and <Class>Event for every class: thing events that carry the
// thing, read by udm-gateway with one statement per batch of events and selection.
#include "subscription_schema.hpp"

#include <utility>

#include "query_schema.hpp"

namespace udm::graphql {

namespace {

using parts::field;
using parts::input;
using parts::named;
using parts::required;

// The type called name among s.types (not indexed yet while the schema is built), or
// nullptr.
Type* type_named(Schema& s, std::string_view name) {
    for (Type& t : s.types) {
        if (t.name == name)
            return &t;
    }
    return nullptr;
}

}  // namespace

void add_subscription_types(Schema& s) {
    Type* subscription = type_named(s, kSubscriptionType);
    const Type* thing_event = type_named(s, "ThingEvent");
    if (subscription == nullptr || thing_event == nullptr || s.classes.empty())
        return;
    // The fields every event has, with ThingEvent's descriptions.
    const std::vector<Field> event_fields = thing_event->fields;
    const Field* thing_changed = subscription->field("thingChanged");
    const InputValue* operations =
        thing_changed != nullptr ? thing_changed->argument("operations") : nullptr;
    std::vector<Field> added_fields;
    std::vector<Type> added_types;
    added_fields.reserve(s.classes.size());
    added_types.reserve(s.classes.size());
    for (const auto& [cname, names] : s.classes) {
        Field f = field(names.changed_field, required(named(names.event_type)),
                        "Every insert, update, soft delete, restore and delete of a " + cname +
                            " thing from now on; the event's thing field holds the thing.");
        if (operations != nullptr)
            f.arguments.push_back(*operations);
        added_fields.push_back(std::move(f));
        Type event;
        event.kind = TypeKind::kObject;
        event.name = names.event_type;
        event.description =
            "A " + cname + " thing was inserted, updated, soft deleted, restored or deleted.";
        event.fields = event_fields;
        event.fields.push_back(field(
            std::string(kEventThingField), named(names.type),
            "The thing as it is when the gateway reads the event's batch (a later write of the "
            "same batch may show); null when it is deleted or soft deleted, or not visible to "
            "the tenant's role."));
        added_types.push_back(std::move(event));
    }
    for (Field& f : added_fields)
        subscription->fields.push_back(std::move(f));
    for (Type& t : added_types)
        s.types.push_back(std::move(t));
}

const std::pair<std::string, ClassNames>* Schema::class_of_changed_field(
    std::string_view field_name) const {
    if (field_name.empty())
        return nullptr;
    for (const auto& c : classes) {
        if (c.second.changed_field == field_name)
            return &c;
    }
    return nullptr;
}

}  // namespace udm::graphql
