// The per-tenant UDM catalog: tables, constraints, indexes, triggers, privileges, policies.
//
// Design notes (docs/tenancy.md has the long form):
// - Isolation is by schema and role: the application role has USAGE on its own schema
//   only, SELECT on its catalog, DML on each class table (granted as udm creates it), and
//   no CREATE anywhere. Row-level security is added as a second wall: a grant made by
//   mistake to another role (or PUBLIC) still shows that role no row.
// - Every object refers only to its own schema, pg_catalog and the udm extension, so
//   pg_dump -n of one tenant restores anywhere the extension is installed.
#include "udm/core/tenant_catalog.hpp"

#include <iterator>
#include <string_view>

#include "udm/core/tenant_limits.hpp"

namespace udm::catalog {

namespace {

using naming::qualified;
using naming::quote_identifier;
using naming::quote_literal;

// Names and actors must hold a character other than white space (of any kind: btrim
// would trim only spaces). Written as "col ~ '[^[:space:]]'" in the CHECKs below.

// Who made a row: the application's actor when it set udm.actor, else the session user.
constexpr std::string_view kActorDefault =
    "COALESCE(NULLIF(pg_catalog.current_setting('udm.actor', true), ''), "
    "pg_catalog.session_user()::text)";

// Replaces every "{s}" with the quoted schema, "{s_oid}" with the schema as a regnamespace
// constant and "{actor}" with the actor default.
std::string expand(std::string_view tmpl, const std::string& schema_q) {
    std::string out;
    out.reserve(tmpl.size() + 64);
    for (std::size_t i = 0; i < tmpl.size();) {
        if (tmpl.compare(i, 7, "{s_oid}") == 0) {
            out += quote_literal(schema_q) + "::pg_catalog.regnamespace";
            i += 7;
        } else if (tmpl.compare(i, 3, "{s}") == 0) {
            out += schema_q;
            i += 3;
        } else if (tmpl.compare(i, 7, "{actor}") == 0) {
            out += kActorDefault;
            i += 7;
        } else {
            out += tmpl[i++];
        }
    }
    return out;
}

// The catalog DDL; {s} is the quoted tenant schema. Constraint names follow the
// specification where it names them.
constexpr std::string_view kCatalogDdl[] = {
    R"(CREATE TABLE {s}.thing_classes (
    id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    name text NOT NULL,
    description text,
    validation_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
    permissions jsonb NOT NULL DEFAULT '{}'::jsonb,
    events_enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by text NOT NULL DEFAULT {actor},
    is_active boolean NOT NULL DEFAULT true,
    CONSTRAINT thing_classes_pkey PRIMARY KEY (id),
    CONSTRAINT unique_thing_class_name UNIQUE (name),
    CONSTRAINT valid_thing_class_name CHECK (name ~ '[^[:space:]]' AND pg_catalog.char_length(name) <= 255),
    CONSTRAINT valid_validation_rules_json CHECK (pg_catalog.jsonb_typeof(validation_rules) = 'object'),
    CONSTRAINT valid_permissions_json CHECK (pg_catalog.jsonb_typeof(permissions) = 'object'),
    CONSTRAINT valid_thing_class_created_by CHECK (created_by ~ '[^[:space:]]')
))",
    "CREATE INDEX idx_thing_classes_active_created ON {s}.thing_classes (is_active, created_at "
    "DESC)",
    "CREATE INDEX idx_thing_classes_created_by_date ON {s}.thing_classes (created_by, created_at)",
    "CREATE INDEX idx_thing_classes_validation_rules_gin ON {s}.thing_classes USING gin "
    "(validation_rules)",
    "CREATE INDEX idx_thing_classes_permissions_gin ON {s}.thing_classes USING gin (permissions)",

