// Query fields and their types for every class: what udm.graphql() serves.
#include "query_schema.hpp"

#include <algorithm>
#include <utility>

#include "schema_names.hpp"

namespace udm::graphql {

namespace {

using model::DataType;

using parts::field;
using parts::input;
using parts::named;
using parts::required;

// The filter type of values of a scalar; ordered ones (all but Boolean) compare, text
// also matches patterns.
Type scalar_filter(const char* scalar, bool ordered, bool text) {
    Type t;
    t.kind = TypeKind::kInputObject;
    t.name = std::string(scalar) + "Filter";
    t.description = std::string("Conditions on a ") + scalar +
                    " field; a thing passes when it meets all of the given ones.";
    auto value = named(scalar);
    t.input_fields.push_back(input("eq", value, "Equal to."));
    t.input_fields.push_back(input("neq", value, "Not equal to (a null value does not pass)."));
    if (ordered) {
        t.input_fields.push_back(input("lt", value, "Less than."));
        t.input_fields.push_back(input("lte", value, "Less than or equal to."));
        t.input_fields.push_back(input("gt", value, "Greater than."));
        t.input_fields.push_back(input("gte", value, "Greater than or equal to."));
    }
    t.input_fields.push_back(
        input("in", TypeRef::list(required(value)), "Equal to one of these (at most 1000)."));
    t.input_fields.push_back(input("is", named("FilterIs"), "Null, or not null."));
    if (text) {
        t.input_fields.push_back(
            input("like", value, "Matches an SQL LIKE pattern (% any text, _ one character)."));
        t.input_fields.push_back(input("ilike", value, "Like like, ignoring case."));
        t.input_fields.push_back(input("startsWith", value, "Starts with this text."));
    }
    return t;
}

// The names of model class cls, or nullptr.
ClassNames* class_names(Schema& s, std::string_view cls) {
    auto it = std::lower_bound(s.classes.begin(), s.classes.end(), cls,
                               [](const auto& c, std::string_view n) { return c.first < n; });
    return it != s.classes.end() && it->first == cls ? &it->second : nullptr;
}

// The arguments of a collection field of the class of names (on Query, and the reverse
// collections).
std::vector<InputValue> collection_arguments(const ClassNames& names, parts::TypeRefs& refs) {
    std::vector<InputValue> args;
    args.reserve(6);
    args.push_back(
        input("filter", named(names.filter_type), std::string("Only things that pass.")));
    args.push_back(input("orderBy", TypeRef::list(required(named(names.order_by_type))),
                         std::string("The order, by one field per entry; id breaks ties.")));
    args.push_back(input("first", refs.named("Int"),
                         std::string("At most this many things from the start (default 100, at "
                                     "most 1000).")));
    args.push_back(
        input("after", refs.named("Cursor"), std::string("Only things after this cursor.")));
    args.push_back(input("last", refs.named("Int"),
                         std::string("At most this many things from the end (at most 1000).")));
    args.push_back(
        input("before", refs.named("Cursor"), std::string("Only things before this cursor.")));
    return args;
}

// The aggregate types of a class (Aggregate, then those of sum, avg, min and max that it
// has), appended to out.
void add_aggregate_types(const model::Model& m, const std::string& cname, const ClassNames& names,
                         parts::TypeRefs& refs, std::vector<Type>& out) {
    Type agg;
    agg.kind = TypeKind::kObject;
    agg.name = names.aggregate_type;
    agg.description =
        "Aggregates over the " + cname + " things that pass the filter, on all pages.";
    agg.fields.reserve(5);
    agg.fields.push_back(field("count", refs.required("Int"), "How many things pass the filter."));
    std::vector<Type> parts_types;
    for (const AggregatePart& part : kAggregateParts) {
        const std::string& type = names.*part.type;
        if (type.empty())
            continue;
        agg.fields.push_back(field(part.field, named(type), part.description));
        Type t;
        t.kind = TypeKind::kObject;
        t.name = type;
        t.description = std::string(part.what) + " of the fields of the " + cname +
                        " things that pass the filter.";
        // An average is a Float whatever the values.
        const bool avg = std::string_view(part.field) == "avg";
        t.fields.reserve(names.attribute_fields.size());
        for (const auto& [aname, fname] : names.attribute_fields) {
            const char* scalar = aggregate_scalar(m.attributes.at(aname).type, part.sum);
            if (scalar == nullptr)
                continue;
            Field& f = t.fields.emplace_back();
            f.name = fname;
            f.type = refs.named(avg ? "Float" : scalar);
        }
        parts_types.push_back(std::move(t));
    }
    out.push_back(std::move(agg));
    for (Type& t : parts_types)
        out.push_back(std::move(t));
}

}  // namespace

namespace parts {

TypeRefs::Entry& TypeRefs::entry(const char* name, bool filter) {
    for (Entry& e : entries_) {
        if (e.name == name && e.filter == filter)
            return e;
    }
    entries_.push_back(
        {name, filter, TypeRef::named(filter ? std::string(name) + "Filter" : name), {}});
    return entries_.back();
}

const TypeRef& TypeRefs::required(const char* name) {
    Entry& e = entry(name, false);
    if (!e.required.is_non_null())
        e.required = TypeRef::non_null(e.named);
    return e.required;
}

}  // namespace parts

std::vector<Type> query_fixed_types() {
    std::vector<Type> out;
    Type cursor;
    cursor.kind = TypeKind::kScalar;
    cursor.name = "Cursor";
    cursor.description =
        "An opaque position in a collection, valid for the same collection and orderBy.";
    out.push_back(std::move(cursor));
    Type page;
    page.kind = TypeKind::kObject;
    page.name = "PageInfo";
    page.description = "Where a page of a collection is (Relay's PageInfo).";
    page.fields = {
        field("hasNextPage", required(named("Boolean")), "Whether things follow the page."),
        field("hasPreviousPage", required(named("Boolean")), "Whether things precede the page."),
        field("startCursor", named("Cursor"), "The cursor of the page's first thing."),
        field("endCursor", named("Cursor"), "The cursor of the page's last thing.")};
    out.push_back(std::move(page));
    Type direction;
    direction.kind = TypeKind::kEnum;
    direction.name = "OrderByDirection";
    direction.description = "How to order by a field, and where null values go.";
    direction.values = {{"AscNullsFirst", std::string("Ascending, null values first.")},
                        {"AscNullsLast", std::string("Ascending, null values last.")},
                        {"DescNullsFirst", std::string("Descending, null values first.")},
                        {"DescNullsLast", std::string("Descending, null values last.")}};
    out.push_back(std::move(direction));
    Type is;
    is.kind = TypeKind::kEnum;
    is.name = "FilterIs";
    is.description = "Whether a value is null.";
    is.values = {{"NULL", std::string("The value is null.")},
                 {"NOT_NULL", std::string("The value is not null.")}};
    out.push_back(std::move(is));
    out.push_back(scalar_filter("ID", true, false));
    out.push_back(scalar_filter("String", true, true));
    out.push_back(scalar_filter("Float", true, false));
    out.push_back(scalar_filter("BigInt", true, false));
    out.push_back(scalar_filter("Boolean", false, false));
    out.push_back(scalar_filter("Date", true, false));
    out.push_back(scalar_filter("DateTime", true, false));
    return out;
}

void add_query_types(const model::Model& m, Schema& s) {
    Type* query = nullptr;
    for (Type& t : s.types) {
        if (t.name == kQueryType)
            query = &t;
    }
    parts::TypeRefs refs;
    const TypeRef order_direction = refs.named("OrderByDirection");
    std::vector<Type> added;
    added.reserve(10 * s.classes.size());
    query->fields.reserve(query->fields.size() + 2 * s.classes.size());
    for (auto& [cname, names] : s.classes) {
        Field one =
            field(names.query_field, named(names.type), "The " + cname + " with this id, or null.");
        one.arguments.push_back(input("id", refs.required("ID")));
        query->fields.push_back(std::move(one));
        Field many = field(names.collection_field, required(named(names.connection_type)),
                           "A page of the " + cname + " things.");
        many.arguments = collection_arguments(names, refs);
        query->fields.push_back(std::move(many));

        Type conn;
        conn.kind = TypeKind::kObject;
        conn.name = names.connection_type;
        conn.description = "A page of " + cname + " things.";
        conn.fields.reserve(4);
        conn.fields.push_back(field("edges",
                                    required(TypeRef::list(required(named(names.edge_type)))),
                                    "The things of the page, in order."));
        conn.fields.push_back(field("pageInfo", refs.required("PageInfo"), "Where the page is."));
        conn.fields.push_back(field("totalCount", refs.required("Int"),
                                    "How many things pass the filter, on all pages."));
        conn.fields.push_back(
            field("aggregate", required(named(names.aggregate_type)),
                  "Aggregates over the things that pass the filter, on all pages."));
        added.push_back(std::move(conn));
        Type edge;
        edge.kind = TypeKind::kObject;
        edge.name = names.edge_type;
        edge.description = "A " + cname + " thing in a page.";
        edge.fields.reserve(2);
        edge.fields.push_back(field("cursor", refs.required("Cursor"), "Its position."));
        edge.fields.push_back(field("node", required(named(names.type)), "The thing."));
        added.push_back(std::move(edge));

        // Filter and order fields have the object type's field names.
        Type filter;
        filter.kind = TypeKind::kInputObject;
        filter.name = names.filter_type;
        filter.description = "Conditions on " + cname + " things; all given ones must hold.";
        Type order;
        order.kind = TypeKind::kInputObject;
        order.name = names.order_by_type;
        order.description = "One " + cname + " field to order by (give exactly one).";
        filter.input_fields.reserve(8 + names.attribute_fields.size() +
                                    names.reference_id_fields.size());
        order.input_fields.reserve(5 + names.attribute_fields.size() +
                                   names.reference_id_fields.size());
        auto add = [&](const std::string& name, const char* scalar) {
            filter.input_fields.push_back(input(name, refs.filter(scalar)));
            order.input_fields.push_back(input(name, order_direction));
        };
        for (const auto& [name, scalar] : kSystemFields)
            add(name, scalar);
        for (const auto& [aname, fname] : names.attribute_fields) {
            const model::Attribute& a = m.attributes.at(aname);
            if (a.type == DataType::kReference) {
                // The target's filter: things whose referenced thing passes it.
                const ClassNames* target = a.target ? class_names(s, *a.target) : nullptr;
                if (target != nullptr)
                    filter.input_fields.push_back(input(fname, named(target->filter_type)));
                for (const auto& [ref, id_field] : names.reference_id_fields) {
                    if (ref == aname)
                        add(id_field, "ID");
                }
            } else if (const char* scalar = filter_scalar(a.type)) {
                add(fname, scalar);
            }
        }
        const TypeRef filter_ref = named(names.filter_type);
        const TypeRef filter_list = TypeRef::list(required(filter_ref));
        filter.input_fields.push_back(
            input(names.filter_and, filter_list, std::string("All of these hold.")));
        filter.input_fields.push_back(
            input(names.filter_or, filter_list, std::string("At least one of these holds.")));
        filter.input_fields.push_back(
            input(names.filter_not, filter_ref, std::string("This does not hold.")));
        added.push_back(std::move(filter));
        added.push_back(std::move(order));
        add_aggregate_types(m, cname, names, refs, added);
    }
    for (Type& t : added)
        s.types.push_back(std::move(t));
}

}  // namespace udm::graphql

namespace udm::graphql {

void add_connection_fields(Schema& s, std::size_t first_class_type) {
    parts::TypeRefs refs;
    for (std::size_t i = 0; i < s.classes.size(); ++i) {
        const auto& [cname, names] = s.classes[i];
        Type& t = s.types[first_class_type + i];
        // A relationship field of many things is a connection, with the collection's
        // arguments.
        for (const RelationshipFieldNames& r : names.relationships) {
            if (r.single)
                continue;
            const ClassNames* target = class_names(s, r.target_class);
            for (Field& f : t.fields) {
                if (f.name == r.field) {
                    f.type = required(named(target->connection_type));
                    f.arguments = collection_arguments(*target, refs);
                }
            }
        }
        for (const ReverseCollection& r : names.reverse_collections) {
            const ClassNames* source = class_names(s, r.source_class);
            Field f = field(r.field, required(named(source->connection_type)),
                            "A page of the " + r.source_class + " things whose " + r.attribute +
                                " is this thing.");
            f.arguments = collection_arguments(*source, refs);
            t.fields.push_back(std::move(f));
        }
    }
}

}  // namespace udm::graphql
