// End-to-end tests of live things in subscriptions (<class>Changed { thing { ... } }) with the
// unmodified graphql-ws client: the thing with its new values and nested reference, null
// for soft deleted and deleted things, one read per batch and selection however many
// subscribers, tenant isolation, a revoked privilege, the bound on distinct selections.
// Prints one "ok - ..." / "not ok - ..." line per case.
//
// Environment: GATEWAY_URL, GATEWAY_SECRET, GATEWAY_TENANT (a udm tenant with the model of
// gateway_live_things.sh; GATEWAY_TENANT_other exists too), GATEWAY_MAX_SELECTIONS (the
// gateway's --max-thing-selections), PG* for psql.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';

const base = process.env.GATEWAY_URL;
const wsBase = base.replace(/^http/, 'ws');
const secret = process.env.GATEWAY_SECRET;
const tenant = process.env.GATEWAY_TENANT;
const other = `${tenant}_other`;
const maxSelections = Number(process.env.GATEWAY_MAX_SELECTIONS);

const b64url = (s) => Buffer.from(s).toString('base64url');
function token(claims) {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const goodToken = (t = tenant) => token({ tenant: t, exp: Math.floor(Date.now() / 1000) + 300 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
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
function psql(...statements) {
  const args = ['-X', '-qAt', '-v', 'ON_ERROR_STOP=1'];
  for (const sql of statements) args.push('-c', sql);
  return execFileSync('psql', args, { encoding: 'utf8' }).trim();
}
async function metrics() {
  return (await fetch(`${base}/metrics`)).text();
}
function metricValue(text, line) {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}
const thingReads = async () => metricValue(await metrics(), 'udm_gateway_thing_reads_total');
async function subscriptions(n, t = tenant, ms = 5000) {
  await waitFor(
    async () => (metricValue(await metrics(), `udm_gateway_subscriptions{tenant="${t}"}`) ?? 0) === n,
    ms,
    `${n} subscriptions`,
  );
}

const openClients = [];
function client(t = tenant, tok = goodToken(t)) {
  const c = createClient({
    url: `${wsBase}/graphql/${t}`,
    webSocketImpl: WebSocket,
    connectionParams: { token: tok },
    retryAttempts: 0,
    lazy: true,
  });
  openClients.push(c);
  return c;
}
function collect(c, query, variables) {
  const state = { results: [], errors: [] };
  state.stop = c.subscribe(
    { query, variables },
    { next: (r) => state.results.push(r), error: (e) => state.errors.push(e), complete: () => {} },
  );
  return state;
}

const SELECTION = 'subscription($op: [Operation!]) { productChanged(operations: $op) { operation id thing { name price maker { name } } } }';

const cases = [];
const test = (name, fn) => cases.push({ name, fn });

test('insert and update: the thing with its new values and its maker', async () => {
  const s = collect(client(), SELECTION);
  await subscriptions(1);
  const maker = psql(`INSERT INTO tenant_${tenant}.tc_company (name) VALUES ('Acme') RETURNING id`);
  const id = psql(`INSERT INTO tenant_${tenant}.tc_product (name, price, maker) VALUES ('anvil', 10.5, '${maker}') RETURNING id`);
  psql(`UPDATE tenant_${tenant}.tc_product SET price = 12 WHERE id = '${id}'`);
  await waitFor(() => s.results.length >= 2, 5000, 'two events');
  const [ins, upd] = s.results.map((r) => r.data.productChanged);
  assert(ins.operation === 'INSERT' && ins.id === id, JSON.stringify(ins));
  assert(ins.thing.name === 'anvil' && ins.thing.maker.name === 'Acme', JSON.stringify(ins));
  assert(upd.operation === 'UPDATE' && upd.thing.price === 12, JSON.stringify(upd));
  assert(s.results.every((r) => r.errors === undefined), JSON.stringify(s.results));
  assert(s.errors.length === 0, String(s.errors));
});

test('soft delete and delete: thing is null', async () => {
  const s = collect(client(), SELECTION, { op: ['SOFT_DELETE', 'DELETE'] });
  await subscriptions(1);
  const id = psql(`INSERT INTO tenant_${tenant}.tc_product (name) VALUES ('bolt') RETURNING id`);
  psql(`UPDATE tenant_${tenant}.tc_product SET is_deleted = true WHERE id = '${id}'`);
  psql(`DELETE FROM tenant_${tenant}.tc_product WHERE id = '${id}'`);
  await waitFor(() => s.results.length >= 2, 5000, 'two events');
  const ops = s.results.map((r) => [r.data.productChanged.operation, r.data.productChanged.thing]);
  assert(JSON.stringify(ops) === '[["SOFT_DELETE",null],["DELETE",null]]', JSON.stringify(ops));
});

test('id-only subscriptions of the class and thingChanged stay as they are', async () => {
  const c = client();
  const a = collect(c, 'subscription { productChanged { id operation } }');
  const b = collect(c, 'subscription { thingChanged(class: "product") { id operation } }');
  await subscriptions(2);
  const before = await thingReads();
  const id = psql(`INSERT INTO tenant_${tenant}.tc_product (name) VALUES ('crate') RETURNING id`);
  await waitFor(() => a.results.length >= 1 && b.results.length >= 1, 5000, 'events');
  assert(a.results[0].data.productChanged.id === id, JSON.stringify(a.results));
  assert(b.results[0].data.thingChanged.id === id, JSON.stringify(b.results));
  assert((await thingReads()) === before, 'an id-only subscription made the gateway read things');
});

test('two subscribers with the same selection: one read per batch', async () => {
  const s1 = collect(client(), SELECTION);
  const s2 = collect(client(), SELECTION);
  await subscriptions(2);
  const before = await thingReads();
  // One transaction: one batch of three events.
  psql(`INSERT INTO tenant_${tenant}.tc_product (name) SELECT 'p' || i FROM generate_series(1, 3) AS i`);
  await waitFor(() => s1.results.length >= 3 && s2.results.length >= 3, 5000, 'events');
  const reads = (await thingReads()) - before;
  assert(reads === 1, `${reads} thing reads for one batch and one selection`);
  const names = s2.results.map((r) => r.data.productChanged.thing.name).join(',');
  assert(names === 'p1,p2,p3', names);
});

test("another tenant's token gets its own tenant's things, never this one's", async () => {
  // The same document over the other tenant's connection reads the other tenant's things.
  const mine = collect(client(), SELECTION);
  const theirs = collect(client(other), SELECTION);
  await subscriptions(1);
  await subscriptions(1, other);
  const id = psql(`INSERT INTO tenant_${tenant}.tc_product (name) VALUES ('secret') RETURNING id`);
  const otherId = psql(`INSERT INTO tenant_${other}.tc_product (name) VALUES ('theirs') RETURNING id`);
  await waitFor(() => mine.results.length >= 1 && theirs.results.length >= 1, 5000, 'events');
  await sleep(300);
  assert(theirs.results.length === 1, JSON.stringify(theirs.results));
  const t = theirs.results[0].data.productChanged;
  assert(t.id === otherId && t.thing.name === 'theirs', JSON.stringify(t));
  assert(mine.results[0].data.productChanged.id === id, JSON.stringify(mine.results));
  // A token of the other tenant cannot open this tenant's socket at all.
  const intruder = collect(client(tenant, goodToken(other)), SELECTION);
  await waitFor(() => intruder.errors.length > 0, 5000, 'the refusal');
  assert(intruder.errors[0].code === 4403, `close ${intruder.errors[0].code}`);
});

test('a revoked privilege: thing null and a FORBIDDEN error at its path, no SQL text', async () => {
  const s = collect(client(), SELECTION);
  await subscriptions(1);
  psql(`REVOKE SELECT ON tenant_${tenant}.tc_company FROM tenant_${tenant}_role`);
  try {
    const id = psql(`INSERT INTO tenant_${tenant}.tc_product (name) VALUES ('hidden') RETURNING id`);
    await waitFor(() => s.results.length >= 1, 5000, 'the event');
    const r = s.results[0];
    assert(r.data.productChanged.id === id && r.data.productChanged.thing === null, JSON.stringify(r));
    assert(r.errors?.length === 1, JSON.stringify(r));
    const e = r.errors[0];
    assert(JSON.stringify(e.path) === '["productChanged","thing"]', JSON.stringify(e));
    assert(e.extensions?.code === 'FORBIDDEN', JSON.stringify(e));
    assert(!/tc_|tenant_|permission denied for/.test(e.message), e.message);
  } finally {
    psql(`GRANT SELECT ON tenant_${tenant}.tc_company TO tenant_${tenant}_role`);
  }
});

test(`at most ${maxSelections} distinct thing selections per tenant`, async () => {
  const c = client();
  const held = [];
  for (let i = 0; i < maxSelections; i++) {
    held.push(collect(c, `subscription S${i} { productChanged { thing { name } } }`));
  }
  // Equal requests share a selection; id-only ones hold none.
  held.push(collect(c, 'subscription S0 { productChanged { thing { name } } }'));
  held.push(collect(c, 'subscription { productChanged { id } }'));
  await subscriptions(maxSelections + 2);
  const over = collect(c, 'subscription Over { productChanged { thing { price } } }');
  await waitFor(() => over.errors.length > 0, 5000, 'the refusal');
  const message = over.errors[0][0]?.message ?? JSON.stringify(over.errors[0]);
  assert(message.startsWith(`Too many different subscriptions selecting things for this tenant (at most ${maxSelections})`), message);
  // Completing one gives its place back.
  held[1].stop();
  await subscriptions(maxSelections + 1);
  const again = collect(c, 'subscription Again { productChanged { thing { price } } }');
  await subscriptions(maxSelections + 2);
  assert(again.errors.length === 0, JSON.stringify(again.errors));
});

let failures = 0;
for (const { name, fn } of cases) {
  try {
    await Promise.race([fn(), sleep(30000).then(() => { throw new Error('case timed out'); })]);
    console.log(`ok - ${name}`);
  } catch (error) {
    failures++;
    console.log(`not ok - ${name}: ${error.message}`);
  }
  await Promise.all(openClients.splice(0).map((c) => c.dispose()));
  await subscriptions(0).catch(() => {});
  await subscriptions(0, other).catch(() => {});
}
process.exit(failures > 0 ? 1 : 0);