    R"(CREATE TABLE {s}.attributes (
    id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    name text NOT NULL,
    description text,
    data_type text NOT NULL,
    validation_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
    target_class_id uuid,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by text NOT NULL DEFAULT {actor},
    is_active boolean NOT NULL DEFAULT true,
    CONSTRAINT attributes_pkey PRIMARY KEY (id),
    CONSTRAINT unique_attribute_name UNIQUE (name),
    CONSTRAINT valid_attribute_name CHECK (name ~ '[^[:space:]]' AND pg_catalog.char_length(name) <= 255),
    CONSTRAINT valid_attribute_data_type CHECK (data_type IN ('text', 'number', 'integer', 'boolean', 'date', 'timestamp', 'reference', 'json')),
    CONSTRAINT valid_attribute_rules_json CHECK (pg_catalog.jsonb_typeof(validation_rules) = 'object'),
    CONSTRAINT valid_attribute_reference_target CHECK ((data_type = 'reference') = (target_class_id IS NOT NULL)),
    CONSTRAINT valid_attribute_created_by CHECK (created_by ~ '[^[:space:]]'),
    CONSTRAINT fk_attribute_target_class FOREIGN KEY (target_class_id) REFERENCES {s}.thing_classes (id) ON DELETE RESTRICT
))",
    "CREATE INDEX idx_attributes_target_class ON {s}.attributes (target_class_id) WHERE "
    "target_class_id IS NOT NULL",
    "CREATE INDEX idx_attributes_data_type ON {s}.attributes (data_type)",
    "CREATE INDEX idx_attributes_validation_rules_gin ON {s}.attributes USING gin "
    "(validation_rules)",

    R"(CREATE TABLE {s}.attribute_assignments (
    id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    thing_class_id uuid NOT NULL,
    attribute_id uuid NOT NULL,
    is_required boolean NOT NULL DEFAULT false,
    assignment_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by text NOT NULL DEFAULT {actor},
    is_active boolean NOT NULL DEFAULT true,
    CONSTRAINT attribute_assignments_pkey PRIMARY KEY (id),
    CONSTRAINT unique_thing_class_attribute UNIQUE (thing_class_id, attribute_id),
    CONSTRAINT valid_assignment_rules_json CHECK (pg_catalog.jsonb_typeof(assignment_rules) = 'object'),
    CONSTRAINT valid_assignment_created_by CHECK (created_by ~ '[^[:space:]]'),
    CONSTRAINT fk_assignment_thing_class FOREIGN KEY (thing_class_id) REFERENCES {s}.thing_classes (id) ON DELETE CASCADE,
    CONSTRAINT fk_assignment_attribute FOREIGN KEY (attribute_id) REFERENCES {s}.attributes (id) ON DELETE RESTRICT
))",
    "CREATE INDEX idx_assignments_attribute ON {s}.attribute_assignments (attribute_id, "
    "is_required)",
    "CREATE INDEX idx_assignments_rules_gin ON {s}.attribute_assignments USING gin "
    "(assignment_rules)",

    R"(CREATE TABLE {s}.relationship_types (
    id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    name text NOT NULL,
    inverse_name text,
    description text,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by text NOT NULL DEFAULT {actor},
    is_active boolean NOT NULL DEFAULT true,
    CONSTRAINT relationship_types_pkey PRIMARY KEY (id),
    CONSTRAINT unique_relationship_type_name UNIQUE (name),
    CONSTRAINT valid_relationship_type_name CHECK (name ~ '[^[:space:]]' AND pg_catalog.char_length(name) <= 255),
    CONSTRAINT valid_relationship_inverse_name CHECK (inverse_name IS NULL OR (inverse_name ~ '[^[:space:]]' AND pg_catalog.char_length(inverse_name) <= 255)),
    CONSTRAINT valid_relationship_type_created_by CHECK (created_by ~ '[^[:space:]]')
))",

    R"(CREATE TABLE {s}.thing_class_relationships (
    id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    from_thing_class_id uuid NOT NULL,
    to_thing_class_id uuid NOT NULL,
    relationship_type_id uuid NOT NULL,
    cardinality_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
    is_bidirectional boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by text NOT NULL DEFAULT {actor},
    is_active boolean NOT NULL DEFAULT true,
    CONSTRAINT thing_class_relationships_pkey PRIMARY KEY (id),
    CONSTRAINT unique_class_relationship UNIQUE (from_thing_class_id, to_thing_class_id, relationship_type_id),
    CONSTRAINT valid_cardinality_rules_json CHECK (pg_catalog.jsonb_typeof(cardinality_rules) = 'object'),
    CONSTRAINT valid_class_relationship_created_by CHECK (created_by ~ '[^[:space:]]'),
    CONSTRAINT fk_class_rel_from FOREIGN KEY (from_thing_class_id) REFERENCES {s}.thing_classes (id) ON DELETE CASCADE,
    CONSTRAINT fk_class_rel_to FOREIGN KEY (to_thing_class_id) REFERENCES {s}.thing_classes (id) ON DELETE CASCADE,
    CONSTRAINT fk_class_rel_type FOREIGN KEY (relationship_type_id) REFERENCES {s}.relationship_types (id) ON DELETE RESTRICT
))",
    "CREATE INDEX idx_class_rel_to ON {s}.thing_class_relationships (to_thing_class_id)",
    "CREATE INDEX idx_class_rel_type ON {s}.thing_class_relationships (relationship_type_id)",
    "CREATE INDEX idx_class_rel_rules_gin ON {s}.thing_class_relationships USING gin "
    "(cardinality_rules)",

    R"(CREATE TABLE {s}.schema_state (
    singleton boolean NOT NULL DEFAULT true,
    tenant_name text NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    catalog_version integer NOT NULL,
    data_events_pruned_through numeric NOT NULL DEFAULT 0,
    data_events_epoch bigint NOT NULL DEFAULT 0,
    data_events_node integer NOT NULL DEFAULT 0,
    limits jsonb NOT NULL DEFAULT '{}',
    limits_version bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT schema_state_pkey PRIMARY KEY (singleton),
    CONSTRAINT schema_state_one_row CHECK (singleton),
    CONSTRAINT valid_schema_version CHECK (version >= 0),
    CONSTRAINT valid_catalog_version CHECK (catalog_version > 0),
    CONSTRAINT valid_limits_json CHECK (pg_catalog.jsonb_typeof(limits) = 'object'),
    CONSTRAINT valid_limits_version CHECK (limits_version >= 0)
))",

    // One row per model change: the history behind udm.migrations and udm.schema_at. The
    // model at a version is kept whole now and then (a checkpoint, model) and otherwise as
    // the JSON Patch (RFC 6902) from the version before (model_patch), so that a row's size
    // follows its change, not the size of the model.
    R"(CREATE TABLE {s}.schema_versions (
    version bigint NOT NULL,
    previous_version bigint NOT NULL,
    actor text NOT NULL DEFAULT {actor},
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    diff jsonb NOT NULL,
    ddl text[] NOT NULL,
    model jsonb,
    model_patch jsonb,
    CONSTRAINT schema_versions_pkey PRIMARY KEY (version),
    CONSTRAINT valid_schema_versions_version CHECK (version > 0 AND previous_version = version - 1),
    CONSTRAINT valid_schema_versions_diff CHECK (pg_catalog.jsonb_typeof(diff) = 'array'),
    CONSTRAINT valid_schema_versions_model CHECK (pg_catalog.jsonb_typeof(model) = 'object'),
    CONSTRAINT valid_schema_versions_model_patch CHECK (pg_catalog.jsonb_typeof(model_patch) = 'array'),
    CONSTRAINT schema_versions_model_or_patch CHECK ((model IS NULL) <> (model_patch IS NULL)),
    CONSTRAINT schema_versions_first_is_whole CHECK (version > 1 OR model IS NOT NULL)
))",

    // The data outbox: one row per inserted, updated or deleted thing, written by the
    // statement triggers of the class tables (udm.record_data_events). Ordered by epoch,
    // then the writing transaction's id, then the event's number within it; udm.data_events
    // reads only below the oldest running transaction id, so that order never changes
    // under a reader (docs/events.md). The epoch is schema_state's data_events_epoch: 0 on
    // a single server; on Citus it grows by one when the tenant's events start being
    // written on another node (data_events_node), whose transaction ids are its own. Only
    // udm writes it, so it has no CHECK constraints: the executor would parse them anew
    // for every statement that writes events.
    R"(CREATE TABLE {s}.data_events (
    epoch bigint NOT NULL DEFAULT 0,
    xid xid8 NOT NULL,
    seq bigint NOT NULL,
    class text NOT NULL,
    operation text NOT NULL,
    thing_id uuid NOT NULL,
    changed text[],
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT data_events_pkey PRIMARY KEY (epoch, xid, seq)
))",

    // Relationships between things, written by udm.relate; a row goes when either thing
    // is deleted (trigger udm.forget_relationships on every class table).
    R"(CREATE TABLE {s}.relationships (
    id uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    relationship_type_id uuid NOT NULL,
    from_class_id uuid NOT NULL,
    to_class_id uuid NOT NULL,
    from_id uuid NOT NULL,
    to_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by text NOT NULL DEFAULT {actor},
    CONSTRAINT relationships_pkey PRIMARY KEY (id),
    CONSTRAINT unique_relationship UNIQUE (relationship_type_id, from_id, to_id),
    CONSTRAINT fk_relationship_type FOREIGN KEY (relationship_type_id) REFERENCES {s}.relationship_types (id) ON DELETE CASCADE,
    CONSTRAINT fk_relationship_from_class FOREIGN KEY (from_class_id) REFERENCES {s}.thing_classes (id) ON DELETE CASCADE,
    CONSTRAINT fk_relationship_to_class FOREIGN KEY (to_class_id) REFERENCES {s}.thing_classes (id) ON DELETE CASCADE
))",
    "CREATE INDEX idx_relationships_from ON {s}.relationships (from_id)",
    "CREATE INDEX idx_relationships_to ON {s}.relationships (to_id)",
    "CREATE INDEX idx_relationships_classes ON {s}.relationships (relationship_type_id, "
    "from_class_id, to_class_id)",

    // Every thing of every class. udm.things reads the class tables when the view is read,
    // as the reader: the reader's privileges and row-level security apply, and the view
    // names no class table, so creating or dropping a class never rebuilds it.
    R"(CREATE VIEW {s}.things WITH (security_invoker = true) AS
