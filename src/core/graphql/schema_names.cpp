// The GraphQL names of a model's classes: every claim of docs/graphql.md's collision rule,
// in the one order that decides who keeps a plain name.
#include "schema_names.hpp"

#include <map>
#include <optional>
#include <string_view>

#include "names.hpp"

namespace udm::graphql {

namespace {

using model::DataType;

// A relationship field before it gets its final name.
struct RelationshipField {
    std::string plain;
    std::string target_class;
    bool single = false;
    std::optional<std::string> description;
    std::string type;  // the relationship type
    bool outgoing = true;
    bool both_ways = false;
};

// The relationship fields of each class: outgoing ones first, then incoming ones, each in
// relationship key order, which is the order they claim names in.
std::map<std::string, std::vector<RelationshipField>> relationship_fields(const model::Model& m) {
    std::map<std::string, std::vector<RelationshipField>> outgoing, incoming;
    for (const auto& [key, r] : m.relationships) {
        auto rt = m.relationship_types.find(r.type);
        if (!m.classes.count(r.from) || !m.classes.count(r.to) || rt == m.relationship_types.end())
            continue;
        const bool self_symmetric = r.bidirectional && r.from == r.to;
        // A symmetric relationship of a class with itself relates things either way round:
        // one list field holds both directions.
        outgoing[r.from].push_back({camel_case(r.type), r.to,
                                    !self_symmetric && r.cardinality.max_targets == 1,
                                    rt->second.description, r.type, true, r.bidirectional});
        std::optional<std::string> inverse;
        if (rt->second.inverse) {
            inverse = camel_case(*rt->second.inverse);
        } else if (r.bidirectional && !self_symmetric) {
            inverse = camel_case(r.type);
        }
        if (inverse) {
            incoming[r.to].push_back({*inverse, r.from, r.cardinality.max_sources == 1,
                                      "The things that relate to this one by \"" + r.type + "\".",
                                      r.type, false, r.bidirectional});
        }
    }
    for (auto& [cls, fields] : incoming) {
        auto& out = outgoing[cls];
        out.insert(out.end(), fields.begin(), fields.end());
    }
    return outgoing;
}

// The type called name among types, or nullptr.
const Type* find(const std::vector<Type>& types, std::string_view name) {
    for (const Type& t : types) {
        if (t.name == name)
            return &t;
    }
    return nullptr;
}

// The fields of a class's object type: attributes, then the id fields of references, then
// relationships, then reverse collections, each in model-name order, after the system
// fields.
// types: the data type of each named attribute, in step with names.attribute_fields.
void name_class_fields(const model::Model& m, const model::ThingClass& cls, ClassNames& names,
                       std::vector<RelationshipField> relationships,
                       std::vector<ReverseCollection> reverse, std::vector<DataType>& types) {
    NameAllocator fields(std::size(kSystemFields) + 2 * cls.assignments.size() +
                         relationships.size() + reverse.size());
    for (const auto& [name, scalar] : kSystemFields)
        fields.reserve(name);
    names.attribute_fields.reserve(cls.assignments.size());
    types.reserve(cls.assignments.size());
    std::size_t references = 0;
    for (const auto& [aname, as] : cls.assignments) {
        auto a = m.attributes.find(aname);
        if (a == m.attributes.end())
            continue;
        if (a->second.type == DataType::kReference) {
            if (!a->second.target || m.classes.count(*a->second.target) == 0)
                continue;
            ++references;
        }
        names.attribute_fields.emplace_back(aname, fields.claim(camel_case(aname)));
        types.push_back(a->second.type);
    }
    names.reference_id_fields.reserve(references);
    for (std::size_t k = 0; k < types.size(); ++k) {
        if (types[k] == DataType::kReference) {
            const std::string& aname = names.attribute_fields[k].first;
            names.reference_id_fields.emplace_back(aname, fields.claim(camel_case(aname) + "Id"));
        }
    }
    names.relationships.reserve(relationships.size());
    for (RelationshipField& r : relationships) {
        names.relationships.push_back({fields.claim(r.plain), std::move(r.type),
                                       std::move(r.target_class), r.outgoing, r.both_ways, r.single,
                                       std::move(r.description)});
    }
    names.reverse_collections = std::move(reverse);
    for (ReverseCollection& r : names.reverse_collections)
        r.field =
            fields.claim(camel_case(r.source_class) + "CollectionBy" + pascal_case(r.attribute));
}

// The logical fields of a class's filter type ("and", "or", "not"), after the fields it has
// for the system columns and the attributes, which keep their object type's names.
void name_filter_fields(ClassNames& names, const std::vector<DataType>& types) {
    NameAllocator fields(8 + names.attribute_fields.size() + names.reference_id_fields.size());
    for (const auto& [name, scalar] : kSystemFields)
        fields.reserve(name);
    auto id = names.reference_id_fields.begin();
    for (std::size_t k = 0; k < types.size(); ++k) {
        const std::string& fname = names.attribute_fields[k].second;
        const DataType type = types[k];
        if (type == DataType::kReference) {
            fields.reserve(fname);           // the target's filter
            fields.reserve((id++)->second);  // the id's
        } else if (filter_scalar(type) != nullptr) {
            fields.reserve(fname);
        }
    }
    names.filter_and = fields.claim("and");
    names.filter_or = fields.claim("or");
    names.filter_not = fields.claim("not");
}

}  // namespace

const char* filter_scalar(DataType type) {
    switch (type) {
        case DataType::kText:
            return "String";
        case DataType::kNumber:
            return "Float";
        case DataType::kInteger:
            return "BigInt";
        case DataType::kBoolean:
            return "Boolean";
        case DataType::kDate:
            return "Date";
        case DataType::kTimestamp:
            return "DateTime";
        case DataType::kReference:
            return "ID";
        case DataType::kJson:
            break;
    }
    return nullptr;
}

const char* aggregate_scalar(DataType type, bool sum) {
    switch (type) {
        case DataType::kNumber:
            return "Float";
        case DataType::kInteger:
            return "BigInt";
        case DataType::kText:
            return sum ? nullptr : "String";
        case DataType::kDate:
            return sum ? nullptr : "Date";
        case DataType::kTimestamp:
            return sum ? nullptr : "DateTime";
        default:
            break;
    }
    return nullptr;
}

const char* input_scalar(DataType type) {
    const char* scalar = filter_scalar(type);
    return scalar != nullptr ? scalar : "JSON";
}

const char* value_type_name(DataType type) {
    const char* scalar = type == DataType::kReference ? nullptr : filter_scalar(type);
    return scalar != nullptr ? scalar : "JSON";
}

ClassNameList name_classes(const model::Model& m, const std::vector<Type>& fixed) {
    ClassNameList classes;
    classes.reserve(m.classes.size());
    // Mutation is reserved too: a class must not take the name a mutation type will have.
    NameAllocator type_names(fixed.size() + 10 * m.classes.size() + 1);
    type_names.reserve(kMutationType);
    for (const Type& t : fixed)
        type_names.reserve(t.name);
    for (const auto& [cname, cls] : m.classes) {
        ClassNames names;
        names.type = type_names.claim(pascal_case(cname));
        classes.emplace_back(cname, std::move(names));
    }

    // The class types' fields.
    auto relationships = relationship_fields(m);
    // The references to each class, in model-name order of source class, then attribute.
    std::map<std::string, std::vector<ReverseCollection>> reverse;
    for (const auto& [cname, cls] : m.classes) {
        for (const auto& [aname, as] : cls.assignments) {
            auto a = m.attributes.find(aname);
            if (a != m.attributes.end() && a->second.type == DataType::kReference &&
                a->second.target && m.classes.count(*a->second.target) != 0)
                reverse[*a->second.target].push_back({cname, aname, {}});
        }
    }
    // The data types of each class's named attributes, in step with classes.
    std::vector<std::vector<DataType>> types(classes.size());
    std::size_t i = 0;  // m.classes and classes are in step
    for (const auto& [cname, cls] : m.classes) {
        auto r = relationships.find(cname);
        auto rev = reverse.find(cname);
        name_class_fields(
            m, cls, classes[i].second,
            r == relationships.end() ? std::vector<RelationshipField>() : std::move(r->second),
            rev == reverse.end() ? std::vector<ReverseCollection>() : std::move(rev->second),
            types[i]);
        ++i;
    }

    // Queries (query_schema.cpp). Query's fields: the fixed ones, then every class's single
    // field, then every class's collection field, so a class named like another's
    // collection keeps its plain name.
    const Type* query = find(fixed, kQueryType);
    NameAllocator query_fields((query ? query->fields.size() : 0) + 2 * classes.size());
    if (query != nullptr) {
        for (const Field& f : query->fields)
            query_fields.reserve(f.name);
    }
    for (auto& [cname, n] : classes)
        n.query_field = query_fields.claim(camel_case(cname));
    for (auto& [cname, n] : classes)
        n.collection_field = query_fields.claim(camel_case(cname) + "Collection");
    for (auto& [cname, n] : classes) {
        const std::string plain = pascal_case(cname);
        n.connection_type = type_names.claim(plain + "Connection");
        n.edge_type = type_names.claim(plain + "Edge");
        n.filter_type = type_names.claim(plain + "Filter");
        n.order_by_type = type_names.claim(plain + "OrderBy");
    }
    // Claimed after the types above, so adding aggregates renamed none of them.
    for (std::size_t c = 0; c < classes.size(); ++c) {
        auto& [cname, n] = classes[c];
        const std::string plain = pascal_case(cname);
        bool sums = false, orders = false;
        for (const DataType type : types[c]) {
            sums = sums || aggregate_scalar(type, true) != nullptr;
            orders = orders || aggregate_scalar(type, false) != nullptr;
        }
        n.aggregate_type = type_names.claim(plain + "Aggregate");
        if (sums) {
            n.sum_type = type_names.claim(plain + "SumAggregate");
            n.avg_type = type_names.claim(plain + "AvgAggregate");
        }
        if (orders) {
            n.min_type = type_names.claim(plain + "MinAggregate");
            n.max_type = type_names.claim(plain + "MaxAggregate");
        }
        name_filter_fields(n, types[c]);
    }
    if (classes.empty())
        return classes;

    // Mutations (mutation_schema.cpp). Field names are free: Mutation holds nothing else.
    // Each class claims its three in turn, so a class named like another's field keeps the
    // plain name of its own first.
    NameAllocator mutation_fields(3 * classes.size() + 2);
    if (!m.relationships.empty()) {
        mutation_fields.reserve(kRelateField);
        mutation_fields.reserve(kUnrelateField);
    }
    for (auto& [cname, n] : classes) {
        const std::string plain = pascal_case(cname);
        n.insert_field = mutation_fields.claim("insertInto" + plain + "Collection");
        n.update_field = mutation_fields.claim("update" + plain + "Collection");
        n.delete_field = mutation_fields.claim("deleteFrom" + plain + "Collection");
        n.insert_input_type = type_names.claim(plain + "InsertInput");
        n.update_input_type = type_names.claim(plain + "UpdateInput");
        n.mutation_response_type = type_names.claim(plain + "MutationResponse");
    }

    // Subscriptions (subscription_schema.cpp), after Subscription's fixed fields.
    const Type* subscription = find(fixed, kSubscriptionType);
    if (subscription == nullptr || find(fixed, "ThingEvent") == nullptr)
        return classes;
    NameAllocator changed_fields(classes.size() + subscription->fields.size());
    for (const Field& f : subscription->fields)
        changed_fields.reserve(f.name);
    for (auto& [cname, n] : classes) {
        n.changed_field = changed_fields.claim(camel_case(cname) + "Changed");
        n.event_type = type_names.claim(pascal_case(cname) + "Event");
    }
    return classes;
}

}  // namespace udm::graphql
