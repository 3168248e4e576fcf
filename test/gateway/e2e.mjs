// End-to-end tests of udm-gateway with real clients: graphql-ws's createClient over ws for
// operations, raw ws for protocol violations and auth, fetch for HTTP. Prints one
// "ok - ..." / "not ok - ..." / "skip - ..." line per case.
//
// Environment: GATEWAY_URL (http://127.0.0.1:port), GATEWAY_SECRET, GATEWAY_TENANT (a udm
// tenant; GATEWAY_TENANT_other exists too), GATEWAY_PID (the gateway, paused to fall behind
// the outbox retention), GATEWAY_PG_RESTART (a shell command restarting PostgreSQL; those
// cases are skipped without it), PG* for psql.
import { createClient } from 'graphql-ws';
import { buildSchema, buildClientSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema } from 'graphql';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import * as net from 'node:net';
import { createServer } from 'node:net';

const base = process.env.GATEWAY_URL;
const wsBase = base.replace(/^http/, 'ws');
const secret = process.env.GATEWAY_SECRET;
const tenant = process.env.GATEWAY_TENANT;
const other = `${tenant}_other`;
const gatewayPid = Number(process.env.GATEWAY_PID);
const pgRestart = process.env.GATEWAY_PG_RESTART || '';
const PROTOCOL = 'graphql-transport-ws';