SELECT id, thing_class_id, class_name, created_at, updated_at, is_deleted FROM udm.things({s_oid}))",

    // The specification's monitoring views, each reading every class table once (not once
    // per class). The summary is materialized: refreshed by udm.refresh_summary(tenant),
    // concurrently thanks to its unique index.
    R"(CREATE MATERIALIZED VIEW {s}.thing_class_summary AS
SELECT tc.id, tc.name, tc.description, tc.is_active,
       (SELECT pg_catalog.count(*) FROM {s}.attribute_assignments aa WHERE aa.thing_class_id = tc.id AND aa.is_active) AS attribute_count,
       COALESCE(t.thing_count, 0) AS thing_count
FROM {s}.thing_classes tc
LEFT JOIN (SELECT thing_class_id, pg_catalog.count(*) AS thing_count FROM {s}.things WHERE NOT is_deleted GROUP BY thing_class_id) t ON t.thing_class_id = tc.id
WHERE tc.is_active)",
    "CREATE UNIQUE INDEX thing_class_summary_id ON {s}.thing_class_summary (id)",
    "CREATE INDEX thing_class_summary_name ON {s}.thing_class_summary (name)",
    "CREATE INDEX thing_class_summary_attribute_count ON {s}.thing_class_summary (attribute_count)",
    R"(CREATE VIEW {s}.thing_class_metrics WITH (security_invoker = true) AS
