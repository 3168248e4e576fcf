// A model's SDL printed straight from the model: what print_sdl(build_schema(model)) prints,
// byte for byte, without building the schema's types. For a large model (1,000 classes of
// 20 attributes, 11 MB of SDL) building the types, printing and freeing them takes three
// times as long as this, and the schema takes several times the memory of its text.
//
// Every type is written in build_schema's order with the names of name_classes (shared with
// build_schema) and the descriptions and fields of the builders (schema.cpp,
// query_schema.cpp, mutation_schema.cpp, subscription_schema.cpp). A change there must be
// made here too: the unit tests and udm_graphql_corpus compare both outputs on every model
// they have, and fail on the first byte that differs.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "constraint.hpp"
#include "udm/core/naming.hpp"
#include "query_schema.hpp"
#include "schema_names.hpp"
#include "sdl_print.hpp"

namespace udm::graphql {

namespace {

using model::DataType;

// The parts of every schema that do not depend on the model, made once per process.
struct Fixed {
    Schema schema;  // the fixed types in printing order, and @constraint
    std::vector<Field> system_fields;
    const Type* thing_event = nullptr;
    const InputValue* operations = nullptr;  // Subscription.thingChanged's argument
};

const Fixed& fixed() {
    // Never freed (it lives as long as the process); not leaked either when building it
    // throws, and built again by the next call then.
    static const Fixed* const f = [] {
        auto f = std::make_unique<Fixed>();
        f->schema.types = fixed_types();
        for (Type& t : query_fixed_types())
            f->schema.types.push_back(std::move(t));
        f->schema.directives.push_back(constraint_definition());
        f->schema.index_types();
        f->system_fields = class_system_fields();
        f->thing_event = f->schema.find_type("ThingEvent");
        const Type* subscription = f->schema.find_type(kSubscriptionType);
        const Field* changed = subscription ? subscription->field("thingChanged") : nullptr;
        f->operations = changed ? changed->argument("operations") : nullptr;
        return f.release();
    }();
    return *f;
}

// Where the SDL goes. plain: every class and attribute name follows the model-name rule
// (as parse_model demands), so that the descriptions udm writes from its own text and
// those names print without print_description's checks.
struct Writer {
    std::string& out;
    bool plain;
};

// Who wrote a description: udm (from its own text and the model's names), or a user (a
// class's, attribute's or relationship type's description), which is checked as it prints.
enum class By { kUdm, kUser };

void describe(Writer& w, std::string_view description, std::string_view indentation, bool first,
              By by) {
    if (by == By::kUdm && w.plain)
        print_plain_description(w.out, description, indentation, first);
    else
        print_description(w.out, description, indentation, first);
}

// The start of a type definition after the ones before it: its description (none when
// empty), keyword and name.
void open_type(Writer& w, std::string_view keyword, std::string_view name,
               std::string_view description, By by = By::kUdm) {
    w.out += "\n\n";
    if (!description.empty())
        describe(w, description, {}, true, by);
    w.out += keyword;
    w.out += name;
    w.out += " {\n";
}

// What comes before a field or input field's name: the line break after the one before it,
// and its description (none when empty).
void item(Writer& w, bool first, std::string_view description, By by = By::kUdm) {
    if (!first)
        w.out += '\n';
    if (!description.empty())
        describe(w, description, "  ", first, by);
    w.out += "  ";
}

// The same for an argument of a field, which always has a description of udm's here.
void argument(Writer& w, bool first, std::string_view description) {
    if (!first)
        w.out += '\n';
    describe(w, description, "    ", first, By::kUdm);
    w.out += "    ";
}

// The arguments of a collection field of class c (query_schema.cpp, collection_arguments).
void collection_arguments(Writer& w, const ClassNames& c) {
    std::string& out = w.out;
    out += "(\n";
    argument(w, true, "Only things that pass.");
    out += "filter: ";
    out += c.filter_type;
    argument(w, false, "The order, by one field per entry; id breaks ties.");
    out += "orderBy: [";
    out += c.order_by_type;
    out += "!]";
    argument(w, false, "At most this many things from the start (default 100, at most 1000).");
    out += "first: Int";
    argument(w, false, "Only things after this cursor.");
    out += "after: Cursor";
    argument(w, false, "At most this many things from the end (at most 1000).");
    out += "last: Int";
    argument(w, false, "Only things before this cursor.");
    out += "before: Cursor\n  )";
}

// ": T!" for a collection field of class c.
void connection(std::string& out, const ClassNames& c) {
    out += ": ";
    out += c.connection_type;
    out += '!';
}

// Whether every class and attribute name of m follows the model-name rule, as parse_model
// demands (Writer::plain): lower-case letters, digits and underscores.
bool plain_names(const model::Model& m) {
    for (const auto& [name, cls] : m.classes) {
        if (naming::model_name_violation(name))
            return false;
    }
    for (const auto& [name, a] : m.attributes) {
        if (naming::model_name_violation(name))
            return false;
    }
    return true;
}

// A class of the model with its named attributes, looked up once for all of its types.
struct ClassView {
    const model::ThingClass* cls;
    // In step with ClassNames::attribute_fields.
    std::vector<std::pair<const model::Attribute*, const model::Assignment*>> attributes;
};

// Prints the types of the classes of one model.
class ModelPrinter {
  public:
    ModelPrinter(const model::Model& m, const Fixed& fixed, const ClassNameList& classes,
                 std::string& out)
        : m_(m), fixed_(fixed), classes_(classes), w_{out, plain_names(m)} {
        views_.reserve(classes.size());
        for (const auto& [cname, c] : classes) {
            ClassView& v = views_.emplace_back();
            v.cls = &m.classes.at(cname);
            v.attributes.reserve(c.attribute_fields.size());
            for (const auto& [aname, fname] : c.attribute_fields)
                v.attributes.emplace_back(&m.attributes.at(aname), &v.cls->assignments.at(aname));
        }
    }

