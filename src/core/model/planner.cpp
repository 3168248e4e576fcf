// The DDL planner: current model + desired model -> ordered, checked steps.
//
// Order of the phases (each depends on the ones before it):
//   1 rename classes          2 rename attributes      3 remove allowed relationships
//   4 remove assignments      5 drop attributes        6 drop relationship types
//   7 create classes          8 change classes         9 create attributes
//  10 change attributes (retype, retarget, rules)     11 drop classes
//  12 add assignments        13 change assignments
//  14 create / change relationship types              15 allow / change relationships
// View "things" names no class table (udm.things reads them when it is read), so no
// phase replaces it: creating a class costs the same on a tenant of 1 or 1,000 classes.
// After phases 1 and 2 every object has its desired name, so later phases use only those.
#include "udm/core/planner.hpp"

#include <map>
#include <set>

#include "udm/core/error.hpp"
#include "udm/core/physical.hpp"
#include "udm/core/rules.hpp"

namespace udm::planner {

namespace {

using model::Attribute;
using model::DataType;
using model::Json;
using model::Model;
using model::ThingClass;
using naming::quote_identifier;
using naming::quote_literal;
using Params = std::vector<std::optional<std::string>>;

// How one data type converts to another, if at all.
struct Conversion {
    bool allowed = false;
    bool breaking = false;  // narrowing: some values may not convert or lose precision
};

Conversion conversion(DataType from, DataType to) {
    using T = DataType;
    if (from == to)
        return {true, false};
    if (to == T::kText)
        return {true, false};  // everything has a text form
    if (from == T::kText)
        return {true, true};  // parsed; checked row by row first
    if (from == T::kInteger && to == T::kNumber)
        return {true, false};
    if (from == T::kNumber && to == T::kInteger)
        return {true, true};
    if (from == T::kDate && to == T::kTimestamp)
        return {true, false};
    if (from == T::kTimestamp && to == T::kDate)
        return {true, true};
    return {false, false};
}

class Planner {
  public:
    Planner(const naming::TenantNames& t, const Model& cur, Model& want, const IdGenerator& new_id,
            const model::Delta& delta, catalog::Placement placement)
        : t_(t),
          cur_(cur),
          want_(want),
          new_id_(new_id),
          s_(quote_identifier(t.schema)),
          delta_(delta),
          placement_(placement) {}

    // full: check every name of the model; otherwise only what the delta touches, leaving
    // the new relation names to the caller.
    Plan run(bool full) {
        model::check_references(want_, &delta_);
        rules::check_model_rules(want_, &delta_);
        if (full)
            physical::check_name_collisions(want_);
        else
            plan_.new_relations = physical::check_new_names(cur_, want_, delta_);
        match(cur_.classes, want_.classes, "class", class_new_name_, class_old_name_);
        match(cur_.attributes, want_.attributes, "attribute", attr_new_name_, attr_old_name_);
        assign_ids();
        rename_classes();
        rename_attributes();
        remove_relationships();
        remove_assignments();
        drop_attributes();
        drop_relationship_types();
        create_classes();
        change_classes();
        create_attributes();
        change_attributes();
        drop_classes();
        add_assignments();
        change_assignments();
        upsert_relationship_types();
        upsert_relationships();
        return std::move(plan_);
    }

  private:
    // --- naming helpers -----------------------------------------------------------------

    std::string table(const std::string& cls) const { return physical::table_name(cls); }
    std::string qtable(const std::string& cls) const {
        return s_ + "." + quote_identifier(table(cls));
    }
    std::string qname(const std::string& rel) const { return s_ + "." + quote_identifier(rel); }
    static std::string col(const std::string& attr) { return physical::column_name(attr); }
    static std::string qcol(const std::string& attr) { return quote_identifier(col(attr)); }
    std::string catalog_table(const char* name) const { return s_ + "." + quote_identifier(name); }

