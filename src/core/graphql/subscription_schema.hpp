// The subscription side of a tenant's schema beyond schemaChanged and thingChanged: one
// Subscription.<class>Changed field per class, whose event type carries the thing itself
// (docs/graphql.md, "Live things").
#pragma once

#include "udm/core/graphql/schema.hpp"

namespace udm::graphql {

// Gives every class of s a Subscription field <class>Changed(operations) and its event
// type <Class>Event (the fields of ThingEvent plus `thing: <Class>`), appended to s.types
// after the types already there, with the names name_classes gave them.
void add_subscription_types(Schema& s);

}  // namespace udm::graphql
