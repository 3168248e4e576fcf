// End-to-end tests of per-tenant limits in udm-gateway: the token bucket (429), pools per
// tenant (a saturated tenant does not delay another), statement_timeout per tenant, the
// tenant's max_subscriptions, and limits changed without a restart. Prints one
// "ok - ..." / "not ok - ..." line per case.
//
// Environment: GATEWAY_URL (a gateway with --max-db-connections 2 --db-queue-timeout 5s
// --poll-interval 500ms), GATEWAY_SECRET, TENANT_A (limits: max_connections 1,
// requests_per_second 5, statement_timeout 1500, max_subscriptions 1) and TENANT_B (the
// defaults), both with the shop model and rows (test/integration/gateway_limits.sh), PG* for
// psql.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';

const base = process.env.GATEWAY_URL;
const secret = process.env.GATEWAY_SECRET;
const A = process.env.TENANT_A;
const B = process.env.TENANT_B;

const b64url = (s) => Buffer.from(s).toString('base64url');
function token(claims) {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const tokenOf = (tenant) => token({ tenant, sub: 'tester', exp: Math.floor(Date.now() / 1000) + 300 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function psql(...statements) {
  const args = ['-X', '-qAt', '-v', 'ON_ERROR_STOP=1'];
  for (const sql of statements) args.push('-c', sql);
  return execFileSync('psql', args, { encoding: 'utf8' }).trim();
}
const count = { query: '{ productCollection { totalCount } }' };

// POST of a GraphQL request; resolves {status, headers, text, json, ms}.
async function post(tenant, body = count) {
  const started = Date.now();
  const r = await fetch(`${base}/graphql/${tenant}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(tenant)}` },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json, ms: Date.now() - started };
}
const statuses = (answers) => answers.map((a) => a.status);
const metrics = async () => (await fetch(`${base}/metrics`)).text();

let passed = 0;
let failed = 0;
async function test(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
    passed++;
  } catch (e) {
    console.log(`not ok - ${name}: ${e.message}`);
    failed++;
  }
}

// Holds an ACCESS EXCLUSIVE lock on table in a psql session until the returned function is
// called: queries of the table wait for it, as slow queries would.
async function lockTable(table) {
  const session = spawn('psql', ['-X', '-qAt', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'ignore', 'inherit'] });
  session.stdin.write(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n`);
  for (let i = 0; i < 100; i++) {
    if (psql(`SELECT count(*) FROM pg_locks WHERE relation = '${table}'::regclass AND mode = 'AccessExclusiveLock' AND granted`) === '1') break;
    await sleep(20);
  }
  const exited = new Promise((resolve) => session.on('exit', resolve));
  return async () => {
    session.stdin.end('COMMIT;\n');
    await exited;
  };
}

function wsClient(tenant) {
  return createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql/${tenant}`,
    webSocketImpl: WebSocket,
    connectionParams: { token: tokenOf(tenant) },
    retryAttempts: 0,
    lazy: false,
  });
}
// The outcome of one operation over client: {next: [...], error} once it ends, or after ms.
function operation(client, query, ms = 5000) {
  return new Promise((resolve) => {
    const next = [];
    const timer = setTimeout(() => resolve({ next, running: true }), ms);
    client.subscribe({ query }, {
      next: (v) => next.push(v),
      error: (error) => { clearTimeout(timer); resolve({ next, error }); },
      complete: () => { clearTimeout(timer); resolve({ next }); },
    });
  });
}

// Warm both tenants up (loaded, limits read) and let A's bucket fill.
await post(A);
await post(B);
await sleep(1200);

await test('a tenant flooded past its requests_per_second gets 429 with Retry-After; another is served', async () => {
  const flood = await Promise.all(Array.from({ length: 30 }, () => post(A)));
  const others = await Promise.all(Array.from({ length: 10 }, () => post(B)));
  const limited = flood.filter((a) => a.status === 429);
  const served = flood.filter((a) => a.status === 200);
  // A burst of one second's worth (5), and what the bucket earns while the flood runs.
  assert(served.length >= 5 && served.length <= 10, `A served ${served.length}: ${statuses(flood)}`);
  assert(limited.length + served.length === 30, `A: ${statuses(flood)}`);
  const first = limited[0];
  assert(Number(first.headers.get('retry-after')) >= 1, `Retry-After ${first.headers.get('retry-after')}`);
  assert(first.json.errors[0].extensions.code === 'RATE_LIMITED', first.text);
  assert(/5 per second/.test(first.json.errors[0].message), first.text);
  assert(others.every((a) => a.status === 200), `B: ${statuses(others)}`);
  const text = await metrics();
  assert(new RegExp(`^udm_gateway_tenant_rate_limited_total\\{tenant="${A}"\\} ${limited.length}$`, 'm').test(text), 'A rate limited count');
  assert(!new RegExp(`^udm_gateway_tenant_rate_limited_total\\{tenant="${B}"\\} [1-9]`, 'm').test(text), 'B rate limited');
  assert(new RegExp(`^udm_gateway_tenant_request_duration_seconds_count\\{tenant="${B}"\\} [1-9]`, 'm').test(text), 'B latency histogram');
});