SELECT tc.name, tc.created_at,
       COALESCE(t.instance_count, 0) AS instance_count,
       (SELECT pg_catalog.count(*) FROM {s}.attribute_assignments aa WHERE aa.thing_class_id = tc.id AND aa.is_active) AS attribute_count,
       t.last_instance_update
FROM {s}.thing_classes tc
LEFT JOIN (SELECT thing_class_id, pg_catalog.count(*) FILTER (WHERE NOT is_deleted) AS instance_count, pg_catalog.max(updated_at) AS last_instance_update FROM {s}.things GROUP BY thing_class_id) t ON t.thing_class_id = tc.id
WHERE tc.is_active)",
    // Only this tenant's relations: the specification's version spans every tenant_% schema.
    R"(CREATE VIEW {s}.schema_storage_metrics WITH (security_invoker = true) AS
SELECT n.nspname::text AS schemaname, c.relname::text AS tablename,
       pg_catalog.pg_size_pretty(pg_catalog.pg_total_relation_size(c.oid)) AS size,
       pg_catalog.pg_total_relation_size(c.oid) AS size_bytes,
       pg_catalog.pg_stat_get_tuples_returned(c.oid) AS rows_read,
       pg_catalog.pg_stat_get_tuples_inserted(c.oid) AS rows_inserted
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.oid = {s_oid} AND c.relkind IN ('r', 'm')
ORDER BY pg_catalog.pg_total_relation_size(c.oid) DESC)",
};

}  // namespace