const b64url = (s) => Buffer.from(s).toString('base64url');
// An HS256 token of claims, signed with key (the gateway's secret unless given).
function token(claims, { key = secret, alg = 'HS256' } = {}) {
  const input = `${b64url(JSON.stringify({ alg, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  if (alg === 'none') return `${input}.`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
const goodToken = (t = tenant) => token({ tenant: t, exp: now() + 300 });
// GET of a tenant's SDL with a token of that tenant (the endpoint needs one).
const fetchSdl = (t = tenant, headers = {}) =>
  fetch(`${base}/graphql/${t}/schema.graphql`, { headers: { authorization: `Bearer ${goodToken(t)}`, ...headers } });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Waits until pred() is true or fails after ms.
async function waitFor(pred, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
// Runs each statement in its own transaction with psql; returns the output.
function psql(...statements) {
  const args = ['-X', '-qAt', '-v', 'ON_ERROR_STOP=1'];
  for (const sql of statements) args.push('-c', sql);
  return execFileSync('psql', args, { encoding: 'utf8' }).trim();
}

// Raw socket: collects messages, resolves closed with {code, reason}.
function raw(path = `/graphql/${tenant}`, protocols = [PROTOCOL]) {
  const ws = new WebSocket(`${wsBase}${path}`, protocols);
  const messages = [];
  const closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', (error) => resolve({ code: -1, reason: error.message }));
  });
  const opened = new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  opened.catch(() => {}); // cases that expect a refused upgrade look at closed
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const send = (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  return { ws, messages, closed, opened, send };
}
// A raw socket that sent connection_init and got connection_ack.
async function acked(t = tenant) {
  const c = raw(`/graphql/${t}`);
  await c.opened;
  c.send({ type: 'connection_init', payload: { token: goodToken(t) } });
  await waitFor(() => c.messages.some((m) => m.type === 'connection_ack'), 3000, 'ack');
  return c;
}
async function expectClose(c, code, reason, ms = 5000) {
  const result = await Promise.race([c.closed, sleep(ms).then(() => ({ code: 'none' }))]);
  assert(result.code === code, `expected close ${code}, got ${result.code} ${result.reason ?? ''}`);
  if (reason !== undefined) {
    assert(result.reason === reason, `expected reason "${reason}", got "${result.reason}"`);
  }
}

// graphql-ws client of the tenant.
const openClients = [];
function client(params = { token: goodToken() }, t = tenant) {
  const c = createClient({
    url: `${wsBase}/graphql/${t}`,
    webSocketImpl: WebSocket,
    connectionParams: params,
    retryAttempts: 0,
    lazy: true,
  });
  openClients.push(c);
  return c;
}
// Subscribes and collects results; returns {results, errors, done, stop}.
function collect(c, query, variables) {
  const state = { results: [], errors: [], completed: false };
  state.stop = c.subscribe(
    { query, variables },
    {
      next: (r) => state.results.push(r),
      error: (e) => {
        state.errors.push(e);
      },
      complete: () => {
        state.completed = true;
      },
    },
  );
  return state;
}
async function metrics() {
  return (await fetch(`${base}/metrics`)).text();
}
function metricValue(text, line) {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}
// Waits until the gateway has n live subscriptions of the tenant.
async function subscriptions(n, t = tenant, ms = 5000) {
  await waitFor(
    async () => (metricValue(await metrics(), `udm_gateway_subscriptions{tenant="${t}"}`) ?? 0) === n,
    ms,
    `${n} subscriptions`,
  );
}

// ---- making changes ---------------------------------------------------------------------
let classCounter = 0;
// A new class: one model change; returns the new schema version.
function schemaChange(prefix = 'c') {
  const cls = `${prefix}${Date.now() % 100000}_${++classCounter}`;
  return Number(psql(`SELECT udm.create_class('${tenant}', '${cls}')`));
}
// n model changes, each its own transaction.
function schemaChanges(n) {
  const statements = [];
  for (let i = 0; i < n; i++) {
    statements.push(`SELECT udm.create_class('${tenant}', 'burst${Date.now() % 100000}_${++classCounter}')`);
  }
  psql(...statements);
}
// count inserts into class, one transaction; returns the ids in insertion order.
function write(cls, count = 1, t = tenant) {
  if (count === 1) return [psql(`INSERT INTO tenant_${t}.tc_${cls} DEFAULT VALUES RETURNING id`)];
  return psql(`INSERT INTO tenant_${t}.tc_${cls} SELECT FROM generate_series(1, ${count}) RETURNING id`).split('\n');
}
// Makes class exist (data events are on by default) and known to the gateway: thingChanged
// takes only the classes of the schema the gateway serves.
const classes = new Set();
async function ensureClass(cls, t = tenant) {
  if (classes.has(`${t}.${cls}`)) return;
  psql(`SELECT udm.create_class('${t}', '${cls}')`);
  classes.add(`${t}.${cls}`);
  await servesCurrentSchema(t);
}
// The tenant's schema version.
const schemaVersion = (t = tenant) => Number(psql(`SELECT schema_version FROM udm.tenants WHERE name = '${t}'`));
// Waits until the gateway serves the tenant's current schema version.
async function servesCurrentSchema(t = tenant) {
  const etag = `"${schemaVersion(t)}"`;
  await waitFor(async () => (await fetchSdl(t)).headers.get('etag') === etag,
    5000, `schema ${etag}`);
}
// Adds attributes and classes (objects in the format of udm.apply) to the tenant's model.
function extendModel(attributes, classesToAdd, t = tenant) {
  const a = JSON.stringify(attributes).replaceAll("'", "''");
  const c = JSON.stringify(classesToAdd).replaceAll("'", "''");
  psql(`SELECT udm.apply('${t}', m || jsonb_build_object(
          'attributes', coalesce(m->'attributes', '{}') || '${a}'::jsonb,
          'classes', coalesce(m->'classes', '{}') || '${c}'::jsonb))
        FROM udm.model('${t}') AS m`);
}
const schemaRebuilds = async () => metricValue(await metrics(), 'udm_gateway_schema_rebuilds_total');

// ---- cases ------------------------------------------------------------------------------
const cases = [];
const test = (name, fn) => cases.push({ name, fn });

test('GET /healthz is 200 with a JSON body', async () => {
  const r = await fetch(`${base}/healthz`);
  assert(r.status === 200, `status ${r.status}`);
  assert((await r.json()).status === 'ok', 'body');
});
test('GET /metrics is Prometheus text 0.0.4', async () => {
  const r = await fetch(`${base}/metrics`);
  assert(r.status === 200, `status ${r.status}`);
  assert(r.headers.get('content-type').startsWith('text/plain; version=0.0.4'), 'content type');
  const text = await r.text();
  for (const name of ['udm_gateway_connections', 'udm_gateway_connections_awaiting_init',
    'udm_gateway_events_delivered_total',
    'udm_gateway_schema_rebuilds_total', 'udm_gateway_db_reconnects_total',
    'udm_gateway_delivery_latency_seconds_bucket{le="+Inf"}']) {
    assert(text.includes(name), `missing ${name}`);
  }
});
test('schema.graphql has the SDL, ETag "<version>", 304 on If-None-Match', async () => {
  const r = await fetchSdl();
  assert(r.status === 200, `status ${r.status}`);
  assert(r.headers.get('content-type') === 'application/graphql; charset=utf-8', 'content type');
  const etag = r.headers.get('etag');
  assert(/^"\d+"$/.test(etag), `etag ${etag}`);
  assert((await r.text()).length > 0, 'empty SDL');
  const again = await fetchSdl(tenant, { 'If-None-Match': etag });
  assert(again.status === 304, `If-None-Match gave ${again.status}`);
  const other = await fetchSdl(tenant, { 'If-None-Match': '"999999"' });
  assert(other.status === 200, `a stale ETag gave ${other.status}`);
});
test('unknown tenant (with its token), bad name and unknown path are 404; POST is 405', async () => {
  assert((await fetchSdl('nosuchtenant')).status === 404, 'unknown tenant');
  assert((await fetch(`${base}/graphql/Bad-Name/schema.graphql`)).status === 404, 'bad name');
  assert((await fetch(`${base}/nope`)).status === 404, 'unknown path');
  assert((await fetch(`${base}/healthz`, { method: 'POST' })).status === 405, 'POST');
});
test('WebSocket: without its token, an unknown tenant looks like a real one', async () => {
  // Upgrade, no token, a bad token, another tenant's token: the same answers either way.
  for (const t of [tenant, 'nosuchtenant']) {
    const plain = raw(`/graphql/${t}`);
    await plain.opened;
    plain.send({ type: 'connection_init' });
    await expectClose(plain, 4401, 'Unauthorized');
    const bad = raw(`/graphql/${t}`);
    await bad.opened;
    bad.send({ type: 'connection_init', payload: { token: token({ tenant: t }, { key: 'x'.repeat(40) }) } });
    await expectClose(bad, 4401, 'Unauthorized');
    const other = raw(`/graphql/${t}`);
    await other.opened;
    other.send({ type: 'connection_init', payload: { token: goodToken('someone_else') } });
    await expectClose(other, 4403, 'Forbidden');
  }
  // Only a token of that very tenant learns that it does not exist.
  const own = raw('/graphql/nosuchtenant');
  await own.opened;
  own.send({ type: 'connection_init', payload: { token: goodToken('nosuchtenant') } });
  await expectClose(own, 4403, 'Forbidden: unknown tenant');
  // And the metrics never name it.
  const text = await metrics();
  assert(!text.includes('nosuchtenant'), 'the metrics name the unknown tenant');
  assert(metricValue(text, 'udm_gateway_connections_awaiting_init') !== undefined, 'no awaiting_init gauge');
});
test('no subprotocol: close 4406', async () => {
  await expectClose(raw(`/graphql/${tenant}`, []), 4406, 'Subprotocol not acceptable');
});
test('another subprotocol (graphql-ws): no subprotocol agreed, as graphql-ws servers do', async () => {
  // The server accepts without a subprotocol and closes with 4406; ws (the client) already
  // fails the handshake because it got none of the protocols it asked for.
  const result = await raw(`/graphql/${tenant}`, ['graphql-ws']).closed;
  assert(result.code === 4406 || (result.code === -1 && result.reason === 'Server sent no subprotocol'),
    `got ${result.code} ${result.reason}`);
});
test('no connection_init in time: close 4408', async () => {
  const c = raw();
  await c.opened;
  await expectClose(c, 4408, 'Connection initialisation timeout');
});
test('second connection_init: close 4429', async () => {
  const c = await acked();
  c.send({ type: 'connection_init', payload: { token: goodToken() } });
  await expectClose(c, 4429, 'Too many initialisation requests');
});
test('subscribe before connection_ack: close 4401', async () => {
  const c = raw();
  await c.opened;
  c.send({ id: '1', type: 'subscribe', payload: { query: '{ schemaVersion }' } });
  await expectClose(c, 4401, 'Unauthorized');
});
test('invalid JSON: close 4400', async () => {
  const c = raw();
  await c.opened;
  c.send('{not json');
  await expectClose(c, 4400);
});
test('unknown message type: close 4400 with the reason', async () => {
  const c = await acked();
  c.send({ type: 'subscribe_all' });
  await expectClose(c, 4400, `Invalid message 'type' property "subscribe_all"`);
});
test('subscribe without id: close 4400', async () => {
  const c = await acked();
  c.send({ type: 'subscribe', payload: { query: '{ schemaVersion }' } });
  await expectClose(c, 4400);
});
test('duplicate subscription id: close 4409', async () => {
  const c = await acked();
  const sub = { id: 'dup', type: 'subscribe', payload: { query: 'subscription { schemaChanged { version } }' } };
  c.send(sub);
  c.send(sub);
  await expectClose(c, 4409, 'Subscriber for dup already exists');
});
test('ping gets pong with the payload; pong is ignored', async () => {
  const c = await acked();
  c.send({ type: 'ping', payload: { n: 1 } });
  c.send({ type: 'pong' });
  await waitFor(() => c.messages.some((m) => m.type === 'pong'), 3000, 'pong');
  const pong = c.messages.find((m) => m.type === 'pong');
  assert(pong.payload?.n === 1, 'payload not echoed');
  c.ws.close(1000);
  const result = await c.closed;
  assert(result.code === 1000, `closed with ${result.code}`);
});
test('auth: no token: close 4401', async () => {
  const c = raw();
  await c.opened;
  c.send({ type: 'connection_init' });
  await expectClose(c, 4401, 'Unauthorized');
});
for (const [name, tok] of [
  ['wrong secret', () => token({ tenant }, { key: 'x'.repeat(40) })],
  ['expired (beyond the 30 s leeway)', () => token({ tenant, exp: now() - 120 })],
  ['alg none', () => token({ tenant }, { alg: 'none' })],
  ['not a JWT', () => 'hello'],
  ['tampered payload', () => { const t = goodToken().split('.'); t[1] = b64url(JSON.stringify({ tenant, admin: true })); return t.join('.'); }],
]) {
  test(`auth: ${name}: close 4401`, async () => {
    const c = raw();
    await c.opened;
    c.send({ type: 'connection_init', payload: { token: tok() } });
    await expectClose(c, 4401, 'Unauthorized');
  });
}
test('auth: a valid token of another tenant: close 4403', async () => {
  const c = raw();
  await c.opened;
  c.send({ type: 'connection_init', payload: { token: token({ tenant: 'someone_else' }) } });
  await expectClose(c, 4403, 'Forbidden');
});
test('auth: "authorization: Bearer" is accepted', async () => {
  const c = raw();
  await c.opened;
  c.send({ type: 'connection_init', payload: { authorization: `Bearer ${goodToken()}` } });
  await waitFor(() => c.messages.some((m) => m.type === 'connection_ack'), 3000, 'ack');
  c.ws.close(1000);
});
test('graphql-ws client: a query gets one result and completes', async () => {
  const c = client();
  const etag = (await fetchSdl()).headers.get('etag');
  const s = collect(c, '{ schemaVersion }');
  await waitFor(() => s.completed, 5000, 'complete');
  assert(s.results.length === 1, `${s.results.length} results`);
  assert(`"${s.results[0].data.schemaVersion}"` === etag, `version ${JSON.stringify(s.results[0])} vs ${etag}`);
  await c.dispose();
});
test('graphql-ws client: an invalid operation is an error with locations', async () => {
  const c = client();
  const s = collect(c, 'subscription {\n  nope { x } }');
  await waitFor(() => s.errors.length > 0, 5000, 'error');
  const errors = s.errors[0];
  assert(Array.isArray(errors) && errors[0].message.includes('nope'), JSON.stringify(errors));
  assert(errors[0].locations[0].line === 2 && errors[0].locations[0].column === 3,
    JSON.stringify(errors[0].locations));
  await c.dispose();
});
test('graphql-ws client: a bad token fails the client with 4401', async () => {
  const c = client({ token: 'bad' });
  const s = collect(c, '{ schemaVersion }');
  await waitFor(() => s.errors.length > 0, 5000, 'error');
  assert(s.errors[0].code === 4401, `closed with ${s.errors[0].code}`);
  await c.dispose();
});

// ---- the schema and queries -------------------------------------------------------------
test('schema.graphql is accepted by graphql-js buildSchema and equals Query.sdl', async () => {
  await ensureClass('widget');
  // Awkward names: GraphQL keywords, names that collide after case mapping.
  extendModel({
    type: { type: 'text', description: 'a "quoted" description\nover """two""" lines' },
    query_text: { type: 'text', rules: { max_length: 20, pattern: '^[a-z]+\\$' } },
    querytext: { type: 'integer', rules: { min: 0 } },
    owner: { type: 'reference', target: 'widget' },
    owner_id: { type: 'text' },
  }, {
    subscription: { attributes: { type: { required: true }, query_text: {}, querytext: {}, owner: {}, owner_id: {} } },
    query: {},
  });
  await servesCurrentSchema();
  const r = await fetchSdl();
  const sdl = await r.text();
  const schema = buildSchema(sdl);
  // docs/graphql.md, "Names and collisions": reserved names first, then _2, _3, ...
  const type = schema.getType('Subscription_2');
  assert(type && schema.getType('Query_2'), `no Subscription_2 and Query_2 for classes subscription and query`);
  const fields = Object.keys(type.getFields());
  for (const f of ['type', 'queryText', 'querytext_2', 'owner', 'ownerId', 'ownerId_2']) {
    assert(fields.includes(f), `field ${f} missing: ${fields}`);
  }
  assert(new Set(fields.map((f) => f.toLowerCase())).size === fields.length, `names differing only in case: ${fields}`);
  assert(String(type.getFields().type.type) === 'String!', `type: ${type.getFields().type.type}`);
  assert(String(type.getFields().owner.type) === 'Widget', `owner: ${type.getFields().owner.type}`);
  const c = client();
  const s = collect(c, '{ sdl schemaVersion }');
  await waitFor(() => s.completed, 5000, 'complete');
  assert(s.results[0].data.sdl === sdl, 'Query.sdl differs from schema.graphql');
  assert(`"${s.results[0].data.schemaVersion}"` === r.headers.get('etag'), 'version vs ETag');
});
test('introspection over the WebSocket gives back the served SDL (graphql-js buildClientSchema)', async () => {
  await ensureClass('widget');
  await servesCurrentSchema();
  const sdl = await (await fetchSdl()).text();
  const c = client();
  const query = getIntrospectionQuery({ specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true });
  const s = collect(c, query);
  await waitFor(() => s.completed || s.errors.length > 0, 10000, 'introspection');
  assert(s.results.length === 1 && !s.results[0].errors, JSON.stringify(s.errors.length ? s.errors : s.results).slice(0, 300));
  const client_ = printSchema(lexicographicSortSchema(buildClientSchema(s.results[0].data)));
  const served = printSchema(lexicographicSortSchema(buildSchema(sdl)));
  assert(client_ === served, 'the introspected schema differs from schema.graphql');
  await c.dispose();
});
test('a response keeps the selection order, aliases and __typename', async () => {
  const c = await acked();
  c.send({ id: 'q', type: 'subscribe', payload: { query: '{ v: schemaVersion __typename sdl2: sdl @skip(if: true) }' } });
  await waitFor(() => c.messages.some((m) => m.type === 'complete'), 5000, 'complete');
  const next = c.messages.find((m) => m.type === 'next');
  assert(JSON.stringify(Object.keys(next.payload.data)) === '["v","__typename"]', JSON.stringify(next.payload));
  assert(next.payload.data.__typename === 'Query', JSON.stringify(next.payload));
  await ensureClass('widget');
  c.send({ id: 's', type: 'subscribe', payload: { query: 'subscription { thingChanged(class: "widget") { op: operation __typename ...F } } fragment F on ThingEvent { id class }' } });
  await subscriptions(1);
  const [id] = write('widget');
  await waitFor(() => c.messages.some((m) => m.type === 'next' && m.id === 's'), 5000, 'event');
  const e = c.messages.find((m) => m.type === 'next' && m.id === 's').payload.data.thingChanged;
  assert(JSON.stringify(Object.keys(e)) === '["op","__typename","id","class"]', JSON.stringify(e));
  assert(e.op === 'INSERT' && e.__typename === 'ThingEvent' && e.id === id && e.class === 'widget', JSON.stringify(e));
  c.ws.close(1000);
});
test('bad documents: syntax, unknown field, missing argument, bad variable, mutation', async () => {
  const c = client();
  const cases = [
    ['subscription {\n  thingChanged(class: "widget") {', undefined, /^Syntax Error: Expected Name, found <EOF>\./, [2, 34]],
    ['subscription { thingChanged(class: "widget") { nope } }', undefined, /Cannot query field "nope" on type "ThingEvent"/, [1, 48]],
    ['subscription { thingChanged { id } }', undefined, /argument "class" of type "String!" is required/, [1, 16]],
    ['subscription ($o: [Operation!]) { thingChanged(class: "widget", operations: $o) { id } }', { o: ['UPSERT'] },
      /Variable "\$o" got invalid value "UPSERT" at "o\[0\]"; Value "UPSERT" does not exist in "Operation" enum/, [1, 15]],
    ['subscription { thingChanged(class: "widget") { id } schemaChanged { version } }', undefined,
      /Anonymous Subscription must select only one top level field/, [1, 53]],
    ['mutation { x }', undefined, /mutation/i, undefined],
  ];
  for (const [query, variables, message, location] of cases) {
    const s = collect(c, query, variables);
    await waitFor(() => s.errors.length > 0, 5000, `error for ${query}`);
    const errors = s.errors[0];
    assert(Array.isArray(errors) && message.test(errors[0].message), `${query}: ${JSON.stringify(errors)}`);
    if (location) {
      const l = errors[0].locations?.[0];
      assert(l && l.line === location[0] && l.column === location[1], `${query}: locations ${JSON.stringify(errors[0].locations)}`);
    }
  }
});

// ---- events ----------------------------------------------------------------------------
test('thingChanged: inserts of the class arrive, other classes are filtered out', async () => {
  await ensureClass('widget');
  await ensureClass('gadget');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { operation class id position } }');
  await subscriptions(1);
  write('gadget', 2);
  const ids = write('widget', 3);
  await waitFor(() => s.results.length >= 3, 5000, '3 events');
  await sleep(200);
  assert(s.results.length === 3, `${s.results.length} events`);
  s.results.forEach((r, i) => {
    const e = r.data.thingChanged;
    assert(e.operation === 'INSERT' && e.class === 'widget' && e.id === ids[i], JSON.stringify(e));
  });
});
test('thingChanged with variables and operations: updates name what changed, deletes follow', async () => {
  extendModel({ label: { type: 'text' }, weight: { type: 'number' } },
    { gizmo: { attributes: { label: {}, weight: {} } } });
  await servesCurrentSchema();
  const c = client();
  const s = collect(c, `subscription Watch($c: String!, $ops: [Operation!] = [UPDATE, DELETE]) {
      thingChanged(class: $c, operations: $ops) { operation id changedAttributes } }`, { c: 'gizmo' });
  await subscriptions(1);
  const id = psql(`INSERT INTO tenant_${tenant}.tc_gizmo (label, weight) VALUES ('a', 1) RETURNING id`);
  psql(`UPDATE tenant_${tenant}.tc_gizmo SET label = 'b', weight = 1 WHERE id = '${id}'`);
  psql(`DELETE FROM tenant_${tenant}.tc_gizmo WHERE id = '${id}'`);
  await waitFor(() => s.results.length >= 2, 5000, '2 events');
  await sleep(200);
  const got = s.results.map((r) => r.data.thingChanged);
  assert(got.length === 2, JSON.stringify(got));
  assert(got[0].operation === 'UPDATE' && got[0].id === id && JSON.stringify(got[0].changedAttributes) === '["label"]', JSON.stringify(got[0]));
  assert(got[1].operation === 'DELETE' && got[1].id === id, JSON.stringify(got[1]));
});
test('complete from the client stops the subscription', async () => {
  await ensureClass('widget');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { id } }');
  await subscriptions(1);
  write('widget', 1);
  await waitFor(() => s.results.length === 1, 5000, 'first event');
  s.stop();
  await subscriptions(0);
  write('widget', 2);
  await sleep(500);
  assert(s.results.length === 1, `${s.results.length} events after complete`);
});
test('every event once and in order (500 writes in 5 transactions)', async () => {
  await ensureClass('widget');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { position } }');
  await subscriptions(1);
  for (let i = 0; i < 5; i++) write('widget', 100);
  await waitFor(() => s.results.length >= 500, 10000, '500 events');
  await sleep(300);
  const positions = s.results.map((r) => BigInt(r.data.thingChanged.position));
  assert(positions.length === 500, `${positions.length} events`);
  assert(new Set(positions).size === 500, 'duplicates');
  for (let i = 1; i < positions.length; i++) assert(positions[i] > positions[i - 1], `out of order at ${i}`);
});
test('200 clients at once each get every event, in order', async () => {
  await ensureClass('widget');
  const states = [];
  for (let i = 0; i < 200; i++) states.push(collect(client(), 'subscription { thingChanged(class: "widget") { id } }'));
  await subscriptions(200, tenant, 20000);
  const ids = [...write('widget', 3), ...write('widget', 2)];
  await waitFor(() => states.every((st) => st.results.length >= 5), 20000, 'every client got 5 events');
  await sleep(200);
  for (const st of states) {
    assert(JSON.stringify(st.results.map((r) => r.data.thingChanged.id)) === JSON.stringify(ids), 'a client missed or reordered events');
  }
});
test('tenants are isolated: events of one tenant never reach another', async () => {
  await ensureClass('widget');
  await ensureClass('widget', other);
  const mine = collect(client(), 'subscription { thingChanged(class: "widget") { id } }');
  const theirs = collect(client({ token: goodToken(other) }, other), 'subscription { thingChanged(class: "widget") { id } }');
  await subscriptions(1);
  await subscriptions(1, other);
  const [id] = write('widget');
  const [otherId] = write('widget', 1, other);
  await waitFor(() => mine.results.length >= 1 && theirs.results.length >= 1, 5000, 'one event each');
  await sleep(300);
  assert(mine.results.length === 1 && mine.results[0].data.thingChanged.id === id, JSON.stringify(mine.results));
  assert(theirs.results.length === 1 && theirs.results[0].data.thingChanged.id === otherId, JSON.stringify(theirs.results));
  // A token of one tenant does not open the other.
  const c = raw(`/graphql/${other}`);
  await c.opened;
  c.send({ type: 'connection_init', payload: { token: goodToken() } });
  await expectClose(c, 4403, 'Forbidden');
});
test('schemaChanged: a model change arrives with version, changes and the new SDL', async () => {
  const c = client();
  const s = collect(c, 'subscription { schemaChanged { version previousVersion breaking changes { kind change class breaking detail } sdl } }');
  await subscriptions(1);
  const version = schemaChange('fresh');
  await waitFor(() => s.results.some((r) => r.data.schemaChanged.version === version), 5000, 'schemaChanged');
  const e = s.results.at(-1).data.schemaChanged;
  assert(e.previousVersion < e.version && e.breaking === false, JSON.stringify(e));
  const entry = e.changes.find((x) => x.kind === 'class' && x.change === 'added');
  assert(entry && entry.class.startsWith('fresh') && entry.breaking === false, JSON.stringify(e.changes));
  assert(buildSchema(e.sdl).getType(entry.class.replace(/(^|_)([a-z0-9])/g, (m, p, ch) => ch.toUpperCase())),
    `the new class is not in the SDL of the event`);
  const r = await fetchSdl();
  assert(r.headers.get('etag') === `"${version}"`, `ETag after the change: ${r.headers.get('etag')}`);
  assert(await r.text() === e.sdl, 'the served SDL is the SDL of the event');
});
test('schemaChanged(classes:) only reports changes of those classes; subscriptions survive rebuilds', async () => {
  await ensureClass('widget');
  const c = client();
  const s = collect(c, 'subscription { schemaChanged(classes: ["watched"]) { version changes { class change } } }');
  const t = collect(c, 'subscription { thingChanged(class: "widget") { id } }');
  await subscriptions(2);
  const before = await schemaRebuilds();
  schemaChange('unwatched');
  await waitFor(async () => (await schemaRebuilds()) > before, 5000, 'rebuild');
  const version = Number(psql(`SELECT udm.create_class('${tenant}', 'watched')`));
  await waitFor(() => s.results.length >= 1, 5000, 'the watched change');
  await sleep(300);
  assert(s.results.length === 1 && s.results[0].data.schemaChanged.version === version, JSON.stringify(s.results));
  const [id] = write('widget');
  await waitFor(() => t.results.length === 1, 5000, 'event after the rebuilds');
  assert(t.results[0].data.thingChanged.id === id, JSON.stringify(t.results));
});
test('schemaChanged(classes:) gets the changes made through the attributes of the class', async () => {
  extendModel({ sc_name: { type: 'text' }, sc_stock: { type: 'integer' }, sc_price: { type: 'number' } },
    { sc_product: { attributes: { sc_name: {}, sc_stock: {}, sc_price: {} } }, sc_other: {} });
  await servesCurrentSchema();
  const c = client();
  const s = collect(c, 'subscription { schemaChanged(classes: ["sc_product"]) { version changes { kind change class attribute classes detail } } }');
  await subscriptions(1);
  psql(`SELECT udm.create_class('${tenant}', 'sc_unrelated')`);
  await servesCurrentSchema();
  await sleep(100);
  assert(s.results.length === 0, `an unrelated class reached the filter: ${JSON.stringify(s.results)}`);
  psql(`SELECT udm.alter_attribute('${tenant}', 'sc_name', new_name => 'sc_title')`);
  psql(`SELECT udm.alter_attribute('${tenant}', 'sc_stock', data_type => 'number')`);
  psql(`SELECT udm.alter_attribute('${tenant}', 'sc_price', validation_rules => '{"min": 0}')`);
  psql(`SELECT udm.alter_assignment('${tenant}', 'sc_product', 'sc_price', assignment_rules => '{"max": 100}')`);
  await servesCurrentSchema();
  await sleep(300);
  const changes = s.results.flatMap((r) => r.data.schemaChanged.changes);
  const seen = changes.map((x) => `${x.kind} ${x.change} ${x.attribute}`);
  for (const want of ['attribute renamed sc_title', 'attribute retyped sc_stock', 'attribute changed sc_price', 'assignment changed sc_price']) {
    assert(seen.includes(want), `missing ${want}: ${JSON.stringify(changes)}`);
  }
  assert(changes.length === 4 && changes.every((x) => x.classes.includes('sc_product')), JSON.stringify(changes));
  const rename = changes.find((x) => x.change === 'renamed');
  assert(rename.detail.from === 'sc_name' && rename.detail.to === 'sc_title', JSON.stringify(rename));
});
test('thingChanged refuses a class the schema does not have, suggesting the right name', async () => {
  await ensureClass('widget');
  const c = client();
  // The class of a GraphQL type name first, then names like it (another class may follow).
  for (const [cls, hint] of [['Widget', ' Did you mean "widget"'], ['widgte', ' Did you mean "widget"'], ['nosuch_class', '']]) {
    const s = collect(c, `subscription { thingChanged(class: "${cls}") { id } }`);
    await waitFor(() => s.errors.length > 0, 5000, `error for ${cls}`);
    const [e] = s.errors[0];
    const message = `Unknown class "${cls}" in argument "class" of "thingChanged".${hint}`;
    assert(hint ? e.message.startsWith(message) : e.message === message, JSON.stringify(s.errors));
    assert(e.locations[0].line === 1 && e.locations[0].column === 29, JSON.stringify(e.locations));
  }
  const s = collect(c, 'subscription { schemaChanged(classes: ["Widget"]) { version } }');
  await waitFor(() => s.errors.length > 0, 5000, 'error for classes: ["Widget"]');
  assert(/cannot name a class.*Did you mean "widget"/.test(s.errors[0][0].message), JSON.stringify(s.errors));
});
test('a soft delete and a restore arrive as SOFT_DELETE and RESTORE', async () => {
  await ensureClass('widget');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { operation id changedAttributes } }');
  const only = collect(c, 'subscription { thingChanged(class: "widget", operations: [UPDATE]) { operation } }');
  await subscriptions(2);
  const [id] = write('widget');
  psql(`UPDATE tenant_${tenant}.tc_widget SET is_deleted = true WHERE id = '${id}'`);
  psql(`UPDATE tenant_${tenant}.tc_widget SET is_deleted = false WHERE id = '${id}'`);
  psql(`UPDATE tenant_${tenant}.tc_widget SET is_deleted = false WHERE id = '${id}'`);
  await waitFor(() => s.results.length >= 4, 5000, '4 events');
  await sleep(200);
  const got = s.results.map((r) => r.data.thingChanged);
  assert(JSON.stringify(got.map((e) => e.operation)) === '["INSERT","SOFT_DELETE","RESTORE","UPDATE"]', JSON.stringify(got));
  assert(got.every((e) => e.id === id && e.changedAttributes.length === 0), JSON.stringify(got));
  assert(only.results.length === 1, `operations: [UPDATE] got ${JSON.stringify(only.results)}`);
});
test('a burst of 100 model changes is coalesced into a few rebuilds ending on the last version', async () => {
  const before = await schemaRebuilds();
  const c = client();
  const s = collect(c, 'subscription { schemaChanged { version previousVersion } }');
  await subscriptions(1);
  const start = schemaVersion();
  schemaChanges(100);
  const last = schemaVersion();
  assert(last === start + 100, `versions ${start} → ${last}`);
  await waitFor(() => s.results.some((r) => r.data.schemaChanged.version === last), 10000, 'last version');
  const rebuilds = (await schemaRebuilds()) - before;
  assert(rebuilds >= 1 && rebuilds < 50, `${rebuilds} rebuilds for 100 changes`);
  assert(s.results.length === rebuilds, `${s.results.length} events for ${rebuilds} rebuilds`);
  // The events cover the versions without a gap.
  let expected = start;
  for (const r of s.results) {
    assert(r.data.schemaChanged.previousVersion === expected, `gap: ${JSON.stringify(s.results)}`);
    expected = r.data.schemaChanged.version;
  }
  const r = await fetchSdl();
  assert(r.headers.get('etag') === `"${last}"`, `ETag ${r.headers.get('etag')}`);
});
test('database connection lost: reconnects and delivers what was written meanwhile', async () => {
  await ensureClass('widget');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { position } }');
  await subscriptions(1);
  const before = metricValue(await metrics(), 'udm_gateway_db_reconnects_total');
  psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'udm-gateway'`);
  write('widget', 7);
  await waitFor(() => s.results.length >= 7, 15000, '7 events after the reconnect');
  await waitFor(async () => metricValue(await metrics(), 'udm_gateway_db_reconnects_total') > before,
    5000, 'reconnect counted');
  await sleep(300);
  assert(s.results.length === 7, `${s.results.length} events`);
  assert((await fetch(`${base}/healthz`)).status === 200, 'healthz after the reconnect');
});
test('PostgreSQL restarted in the middle of a stream: every event once, in order', async () => {
  if (!pgRestart) return 'skip: GATEWAY_PG_RESTART not set (needs a throwaway cluster)';
  await ensureClass('widget');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { id position } }');
  await subscriptions(1);
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(...write('widget', 3));
  execFileSync('bash', ['-c', pgRestart], { stdio: 'ignore' });
  // Written at once after the restart, before the gateway is back: read from the outbox.
  for (let i = 0; i < 5; i++) ids.push(...write('widget', 3));
  await waitFor(() => s.results.length >= ids.length, 30000, `${ids.length} events`);
  await sleep(300);
  const got = s.results.map((r) => r.data.thingChanged);
  assert(JSON.stringify(got.map((e) => e.id)) === JSON.stringify(ids), `ids differ: ${got.length} events for ${ids.length} writes`);
  for (let i = 1; i < got.length; i++) assert(BigInt(got[i].position) > BigInt(got[i - 1].position), `out of order at ${i}`);
  const after = collect(client(), 'subscription { schemaChanged { version } }');
  await subscriptions(2);
  const version = schemaChange();
  await waitFor(() => after.results.some((r) => r.data.schemaChanged.version === version), 10000, 'schema event after the restart');
});
test('behind the outbox retention: resumes where pruning reached and keeps delivering', async () => {
  await ensureClass('retained');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "retained") { id } }');
  await subscriptions(1);
  const before = metricValue(await metrics(), 'udm_gateway_data_resyncs_total');
  write('retained', 1);
  await waitFor(() => s.results.length === 1, 5000, 'first event');
  // Paused, the gateway cannot read the next events before udm.prune_events removes them;
  // the ones written after the pruning are still in the outbox when it reads again.
  let kept;
  process.kill(gatewayPid, 'SIGSTOP');
  try {
    write('retained', 5);
    psql(`SELECT pg_sleep(0.01)`, `SELECT udm.prune_events('${tenant}', '0 seconds')`);
    kept = write('retained', 3);
  } finally {
    process.kill(gatewayPid, 'SIGCONT');
  }
  await waitFor(async () => metricValue(await metrics(), 'udm_gateway_data_resyncs_total') > before,
    10000, 'resync counted');
  await waitFor(() => s.results.length >= 4, 5000, 'the events kept after the pruned ones');
  const [id] = write('retained', 1);
  await waitFor(() => s.results.length === 5, 5000, 'event after the resync');
  await sleep(200);
  const ids = s.results.slice(1).map((r) => r.data.thingChanged.id);
  assert(JSON.stringify(ids) === JSON.stringify([...kept, id]), JSON.stringify(s.results));
});
test('a message nested 100,000 levels deep closes 4400 and the gateway keeps serving', async () => {
  const c = raw();
  await c.opened;
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  c.send(`{"type":"ping","payload":{"a":${deep}}}`);
  await expectClose(c, 4400, 'Invalid message received: nested more than 64 levels deep');
  assert((await fetch(`${base}/healthz`)).status === 200, 'healthz after the deep message');
});
test('a burst far larger than --queue-limit reaches every fast client of the class, once and in order', async () => {
  await ensureClass('burst');
  const clients = [client(), client(), client()];
  const subs = clients.map((c) => collect(c, 'subscription { thingChanged(class: "burst") { position } }'));
  await subscriptions(3);
  const rows = 5000;  // --queue-limit is 1000
  psql(`INSERT INTO tenant_${tenant}.tc_burst SELECT FROM generate_series(1, ${rows})`);
  await waitFor(() => subs.every((s) => s.results.length >= rows), 30000, `${rows} events each`);
  await sleep(200);
  for (const s of subs) {
    assert(s.results.length === rows, `${s.results.length} events`);
    assert(s.errors.length === 0, `errors: ${s.errors.map((e) => e.code ?? e.message)}`);
    const positions = s.results.map((r) => BigInt(r.data.thingChanged.position));
    for (let i = 1; i < positions.length; i++) assert(positions[i] > positions[i - 1], `out of order at ${i}`);
  }
  await subscriptions(3);  // nobody was closed
});
test('slow consumer: a client that stops reading is closed with 1008, the others of its class get everything', async () => {
  await ensureClass('flood');
  const slow = await acked();
  slow.send({ id: 's', type: 'subscribe', payload: { query: 'subscription { thingChanged(class: "flood") { id position operation class } }' } });
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "flood") { id } }');
  await subscriptions(2);
  const before = metricValue(await metrics(), 'udm_gateway_slow_consumer_disconnects_total');
  slow.ws._socket.pause();  // stop reading: the kernel buffers fill, then its window
  const rows = Number(process.env.GATEWAY_FLOOD_ROWS || 100000);
  psql(`INSERT INTO tenant_${tenant}.tc_flood SELECT FROM generate_series(1, ${rows})`);
  const [last] = write('flood', 1);
  // Held back by the slow one at most --slow-consumer-timeout (2 s here), then not at all.
  await waitFor(() => s.results.length === rows + 1, 40000, `${rows + 1} events of the fast client`);
  assert(s.results[rows].data.thingChanged.id === last, 'the last event last');
  slow.ws._socket.resume();
  await expectClose(slow, 1008, 'slow consumer');
  const m = await metrics();
  assert(metricValue(m, 'udm_gateway_slow_consumer_disconnects_total') === before + 1, 'metric');
});