await test("a tenant's pool of 1 saturated by slow queries does not delay another tenant; statement_timeout cancels with a clear error", async () => {
  await sleep(1200); // A's bucket full again
  const unlock = await lockTable(`tenant_${A}.tc_product`);
  try {
    const holder = post(A); // A's one connection, waiting for the lock
    await sleep(200);
    const queued = post(A); // waits in A's own queue
    await sleep(200);
    let text = await metrics();
    assert(new RegExp(`^udm_gateway_tenant_db_in_use\\{tenant="${A}"\\} 1$`, 'm').test(text), `A in use: ${text.match(/udm_gateway_tenant_db_in_use.*/g)}`);
    assert(new RegExp(`^udm_gateway_tenant_db_waiting\\{tenant="${A}"\\} 1$`, 'm').test(text), `A waiting: ${text.match(/udm_gateway_tenant_db_waiting.*/g)}`);
    // B is served on the other connection, each request while A's still wait.
    let pending = true;
    holder.finally(() => (pending = false));
    for (let i = 0; i < 5; i++) {
      const b = await post(B);
      assert(b.status === 200 && b.json.data.productCollection.totalCount === 1, `B: ${b.status} ${b.text}`);
    }
    assert(pending, "B's requests waited for A's");
    const timedOut = await holder;
    assert(timedOut.status === 504, `A's slow query: ${timedOut.status} ${timedOut.text}`);
    const error = timedOut.json.errors[0];
    assert(error.extensions.code === 'TIMEOUT' && error.extensions.sqlstate === '57014', timedOut.text);
    assert(/statement_timeout/.test(error.message), error.message);
    assert(!/tc_product|SELECT|canceling/.test(timedOut.text), `SQL leaked: ${timedOut.text}`);
    // About A's statement_timeout (1.5 s), not the connection's default of 30 s.
    assert(timedOut.ms < 10000, `canceled after ${timedOut.ms} ms`);
    const second = await queued;
    assert(second.status === 504, `A's queued query: ${second.status} ${second.text}`);
  } finally {
    await unlock();
  }
  const after = await post(A);
  assert(after.status === 200, `A after: ${after.status} ${after.text}`);
});

await test("a tenant's max_subscriptions is held over all its connections", async () => {
  const first = wsClient(A);
  const second = wsClient(A);
  try {
    const running = operation(first, 'subscription { thingChanged(class: "product") { id } }', 1500);
    await sleep(300);
    const refused = await operation(second, 'subscription { thingChanged(class: "product") { id } }', 3000);
    assert(refused.error && Array.isArray(refused.error), `second subscription: ${JSON.stringify(refused)}`);
    assert(/Too many subscriptions for this tenant \(at most 1\)/.test(refused.error[0].message), JSON.stringify(refused.error));
    assert((await running).running, 'the first subscription runs');
    // Another tenant is not counted with it.
    const other = wsClient(B);
    try {
      const b = await operation(other, 'subscription { thingChanged(class: "product") { id } }', 500);
      assert(b.running, `B's subscription: ${JSON.stringify(b)}`);
    } finally {
      await other.dispose();
    }
  } finally {
    await first.dispose();
    await second.dispose();
  }
  // Ended subscriptions give their place back.
  await sleep(300);
  const again = wsClient(A);
  try {
    const r = await operation(again, 'subscription { thingChanged(class: "product") { id } }', 500);
    assert(r.running, `after the first ended: ${JSON.stringify(r)}`);
  } finally {
    await again.dispose();
  }
});

await test('a change of limits applies without a restart (HTTP and WebSocket)', async () => {
  await sleep(1200);
  // Three at once pass within A's burst of 5.
  const before = await Promise.all([post(A), post(A), post(A)]);
  assert(before.every((a) => a.status === 200), `before: ${statuses(before)}`);
  psql(`SELECT udm.set_tenant_limits('${A}', '{"requests_per_second": 1}')`);
  let applied = false;
  for (let i = 0; i < 30 && !applied; i++) {
    await sleep(200);
    const burst = await Promise.all([post(A), post(A), post(A)]);
    applied = burst.filter((a) => a.status === 429).length >= 2;
  }
  assert(applied, 'requests_per_second 1 not applied within 6 s');
  assert(/1 per second/.test((await post(A)).json.errors[0].message), 'the message names the new rate');
  // Over the WebSocket: a query over the rate is answered with a GraphQL error.
  const client = wsClient(A);
  try {
    const answers = await Promise.all([1, 2, 3].map(() => operation(client, '{ productCollection { totalCount } }')));
    const limited = answers.filter((a) => a.next[0]?.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    assert(limited.length >= 2, `over WebSocket: ${JSON.stringify(answers)}`);
  } finally {
    await client.dispose();
  }
  psql(`SELECT udm.set_tenant_limits('${A}', '{"requests_per_second": 1000}')`);
  let restored = false;
  for (let i = 0; i < 30 && !restored; i++) {
    await sleep(300);
    const burst = await Promise.all([post(A), post(A)]);
    restored = burst.every((a) => a.status === 200);
  }
  assert(restored, 'requests_per_second 1000 not applied');
});

console.log(`limits: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