std::string_view actor_default() {
    return kActorDefault;
}

std::string member_policy(const naming::TenantNames& names, const std::string& qualified_table,
                          Placement placement) {
    const std::string check =
        "pg_catalog.pg_has_role(" + quote_literal(names.app_role) + ", 'USAGE')";
    // The membership check runs once per statement (an InitPlan), not once per row; Citus
    // refuses subqueries in the policies of distributed tables.
    return "CREATE POLICY tenant_members ON " + qualified_table + " USING (" +
           (placement.distributed ? check : "(SELECT " + check + ")") + ")";
}

namespace {

// True for the first statement of the catalog's views (views come last in kCatalogDdl).
bool is_view_ddl(std::string_view ddl) {
    return ddl.rfind("CREATE VIEW", 0) == 0 || ddl.rfind("CREATE MATERIALIZED VIEW", 0) == 0;
}

bool is_materialized(std::string_view view) {
    return view == "thing_class_summary";
}

// The catalog's views and the indexes of the materialized one, owned and granted as the
// placement wants: provision_tenant's second part.
std::vector<Statement> catalog_views(const naming::TenantNames& names, Placement placement) {
    const std::string s = quote_identifier(names.schema);
    std::vector<Statement> out;
    auto run = [&](std::string sql) { out.push_back({std::move(sql), {}}); };
    bool in_views = false;
    for (std::string_view ddl : kCatalogDdl) {
        in_views = in_views || is_view_ddl(ddl);
        if (in_views)
            run(expand(ddl, s));
    }
    for (const char* view : kCatalogViews) {
        const std::string v = s + "." + quote_identifier(view);
        if (!placement.distributed) {
            run(std::string(is_materialized(view) ? "ALTER MATERIALIZED VIEW " : "ALTER VIEW ") +
                v + " OWNER TO " + quote_identifier(names.owner_role));
        }
        run("GRANT SELECT ON " + v + " TO " + quote_identifier(names.app_role));
    }
    return out;
}

}  // namespace

Provisioning provision_tenant(const naming::TenantNames& names, Placement placement) {
    const std::string s = quote_identifier(names.schema);
    const std::string owner = quote_identifier(names.owner_role);
    const std::string app = quote_identifier(names.app_role);
    Provisioning out;
    std::vector<Statement>* part = &out.tables;
    auto run = [&](std::string sql) { part->push_back({std::move(sql), {}}); };

    run("CREATE ROLE " + owner + " NOLOGIN");
    // Citus reaches the workers as the current user: a distributed tenant's application
    // role (SET ROLE by the gateway, the identity of custom rule functions) must be able to
    // log in there. Its sessions are still limited (below); pg_hba.conf says from where.
    run("CREATE ROLE " + app + (placement.distributed ? " LOGIN" : " NOLOGIN"));
    // What PostgreSQL enforces of the default limits, for sessions logged in as the role.
    for (std::string& sql : limits::role_statements(names, limits::effective(nullptr)))
        run(std::move(sql));
    run("COMMENT ON ROLE " + owner + " IS " +
        quote_literal("udm: owns the schema of tenant " + names.tenant));
    run("COMMENT ON ROLE " + app + " IS " +
        quote_literal("udm: application role of tenant " + names.tenant));
    run("CREATE SCHEMA " + s + " AUTHORIZATION " + owner);

    for (std::string_view ddl : kCatalogDdl) {
        if (is_view_ddl(ddl))
            break;  // the views, and the indexes of the materialized one: catalog_views
        run(expand(ddl, s));
    }

    // Created by udm, owned by the owner role: udm never switches to that NOLOGIN role (a
    // Citus coordinator would open its connections to the workers as it). Indexes follow
    // their table's owner. In a Citus distributed schema the tables stay udm's: Citus
    // moves a table's shards, and refreshes a materialized view, connecting as its owner.
    for (const char* table : kCatalogTables) {
        const std::string t = s + "." + quote_identifier(table);
        if (!placement.distributed)
            run("ALTER TABLE " + t + " OWNER TO " + owner);
        run("ALTER TABLE " + t + " ENABLE ROW LEVEL SECURITY");
        run(member_policy(names, t, placement));
        run("GRANT SELECT ON " + t + " TO " + app);
    }
    for (const char* table : kTouchedTables) {
        run("CREATE TRIGGER touch_updated_at BEFORE UPDATE ON " + s + "." +
            quote_identifier(table) + " FOR EACH ROW EXECUTE FUNCTION udm.touch_updated_at()");
    }
    // Every model change updates schema_state. On a Citus worker that update is where the
    // change reaches the backends holding the tenant's shards: the coordinator's own cache
    // invalidations stay on the coordinator.
    run("CREATE TRIGGER forget_compiled_rules AFTER UPDATE ON " + s +
        ".schema_state FOR EACH STATEMENT EXECUTE FUNCTION udm.forget_compiled_rules()");
    run("COMMENT ON SCHEMA " + s + " IS " + quote_literal("udm tenant " + names.tenant));
    run("GRANT USAGE ON SCHEMA " + s + " TO " + app);

    out.views = catalog_views(names, placement);
    return out;
}

