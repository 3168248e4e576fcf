// Mutation fields and their types for every class: what udm.graphql() writes with.
#include <utility>

#include "query_schema.hpp"
#include "schema_names.hpp"

namespace udm::graphql {

namespace {

using model::DataType;

using parts::field;
using parts::input;
using parts::named;
using parts::required;

}  // namespace

void add_mutation_types(const model::Model& m, Schema& s) {
    if (s.classes.empty())
        return;  // an object type needs a field: no classes, no Mutation
    const bool relates = !m.relationships.empty();
    Type mutation;
    mutation.kind = TypeKind::kObject;
    mutation.name = std::string(kMutationType);
    mutation.description =
        "Writes to the tenant's things. The fields of one mutation run in order in one "
        "transaction: an error in any of them undoes them all.";
    parts::TypeRefs refs;
    std::vector<Type> added;
    added.reserve(3 * s.classes.size());
    mutation.fields.reserve(3 * s.classes.size() + 2);
    for (auto& [cname, names] : s.classes) {
        const model::ThingClass& cls = m.classes.at(cname);
        const TypeRef response_ref = required(named(names.mutation_response_type));
        const TypeRef filter_ref = named(names.filter_type);
        Field insert = field(names.insert_field, response_ref,
                             "Inserts " + cname +
                                 " things, checked by the class's rules; returns them as "
                                 "stored.");
        insert.arguments.push_back(input(
            "objects", required(TypeRef::list(required(named(names.insert_input_type)))),
            std::string("The things to insert (at most 1000); an attribute not given gets its "
                        "default.")));
        mutation.fields.push_back(std::move(insert));
        const InputValue at_most =
            input("atMost", refs.required("Int"),
                  std::string("At most this many things may pass the filter (at most 1000); "
                              "when more do, nothing changes and the field fails with "
                              "TOO_MANY_ROWS."),
                  Json(1));
        Field update = field(names.update_field, response_ref,
                             "Sets attributes of the " + cname +
                                 " things that pass the filter; returns them as stored.");
        update.arguments.reserve(3);
        update.arguments.push_back(
            input("set", required(named(names.update_input_type)),
                  std::string("The attributes to set; a field given as null clears it.")));
        update.arguments.push_back(input(
            "filter", filter_ref, std::string("Only things that pass (all when not given).")));
        update.arguments.push_back(at_most);
        mutation.fields.push_back(std::move(update));
        Field remove = field(names.delete_field, response_ref,
                             "Soft-deletes the " + cname +
                                 " things that pass the filter (they are no longer served; "
                                 "udm.data_events records a soft_delete); returns them.");
        remove.arguments.reserve(2);
        remove.arguments.push_back(input(
            "filter", filter_ref, std::string("Only things that pass (all when not given).")));
        remove.arguments.push_back(at_most);
        mutation.fields.push_back(std::move(remove));

        Type ins;
        ins.kind = TypeKind::kInputObject;
        ins.name = names.insert_input_type;
        ins.description = "A new " + cname + " thing: its attributes by field name.";
        Type upd;
        upd.kind = TypeKind::kInputObject;
        upd.name = names.update_input_type;
        upd.description = "Attributes of " + cname + " things to set; the others keep their value.";
        ins.input_fields.reserve(names.attribute_fields.size());
        upd.input_fields.reserve(names.attribute_fields.size());
        for (const auto& [aname, fname] : names.attribute_fields) {
            const model::Attribute& a = m.attributes.at(aname);
            std::string name = fname;
            if (a.type == DataType::kReference) {
                for (const auto& [ref, id_field] : names.reference_id_fields) {
                    if (ref == aname)
                        name = id_field;
                }
            }
            const bool is_required = cls.assignments.at(aname).required;
            std::string what;
            if (a.type == DataType::kReference)
                what.append("The id of its ").append(fname).append(".");
            else
                what.append("Its ").append(aname).append(".");
            const TypeRef& type = refs.named(input_scalar(a.type));
            std::string insert_what = what;
            if (is_required)
                insert_what += " Required.";
            ins.input_fields.push_back(input(name, type, std::move(insert_what)));
            upd.input_fields.push_back(input(std::move(name), type, std::move(what)));
        }
        Type response;
        response.kind = TypeKind::kObject;
        response.name = names.mutation_response_type;
        response.description = "What a mutation of " + cname + " things did.";
        response.fields.reserve(2);
        response.fields.push_back(
            field("affectedCount", refs.required("Int"), "How many things it wrote."));
        response.fields.push_back(field("records",
                                        required(TypeRef::list(required(named(names.type)))),
                                        "The things it wrote, as stored."));
        // A class without attributes has nothing to set: its update input would be an input
        // object without fields, which GraphQL does not allow.
        if (upd.input_fields.empty()) {
            ins.input_fields.push_back(input("_", refs.named("Boolean"),
                                             std::string("Ignored: the class has no attributes.")));
            upd.input_fields.push_back(input("_", refs.named("Boolean"),
                                             std::string("Ignored: the class has no attributes.")));
        }
        added.push_back(std::move(ins));
        added.push_back(std::move(upd));
        added.push_back(std::move(response));
    }
    if (relates) {
        // udm.relate and udm.unrelate, with their checks: the pair of classes allowed, the
        // cardinality, both things live.
        for (const bool relate : {true, false}) {
            Field f = field(std::string(relate ? kRelateField : kUnrelateField),
                            required(named("Boolean")),
                            relate ? "Relates two things, if the relationship type is allowed "
                                     "between their classes and within its cardinality; false "
                                     "when they already were."
                                   : "Removes a relationship between two things; false when "
                                     "there was none.");
            f.arguments = {input("type", required(named("String")),
                                 std::string("The relationship type's name.")),
                           input("fromId", required(named("ID")), std::string("The from thing.")),
                           input("toId", required(named("ID")), std::string("The to thing."))};
            mutation.fields.push_back(std::move(f));
        }
    }
    s.types.push_back(std::move(mutation));
    for (Type& t : added)
        s.types.push_back(std::move(t));
}

}  // namespace udm::graphql