// ---- HTTP: file descriptors, token leeway, SDL authentication ------------------------------

// A TCP connection to port, resolved once the kernel has it (accepted or in the backlog).
function tcpConnect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}
// The status of GET url, or 0 when there is no answer within 2 s.
async function statusOf(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}
test('out of file descriptors (ulimit -n 64, 100 connections that send nothing): few warnings, serves meanwhile and after', async () => {
  // A second gateway, the same binary as the one under test, with a tiny descriptor limit.
  const exe = readlinkSync(`/proc/${gatewayPid}/exe`);
  const child = spawn('bash', ['-c', 'ulimit -n 64 && exec "$0" --listen 127.0.0.1 --port 0', exe], {
    env: { ...process.env, UDM_GATEWAY_JWT_SECRET: secret },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (data) => { log += data; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const sockets = [];
  try {
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(log), 10000, 'the second gateway');
    const port = Number(log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)[1]);
    const url = `http://127.0.0.1:${port}/healthz`;
    await waitFor(async () => (await statusOf(url)) === 200, 10000, 'healthz of the second gateway');
    assert(log.includes('warn the open-file limit is 64 but --max-connections 10000'), 'no warning about the limit at start-up');
    const start = Date.now();
    for (let i = 0; i < 100; i++) sockets.push(await tcpConnect(port));
    await waitFor(() => log.includes('accept failed: Too many open files'), 10000, 'an accept failing with EMFILE');
    await sleep(2000);
    const warnings = log.split('\n').filter((l) => l.includes('accept failed')).length;
    const seconds = (Date.now() - start) / 1000;
    // At most one line a second (the spinning loop wrote hundreds of thousands).
    assert(warnings <= Math.ceil(seconds) + 1, `${warnings} accept warnings in ${seconds} s`);
    // The oldest of them give their descriptors up for newer connections: a client is served
    // while they are still open.
    await waitFor(async () => (await statusOf(url)) === 200, 15000, 'healthz while the connections are open');
    const metrics = await (await fetch(url.replace('/healthz', '/metrics'))).text();
    assert(/^udm_gateway_connections_evicted_total\{kind="http"\} [1-9]/m.test(metrics), 'no connection was closed for a newer one');
    assert(/^udm_gateway_accept_failures_total [1-9]/m.test(metrics), 'no failed accept counted');
    for (const socket of sockets.splice(0)) socket.destroy();
    await waitFor(async () => (await statusOf(url)) === 200, 15000, 'healthz after the connections closed');
  } finally {
    for (const socket of sockets) socket.destroy();
    child.kill('SIGTERM');
    await exited;
  }
});
test('auth: connection_init takes a token 10 s past its exp or 10 s before its nbf (leeway 30 s)', async () => {
  for (const claims of [{ tenant, exp: now() - 10 }, { tenant, nbf: now() + 10 }]) {
    const c = raw();
    await c.opened;
    c.send({ type: 'connection_init', payload: { token: token(claims) } });
    await waitFor(() => c.messages.some((m) => m.type === 'connection_ack'), 3000, `ack for ${JSON.stringify(claims)}`);
    c.ws.close(1000);
    await c.closed;
  }
});
test('auth: a connection is closed with 4401 once its token expires (exp + leeway)', async () => {
  const c = raw();
  await c.opened;
  // Accepted within the leeway, and out of it 2 s later.
  c.send({ type: 'connection_init', payload: { token: token({ tenant, exp: now() - 28 }) } });
  await waitFor(() => c.messages.some((m) => m.type === 'connection_ack'), 3000, 'ack');
  const result = await Promise.race([c.closed, sleep(8000).then(() => ({ code: 'none' }))]);
  assert(result.code === 4401 && result.reason === 'Token expired', `closed ${result.code} ${result.reason ?? ''}`);
});
const challenge = 'Bearer realm="udm-gateway"';
// GET (or method) of tenant t's SDL with the Authorization value given, if any.
const sdlWith = (t, authorization, method = 'GET') =>
  fetch(`${base}/graphql/${t}/schema.graphql`, { method, headers: authorization ? { authorization } : {} });
test('SDL: no token is 401 with a Bearer challenge, the same for a tenant that does not exist', async () => {
  const answers = [];
  for (const t of [tenant, 'nosuchtenant']) {
    for (const authorization of [undefined, 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'Bearer ']) {
      const r = await sdlWith(t, authorization);
      assert(r.status === 401, `${t} ${authorization}: status ${r.status}`);
      assert(r.headers.get('www-authenticate') === challenge, `${t} ${authorization}: ${r.headers.get('www-authenticate')}`);
      answers.push(`${r.status} ${r.headers.get('www-authenticate')} ${await r.text()}`);
    }
  }
  assert(new Set(answers).size === 1, `answers differ: ${JSON.stringify(answers)}`);
});
for (const [name, tok] of [
  ['wrong secret', () => token({ tenant }, { key: 'x'.repeat(40) })],
  ['expired beyond the leeway', () => token({ tenant, exp: now() - 120 })],
  ['not valid before 2 minutes from now', () => token({ tenant, nbf: now() + 120 })],
  ['alg none', () => token({ tenant }, { alg: 'none' })],
  ['not a JWT', () => 'hello'],
  ['no tenant claim', () => token({ sub: 'x' })],
  ['tampered payload', () => { const t = goodToken().split('.'); t[1] = b64url(JSON.stringify({ tenant: 'nosuchtenant' })); return t.join('.'); }],
]) {
  test(`SDL: ${name}: 401 invalid_token`, async () => {
    for (const t of [tenant, 'nosuchtenant']) {
      const r = await sdlWith(t, `Bearer ${tok()}`);
      assert(r.status === 401, `${t}: status ${r.status}`);
      const header = r.headers.get('www-authenticate');
      assert(header === `${challenge}, error="invalid_token"`, `${t}: ${header}`);
    }
  });
}
test('SDL: a valid token of another tenant is 403, also for a tenant that does not exist', async () => {
  for (const [t, tok] of [[tenant, goodToken(other)], ['nosuchtenant', goodToken()]]) {
    const r = await sdlWith(t, `Bearer ${tok}`);
    assert(r.status === 403, `${t}: status ${r.status}`);
    assert(r.headers.get('www-authenticate') === `${challenge}, error="insufficient_scope"`,
      `${t}: ${r.headers.get('www-authenticate')}`);
  }
  // With its own token, the other tenant reads its own SDL.
  assert((await fetchSdl(other)).status === 200, 'the other tenant with its token');
});
test('SDL: lower-case "bearer" and a token 10 s past its exp (leeway 30 s) are accepted', async () => {
  assert((await sdlWith(tenant, `bearer ${goodToken()}`)).status === 200, 'lower-case scheme');
  assert((await sdlWith(tenant, `Bearer ${token({ tenant, exp: now() - 10 })}`)).status === 200, 'within the leeway');
});
test('SDL: HEAD has the headers of GET and no body; 304 and 401 as for GET', async () => {
  const get = await fetchSdl();
  const body = Buffer.from(await get.arrayBuffer());
  const head = await sdlWith(tenant, `Bearer ${goodToken()}`, 'HEAD');
  assert(head.status === 200, `status ${head.status}`);
  for (const h of ['etag', 'content-type', 'cache-control']) {
    assert(head.headers.get(h) === get.headers.get(h), `${h}: ${head.headers.get(h)} vs ${get.headers.get(h)}`);
  }
  assert(Number(head.headers.get('content-length')) === body.length, `content-length ${head.headers.get('content-length')} vs ${body.length}`);
  const notModified = await fetch(`${base}/graphql/${tenant}/schema.graphql`, {
    method: 'HEAD', headers: { authorization: `Bearer ${goodToken()}`, 'if-none-match': get.headers.get('etag') } });
  assert(notModified.status === 304, `If-None-Match: ${notModified.status}`);
  assert((await sdlWith(tenant, undefined, 'HEAD')).status === 401, 'HEAD without a token');
  // On one connection: no body bytes follow the HEAD answer, the next answer comes right after.
  const port = Number(new URL(base).port);
  const socket = await tcpConnect(port);
  let received = '';
  socket.on('data', (d) => { received += d.toString('latin1'); });
  const ended = new Promise((resolve) => socket.on('close', resolve));
  socket.write(`HEAD /graphql/${tenant}/schema.graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${goodToken()}\r\n\r\n` +
    'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await Promise.race([ended, sleep(5000)]);
  socket.destroy();
  const end = received.indexOf('\r\n\r\n');
  assert(received.startsWith('HTTP/1.1 200') && end > 0, `HEAD answer: ${received.slice(0, 200)}`);
  assert(received.slice(end + 4).startsWith('HTTP/1.1 200'), `after the HEAD headers: ${JSON.stringify(received.slice(end + 4, end + 80))}`);
});

// ---- the database connection and the outbox --------------------------------------------
// Import declarations are hoisted: these are available to the cases below only.

// The gateway binary under test (the one running as GATEWAY_PID unless GATEWAY_BIN says).
const gatewayBin = () => process.env.GATEWAY_BIN || readlinkSync(`/proc/${gatewayPid}/exe`);
// Starts another gateway with args; resolves once it listens, with its URLs, its log so far
// and a promise of its exit status.
async function startGateway(args) {
  const proc = spawn(gatewayBin(), ['--listen', '127.0.0.1', '--port', '0', ...args], {
    env: { ...process.env, UDM_GATEWAY_JWT_SECRET: secret },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(log), 5000, 'the second gateway to listen');
  const url = `http://127.0.0.1:${log.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)[1]}`;
  return { proc, url, ws: url.replace(/^http/, 'ws'), log: () => log, exited };
}
// Stops a gateway of startGateway (if still running) and waits for it.
async function stopGateway(gw) {
  if (gw.proc.exitCode === null && gw.proc.signalCode === null) gw.proc.kill('SIGTERM');
  await Promise.race([gw.exited, sleep(10000)]);
  if (gw.proc.exitCode === null && gw.proc.signalCode === null) gw.proc.kill('SIGKILL');
}
// The pids of the gateways' database sessions.
const gatewayBackends = () => psql(`SELECT pid FROM pg_stat_activity WHERE application_name = 'udm-gateway'`)
  .split('\n').filter(Boolean).map(Number);

test('an event held back by an older transaction arrives when it ends, not at the next poll', async () => {
  await ensureClass('widget');
  // Polling once a minute: only the re-reads after the signal can deliver in time.
  const gw = await startGateway(['--poll-interval', '60s', '--log-level', 'debug']);
  // An older transaction with an id, running when the event commits (any writer holds the
  // outbox's watermark back; this one writes nothing, it only locks a catalog row, which
  // takes an id where the tenant is: on a Citus cluster, its worker).
  const blocker = spawn('psql', ['-X', '-qAt', '-v', 'ON_ERROR_STOP=1'], {
    env: { ...process.env, PGAPPNAME: 'udm_e2e_blocker' },
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const blockerDone = new Promise((resolve) => blocker.on('exit', resolve));
  try {
    await waitFor(async () => (await fetch(`${gw.url}/healthz`)).status === 200, 10000, 'the second gateway connected');
    const c = createClient({ url: `${gw.ws}/graphql/${tenant}`, webSocketImpl: WebSocket,
      connectionParams: { token: goodToken() }, retryAttempts: 0, lazy: true });
    openClients.push(c);
    const s = collect(c, 'subscription { thingChanged(class: "widget") { id } }');
    await waitFor(async () => (await (await fetch(`${gw.url}/metrics`)).text())
      .includes(`udm_gateway_subscriptions{tenant="${tenant}"} 1`), 5000, 'the subscription');
    blocker.stdin.write(`BEGIN;\nSELECT 1 FROM tenant_${tenant}.thing_classes LIMIT 1 FOR KEY SHARE;\n` +
      'SELECT pg_current_xact_id();\n');
    await waitFor(() => psql(`SELECT count(*) FROM pg_stat_activity
      WHERE application_name = 'udm_e2e_blocker' AND backend_xid IS NOT NULL`) === '1', 5000, 'the older transaction');
    const signals = () => gw.log().split('\n').filter((l) => l.includes('notification on udm_data') && l.includes(`"${tenant}"`)).length;
    const [id] = write('widget');
    await waitFor(() => signals() >= 1, 5000, 'the signal reaching the gateway');
    await sleep(100);
    // The gateway read on the signal and found nothing: the event is below the watermark.
    assert(s.results.length === 0, `delivered while the older transaction still ran: ${JSON.stringify(s.results)}`);
    blocker.stdin.end('COMMIT;\n');
    await blockerDone;
    await waitFor(() => s.results.length === 1, 10000, 'the event after the older transaction ended');
    assert(s.results[0].data.thingChanged.id === id, JSON.stringify(s.results));
  } finally {
    if (blocker.exitCode === null) blocker.kill('SIGKILL');
    await stopGateway(gw);
  }
});
test('SIGTERM while the database accepts but never answers: exits 0 at once', async () => {
  const sockets = [];
  const silent = createServer((socket) => sockets.push(socket));  // reads nothing, says nothing
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  // connect_timeout=60: what ends the wait is the shutdown, not libpq giving up.
  const gw = await startGateway(['--database-url',
    `postgresql://nobody@127.0.0.1:${silent.address().port}/none?connect_timeout=60`]);
  try {
    await waitFor(() => sockets.length > 0, 5000, 'the connection attempt');
    await sleep(200);
    gw.proc.kill('SIGTERM');
    const exit = await Promise.race([gw.exited, sleep(15000).then(() => ({ code: 'still running' }))]);
    assert(exit.code === 0, `exit ${JSON.stringify(exit)}; log:\n${gw.log()}`);
  } finally {
    await stopGateway(gw);
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
test('SIGTERM while a query waits for a stopped database session: exits 0 at once', async () => {
  const before = new Set(gatewayBackends());
  const gw = await startGateway([]);
  let backend;
  try {
    await waitFor(async () => (await fetch(`${gw.url}/healthz`)).status === 200, 10000, 'the second gateway connected');
    await waitFor(() => gatewayBackends().some((pid) => !before.has(pid)), 5000, 'its database session');
    backend = gatewayBackends().find((pid) => !before.has(pid));
    try {
      process.kill(backend, 'SIGSTOP');
    } catch (error) {
      backend = undefined;
      return `skip: cannot stop the database session (${error.code})`;
    }
    // Loading the tenant sends a query the stopped session never answers: no timeout would
    // end it for a long time (keepalives are answered by the kernel, statement_timeout
    // belongs to the stopped process).
    const pending = fetch(`${gw.url}/graphql/${tenant}/schema.graphql`,
      { headers: { authorization: `Bearer ${goodToken()}` } }).catch(() => null);
    await sleep(500);
    gw.proc.kill('SIGTERM');
    const exit = await Promise.race([gw.exited, sleep(15000).then(() => ({ code: 'still running' }))]);
    assert(exit.code === 0, `exit ${JSON.stringify(exit)}; log:\n${gw.log()}`);
    await pending;
  } finally {
    if (backend !== undefined) process.kill(backend, 'SIGCONT');
    await stopGateway(gw);
  }
});
test('a dropped tenant is no longer served; created again, it is served anew', async () => {
  const t = 'e2e_gone';
  const url = `${base}/graphql/${t}/schema.graphql`;
  const get = () => fetch(url, { headers: { authorization: `Bearer ${goodToken(t)}` } });
  const etagOf = async () => { const r = await get(); return r.status === 200 ? r.headers.get('etag') : r.status; };
  psql(`SELECT udm.drop_tenant(name, force => true) FROM udm.tenants WHERE name = '${t}'`);
  psql(`DROP ROLE IF EXISTS tenant_${t}_owner`, `DROP ROLE IF EXISTS tenant_${t}_role`);
  psql(`SELECT udm.create_tenant('${t}')`);
  try {
    psql(`SELECT udm.create_class('${t}', 'old_thing')`);
    assert(await etagOf() === '"1"', `before the drop: ${await etagOf()}`);
    // Subscribed when it goes: the connection is closed with 4403 and the reason.
    const c = await acked(t);
    c.send({ id: 'g', type: 'subscribe', payload: { query: 'subscription { thingChanged(class: "old_thing") { id } }' } });
    await subscriptions(1, t);
    psql(`SELECT udm.drop_tenant('${t}', force => true)`);
    await expectClose(c, 4403, 'tenant dropped', 10000);
    await waitFor(async () => (await etagOf()) === 404, 10000, '404 after the drop');
    psql(`SELECT udm.create_tenant('${t}')`);
    // Its own version 0, not the old version 1 (found unknown moments ago: asked again
    // after a few seconds).
    await waitFor(async () => (await etagOf()) === '"0"', 15000, 'the new tenant at version 0');
    assert(!(await (await get()).text()).includes('OldThing'), 'the SDL of the new tenant has the old class');
    // And it is followed: its first change is served.
    psql(`SELECT udm.create_class('${t}', 'new_thing')`);
    await waitFor(async () => (await etagOf()) === '"1"', 5000, 'version 1 of the new tenant');
    assert((await (await get()).text()).includes('NewThing'), 'the new class missing');
  } finally {
    psql(`SELECT udm.drop_tenant(name, force => true) FROM udm.tenants WHERE name = '${t}'`);
  }
});

// ---- issue #15: bounds a client or a database role can hit ------------------------------

// The resident memory of a process in MB (VmRSS of /proc/<pid>/status).
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]) / 1024;
}
// A raw graphql-transport-ws socket to a gateway of startGateway, acknowledged.
async function ackedOn(gw, t = tenant) {
  await waitFor(async () => (await fetch(`${gw.url}/healthz`)).status === 200, 10000, 'the gateway connected');
  const ws = new WebSocket(`${gw.ws}/graphql/${t}`, [PROTOCOL], { maxPayload: 64 << 20 });
  const messages = [];
  const closed = new Promise((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('error', (error) => resolve({ code: -1, reason: error.message }));
  });
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  ws.send(JSON.stringify({ type: 'connection_init', payload: { token: goodToken(t) } }));
  await waitFor(() => messages.some((m) => m.type === 'connection_ack'), 5000, 'ack');
  return { ws, messages, closed, send: (m) => ws.send(JSON.stringify(m)) };
}
// Whether a gateway of startGateway answers { schemaVersion } on a new connection.
async function stillAnswers(gw) {
  const c = await ackedOn(gw);
  c.send({ id: 'alive', type: 'subscribe', payload: { query: '{ schemaVersion }' } });
  await waitFor(() => c.messages.some((m) => m.id === 'alive' && m.type === 'complete'), 10000, 'an answer');
  c.ws.close(1000);
  return c.messages.find((m) => m.id === 'alive' && m.type === 'next').payload.data.schemaVersion;
}

test('many aliases of sdl and a 2,400-fragment chain are refused; RSS stays under 150 MB', async () => {
  const gw = await startGateway(['--max-response-bytes', '65536']);
  try {
    const c = await ackedOn(gw);
    let aliases = '';
    for (let i = 0; i < 2000; i++) aliases += ` a${i}: sdl`;
    for (let i = 0; i < 20; i++) c.send({ id: `big${i}`, type: 'subscribe', payload: { query: `{${aliases} }` } });
    await waitFor(() => c.messages.filter((m) => m.type === 'error').length === 20, 20000, '20 errors');
    const error = c.messages.find((m) => m.type === 'error');
    // The limit is 64 KiB, or twice the SDL when that is larger.
    assert(/^Response too large: the operation selects about \d+ bytes, more than the limit of \d+ bytes\. Select large fields such as sdl once\.$/.test(error.payload[0].message),
      JSON.stringify(error.payload));
    // 2,400 fragments, each spreading the next (87 KB).
    let chain = '{ ...F0 }';
    for (let i = 0; i < 2400; i++) chain += ` fragment F${i} on Query { ...F${i + 1} }`;
    chain += ' fragment F2400 on Query { sdl }';
    c.send({ id: 'chain', type: 'subscribe', payload: { query: chain } });
    await waitFor(() => c.messages.some((m) => m.id === 'chain'), 10000, 'the chain answered');
    const chained = c.messages.find((m) => m.id === 'chain');
    assert(chained.type === 'error' && chained.payload[0].message ===
      'Document is too complex: it defines 2401 fragments (at most 1000).', JSON.stringify(chained));
    const rss = rssMb(gw.proc.pid);
    assert(rss < 150, `RSS ${rss} MB`);
    assert(await stillAnswers(gw) >= 0, 'no schema version');
    c.ws.close(1000);
  } finally {
    await stopGateway(gw);
  }
});

test('1 MB pings never read: closed as a slow consumer (queue bytes), RSS under 300 MB; a 2 MB message closes', async () => {
  const gw = await startGateway([]);
  try {
    const c = await ackedOn(gw);
    c.ws._socket.pause();  // reads nothing more: the pongs pile up at the gateway
    const payload = { data: 'x'.repeat(1000000) };
    const slow = async () => metricValue(await (await fetch(`${gw.url}/metrics`)).text(),
      'udm_gateway_slow_consumer_disconnects_total');
    // Sent until the gateway gives up on the connection (16 MB of pongs), at most 1,500.
    for (let i = 0; i < 1500 && (i % 20 !== 19 || (await slow()) === 0); i++) {
      c.send({ type: 'ping', payload });
      if (c.ws.bufferedAmount > (32 << 20)) await sleep(50);
    }
    await waitFor(async () => (await slow()) === 1, 15000, 'the slow consumer closed');
    const rss = rssMb(gw.proc.pid);
    assert(rss < 300, `RSS ${rss} MB`);
    assert(gw.log().includes('bytes) queued (slow consumer)'), gw.log());
    c.ws._socket.resume();
    c.ws.terminate();
    const big = await ackedOn(gw);
    big.ws.send(JSON.stringify({ type: 'ping', payload: { data: 'x'.repeat(2 << 20) } }));
    // The gateway fails the connection with 1009; a client still sending its message may see
    // the reset (1006) before the close frame.
    const closed = await Promise.race([big.closed, sleep(10000).then(() => ({ code: 'none' }))]);
    assert(closed.code === 1009 || closed.code === 1006, `close ${closed.code} ${closed.reason}`);
    assert(big.messages.every((m) => m.type !== 'pong'), 'a pong for a message over 1 MiB');
    assert(await stillAnswers(gw) >= 0, 'no schema version');
  } finally {
    await stopGateway(gw);
  }
});

test('--max-connections 100: 100 connections without connection_init leave room for 10 clients', async () => {
  const gw = await startGateway(['--max-connections', '100', '--connection-init-timeout', '30s']);
  const idle = [];
  try {
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => new Promise((resolve) => {
      const ws = new WebSocket(`${gw.ws}/graphql/${tenant}`, [PROTOCOL]);
      idle.push(ws);
      ws.on('open', () => resolve('opened'));
      ws.on('unexpected-response', (_q, r) => resolve(`refused ${r.statusCode}`));
      ws.on('error', () => resolve('error'));
    })));
    assert(outcomes.filter((o) => o === 'opened').length >= 25, outcomes.join(','));
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const waiting = metricValue(text, 'udm_gateway_connections_awaiting_init');
    assert(waiting <= 25, `${waiting} connections await their init (at most 25)`);
    // Those closed for newer ones are counted.
    const opened = outcomes.filter((o) => o === 'opened').length;
    const evicted = metricValue(text, 'udm_gateway_connections_evicted_total{kind="websocket"}');
    assert(evicted >= opened - 25, `${evicted} evictions counted, ${opened} opened`);
    // Ten real clients, all at once: every one is admitted and answered.
    const versions = await Promise.all(Array.from({ length: 10 }, () => stillAnswers(gw)));
    assert(versions.length === 10 && versions.every((v) => typeof v === 'number'), versions.join(','));
  } finally {
    for (const ws of idle) ws.terminate();
    await stopGateway(gw);
  }
});

// The raw HTTP answer to request (text) on a new TCP connection, until the gateway closes.
function rawHttp(url, request) {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (d) => { text += d.toString('latin1'); });
    socket.on('error', (e) => resolve(`${text}[error ${e.code}]`));
    socket.on('close', () => resolve(text));
    setTimeout(() => { socket.destroy(); resolve(`${text}[timeout]`); }, 10000);
  });
}
test('a 100 KB request header gets 431; a bad Sec-WebSocket-Key or version gets 400', async () => {
  const huge = await rawHttp(base, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
  assert(huge.startsWith('HTTP/1.1 431 '), huge.slice(0, 200));
  assert(!huge.includes('[error'), huge.slice(-100));
  const upgrade = (key, version = '13') => rawHttp(base, `GET /graphql/${tenant} HTTP/1.1\r\nHost: x\r\n` +
    `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${key}\r\n` +
    `Sec-WebSocket-Version: ${version}\r\nSec-WebSocket-Protocol: ${PROTOCOL}\r\nConnection: close\r\n\r\n`);
  const badKey = await upgrade('!!');
  assert(badKey.startsWith('HTTP/1.1 400 ') && badKey.includes('Sec-WebSocket-Key is not the base64 of 16 bytes'), badKey.slice(0, 300));
  const badVersion = await upgrade('dGhlIHNhbXBsZSBub25jZQ==', '8');
  assert(badVersion.startsWith('HTTP/1.1 400 ') && /sec-websocket-version: 13/i.test(badVersion), badVersion.slice(0, 300));
  const good = await upgrade('dGhlIHNhbXBsZSBub25jZQ==');
  assert(good.startsWith('HTTP/1.1 101 '), good.slice(0, 300));
});

test('20,000 NOTIFYs with 7 KB payloads: the log stays small, events still arrive', async () => {
  await ensureClass('widget');
  const gw = await startGateway([]);
  try {
    const c = await ackedOn(gw);
    c.send({ id: 'w', type: 'subscribe', payload: { query: 'subscription { thingChanged(class: "widget") { id } }' } });
    await waitFor(async () => (await (await fetch(`${gw.url}/metrics`)).text())
      .includes(`udm_gateway_subscriptions{tenant="${tenant}"} 1`), 5000, 'the subscription');
    const before = gw.log().length;
    // Distinct payloads (PostgreSQL folds equal ones of a transaction): garbage, and hints
    // naming the tenant.
    psql(`SELECT pg_notify('udm_data', i || repeat('x', 7000)) FROM generate_series(1, 10000) i`,
      `SELECT pg_notify('udm_schema', i || repeat('y', 7000)) FROM generate_series(1, 5000) i`,
      `SELECT pg_notify('udm_data', json_build_object('tenant', '${tenant}', 'n', i)::text) FROM generate_series(1, 5000) i`);
    write('widget', 1);
    await waitFor(() => c.messages.some((m) => m.id === 'w' && m.type === 'next'), 20000, 'the event');
    const grown = gw.log().length - before;
    assert(grown < 200 * 1024, `the log grew by ${grown} bytes`);
    assert(!gw.log().includes('x'.repeat(200)), 'a payload logged whole');
    c.ws.close(1000);
  } finally {
    await stopGateway(gw);
  }
});

// ---- run ------------------------------------------------------------------------------
let failures = 0;
for (const { name, fn } of cases) {
  try {
    const outcome = await Promise.race([fn(), sleep(60000).then(() => { throw new Error('case timed out'); })]);
    if (typeof outcome === 'string' && outcome.startsWith('skip')) {
      console.log(`skip - ${name}: ${outcome.slice(6)}`);
    } else {
      console.log(`ok - ${name}`);
    }
  } catch (error) {
    failures++;
    console.log(`not ok - ${name}: ${error.message}`);
  }
  // A failed case must not leave subscriptions that the next case would count.
  await Promise.all(openClients.splice(0).map((c) => c.dispose()));
  await subscriptions(0).catch(() => {});
}
process.exit(failures > 0 ? 1 : 0);
