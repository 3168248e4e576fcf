// End-to-end tests of udm-gateway with real clients: graphql-ws's createClient over ws for
// operations, raw ws for protocol violations and auth, fetch for HTTP. Prints one
// "ok - ..." / "not ok - ..." / "skip - ..." line per case.
//
// Environment: GATEWAY_URL (http://127.0.0.1:port), GATEWAY_SECRET, GATEWAY_TENANT (exists,
// followed), GATEWAY_EVENTS (standin | udm | none: how to make changes, none = skip those
// cases), GATEWAY_PID (for the shutdown case), PG* for psql.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';

const base = process.env.GATEWAY_URL;
const wsBase = base.replace(/^http/, 'ws');
const secret = process.env.GATEWAY_SECRET;
const tenant = process.env.GATEWAY_TENANT;
const events = process.env.GATEWAY_EVENTS || 'none';
const PROTOCOL = 'graphql-transport-ws';

const b64url = (s) => Buffer.from(s).toString('base64url');
// An HS256 token of claims, signed with key (the gateway's secret unless given).
function token(claims, { key = secret, alg = 'HS256' } = {}) {
  const input = `${b64url(JSON.stringify({ alg, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  if (alg === 'none') return `${input}.`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
const goodToken = () => token({ tenant, exp: now() + 300 });

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
async function acked() {
  const c = raw();
  await c.opened;
  c.send({ type: 'connection_init', payload: { token: goodToken() } });
  await waitFor(() => c.messages.some((m) => m.type === 'connection_ack'), 3000, 'ack');
  return c;
}
async function expectClose(c, code, reason) {
  const result = await Promise.race([c.closed, sleep(5000).then(() => ({ code: 'none' }))]);
  assert(result.code === code, `expected close ${code}, got ${result.code} ${result.reason ?? ''}`);
  if (reason !== undefined) {
    assert(result.reason === reason, `expected reason "${reason}", got "${result.reason}"`);
  }
}

// graphql-ws client of the tenant.
const openClients = [];
function client(params = { token: goodToken() }) {
  const c = createClient({
    url: `${wsBase}/graphql/${tenant}`,
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
async function subscriptions(n) {
  await waitFor(
    async () => metricValue(await metrics(), `udm_gateway_subscriptions{tenant="${tenant}"}`) === n,
    5000,
    `${n} subscriptions`,
  );
}

// ---- making changes ---------------------------------------------------------------------
let classCounter = 0;
function schemaChange() {
  const cls = `c${Date.now() % 100000}_${++classCounter}`;
  if (events === 'standin') return Number(psql(`SELECT udm_standin.add_class('${tenant}', '${cls}')`));
  return Number(psql(`SELECT udm.create_class('${tenant}', '${cls}')`));
}
// n model changes, each its own transaction.
function schemaChanges(n) {
  const statements = [];
  for (let i = 0; i < n; i++) {
    const cls = `burst${Date.now() % 100000}_${++classCounter}`;
    statements.push(events === 'standin'
      ? `SELECT udm_standin.add_class('${tenant}', '${cls}')`
      : `SELECT udm.create_class('${tenant}', '${cls}')`);
  }
  psql(...statements);
}
function write(cls, count = 1) {
  if (events === 'standin') {
    psql(`SELECT udm_standin.write('${tenant}', '${cls}', 'insert', ${count})`);
  } else {
    psql(`DO $$ BEGIN FOR i IN 1..${count} LOOP INSERT INTO tenant_${tenant}.tc_${cls} DEFAULT VALUES; END LOOP; END $$`);
  }
}
// Makes class exist with data events on (udm only; the stand-in takes any class name).
const classes = new Set();
function ensureClass(cls) {
  if (events !== 'udm' || classes.has(cls)) return;
  psql(`SELECT udm.create_class('${tenant}', '${cls}')`, `SELECT udm.set_class_events('${tenant}', '${cls}', true)`);
  classes.add(cls);
}

// ---- cases ------------------------------------------------------------------------------
const cases = [];
const test = (name, fn, { needsEvents = false } = {}) => cases.push({ name, fn, needsEvents });

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
  for (const name of ['udm_gateway_connections', 'udm_gateway_events_delivered_total',
    'udm_gateway_schema_rebuilds_total', 'udm_gateway_db_reconnects_total',
    'udm_gateway_delivery_latency_seconds_bucket{le="+Inf"}']) {
    assert(text.includes(name), `missing ${name}`);
  }
});
test('schema.graphql has the SDL, ETag "<version>", 304 on If-None-Match', async () => {
  const url = `${base}/graphql/${tenant}/schema.graphql`;
  const r = await fetch(url);
  assert(r.status === 200, `status ${r.status}`);
  assert(r.headers.get('content-type') === 'application/graphql; charset=utf-8', 'content type');
  const etag = r.headers.get('etag');
  assert(/^"\d+"$/.test(etag), `etag ${etag}`);
  assert((await r.text()).length > 0, 'empty SDL');
  const again = await fetch(url, { headers: { 'If-None-Match': etag } });
  assert(again.status === 304, `If-None-Match gave ${again.status}`);
  const other = await fetch(url, { headers: { 'If-None-Match': '"999999"' } });
  assert(other.status === 200, `a stale ETag gave ${other.status}`);
});
test('unknown tenant, bad name and unknown path are 404; POST is 405', async () => {
  assert((await fetch(`${base}/graphql/nosuchtenant/schema.graphql`)).status === 404, 'unknown tenant');
  assert((await fetch(`${base}/graphql/Bad-Name/schema.graphql`)).status === 404, 'bad name');
  assert((await fetch(`${base}/nope`)).status === 404, 'unknown path');
  assert((await fetch(`${base}/healthz`, { method: 'POST' })).status === 405, 'POST');
});
test('WebSocket upgrade for an unknown tenant is refused with 404', async () => {
  const c = raw('/graphql/nosuchtenant');
  const result = await c.closed;
  assert(result.code === -1 && result.reason.includes('404'), `got ${result.code} ${result.reason}`);
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
  ['expired', () => token({ tenant, exp: now() - 10 })],
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
  const etag = (await fetch(`${base}/graphql/${tenant}/schema.graphql`)).headers.get('etag');
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

// ---- cases that need change events ----------------------------------------------------
test('thingChanged: inserts of the class arrive, other classes are filtered out', async () => {
  ensureClass('widget');
  ensureClass('gadget');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { operation class id position } }');
  await subscriptions(1);
  write('gadget', 2);
  write('widget', 3);
  await waitFor(() => s.results.length >= 3, 5000, '3 events');
  await sleep(200);
  assert(s.results.length === 3, `${s.results.length} events`);
  for (const r of s.results) {
    const e = r.data.thingChanged;
    assert(e.operation === 'INSERT' && e.class === 'widget' && e.id, JSON.stringify(e));
  }
  await c.dispose();
}, { needsEvents: true });
test('complete from the client stops the subscription', async () => {
  ensureClass('widget');
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
  await c.dispose();
}, { needsEvents: true });
test('every event once and in order (500 writes in 5 transactions)', async () => {
  ensureClass('widget');
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { position } }');
  await subscriptions(1);
  for (let i = 0; i < 5; i++) write('widget', 100);
  await waitFor(() => s.results.length >= 500, 10000, '500 events');
  await sleep(300);
  const positions = s.results.map((r) => r.data.thingChanged.position);
  assert(positions.length === 500, `${positions.length} events`);
  assert(new Set(positions).size === 500, 'duplicates');
  for (let i = 1; i < positions.length; i++) {
    assert(Number(positions[i]) > Number(positions[i - 1]), `out of order at ${i}`);
  }
  await c.dispose();
}, { needsEvents: true });
test('schemaChanged: a model change arrives with version, changes and the new SDL', async () => {
  const c = client();
  const s = collect(c, 'subscription { schemaChanged { version previousVersion breaking changes sdl } }');
  await subscriptions(1);
  const version = schemaChange();
  await waitFor(() => s.results.some((r) => r.data.schemaChanged.version === version), 5000, 'schemaChanged');
  const e = s.results.at(-1).data.schemaChanged;
  assert(e.previousVersion < e.version && e.changes.length > 0 && e.sdl.length > 0, JSON.stringify(e));
  const r = await fetch(`${base}/graphql/${tenant}/schema.graphql`);
  assert(r.headers.get('etag') === `"${version}"`, `ETag after the change: ${r.headers.get('etag')}`);
  await c.dispose();
}, { needsEvents: true });
test('a burst of 100 model changes is coalesced into a few rebuilds ending on the last version', async () => {
  const before = metricValue(await metrics(), 'udm_gateway_schema_rebuilds_total');
  const c = client();
  const s = collect(c, 'subscription { schemaChanged { version } }');
  await subscriptions(1);
  const start = Number(psql(`SELECT schema_version FROM udm.tenants WHERE name = '${tenant}'`));
  schemaChanges(100);
  const last = Number(psql(`SELECT schema_version FROM udm.tenants WHERE name = '${tenant}'`));
  assert(last === start + 100, `versions ${start} → ${last}`);
  await waitFor(() => s.results.some((r) => r.data.schemaChanged.version === last), 10000, 'last version');
  const rebuilds = metricValue(await metrics(), 'udm_gateway_schema_rebuilds_total') - before;
  assert(rebuilds >= 1 && rebuilds < 50, `${rebuilds} rebuilds for 100 changes`);
  assert(s.results.length === rebuilds, `${s.results.length} events for ${rebuilds} rebuilds`);
  const r = await fetch(`${base}/graphql/${tenant}/schema.graphql`);
  assert(r.headers.get('etag') === `"${last}"`, `ETag ${r.headers.get('etag')}`);
  await c.dispose();
}, { needsEvents: true });
test('database connection lost: reconnects and delivers what was written meanwhile', async () => {
  ensureClass('widget');
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
  await c.dispose();
}, { needsEvents: true });
test('behind the outbox retention: resyncs from the newest event and keeps delivering', async () => {
  if (events !== 'standin') return 'skip: needs a way to expire events (stand-in outbox)';
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "retained") { position } }');
  await subscriptions(1);
  const before = metricValue(await metrics(), 'udm_gateway_data_resyncs_total');
  write('retained', 1);
  await waitFor(() => s.results.length === 1, 5000, 'first event');
  const pos = Number(s.results[0].data.thingChanged.position);
  // Expire events past the gateway's position in the same breath as new writes arrive.
  psql(`SELECT udm_standin.purge('${tenant}', ${pos + 3})`, `SELECT udm_standin.write('${tenant}', 'retained', 'insert', 5)`);
  await waitFor(async () => metricValue(await metrics(), 'udm_gateway_data_resyncs_total') > before,
    5000, 'resync counted');
  const count = s.results.length;
  write('retained', 1);
  await waitFor(() => s.results.length === count + 1, 5000, 'event after the resync');
  await c.dispose();
}, { needsEvents: true });
test('slow consumer: a client that stops reading is closed with 1008, others are unaffected', async () => {
  ensureClass('flood');
  ensureClass('widget');
  const slow = await acked();
  slow.send({ id: 's', type: 'subscribe', payload: { query: 'subscription { thingChanged(class: "flood") { id position operation class } }' } });
  const c = client();
  const s = collect(c, 'subscription { thingChanged(class: "widget") { id } }');
  await subscriptions(2);
  slow.ws._socket.pause();  // stop reading: the kernel buffers fill, then the queue
  const rows = Number(process.env.GATEWAY_FLOOD_ROWS || 100000);
  write('flood', rows);
  write('widget', 1);
  await waitFor(() => s.results.length === 1, 15000, 'event of the fast client');
  slow.ws._socket.resume();
  await expectClose(slow, 1008, 'slow consumer');
  const m = await metrics();
  assert(metricValue(m, 'udm_gateway_slow_consumer_disconnects_total') >= 1, 'metric');
  await c.dispose();
}, { needsEvents: true });

// ---- run ------------------------------------------------------------------------------
let failures = 0;
for (const { name, fn, needsEvents } of cases) {
  if (needsEvents && events === 'none') {
    console.log(`skip - ${name}: udm.data_events does not exist yet (change events not on main)`);
    continue;
  }
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