    void query(const Type& query);
    void subscription(const Type& subscription);
    // The types of the i-th class of classes.
    void class_type(std::size_t i);
    void query_types(std::size_t i);
    void mutation();
    void mutation_types(std::size_t i);
    void event_type(std::size_t i);

  private:
    // The names of model class name (which name_classes named).
    const ClassNames& names_of(std::string_view name) const {
        auto it = std::lower_bound(classes_.begin(), classes_.end(), name,
                                   [](const auto& c, std::string_view n) { return c.first < n; });
        return it->second;
    }
    // The fixed fields of one of the fixed types.
    void fixed_fields(const Type& t) {
        for (std::size_t i = 0; i < t.fields.size(); ++i)
            print_field(w_.out, fixed_.schema, t.fields[i], i == 0);
    }
    // A description made of parts, in a buffer reused for all of them.
    template <typename... Parts>
    std::string_view text(const Parts&... parts) {
        text_.clear();
        (text_.append(parts), ...);
        return text_;
    }

    const model::Model& m_;
    const Fixed& fixed_;
    const ClassNameList& classes_;
    std::vector<ClassView> views_;  // in step with classes_
    Writer w_;                      // w_.out: the SDL
    std::string text_;
};

void ModelPrinter::query(const Type& query) {
    w_.out += "\n\n";
    print_description(w_.out, *query.description);
    w_.out += "type Query {\n";
    fixed_fields(query);
    for (const auto& [cname, c] : classes_) {
        item(w_, false, text("The ", cname, " with this id, or null."));
        w_.out += c.query_field;
        w_.out += "(id: ID!): ";
        w_.out += c.type;
        item(w_, false, text("A page of the ", cname, " things."));
        w_.out += c.collection_field;
        collection_arguments(w_, c);
        connection(w_.out, c);
    }
    w_.out += "\n}";
}

void ModelPrinter::subscription(const Type& subscription) {
    w_.out += "\n\n";
    print_description(w_.out, *subscription.description);
    w_.out += "type Subscription {\n";
    fixed_fields(subscription);
    for (const auto& [cname, c] : classes_) {
        item(w_, false,
             text("Every insert, update, soft delete, restore and delete of a ", cname,
                  " thing from now on; the event's thing field holds the thing."));
        w_.out += c.changed_field;
        if (fixed_.operations != nullptr)
            print_arguments(w_.out, fixed_.schema, fixed_.operations, 1, "  ");
        w_.out += ": ";
        w_.out += c.event_type;
        w_.out += '!';
    }
    w_.out += "\n}";
}

void ModelPrinter::class_type(std::size_t i) {
    const ClassNames& c = classes_[i].second;
    const model::ThingClass& cls = *views_[i].cls;
    open_type(w_, "type ", c.type, cls.description ? *cls.description : std::string_view(),
              By::kUser);
    for (std::size_t f = 0; f < fixed_.system_fields.size(); ++f)
        print_field(w_.out, fixed_.schema, fixed_.system_fields[f], f == 0);
    auto id = c.reference_id_fields.begin();
    for (std::size_t k = 0; k < c.attribute_fields.size(); ++k) {
        const std::string& fname = c.attribute_fields[k].second;
        const model::Attribute& a = *views_[i].attributes[k].first;
        const model::Assignment& as = *views_[i].attributes[k].second;
        const bool reference = a.type == DataType::kReference;
        item(w_, false, a.description ? *a.description : std::string_view(), By::kUser);
        w_.out += fname;
        w_.out += ": ";
        w_.out += reference ? std::string_view(names_of(*a.target).type)
                            : std::string_view(value_type_name(a.type));
        if (as.required)
            w_.out += '!';
        if (auto d = constraint_directive(a.type, cls.rules, a.rules, as.rules, as.required))
            print_applied(w_.out, *d);
        if (!reference)
            continue;
        item(w_, false, text("The id of ", fname, "."));
        w_.out += (id++)->second;
        w_.out += as.required ? ": ID!" : ": ID";
    }
    for (const RelationshipFieldNames& r : c.relationships) {
        const ClassNames& target = names_of(r.target_class);
        item(w_, false, r.description ? *r.description : std::string_view(), By::kUser);
        w_.out += r.field;
        if (r.single) {
            w_.out += ": ";
            w_.out += target.type;
        } else {
            collection_arguments(w_, target);
            connection(w_.out, target);
        }
    }
    for (const ReverseCollection& r : c.reverse_collections) {
        const ClassNames& source = names_of(r.source_class);
        item(w_, false,
             text("A page of the ", r.source_class, " things whose ", r.attribute,
                  " is this thing."));
        w_.out += r.field;
        collection_arguments(w_, source);
        connection(w_.out, source);
    }
    w_.out += "\n}";
}

void ModelPrinter::query_types(std::size_t i) {
    const auto& [cname, c] = classes_[i];
    const ClassView& view = views_[i];
    open_type(w_, "type ", c.connection_type, text("A page of ", cname, " things."));
    item(w_, true, "The things of the page, in order.");
    w_.out += "edges: [";
    w_.out += c.edge_type;
    w_.out += "!]!";
    item(w_, false, "Where the page is.");
    w_.out += "pageInfo: PageInfo!";
    item(w_, false, "How many things pass the filter, on all pages.");
    w_.out += "totalCount: Int!";
    item(w_, false, "Aggregates over the things that pass the filter, on all pages.");
    w_.out += "aggregate: ";
    w_.out += c.aggregate_type;
    w_.out += "!\n}";

    open_type(w_, "type ", c.edge_type, text("A ", cname, " thing in a page."));
    item(w_, true, "Its position.");
    w_.out += "cursor: Cursor!";
    item(w_, false, "The thing.");
    w_.out += "node: ";
    w_.out += c.type;
    w_.out += "!\n}";

    // Filter and order fields have the object type's field names.
    for (const bool filter : {true, false}) {
        if (filter)
            open_type(w_, "input ", c.filter_type,
                      text("Conditions on ", cname, " things; all given ones must hold."));
        else
            open_type(w_, "input ", c.order_by_type,
                      text("One ", cname, " field to order by (give exactly one)."));
        bool first = true;
        auto add = [&](std::string_view name, const char* scalar) {
            item(w_, first, {});
            first = false;
            w_.out += name;
            if (filter) {
                w_.out += ": ";
                w_.out += scalar;
                w_.out += "Filter";
            } else {
                w_.out += ": OrderByDirection";
            }
        };
        for (const auto& [name, scalar] : kSystemFields)
            add(name, scalar);
        auto id = c.reference_id_fields.begin();
        for (std::size_t k = 0; k < c.attribute_fields.size(); ++k) {
            const std::string& fname = c.attribute_fields[k].second;
            const model::Attribute& a = *view.attributes[k].first;
            if (a.type == DataType::kReference) {
                // The target's filter: things whose referenced thing passes it.
                if (filter) {
                    item(w_, false, {});
                    w_.out += fname;
                    w_.out += ": ";
                    w_.out += names_of(*a.target).filter_type;
                }
                add((id++)->second, "ID");
            } else if (const char* scalar = filter_scalar(a.type)) {
                add(fname, scalar);
            }
        }
        if (filter) {
            item(w_, false, "All of these hold.");
            w_.out += c.filter_and;
            w_.out += ": [";
            w_.out += c.filter_type;
            w_.out += "!]";
            item(w_, false, "At least one of these holds.");
            w_.out += c.filter_or;
            w_.out += ": [";
            w_.out += c.filter_type;
            w_.out += "!]";
            item(w_, false, "This does not hold.");
            w_.out += c.filter_not;
            w_.out += ": ";
            w_.out += c.filter_type;
        }
        w_.out += "\n}";
    }

    // Aggregates (query_schema.cpp, add_aggregate_types).
    open_type(w_, "type ", c.aggregate_type,
              text("Aggregates over the ", cname, " things that pass the filter, on all pages."));
    item(w_, true, "How many things pass the filter.");
    w_.out += "count: Int!";
    for (const AggregatePart& part : kAggregateParts) {
        const std::string& type = c.*part.type;
        if (type.empty())
            continue;
        item(w_, false, part.description);
        w_.out += part.field;
        w_.out += ": ";
        w_.out += type;
    }
    w_.out += "\n}";
    for (const AggregatePart& part : kAggregateParts) {
        const std::string& type = c.*part.type;
        if (type.empty())
            continue;
        open_type(
            w_, "type ", type,
            text(part.what, " of the fields of the ", cname, " things that pass the filter."));
        // An average is a Float whatever the values.
        const bool avg = std::string_view(part.field) == "avg";
        bool first = true;
        for (std::size_t k = 0; k < c.attribute_fields.size(); ++k) {
            const std::string& fname = c.attribute_fields[k].second;
            const char* scalar = aggregate_scalar(view.attributes[k].first->type, part.sum);
            if (scalar == nullptr)
                continue;
            item(w_, first, {});
            first = false;
            w_.out += fname;
            w_.out += ": ";
            w_.out += avg ? "Float" : scalar;
        }
        w_.out += "\n}";
    }
}

void ModelPrinter::mutation() {
    open_type(w_, "type ", kMutationType,
              "Writes to the tenant's things. The fields of one mutation run in order in one "
              "transaction: an error in any of them undoes them all.");
    // The filter and atMost arguments of an update or a delete, and its type.
    const auto filtered = [this](const auto& c, bool first_argument) {
        argument(w_, first_argument, "Only things that pass (all when not given).");
        w_.out += "filter: ";
        w_.out += c.filter_type;
        argument(w_, false,
                 "At most this many things may pass the filter (at most 1000); when more do, "
                 "nothing changes and the field fails with TOO_MANY_ROWS.");
        w_.out += "atMost: Int! = 1\n  ): ";
        w_.out += c.mutation_response_type;
        w_.out += '!';
    };
    bool first = true;
    for (const auto& [cname, c] : classes_) {
        item(w_, first,
             text("Inserts ", cname,
                  " things, checked by the class's rules; returns them as "
                  "stored."));
        first = false;
        w_.out += c.insert_field;
        w_.out += "(\n";
        argument(w_, true,
                 "The things to insert (at most 1000); an attribute not given gets its default.");
        w_.out += "objects: [";
        w_.out += c.insert_input_type;
        w_.out += "!]!\n  ): ";
        w_.out += c.mutation_response_type;
        w_.out += '!';

        item(w_, false,
             text("Sets attributes of the ", cname,
                  " things that pass the filter; returns them as stored."));
        w_.out += c.update_field;
        w_.out += "(\n";
        argument(w_, true, "The attributes to set; a field given as null clears it.");
        w_.out += "set: ";
        w_.out += c.update_input_type;
        w_.out += '!';
        filtered(c, false);

        item(w_, false,
             text("Soft-deletes the ", cname,
                  " things that pass the filter (they are no longer served; udm.data_events "
                  "records a soft_delete); returns them."));
        w_.out += c.delete_field;
        w_.out += "(\n";
        filtered(c, true);
    }
    if (!m_.relationships.empty()) {
        for (const bool relate : {true, false}) {
            item(w_, false,
                 relate ? "Relates two things, if the relationship type is allowed between their "
                          "classes and within its cardinality; false when they already were."
                        : "Removes a relationship between two things; false when there was "
                          "none.");
            w_.out += relate ? kRelateField : kUnrelateField;
            w_.out += "(\n";
            argument(w_, true, "The relationship type's name.");
            w_.out += "type: String!";
            argument(w_, false, "The from thing.");
            w_.out += "fromId: ID!";
            argument(w_, false, "The to thing.");
            w_.out += "toId: ID!\n  ): Boolean!";
        }
    }
    w_.out += "\n}";
}

void ModelPrinter::mutation_types(std::size_t i) {
    const auto& [cname, c] = classes_[i];
    const ClassView& view = views_[i];
    for (const bool insert : {true, false}) {
        if (insert)
            open_type(w_, "input ", c.insert_input_type,
                      text("A new ", cname, " thing: its attributes by field name."));
        else
            open_type(
                w_, "input ", c.update_input_type,
                text("Attributes of ", cname, " things to set; the others keep their value."));
        auto id = c.reference_id_fields.begin();
        bool first = true;
        for (std::size_t k = 0; k < c.attribute_fields.size(); ++k) {
            const auto& [aname, fname] = c.attribute_fields[k];
            const model::Attribute& a = *view.attributes[k].first;
            const bool reference = a.type == DataType::kReference;
            const bool required = insert && view.attributes[k].second->required;
            item(w_, first,
                 reference ? text("The id of its ", fname, required ? ". Required." : ".")
                           : text("Its ", aname, required ? ". Required." : "."));
            first = false;
            w_.out += reference ? std::string_view((id++)->second) : std::string_view(fname);
            w_.out += ": ";
            w_.out += input_scalar(a.type);
        }
        // A class without attributes has nothing to set (mutation_schema.cpp).
        if (first) {
            item(w_, true, "Ignored: the class has no attributes.");
            w_.out += "_: Boolean";
        }
        w_.out += "\n}";
    }
    open_type(w_, "type ", c.mutation_response_type,
              text("What a mutation of ", cname, " things did."));
    item(w_, true, "How many things it wrote.");
    w_.out += "affectedCount: Int!";
    item(w_, false, "The things it wrote, as stored.");
    w_.out += "records: [";
    w_.out += c.type;
    w_.out += "!]!\n}";
}

void ModelPrinter::event_type(std::size_t i) {
    const auto& [cname, c] = classes_[i];
    open_type(
        w_, "type ", c.event_type,
        text("A ", cname, " thing was inserted, updated, soft deleted, restored or deleted."));
    fixed_fields(*fixed_.thing_event);
    item(w_, false,
         "The thing as it is when the gateway reads the event's batch (a later write of the "
         "same batch may show); null when it is deleted or soft deleted, or not visible to the "
         "tenant's role.");
    w_.out += kEventThingField;
    w_.out += ": ";
    w_.out += c.type;
    w_.out += "\n}";
}

}  // namespace

std::string print_model_sdl(const model::Model& m) {
    std::string out;
    print_model_sdl(m, out);
    return out;
}

void print_model_sdl(const model::Model& m, std::string& out) {
    const Fixed& f = fixed();
    const ClassNameList classes = name_classes(m, f.schema.types);
    out.clear();
    // 1,000 classes of 20 attributes: 11 KB a class.
    out.reserve(16384 + 12288 * classes.size());
    ModelPrinter p(m, f, classes, out);
    print_directive(out, f.schema, f.schema.directives.front());
    for (const Type& t : f.schema.types) {
        if (t.builtin)
            continue;
        if (t.name == kQueryType) {
            p.query(t);
        } else if (t.name == kSubscriptionType) {
            p.subscription(t);
        } else {
            out += "\n\n";
            print_type(out, f.schema, t);
        }
    }
    for (std::size_t i = 0; i < classes.size(); ++i)
        p.class_type(i);
    for (std::size_t i = 0; i < classes.size(); ++i)
        p.query_types(i);
    if (!classes.empty()) {
        p.mutation();
        for (std::size_t i = 0; i < classes.size(); ++i)
            p.mutation_types(i);
        if (f.thing_event != nullptr) {
            for (std::size_t i = 0; i < classes.size(); ++i)
                p.event_type(i);
        }
    }
    out += '\n';
}

}  // namespace udm::graphql
