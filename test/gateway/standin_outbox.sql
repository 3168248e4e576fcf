-- Stand-ins for udm's outbox API, with exactly the signatures the gateway reads, for running
-- the gateway's end-to-end tests before the extension has them. Loaded into a database
-- WITHOUT the udm extension (test/integration/gateway_e2e.sh, UDM_GATEWAY_E2E_STANDIN=1).
-- Helpers in schema udm_standin make model changes and data writes, each one transaction
-- with one NOTIFY, as the extension will.
CREATE SCHEMA udm;
CREATE SCHEMA udm_standin;

CREATE TABLE udm_standin.tenant (
    name text PRIMARY KEY,
    schema_version bigint NOT NULL DEFAULT 0,
    model jsonb NOT NULL DEFAULT '{"classes": {}}',
    oldest_position numeric NOT NULL DEFAULT 0  -- retention: events at or below are gone
);
CREATE VIEW udm.tenants AS SELECT name, schema_version FROM udm_standin.tenant;

CREATE TABLE udm_standin.schema_event (
    tenant text NOT NULL,
    version bigint NOT NULL,
    previous_version bigint NOT NULL,
    actor text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    diff jsonb NOT NULL,
    model jsonb NOT NULL,
    PRIMARY KEY (tenant, version)
);

CREATE SEQUENCE udm_standin.position;
CREATE TABLE udm_standin.data_event (
    position numeric PRIMARY KEY DEFAULT nextval('udm_standin.position'),
    tenant text NOT NULL,
    class text NOT NULL,
    operation text NOT NULL,
    thing_id text NOT NULL,
    changed text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION udm.model(tenant text) RETURNS jsonb LANGUAGE sql STABLE AS
$$ SELECT t.model FROM udm_standin.tenant t WHERE t.name = model.tenant $$;

CREATE FUNCTION udm.schema_at(tenant text, version bigint) RETURNS jsonb LANGUAGE sql STABLE AS
$$ SELECT coalesce((SELECT e.model FROM udm_standin.schema_event e
                    WHERE e.tenant = schema_at.tenant AND e.version = schema_at.version),
                   '{"classes": {}}'::jsonb) $$;

CREATE FUNCTION udm.schema_events(tenant text, after_version bigint)
    RETURNS TABLE (version bigint, previous_version bigint, actor text, created_at timestamptz,
                   diff jsonb)
    LANGUAGE sql STABLE AS
$$ SELECT e.version, e.previous_version, e.actor, e.created_at, e.diff
   FROM udm_standin.schema_event e
   WHERE e.tenant = schema_events.tenant AND e.version > after_version
   ORDER BY e.version $$;

CREATE FUNCTION udm.data_events(tenant text, after_position numeric, max integer)
    RETURNS TABLE ("position" numeric, class text, operation text, thing_id text, changed text[],
                   created_at timestamptz)
    LANGUAGE plpgsql STABLE AS
$$
DECLARE
    oldest numeric;
BEGIN
    SELECT t.oldest_position INTO oldest FROM udm_standin.tenant t WHERE t.name = data_events.tenant;
    IF after_position > 0 AND after_position < oldest THEN
        RAISE EXCEPTION 'position % of tenant % is no longer retained', after_position, tenant
            USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
        SELECT d.position, d.class, d.operation, d.thing_id, d.changed, d.created_at
        FROM udm_standin.data_event d
        WHERE d.tenant = data_events.tenant AND d.position > after_position AND d.position > oldest
        ORDER BY d.position
        LIMIT max;
END
$$;

-- A tenant.
CREATE FUNCTION udm_standin.create_tenant(name text) RETURNS void LANGUAGE sql AS
$$ INSERT INTO udm_standin.tenant (name) VALUES (create_tenant.name) $$;

-- One model change: adds a class (breaking false) and notifies udm_schema.
CREATE FUNCTION udm_standin.add_class(tenant text, class text, actor text DEFAULT 'e2e')
    RETURNS bigint LANGUAGE plpgsql AS
$$
DECLARE
    v bigint;
    m jsonb;
BEGIN
    UPDATE udm_standin.tenant t
       SET schema_version = t.schema_version + 1,
           model = jsonb_set(t.model, ARRAY['classes', class], '{"attributes": {}}')
     WHERE t.name = add_class.tenant
    RETURNING t.schema_version, t.model INTO v, m;
    INSERT INTO udm_standin.schema_event (tenant, version, previous_version, actor, diff, model)
    VALUES (tenant, v, v - 1, actor,
            jsonb_build_array(jsonb_build_object('kind', 'class', 'change', 'added',
                                                 'class', class, 'breaking', false)),
            m);
    PERFORM pg_notify('udm_schema', json_build_object('tenant', tenant, 'version', v)::text);
    RETURN v;
END
$$;

-- count data writes of class in one transaction, one udm_data notification.
CREATE FUNCTION udm_standin.write(tenant text, class text, operation text, count integer DEFAULT 1)
    RETURNS void LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO udm_standin.data_event (tenant, class, operation, thing_id, changed)
    SELECT tenant, class, operation, gen_random_uuid()::text, ARRAY['name']
    FROM generate_series(1, count);
    PERFORM pg_notify('udm_data', json_build_object('tenant', tenant)::text);
END
$$;

-- Forgets the events of tenant at or below position (retention).
CREATE FUNCTION udm_standin.purge(tenant text, upto numeric) RETURNS void LANGUAGE sql AS
$$ UPDATE udm_standin.tenant t SET oldest_position = upto WHERE t.name = purge.tenant $$;