    // The desired name of a current class / attribute; nullopt when it goes away.
    std::optional<std::string> new_class_name(const std::string& current) const {
        auto it = class_new_name_.find(current);
        return it == class_new_name_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    std::optional<std::string> new_attr_name(const std::string& current) const {
        auto it = attr_new_name_.find(current);
        return it == attr_new_name_.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    // The current class a desired class continues, if any.
    const ThingClass* old_class(const std::string& desired) const {
        auto it = class_old_name_.find(desired);
        return it == class_old_name_.end() ? nullptr : &cur_.classes.at(it->second);
    }
    const Attribute* old_attr(const std::string& desired) const {
        auto it = attr_old_name_.find(desired);
        return it == attr_old_name_.end() ? nullptr : &cur_.attributes.at(it->second);
    }

    Step& add_step(std::string action, std::string object, bool breaking, Json change) {
        if (!change.is_null())
            change["breaking"] = breaking;
        plan_.steps.push_back(Step{
            std::move(action), std::move(object), breaking, std::move(change), {}, {}, {}, {}, {}});
        return plan_.steps.back();
    }

    static void catalog_sql(Step& step, std::string sql, Params params) {
        step.catalog.push_back({std::move(sql), std::move(params)});
    }

    // --- data a step destroys (counted with the current names, before any step runs) ------

    // Locks a table against writes, not reads, until the change commits: what a check or a
    // count read stays true until the step's DDL (which locks it further) runs.
    static std::string share_lock(const std::string& qualified_table) {
        return "LOCK TABLE " + qualified_table + " IN SHARE MODE";
    }

    // A count of the rows of from (with a WHERE clause, or none) that reads nothing past
    // the first row when there is one (the usual case of a refusal) and, when there is
    // none, reads no more than finding that out takes (an index, when the column has one).
    static std::string count_sql(const std::string& from) {
        return "SELECT CASE WHEN EXISTS (SELECT FROM " + from +
               ") THEN (SELECT pg_catalog.count(*) FROM " + from + ") ELSE 0 END";
    }

    // The things of a current class, soft-deleted ones too.
    Loss things_lost(const std::string& cls) const {
        const std::string qt = qtable(cls);
        return Loss{share_lock(qt),
                    count_sql(qt),
                    {},
                    "things",
                    "{count} thing{s} of class \"" + cls + "\""};
    }

    // What of a current attribute's column in a current class a change loses.
    enum class Lost {
        kValues,         // every value (not null)
        kTimeOfDay,      // of timestamps that become dates: those not at midnight
        kTextTimeOfDay,  // of texts that become dates: those that carry a time but midnight
    };

    Loss values_lost(const std::string& cls, const std::string& attr, Lost lost) const {
        const std::string qt = qtable(cls), qc = qcol(attr);
        std::string which;
        if (lost == Lost::kTimeOfDay)
            which = " AND " + qc + " <> " + qc + "::date";
        else if (lost == Lost::kTextTimeOfDay)
            which = " AND " + qc + " ~ '[0-9]:[0-9][0-9]' AND " + qc +
                    " !~ '(^|[^0-9])0?0:00(:00(\\.0*)?)?($|[^0-9])'";
        const bool time_of_day = lost != Lost::kValues;
        return Loss{share_lock(qt),
                    count_sql(qt + " WHERE " + qc + " IS NOT NULL" + which),
                    {},
                    "values",
                    std::string(time_of_day ? "the time of day of " : "") +
                        "{count} value{s} of attribute \"" + attr + "\" of class \"" + cls + "\""};
    }

    // The relationships of one allowed kind, by the current classes' ids.
    Loss relationships_lost(const model::AllowedRelationship& r) const {
        const std::string rel = catalog_table("relationships");
        return Loss{
            "LOCK TABLE " + rel + " IN SHARE ROW EXCLUSIVE MODE",
            count_sql(rel + " WHERE relationship_type_id = $1::uuid AND from_class_id = $2::uuid "
                            "AND to_class_id = $3::uuid"),
            {cur_.relationship_types.at(r.type).id, cur_.classes.at(r.from).id,
             cur_.classes.at(r.to).id},
            "relationships",
            "{count} \"" + r.type + "\" relationship{s} from class \"" + r.from + "\" to class \"" +
                r.to + "\""};
    }

    // --- matching current and desired objects ----------------------------------------------

    // Pairs each desired object with the current one it continues (same name, or the
    // name in renamed_from), filling new_name (current -> desired) and old_name (desired
    // -> current). Works for classes and attributes alike.
    template <typename Map>
    static void match(const Map& current, const Map& desired, const char* what,
                      std::map<std::string, std::string>& new_name,
                      std::map<std::string, std::string>& old_name) {
        for (const auto& [name, obj] : desired) {
            const std::string from =
                obj.renamed_from && *obj.renamed_from != name ? *obj.renamed_from : name;
            if (from != name) {
                const std::string rename = std::string("cannot rename ") + what + " \"" + from +
                                           "\" to \"" + name + "\": ";
                if (!current.count(from)) {
                    throw Error(sqlstate::kUndefinedObject,
                                rename + what + " \"" + from + "\" does not exist");
                }
                if (current.count(name)) {
                    throw Error(sqlstate::kDuplicateObject,
                                rename + what + " \"" + name + "\" already exists");
                }
                if (desired.count(from)) {
                    throw Error(sqlstate::kInvalidParameterValue,
                                std::string("invalid model: ") + what + " \"" + from +
                                    "\" is both kept and renamed to \"" + name + "\"");
                }
            } else if (!current.count(name)) {
                continue;  // a new object
            }
            new_name[from] = name;
            old_name[name] = from;
        }
    }

    void assign_ids() {
        for (auto& [name, c] : want_.classes) {
            const ThingClass* old = old_class(name);
            c.id = old ? old->id : new_id_();
            c.renamed_from.reset();
        }
        for (auto& [name, a] : want_.attributes) {
            const Attribute* old = old_attr(name);
            a.id = old ? old->id : new_id_();
            a.renamed_from.reset();
        }
        for (auto& [name, r] : want_.relationship_types) {
            auto it = cur_.relationship_types.find(name);
            r.id = it != cur_.relationship_types.end() ? it->second.id : new_id_();
        }
        for (auto& [key, r] : want_.relationships) {
            const model::AllowedRelationship* old = old_relationship(r);
            r.id = old ? old->id : new_id_();
        }
    }

    // The current allowed relationship a desired one continues (same classes, after
    // renames, and same type).
    const model::AllowedRelationship* old_relationship(const model::AllowedRelationship& r) const {
        auto from = class_old_name_.find(r.from);
        auto to = class_old_name_.find(r.to);
        if (from == class_old_name_.end() || to == class_old_name_.end())
            return nullptr;
        auto it =
            cur_.relationships.find(model::relationship_key(from->second, r.type, to->second));
        return it == cur_.relationships.end() ? nullptr : &it->second;
    }

    // Whether desired class cls keeps attribute attr from its current assignments.
    bool keeps_assignment(const std::string& cls, const std::string& attr) const {
        const ThingClass* oc = old_class(cls);
        const Attribute* oa = old_attr(attr);
        return oc && oa && want_.classes.at(cls).assignments.count(attr) &&
               oc->assignments.count(oa->name);
    }

    // Whether a current assignment's column has an index / unique index.
    bool has_index(const Model& m, const ThingClass& c, const model::Assignment& a) const {
        return m.attributes.at(a.attribute).type == DataType::kReference ||
               model::wants_index(m, c, a);
    }

    // --- 1, 2: renames ---------------------------------------------------------------------

    // Statements renaming the indexes and foreign key of a column after its table or column
    // got a new name.
    // fk_target is the table the column's foreign key references, under its name at this
    // point of the plan; empty when the column has no foreign key.
    void rename_column_objects(Step& step, const std::string& old_table,
                               const std::string& new_table, const std::string& old_col,
                               const std::string& new_col, const std::string& fk_target,
                               bool has_idx, bool has_unique) {
        const std::string old_fk = physical::fkey_name(old_table, old_col);
        const std::string new_fk = physical::fkey_name(new_table, new_col);
        if (!fk_target.empty() && old_fk != new_fk) {
            if (placement_.distributed) {
                // Citus renames no constraint of a distributed table: the foreign key is made
                // anew under its new name (which checks the rows again).
                step.ddl.push_back("ALTER TABLE " + qname(new_table) + " DROP CONSTRAINT " +
                                   quote_identifier(old_fk));
                step.ddl.push_back("ALTER TABLE " + qname(new_table) + " ADD CONSTRAINT " +
                                   quote_identifier(new_fk) + " FOREIGN KEY (" +
                                   quote_identifier(new_col) + ") REFERENCES " + qname(fk_target) +
                                   " (id)");
            } else {
                step.ddl.push_back("ALTER TABLE " + qname(new_table) + " RENAME CONSTRAINT " +
                                   quote_identifier(old_fk) + " TO " + quote_identifier(new_fk));
            }
        }
        if (has_idx &&
            physical::index_name(old_table, old_col) != physical::index_name(new_table, new_col)) {
            step.ddl.push_back("ALTER INDEX " + qname(physical::index_name(old_table, old_col)) +
                               " RENAME TO " +
                               quote_identifier(physical::index_name(new_table, new_col)));
        }
        if (has_unique && physical::unique_name(old_table, old_col) !=
                              physical::unique_name(new_table, new_col)) {
            step.ddl.push_back("ALTER INDEX " + qname(physical::unique_name(old_table, old_col)) +
                               " RENAME TO " +
                               quote_identifier(physical::unique_name(new_table, new_col)));
        }
    }

    // The table of class cls (a current name) at this point of the class renames: classes
    // whose rename step came before have their new table.
    std::string table_during_renames(const std::string& cls,
                                     const std::set<std::string>& renamed) const {
        const auto to = class_new_name_.find(cls);
        return table(renamed.count(cls) && to != class_new_name_.end() ? to->second : cls);
    }

    void rename_classes() {
        std::set<std::string> renamed;  // current names of the classes renamed so far
        for (const auto& [from, to] : class_new_name_) {
            if (from == to)
                continue;
            renamed.insert(from);
            const ThingClass& c = cur_.classes.at(from);
            Step& step = add_step(
                "rename class", from + " -> " + to, true,
                Json{{"kind", "class"}, {"change", "renamed"}, {"from", from}, {"to", to}});
            const std::string old_table = table(from), new_table = table(to);
            step.ddl.push_back("ALTER TABLE " + qname(old_table) + " RENAME TO " +
                               quote_identifier(new_table));
            step.ddl.push_back("ALTER INDEX " + qname(physical::pkey_name(old_table)) +
                               " RENAME TO " + quote_identifier(physical::pkey_name(new_table)));
            step.ddl.push_back("COMMENT ON TABLE " + qname(new_table) + " IS " +
                               quote_literal("udm class " + to));
            for (const auto& [aname, a] : c.assignments) {
                const Attribute& attr = cur_.attributes.at(aname);
                const std::string target = attr.type == DataType::kReference && attr.target
                                               ? table_during_renames(*attr.target, renamed)
                                               : std::string();
                rename_column_objects(step, old_table, new_table, col(aname), col(aname), target,
                                      has_index(cur_, c, a), model::wants_unique(cur_, c, a));
            }
            catalog_sql(
                step,
                "UPDATE " + catalog_table("thing_classes") + " SET name = $2 WHERE id = $1::uuid",
                {c.id, to});
        }
    }

    void rename_attributes() {
        for (const auto& [from, to] : attr_new_name_) {
            if (from == to)
                continue;
            const Attribute& a = cur_.attributes.at(from);
            Step& step = add_step(
                "rename attribute", from + " -> " + to, true,
                Json{{"kind", "attribute"}, {"change", "renamed"}, {"from", from}, {"to", to}});
            for (const auto& [cname, c] : cur_.classes) {
                auto as = c.assignments.find(from);
                auto new_cname = new_class_name(cname);
                if (as == c.assignments.end() || !new_cname)
                    continue;  // dropped tables need no rename
                const std::string t = table(*new_cname);
                if (col(from) != col(to)) {
                    step.ddl.push_back("ALTER TABLE " + qname(t) + " RENAME COLUMN " + qcol(from) +
                                       " TO " + qcol(to));
                }
                // Every class rename came before: a target has its new table.
                std::string target;
                if (a.type == DataType::kReference && a.target) {
                    const auto to_class = new_class_name(*a.target);
                    target = table(to_class ? *to_class : *a.target);
                }
                rename_column_objects(step, t, t, col(from), col(to), target,
                                      has_index(cur_, c, as->second),
                                      model::wants_unique(cur_, c, as->second));
            }
            catalog_sql(
                step,
                "UPDATE " + catalog_table("attributes") + " SET name = $2 WHERE id = $1::uuid",
                {a.id, to});
        }
    }

    // --- 3-6: removals ---------------------------------------------------------------------

    void remove_relationships() {
        for (const auto& [key, r] : cur_.relationships) {
            auto from = new_class_name(r.from);
            auto to = new_class_name(r.to);
            bool kept = from && to &&
                        want_.relationships.count(model::relationship_key(*from, r.type, *to));
            if (kept)
                continue;
            Step& step =
                add_step("disallow relationship", r.from + " -[" + r.type + "]-> " + r.to, true,
                         Json{{"kind", "relationship"},
                              {"change", "removed"},
                              {"from", r.from},
                              {"to", r.to},
                              {"type", r.type}});
            step.losses.push_back(relationships_lost(r));
            const auto& type_id = cur_.relationship_types.at(r.type).id;
            catalog_sql(
                step,
                "DELETE FROM " + catalog_table("relationships") +
                    " WHERE relationship_type_id = $1::uuid AND from_class_id = $2::uuid AND "
                    "to_class_id = $3::uuid",
                {type_id, cur_.classes.at(r.from).id, cur_.classes.at(r.to).id});
            catalog_sql(step,
                        "DELETE FROM " + catalog_table("thing_class_relationships") +
                            " WHERE id = $1::uuid",
                        {r.id});
        }
    }

    void remove_assignments() {
        for (const auto& [cname, c] : cur_.classes) {
            auto new_cname = new_class_name(cname);
            if (new_cname && *new_cname == cname && !delta_.touches(cname))
                continue;
            for (const auto& [aname, a] : c.assignments) {
                auto new_aname = new_attr_name(aname);
                const Params key = {c.id, cur_.attributes.at(aname).id};
                const std::string del =
                    "DELETE FROM " + catalog_table("attribute_assignments") +
                    " WHERE thing_class_id = $1::uuid AND attribute_id = $2::uuid";
                if (!new_cname) {
                    // The table goes in phase 12; only its catalog rows must go before attributes
                    // do.
                    Step& step = add_step("forget assignment", cname + "." + aname, false, Json());
                    catalog_sql(step, del, key);
                    continue;
                }
                if (new_aname && want_.classes.at(*new_cname).assignments.count(*new_aname))
                    continue;
                const std::string shown = new_aname ? *new_aname : aname;
                Step& step = add_step("remove attribute", *new_cname + "." + shown, true,
                                      Json{{"kind", "assignment"},
                                           {"change", "removed"},
                                           {"class", *new_cname},
                                           {"attribute", shown}});
                step.losses.push_back(values_lost(cname, aname, Lost::kValues));
                step.ddl.push_back("ALTER TABLE " + qtable(*new_cname) + " DROP COLUMN " +
                                   qcol(shown));
                catalog_sql(step, del, key);
            }
        }
    }

    void drop_attributes() {
        for (const auto& [name, a] : cur_.attributes) {
            if (new_attr_name(name))
                continue;
            Step& step =
                add_step("drop attribute", name, true,
                         Json{{"kind", "attribute"}, {"change", "removed"}, {"attribute", name}});
            catalog_sql(step, "DELETE FROM " + catalog_table("attributes") + " WHERE id = $1::uuid",
                        {a.id});
        }
    }

    void drop_relationship_types() {
        for (const auto& [name, r] : cur_.relationship_types) {
            if (want_.relationship_types.count(name))
                continue;
            Step& step = add_step(
                "drop relationship type", name, true,
                Json{{"kind", "relationship_type"}, {"change", "removed"}, {"type", name}});
            catalog_sql(
                step, "DELETE FROM " + catalog_table("relationship_types") + " WHERE id = $1::uuid",
                {r.id});
        }
    }

    // --- 7-12: classes and attributes ------------------------------------------------------

    void create_classes() {
        for (const auto& [name, c] : want_.classes) {
            if (old_class(name))
                continue;
            Step& step = add_step("create class", name, false,
                                  Json{{"kind", "class"}, {"change", "added"}, {"class", name}});
            const std::string t = table(name), qt = qtable(name);
            std::string ddl =
                "CREATE TABLE " + qt +
                " (\n    id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),"
                "\n    created_at timestamp with time zone NOT NULL DEFAULT pg_catalog.now(),"
                "\n    updated_at timestamp with time zone NOT NULL DEFAULT pg_catalog.now(),"
                "\n    created_by text NOT NULL DEFAULT " +
                std::string(catalog::actor_default()) +
                ","
                "\n    is_deleted boolean NOT NULL DEFAULT false,"
                "\n    row_version bigint NOT NULL DEFAULT 1,";
            for (const auto& [aname, a] : c.assignments) {
                ddl += "\n    " + qcol(aname) + " " +
                       std::string(model::sql_type(want_.attributes.at(aname).type)) +
                       (a.required ? " NOT NULL," : ",");
            }
            ddl += "\n    CONSTRAINT " + quote_identifier(physical::pkey_name(t)) +
                   " PRIMARY KEY (id)\n)";
            step.ddl.push_back(std::move(ddl));
            step.new_table = t;
            step.ddl.push_back("COMMENT ON TABLE " + qt + " IS " +
                               quote_literal("udm class " + name));
            // Created by udm, owned by the tenant's owner (in a Citus distributed schema
            // udm's, see provision_tenant); the application gets no TRUNCATE, which would
            // skip validation and events.
            if (!placement_.distributed) {
                step.ddl.push_back("ALTER TABLE " + qt + " OWNER TO " +
                                   quote_identifier(t_.owner_role));
            }
            step.ddl.push_back("GRANT SELECT, INSERT, UPDATE, DELETE ON " + qt + " TO " +
                               quote_identifier(t_.app_role));
            step.ddl.push_back("ALTER TABLE " + qt + " ENABLE ROW LEVEL SECURITY");
            step.ddl.push_back(catalog::member_policy(t_, qt, placement_));
            // The class's id, not its name: a trigger finds its class by it, on the table
            // and on a Citus shard of it (named tc_<class>_<shard id>), and across renames.
            const std::string class_arg = quote_literal(c.id) + ")";
            step.ddl.push_back("CREATE TRIGGER touch_updated_at BEFORE UPDATE ON " + qt +
                               " FOR EACH ROW EXECUTE FUNCTION udm.touch_updated_at()");
            step.ddl.push_back("CREATE TRIGGER forget_relationships AFTER DELETE ON " + qt +
                               " REFERENCING OLD TABLE AS udm_old FOR EACH STATEMENT"
                               " EXECUTE FUNCTION udm.forget_relationships(" +
                               class_arg);
            step.ddl.push_back("CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON " + qt +
                               " FOR EACH ROW EXECUTE FUNCTION udm.validate_row(" + class_arg);
            // PostgreSQL allows transition tables only on single-event triggers.
            step.ddl.push_back("CREATE TRIGGER data_events_insert AFTER INSERT ON " + qt +
                               " REFERENCING NEW TABLE AS udm_new FOR EACH STATEMENT"
                               " EXECUTE FUNCTION udm.record_data_events(" +
                               class_arg);
            step.ddl.push_back(
                "CREATE TRIGGER data_events_update AFTER UPDATE ON " + qt +
                " REFERENCING OLD TABLE AS udm_old NEW TABLE AS udm_new FOR EACH STATEMENT"
                " EXECUTE FUNCTION udm.record_data_events(" +
                class_arg);
            step.ddl.push_back("CREATE TRIGGER data_events_delete AFTER DELETE ON " + qt +
                               " REFERENCING OLD TABLE AS udm_old FOR EACH STATEMENT"
                               " EXECUTE FUNCTION udm.record_data_events(" +
                               class_arg);
            // Capitalised so that it sorts, and fires for each row, before PostgreSQL's
            // RI_ConstraintTrigger_a_* triggers: deleting a referenced thing is refused in
            // model terms rather than with the foreign key's name.
            step.ddl.push_back("CREATE TRIGGER \"Check_referrers\" AFTER DELETE ON " + qt +
                               " FOR EACH ROW EXECUTE FUNCTION udm.check_referrers(" + class_arg);
            if (!c.events)
                switch_events(step, qt, false);
            catalog_sql(step,
                        "INSERT INTO " + catalog_table("thing_classes") +
                            " (id, name, description, validation_rules, events_enabled)"
                            " VALUES ($1::uuid, $2, $3, $4::jsonb, $5::boolean)",
                        {c.id, name, c.description, c.rules.dump(), c.events ? "true" : "false"});
        }
    }

    // Switches the data event triggers of a class table on or off: one ALTER TABLE each,
    // as Citus propagates no ENABLE/DISABLE TRIGGER together with other subcommands.
    static void switch_events(Step& step, const std::string& qt, bool on) {
        const char* verb = on ? " ENABLE TRIGGER " : " DISABLE TRIGGER ";
        for (const char* trigger :
             {"data_events_insert", "data_events_update", "data_events_delete"})
            step.ddl.push_back(std::string("ALTER TABLE ") + qt + verb + trigger);
    }

    void change_classes() {
        for (const auto& [name, c] : want_.classes) {
            if (!delta_.touches(name))
                continue;
            const ThingClass* old = old_class(name);
            if (!old || (old->description == c.description && old->rules == c.rules &&
                         old->events == c.events)) {
                continue;
            }
            Json change{{"kind", "class"}, {"change", "changed"}, {"class", name}};
            if (old->description != c.description)
                change["description_changed"] = true;
            if (old->rules != c.rules)
                change["rules_changed"] = true;
            if (old->events != c.events)
                change["events"] = c.events;
            Step& step = add_step("change class", name, false, std::move(change));
            if (old->events != c.events)
                switch_events(step, qtable(name), c.events);
            catalog_sql(step,
                        "UPDATE " + catalog_table("thing_classes") +
                            " SET description = $2, validation_rules = $3::jsonb, events_enabled = "
                            "$4::boolean"
                            " WHERE id = $1::uuid",
                        {c.id, c.description, c.rules.dump(), c.events ? "true" : "false"});
        }
    }

    std::optional<std::string> target_id(const Attribute& a) const {
        if (!a.target)
            return std::nullopt;
        return want_.classes.at(*a.target).id;
    }

    void create_attributes() {
        for (const auto& [name, a] : want_.attributes) {
            if (old_attr(name))
                continue;
            Json change{{"kind", "attribute"},
                        {"change", "added"},
                        {"attribute", name},
                        {"type", model::type_name(a.type)}};
            if (a.target)
                change["target"] = *a.target;
            Step& step = add_step("create attribute", name, false, std::move(change));
            catalog_sql(step,
                        "INSERT INTO " + catalog_table("attributes") +
                            " (id, name, description, data_type, validation_rules, target_class_id)"
                            " VALUES ($1::uuid, $2, $3, $4, $5::jsonb, $6::uuid)",
                        {a.id, name, a.description, std::string(model::type_name(a.type)),
                         a.rules.dump(), target_id(a)});
        }
    }

    // Check: rows of a column whose values would not convert to a type.
    Check convert_check(const std::string& cls, const std::string& attr, DataType from,
                        DataType to) const {
        Check check;
        const std::string qt = qtable(cls), qc = qcol(attr);
        check.lock = share_lock(qt);
        if (from == DataType::kNumber && to == DataType::kInteger) {
            check.sql =
                "SELECT pg_catalog.count(*), pg_catalog.string_agg(id::text, ', ') FILTER (WHERE n "
                "<= 5) FROM"
                " (SELECT id, pg_catalog.row_number() OVER () AS n FROM " +
                qt + " WHERE " + qc + " <> pg_catalog.trunc(" + qc + ") OR " + qc +
                " < -9223372036854775808 OR " + qc + " > 9223372036854775807) bad";
        } else {
            // Casts each value the way ALTER COLUMN ... TYPE will; see sql/udm--0.1.0.sql.
            check.sql =
                "SELECT failures, sample FROM udm._unconvertible($1::regclass, $2, $3::regtype)";
            check.params = {qt, col(attr), std::string(model::sql_type(to))};
        }
        check.sqlstate = std::string(sqlstate::kDataException);
        check.message = "cannot change attribute \"" + attr + "\" of class \"" + cls + "\" to " +
                        std::string(model::type_name(to)) + ": {count} row{s} would not convert";
        check.hint = "Fix or clear those values first.";
        return check;
    }

    // Check: values of a reference column that name no thing of the target class.
    Check dangling_check(const std::string& cls, const std::string& attr, const std::string& target,
                         const std::string& expr) const {
        Check check;
        check.lock = share_lock(qtable(cls));
        check.sql =
            "SELECT pg_catalog.count(*), pg_catalog.string_agg(id::text, ', ') FILTER (WHERE n <= "
            "5) FROM"
            " (SELECT s.id, pg_catalog.row_number() OVER () AS n FROM " +
            qtable(cls) + " s WHERE " + expr + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " +
            qtable(target) + " t WHERE t.id = " + expr + ")) bad";
        check.sqlstate = std::string(sqlstate::kForeignKeyViolation);
        check.message = "cannot point attribute \"" + attr + "\" of class \"" + cls +
                        "\" at class \"" + target + "\": {count} row{s} would point at nothing";
        check.hint = "Clear those values first.";
        return check;
    }

    void change_attributes() {
        for (const auto& [name, a] : want_.attributes) {
            const Attribute* old = old_attr(name);
            if (!old)
                continue;
            const bool retyped = old->type != a.type;
            // The target is compared by desired names: a renamed target is the same class.
            std::optional<std::string> old_target;
            if (old->target)
                old_target = new_class_name(*old->target);
            const bool retargeted =
                !retyped && a.type == DataType::kReference && old_target != a.target;
            if (retyped) {
                Conversion conv = conversion(old->type, a.type);
                if (!conv.allowed) {
                    throw Error(sqlstate::kInvalidParameterValue,
                                "cannot change the type of attribute \"" + name + "\" from " +
                                    std::string(model::type_name(old->type)) + " to " +
                                    std::string(model::type_name(a.type)),
                                "udm converts between these types: anything to text; text to any "
                                "type; integer "
                                "and number both ways; date and timestamp both ways.",
                                "Change it to text first, or create a new attribute.");
                }
                Json change{{"kind", "attribute"},
                            {"change", "retyped"},
                            {"attribute", name},
                            {"from", model::type_name(old->type)},
                            {"to", model::type_name(a.type)}};
                if (a.target)
                    change["target"] = *a.target;
                Step& step =
                    add_step("change attribute type", name, conv.breaking, std::move(change));
                retype_columns(step, name, *old, a);
                update_attribute_row(step, a);
            } else if (retargeted) {
                Step& step = add_step("change reference target", name, true,
                                      Json{{"kind", "attribute"},
                                           {"change", "retargeted"},
                                           {"attribute", name},
                                           {"from", old_target ? *old_target : ""},
                                           {"to", *a.target}});
                for (const auto& [cname, c] : want_.classes) {
                    if (!keeps_assignment(cname, name))
                        continue;
                    const std::string t = table(cname), qc = qcol(name);
                    step.checks.push_back(dangling_check(cname, name, *a.target, qc));
                    step.ddl.push_back("ALTER TABLE " + qtable(cname) + " DROP CONSTRAINT " +
                                       quote_identifier(physical::fkey_name(t, col(name))));
                    step.ddl.push_back(add_fkey(cname, name, *a.target));
                }
                update_attribute_row(step, a);
            } else if (old->description != a.description || old->rules != a.rules) {
                Json change{{"kind", "attribute"}, {"change", "changed"}, {"attribute", name}};
                if (old->description != a.description)
                    change["description_changed"] = true;
                if (old->rules != a.rules)
                    change["rules_changed"] = true;
                Step& step = add_step("change attribute", name, false, std::move(change));
                update_attribute_row(step, a);
            }
        }
    }

    void update_attribute_row(Step& step, const Attribute& a) {
        catalog_sql(step,
                    "UPDATE " + catalog_table("attributes") +
                        " SET description = $2, data_type = $3, validation_rules = $4::jsonb, "
                        "target_class_id = $5::uuid"
                        " WHERE id = $1::uuid",
                    {a.id, a.description, std::string(model::type_name(a.type)), a.rules.dump(),
                     target_id(a)});
    }

    std::string add_fkey(const std::string& cls, const std::string& attr,
                         const std::string& target) const {
        return "ALTER TABLE " + qtable(cls) + " ADD CONSTRAINT " +
               quote_identifier(physical::fkey_name(table(cls), col(attr))) + " FOREIGN KEY (" +
               qcol(attr) + ") REFERENCES " + qtable(target) + " (id)";
    }

    // Retypes the column of attribute a in every table that keeps it.
    void retype_columns(Step& step, const std::string& name, const Attribute& old,
                        const Attribute& a) {
        for (const auto& [cname, c] : want_.classes) {
            if (!keeps_assignment(cname, name))
                continue;
            const std::string t = table(cname), qt = qtable(cname), qc = qcol(name);
            // Parsing text and narrowing numbers can fail; every other conversion cannot.
            if (old.type == DataType::kText ||
                (old.type == DataType::kNumber && a.type == DataType::kInteger)) {
                step.checks.push_back(convert_check(cname, name, old.type, a.type));
            }
            // A timestamp becomes its date in the session's time zone, losing its time of day;
            // a text with a time of day parses as its date.
            if (old.type == DataType::kTimestamp && a.type == DataType::kDate) {
                step.losses.push_back(
                    values_lost(old_class(cname)->name, old.name, Lost::kTimeOfDay));
            } else if (old.type == DataType::kText && a.type == DataType::kDate) {
                step.losses.push_back(
                    values_lost(old_class(cname)->name, old.name, Lost::kTextTimeOfDay));
            }
            if (old.type == DataType::kReference) {
                step.ddl.push_back("ALTER TABLE " + qt + " DROP CONSTRAINT " +
                                   quote_identifier(physical::fkey_name(t, col(name))));
            }
            const std::string type(model::sql_type(a.type));
            step.ddl.push_back("ALTER TABLE " + qt + " ALTER COLUMN " + qc + " TYPE " + type +
                               " USING " + qc + "::" + type);
            if (a.type == DataType::kReference) {
                step.checks.push_back(dangling_check(cname, name, *a.target, qc + "::uuid"));
                step.ddl.push_back(add_fkey(cname, name, *a.target));
            }
        }
    }

    void drop_classes() {
        // One DROP TABLE for all of them: references among dropped classes, even in a
        // cycle, then need no order. Kept classes no longer reference them (checked).
        std::string tables;
        for (const auto& [name, c] : cur_.classes) {
            if (!new_class_name(name))
                tables += (tables.empty() ? "" : ", ") + qtable(name);
        }
        bool first = true;
        for (const auto& [name, c] : cur_.classes) {
            if (new_class_name(name))
                continue;
            Step& step = add_step("drop class", name, true,
                                  Json{{"kind", "class"}, {"change", "removed"}, {"class", name}});
            step.losses.push_back(things_lost(name));
            if (first)
                step.ddl.push_back("DROP TABLE " + tables);
            first = false;
            catalog_sql(step,
                        "DELETE FROM " + catalog_table("thing_classes") + " WHERE id = $1::uuid",
                        {c.id});
        }
    }

    // --- 13, 14: assignments ----------------------------------------------------------------

    void add_index_ddl(Step& step, const std::string& cls, const std::string& attr, bool index,
                       bool unique) {
        const std::string t = table(cls);
        if (index) {
            step.ddl.push_back("CREATE INDEX " +
                               quote_identifier(physical::index_name(t, col(attr))) + " ON " +
                               qtable(cls) + " (" + qcol(attr) + ")");
        }
        if (unique) {
            step.ddl.push_back("CREATE UNIQUE INDEX " +
                               quote_identifier(physical::unique_name(t, col(attr))) + " ON " +
                               qtable(cls) + " (" + qcol(attr) + ") WHERE NOT is_deleted");
        }
    }

    Check duplicates_check(const std::string& cls, const std::string& attr) const {
        Check check;
        check.lock = share_lock(qtable(cls));
        check.sql = "SELECT pg_catalog.count(*), NULL::text FROM (SELECT " + qcol(attr) + " FROM " +
                    qtable(cls) + " WHERE NOT is_deleted AND " + qcol(attr) +
                    " IS NOT NULL GROUP BY 1 HAVING pg_catalog.count(*) > 1) d";
        check.sqlstate = std::string(sqlstate::kUniqueViolation);
        check.message = "cannot make attribute \"" + attr + "\" of class \"" + cls +
                        "\" unique: {count} duplicated value{s}";
        check.hint = "Remove the duplicates first.";
        return check;
    }

    Check nulls_check(const std::string& cls, const std::string& attr, bool new_column) const {
        Check check;
        check.lock = share_lock(qtable(cls));
        check.sqlstate = std::string(sqlstate::kNotNullViolation);
        check.sql = "SELECT pg_catalog.count(*), NULL::text FROM " + qtable(cls) +
                    (new_column ? "" : " WHERE " + qcol(attr) + " IS NULL");
        check.message = new_column ? "cannot add required attribute \"" + attr + "\" to class \"" +
                                         cls + "\": the class holds {count} row{s}"
                                   : "cannot make attribute \"" + attr + "\" of class \"" + cls +
                                         "\" required: {count} row{s} without a value";
        check.hint = new_column ? "Add it as optional, fill it in, then make it required."
                                : "Fill in those values first.";
        return check;
    }

    void add_assignments() {
        for (const auto& [cname, c] : want_.classes) {
            if (!delta_.touches(cname))
                continue;
            const ThingClass* oc = old_class(cname);
            for (const auto& [aname, a] : c.assignments) {
                const Attribute& attr = want_.attributes.at(aname);
                if (keeps_assignment(cname, aname))
                    continue;  // phase 14
                const bool is_ref = attr.type == DataType::kReference;
                const bool index = is_ref || model::wants_index(want_, c, a);
                const bool unique = model::wants_unique(want_, c, a);
                Json change{{"kind", "assignment"},
                            {"change", "added"},
                            {"class", cname},
                            {"attribute", aname},
                            {"type", model::type_name(attr.type)},
                            {"required", a.required}};
                // A required column on an existing table breaks writers that do not know it.
                Step& step = add_step("add attribute", cname + "." + aname, oc && a.required,
                                      std::move(change));
                if (oc) {
                    // An optional column without a default: a catalog-only change, no rewrite.
                    step.ddl.push_back("ALTER TABLE " + qtable(cname) + " ADD COLUMN " +
                                       qcol(aname) + " " + std::string(model::sql_type(attr.type)));
                    if (a.required) {
                        step.checks.push_back(nulls_check(cname, aname, true));
                        step.ddl.push_back("ALTER TABLE " + qtable(cname) + " ALTER COLUMN " +
                                           qcol(aname) + " SET NOT NULL");
                    }
                }
                if (is_ref)
                    step.ddl.push_back(add_fkey(cname, aname, *attr.target));
                add_index_ddl(step, cname, aname, index, unique);
                catalog_sql(step,
                            "INSERT INTO " + catalog_table("attribute_assignments") +
                                " (thing_class_id, attribute_id, is_required, assignment_rules)"
                                " VALUES ($1::uuid, $2::uuid, $3::boolean, $4::jsonb)",
                            {c.id, attr.id, a.required ? "true" : "false", a.rules.dump()});
            }
        }
    }

    void change_assignments() {
        for (const auto& [cname, c] : want_.classes) {
            if (!delta_.touches(cname))
                continue;
            const ThingClass* oc = old_class(cname);
            if (!oc)
                continue;
            for (const auto& [aname, a] : c.assignments) {
                const Attribute* old_a = old_attr(aname);
                if (!old_a)
                    continue;
                auto it = oc->assignments.find(old_a->name);
                if (it == oc->assignments.end())
                    continue;
                const model::Assignment& old = it->second;
                const bool old_index = has_index(cur_, *oc, old);
                const bool new_index = has_index(want_, c, a);
                const bool old_unique = model::wants_unique(cur_, *oc, old);
                const bool new_unique = model::wants_unique(want_, c, a);
                if (old.required == a.required && old.rules == a.rules && old_index == new_index &&
                    old_unique == new_unique) {
                    continue;
                }
                const bool breaking = (a.required && !old.required) || (new_unique && !old_unique);
                Json change{{"kind", "assignment"},
                            {"change", "changed"},
                            {"class", cname},
                            {"attribute", aname}};
                if (old.required != a.required)
                    change["required"] = a.required;
                if (old.rules != a.rules)
                    change["rules_changed"] = true;
                if (old_unique != new_unique)
                    change["unique"] = new_unique;
                if (old_index != new_index)
                    change["indexed"] = new_index;
                Step& step =
                    add_step("change attribute", cname + "." + aname, breaking, std::move(change));
                const std::string t = table(cname), qt = qtable(cname);
                if (a.required && !old.required) {
                    step.checks.push_back(nulls_check(cname, aname, false));
                    step.ddl.push_back("ALTER TABLE " + qt + " ALTER COLUMN " + qcol(aname) +
                                       " SET NOT NULL");
                } else if (!a.required && old.required) {
                    step.ddl.push_back("ALTER TABLE " + qt + " ALTER COLUMN " + qcol(aname) +
                                       " DROP NOT NULL");
                }
                if (old_index && !new_index)
                    step.ddl.push_back("DROP INDEX " + qname(physical::index_name(t, col(aname))));
                if (old_unique && !new_unique)
                    step.ddl.push_back("DROP INDEX " + qname(physical::unique_name(t, col(aname))));
                if (new_unique && !old_unique)
                    step.checks.push_back(duplicates_check(cname, aname));
                add_index_ddl(step, cname, aname, new_index && !old_index,
                              new_unique && !old_unique);
                catalog_sql(step,
                            "UPDATE " + catalog_table("attribute_assignments") +
                                " SET is_required = $3::boolean, assignment_rules = $4::jsonb"
                                " WHERE thing_class_id = $1::uuid AND attribute_id = $2::uuid",
                            {c.id, want_.attributes.at(aname).id, a.required ? "true" : "false",
                             a.rules.dump()});
            }
        }
    }

    // --- 15, 16: relationship types and allowed relationships -----------------------------

    void upsert_relationship_types() {
        for (const auto& [name, r] : want_.relationship_types) {
            auto it = cur_.relationship_types.find(name);
            if (it == cur_.relationship_types.end()) {
                Json change{{"kind", "relationship_type"}, {"change", "added"}, {"type", name}};
                if (r.inverse)
                    change["inverse"] = *r.inverse;
                Step& step = add_step("create relationship type", name, false, std::move(change));
                catalog_sql(
                    step,
                    "INSERT INTO " + catalog_table("relationship_types") +
                        " (id, name, inverse_name, description) VALUES ($1::uuid, $2, $3, $4)",
                    {r.id, name, r.inverse, r.description});
            } else if (it->second.inverse != r.inverse || it->second.description != r.description) {
                const bool breaking = it->second.inverse != r.inverse;
                Step& step = add_step(
                    "change relationship type", name, breaking,
                    Json{{"kind", "relationship_type"}, {"change", "changed"}, {"type", name}});
                catalog_sql(step,
                            "UPDATE " + catalog_table("relationship_types") +
                                " SET inverse_name = $2, description = $3 WHERE id = $1::uuid",
                            {r.id, r.inverse, r.description});
            }
        }
    }

    static bool tighter(const std::optional<std::int64_t>& before,
                        const std::optional<std::int64_t>& after) {
        return after && (!before || *after < *before);
    }

    Check cardinality_check(const model::AllowedRelationship& r, bool per_source,
                            std::int64_t max) const {
        const std::string side = per_source ? "from_id" : "to_id";
        Check check;
        check.lock =
            "LOCK TABLE " + catalog_table("relationships") + " IN SHARE ROW EXCLUSIVE MODE";
        check.sql = "SELECT pg_catalog.count(*), NULL::text FROM (SELECT " + side + " FROM " +
                    catalog_table("relationships") +
                    " WHERE relationship_type_id = $1::uuid AND from_class_id = $2::uuid AND "
                    "to_class_id = $3::uuid"
                    " GROUP BY 1 HAVING pg_catalog.count(*) > $4::bigint) over_limit";
        check.params = {want_.relationship_types.at(r.type).id, want_.classes.at(r.from).id,
                        want_.classes.at(r.to).id, std::to_string(max)};
        check.sqlstate = std::string(sqlstate::kCheckViolation);
        check.message = "cannot limit relationship \"" + r.type + "\" from \"" + r.from +
                        "\" to \"" + r.to + "\" to at most " + std::to_string(max) +
                        (per_source ? " target" : " source") + (max == 1 ? "" : "s") +
                        " per thing: {count} thing{s} would have more";
        check.hint = "Remove the extra relationships first (udm.unrelate).";
        return check;
    }

    void upsert_relationships() {
        for (const auto& [key, r] : want_.relationships) {
            const model::AllowedRelationship* old = old_relationship(r);
            Json card = model::cardinality_to_json(r.cardinality);
            if (!old) {
                Step& step =
                    add_step("allow relationship", r.from + " -[" + r.type + "]-> " + r.to, false,
                             Json{{"kind", "relationship"},
                                  {"change", "added"},
                                  {"from", r.from},
                                  {"to", r.to},
                                  {"type", r.type},
                                  {"cardinality", card},
                                  {"bidirectional", r.bidirectional}});
                catalog_sql(
                    step,
                    "INSERT INTO " + catalog_table("thing_class_relationships") +
                        " (id, from_thing_class_id, to_thing_class_id, relationship_type_id, "
                        "cardinality_rules,"
                        " is_bidirectional) VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, "
                        "$5::jsonb, $6::boolean)",
                    {r.id, want_.classes.at(r.from).id, want_.classes.at(r.to).id,
                     want_.relationship_types.at(r.type).id, card.dump(),
                     r.bidirectional ? "true" : "false"});
                continue;
            }
            if (old->cardinality == r.cardinality && old->bidirectional == r.bidirectional)
                continue;
            const bool tighten_targets =
                tighter(old->cardinality.max_targets, r.cardinality.max_targets);
            const bool tighten_sources =
                tighter(old->cardinality.max_sources, r.cardinality.max_sources);
            const bool breaking =
                tighten_targets || tighten_sources || (old->bidirectional && !r.bidirectional);
            Step& step =
                add_step("change relationship", r.from + " -[" + r.type + "]-> " + r.to, breaking,
                         Json{{"kind", "relationship"},
                              {"change", "changed"},
                              {"from", r.from},
                              {"to", r.to},
                              {"type", r.type},
                              {"cardinality", card},
                              {"bidirectional", r.bidirectional}});
            if (tighten_targets)
                step.checks.push_back(cardinality_check(r, true, *r.cardinality.max_targets));
            if (tighten_sources)
                step.checks.push_back(cardinality_check(r, false, *r.cardinality.max_sources));
            catalog_sql(step,
                        "UPDATE " + catalog_table("thing_class_relationships") +
                            " SET cardinality_rules = $2::jsonb, is_bidirectional = $3::boolean "
                            "WHERE id = $1::uuid",
                        {r.id, card.dump(), r.bidirectional ? "true" : "false"});
        }
    }

    const naming::TenantNames& t_;
    const Model& cur_;
    Model& want_;
    const IdGenerator& new_id_;
    const std::string s_;
    const model::Delta& delta_;
    const catalog::Placement placement_;
    std::map<std::string, std::string> class_new_name_, class_old_name_;
    std::map<std::string, std::string> attr_new_name_, attr_old_name_;
    Plan plan_;
};

}  // namespace

Json Plan::diff() const {
    Json out = Json::array();
    for (const Step& s : steps) {
        if (!s.change.is_null())
            out.push_back(s.change);
    }
    return out;
}

std::vector<std::string> Plan::ddl() const {
    std::vector<std::string> out;
    for (const Step& s : steps)
        out.insert(out.end(), s.ddl.begin(), s.ddl.end());
    return out;
}

Plan plan(const naming::TenantNames& tenant, const Model& current, Model& desired,
          const IdGenerator& new_id) {
    const model::Delta delta = model::delta(current, desired);
    return Planner(tenant, current, desired, new_id, delta, {}).run(true);
}

Plan plan(const naming::TenantNames& tenant, const Model& current, Model& desired,
          const IdGenerator& new_id, const model::Delta& delta, catalog::Placement placement) {
    return Planner(tenant, current, desired, new_id, delta, placement).run(false);
}

}  // namespace udm::planner