Replacement change_placement(const naming::TenantNames& names,
                             const std::vector<std::string>& tables,
                             const std::vector<TableTrigger>& enabled_triggers,
                             const std::vector<TableComment>& comments, Placement to) {
    const std::string s = quote_identifier(names.schema);
    Replacement out;
    auto run = [](std::vector<Statement>& part, std::string sql) {
        part.push_back({std::move(sql), {}});
    };
    // Dependent views first (the summary and the metrics read things); without CASCADE, so
    // that a view of the user's over them stops the change instead of vanishing.
    for (auto it = std::rbegin(kCatalogViews); it != std::rend(kCatalogViews); ++it) {
        run(out.drop_views,
            std::string(is_materialized(*it) ? "DROP MATERIALIZED VIEW " : "DROP VIEW ") + s + "." +
                quote_identifier(*it));
    }
    // Distributed tables stay udm's (provision_tenant says why); udm runs this, so udm is
    // CURRENT_USER.
    const std::string owner = to.distributed ? "CURRENT_USER" : quote_identifier(names.owner_role);
    for (const std::string& table : tables) {
        const std::string t = s + "." + quote_identifier(table);
        run(out.fit_tables, "ALTER TABLE " + t + " OWNER TO " + owner);
        run(out.fit_tables, "DROP POLICY tenant_members ON " + t);
        run(out.fit_tables, member_policy(names, t, to));
    }
    run(out.fit_tables, "ALTER ROLE " + quote_identifier(names.app_role) +
                            (to.distributed ? " LOGIN" : " NOLOGIN"));
    for (const TableComment& c : comments) {
        const std::string t = s + "." + quote_identifier(c.table);
        run(out.fit_tables, (c.column ? "COMMENT ON COLUMN " + t + "." + quote_identifier(*c.column)
                                      : "COMMENT ON TABLE " + t) +
                                " IS " + quote_literal(c.text));
    }
    // One trigger per statement: Citus takes no other form on a distributed table.
    for (const TableTrigger& t : enabled_triggers) {
        const std::string on = "ALTER TABLE " + s + "." + quote_identifier(t.table);
        run(out.disable_triggers, on + " DISABLE TRIGGER " + quote_identifier(t.trigger));
        const char* how = t.mode == 'A'   ? " ENABLE ALWAYS TRIGGER "
                          : t.mode == 'R' ? " ENABLE REPLICA TRIGGER "
                                          : " ENABLE TRIGGER ";
        run(out.enable_triggers, on + how + quote_identifier(t.trigger));
    }
    out.views = catalog_views(names, to);
    return out;
}

Statement tenant_state(const naming::TenantNames& names) {
    return {"INSERT INTO " + qualified(names.schema, "schema_state") +
                " (tenant_name, catalog_version) VALUES ($1, $2::integer)",
            {names.tenant, std::to_string(kCatalogVersion)}};
}

std::vector<Statement> drop_tenant(const naming::TenantNames& names) {
    const std::string owner = quote_identifier(names.owner_role);
    const std::string app = quote_identifier(names.app_role);
    return {
        {"DROP SCHEMA " + quote_identifier(names.schema) + " CASCADE", {}},
        // Privileges and default privileges granted to or by the roles in this database.
        {"DROP OWNED BY " + owner + ", " + app, {}},
        {"DROP ROLE " + app, {}},
        {"DROP ROLE " + owner, {}},
    };
}

}  // namespace udm::catalog
