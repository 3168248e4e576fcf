// Reading a tenant's model from its catalog.
#include <string>

#include "udm/core/error.hpp"
#include "udm/pg/model_catalog.hpp"

namespace udm::pg {

namespace {

// The catalog as one model document (the format of udm.apply, with ids). Built as json,
// not jsonb: it is only text for the C++ parser, and jsonb's aggregates cost three times as
// much on large models (1,000 classes of 20 attributes: 75 ms instead of 225). Assignments
// are aggregated per class in one grouped join, not a subquery per class.
std::string model_query(const std::string& s) {
    return "SELECT pg_catalog.json_build_object("
           "'attributes', COALESCE((SELECT pg_catalog.json_object_agg(a.name, "
           "pg_catalog.json_build_object("
           "'id', a.id, 'type', a.data_type, 'description', a.description, 'rules', "
           "a.validation_rules,"
           " 'target', t.name)) FROM " +
           s + ".attributes a LEFT JOIN " + s +
           ".thing_classes t ON t.id = a.target_class_id), '{}'::json),"
           "'classes', COALESCE((SELECT pg_catalog.json_object_agg(c.name, "
           "pg_catalog.json_build_object("
           "'id', c.id, 'description', c.description, 'rules', c.validation_rules, 'events', "
           "c.events_enabled,"
           " 'attributes', COALESCE(x.attributes, '{}'::json)))"
           " FROM " +
           s +
           ".thing_classes c LEFT JOIN ("
           "SELECT aa.thing_class_id, pg_catalog.json_object_agg(a.name, "
           "pg_catalog.json_build_object("
           "'required', aa.is_required, 'rules', aa.assignment_rules)) AS attributes"
           " FROM " +
           s + ".attribute_assignments aa JOIN " + s +
           ".attributes a ON a.id = aa.attribute_id"
           " GROUP BY aa.thing_class_id) x ON x.thing_class_id = c.id), '{}'::json),"
           "'relationship_types', COALESCE((SELECT pg_catalog.json_object_agg(r.name, "
           "pg_catalog.json_build_object("
           "'id', r.id, 'inverse', r.inverse_name, 'description', r.description)) FROM " +
           s +
           ".relationship_types r), '{}'::json),"
           "'relationships', COALESCE((SELECT pg_catalog.json_agg(pg_catalog.json_build_object("
           "'id', x.id, 'from', f.name, 'to', t.name, 'type', r.name, 'cardinality', "
           "x.cardinality_rules,"
           " 'bidirectional', x.is_bidirectional)) FROM " +
           s +
           ".thing_class_relationships x"
           " JOIN " +
           s +
           ".thing_classes f ON f.id = x.from_thing_class_id"
           " JOIN " +
           s +
           ".thing_classes t ON t.id = x.to_thing_class_id"
           " JOIN " +
           s + ".relationship_types r ON r.id = x.relationship_type_id), '[]'::json))::text";
}

}  // namespace

model::Model load_model(Spi& spi, const naming::TenantNames& names) {
    Cell doc = spi.query_value(model_query(naming::quote_identifier(names.schema)));
    model::Json json = model::Json::parse(doc ? *doc : "{}", nullptr, false);
    if (json.is_discarded())
        throw Error(sqlstate::kInternalError, "could not read the model of tenant " + names.tenant);
    return model::parse_model(json, model::Source::kCatalog);
}

model::Model read_model(const naming::TenantNames& names) {
    return with_spi(/*read_only=*/true, [&](Spi& spi) { return load_model(spi, names); });
}

}  // namespace udm::pg
