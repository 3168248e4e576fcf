// The load client of scripts/bench_tenants_load: concurrent keep-alive HTTP clients of
// tenants of udm-gateway, each doing a mix of GraphQL operations one after another; Node's
// http module only, no packages. Tokens are minted here from the gateway's secret.
//
//   node tenant_load.mjs <config JSON>
// config: {url, secret, seconds, groups: [{name, tenant, clients, rate?, mix}]}
//   a group's clients run closed-loop (the next request when the answer came) unless rate
//   (requests per second for the whole group) is given: then requests start on a schedule
//   (open loop, as a flood would), at most `clients` at once.
//   mix: {read, insert, update, delete, heavy} weights.
// Prints one line per group and operation:
//   "result group=.. op=.. requests=.. rps=.. p50_ms=.. p99_ms=.. p999_ms=.. max_ms=..
//    ok=.. s429=.. s503=.. s504=.. other=.. errors=.."
// and exits 0 (the script judges). A request counts as ok when its status is 200 and its
// body has data without errors.
import http from 'node:http';
import { createHmac } from 'node:crypto';

const config = JSON.parse(process.argv[2]);
const target = new URL(config.url);
const b64url = (s) => Buffer.from(s).toString('base64url');
function token(tenant) {
  const claims = { tenant, sub: 'load', exp: Math.floor(Date.now() / 1000) + 3600 };
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', config.secret).update(input).digest('base64url')}`;
}

const letters = 'abcdefghijklmnopqrstuvwxyz';
const pick = (s) => s[Math.floor(Math.random() * s.length)];
// The operations: a page of products with their maker (a nested reference), an insert the
// shop model's rules judge (required name, price >= 0, price and stock together), an update
// and a soft delete of a product the client inserted, and a heavy page (A's flood).
const operations = {
  read: () => ({
    query: 'query($p: String!) { productCollection(filter: {name: {startsWith: $p}}, orderBy: [{name: AscNullsLast}], first: 20) { edges { node { id name price stock maker { name } } } } }',
    variables: { p: pick(letters) },
  }),
  insert: (state) => {
    const name = `load-${state.id}-${state.seq++}`;
    state.mine.push(name);
    return {
      query: 'mutation($n: String!) { insertIntoProductCollection(objects: [{name: $n, price: 2.5, stock: "4"}]) { affectedCount } }',
      variables: { n: name },
    };
  },
  update: (state) => ({
    query: 'mutation($n: String!) { updateProductCollection(set: {stock: "7"}, filter: {name: {eq: $n}}) { affectedCount } }',
    variables: { n: state.mine.length ? pick(state.mine) : 'none' },
  }),
  delete: (state) => ({
    query: 'mutation($n: String!) { deleteFromProductCollection(filter: {name: {eq: $n}}) { affectedCount } }',
    variables: { n: state.mine.length ? state.mine.shift() : 'none' },
  }),
  heavy: () => ({
    query: '{ productCollection(orderBy: [{price: DescNullsLast}], first: 1000) { totalCount edges { node { name price maker { name } } } } }',
  }),
};

function post(agent, headers, body) {
  return new Promise((resolve) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname.replace(/\/$/, '') + `/graphql/${headers['X-Tenant']}`, method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
        res.on('error', (e) => resolve({ status: 0, body: String(e) }));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: String(e) }));
    req.end(body);
  });
}

function chooser(mix) {
  const entries = Object.entries(mix).filter(([, w]) => w > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  return () => {
    let r = Math.random() * total;
    for (const [op, w] of entries) {
      if ((r -= w) < 0) return op;
    }
    return entries[entries.length - 1][0];
  };
}

const start = process.hrtime.bigint();
const end = start + BigInt(Math.round(config.seconds * 1e9));
const stats = {}; // group -> op -> {lat: [], ok, s429, s503, s504, other, errors}
function record(group, op, ms, res) {
  const g = (stats[group] ??= {});
  const s = (g[op] ??= { lat: [], ok: 0, s429: 0, s503: 0, s504: 0, other: 0, errors: 0, first: '' });
  s.lat.push(ms);
  if (res.status === 200 && !res.body.includes('"errors"')) s.ok++;
  else if (res.status === 429) s.s429++;
  else if (res.status === 503) s.s503++;
  else if (res.status === 504) s.s504++;
  else {
    s.other++;
    if (!s.first) s.first = `${res.status} ${res.body.slice(0, 200)}`;
  }
}

async function runGroup(group) {
  const headers = {
    'Content-Type': 'application/json',
    Authorization: `Bearer ${token(group.tenant)}`,
    'X-Tenant': group.tenant,
  };
  const choose = chooser(group.mix);
  const agents = Array.from({ length: group.clients }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const one = async (agent, state) => {
    const op = choose();
    const body = JSON.stringify(operations[op](state));
    const t0 = process.hrtime.bigint();
    const res = await post(agent, headers, body);
    record(group.name, op, Number(process.hrtime.bigint() - t0) / 1e6, res);
  };
  if (!group.rate) {
    await Promise.all(agents.map(async (agent, i) => {
      const state = { id: `${group.name}${i}-${process.pid}`, seq: 0, mine: [] };
      while (process.hrtime.bigint() < end) await one(agent, state);
    }));
  } else {
    // Open loop: a request every 1/rate s on a free client; when none is free it is dropped
    // and counted (the flood outruns even the client).
    const free = agents.map((agent, i) => ({ agent, state: { id: `${group.name}${i}-${process.pid}`, seq: 0, mine: [] } }));
    const running = new Set();
    const interval = 1000 / group.rate;
    let next = Date.now();
    let dropped = 0;
    while (process.hrtime.bigint() < end) {
      const now = Date.now();
      while (next <= now) {
        next += interval;
        const client = free.pop();
        if (!client) {
          dropped++;
          continue;
        }
        const p = one(client.agent, client.state).then(() => {
          free.push(client);
          running.delete(p);
        });
        running.add(p);
      }
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(20, next - Date.now()))));
    }
    await Promise.all(running);
    if (dropped) console.log(`note group=${group.name} not_sent=${dropped}`);
  }
  agents.forEach((a) => a.destroy());
}

await Promise.all(config.groups.map(runGroup));
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
for (const [group, ops] of Object.entries(stats)) {
  for (const [op, s] of Object.entries(ops)) {
    const lat = s.lat.sort((a, b) => a - b);
    const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : 0);
    const f = (x) => x.toFixed(2);
    console.log(
      `result group=${group} op=${op} requests=${lat.length} rps=${(lat.length / elapsed).toFixed(1)}` +
        ` p50_ms=${f(pct(50))} p99_ms=${f(pct(99))} p999_ms=${f(pct(99.9))} max_ms=${f(pct(100))}` +
        ` ok=${s.ok} s429=${s.s429} s503=${s.s503} s504=${s.s504} other=${s.other}`,
    );
    if (s.first) console.log(`first_other group=${group} op=${op} ${s.first}`);
  }
}
