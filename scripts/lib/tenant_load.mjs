// The load client of scripts/bench_tenants_load: concurrent keep-alive HTTP clients of
// tenants of udm-gateway, each doing a mix of GraphQL operations; Node's http module only,
// no packages. Tokens are minted here from the gateway's secret.
//
//   node tenant_load.mjs <config JSON>
// config: {url, secret, seconds, groups: [{name, tenant, clients, think_ms?, rate?, mix}]}
//   A group's clients are users: each sends a request, waits for the answer, then thinks
//   for a time drawn from an exponential distribution of mean think_ms before the next
//   (think_ms 0 or absent: a closed loop, the next request as soon as the answer came,
//   which measures capacity, not latency at a given load). Each user's first request also
//   waits such a time, so that arrivals are spread from the start (a Poisson process of
//   rate clients / think_ms while answers are short against the thinking).
//   With rate (requests per second for the whole group) requests start on a schedule
//   instead (open loop, as a flood would), at most `clients` at once; one that finds no
//   free client is not sent and is counted.
//   mix: {read, insert, update, delete, heavy} weights.
// Prints, per group, one line of rates:
//   "group name=.. clients=.. think_ms=.. rate=.. offered_rps=.. achieved_rps=.. not_sent=.."
//   (offered: clients / think time, or rate; for a closed loop "closed")
// one line per group and operation, and one for all its operations (op=all):
//   "result group=.. op=.. requests=.. rps=.. p50_ms=.. p99_ms=.. p999_ms=.. max_ms=..
//    ok=.. s429=.. s503=.. s504=.. other=.."
// and one line about the client itself (it shares the machine's cores with what it
// measures): its CPU time and the delay of its event loop, which adds to every latency:
//   "client cpu_s=.. cpu_pct_of_one_core=.. loop_delay_p99_ms=.. loop_delay_max_ms=.."
// Exits 0 (the script judges). A request counts as ok when its status is 200 and its body
// has data without errors.
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const config = JSON.parse(process.argv[2]);
const target = new URL(config.url);
const b64url = (s) => Buffer.from(s).toString('base64url');
function token(tenant) {
  const claims = { tenant, sub: 'load', exp: Math.floor(Date.now() / 1000) + 3600 };
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', config.secret).update(input).digest('base64url')}`;
}

// The seeded products are named md5(i): hex digits. A page starts with one of them, so
// that every read is a full page of 20 (a random letter of the alphabet found nothing for
// 20 letters of 26, after scanning the whole name index).
const prefixes = '0123456789abcdef';
const pick = (s) => s[Math.floor(Math.random() * s.length)];
// The operations: a page of 20 products with their maker (a nested reference), an insert the
// shop model's rules judge (required name, price >= 0, price and stock together), an update
// and a soft delete of a product the client inserted, and a heavy page (A's flood).
const operations = {
  read: () => ({
    query: 'query($p: String!) { productCollection(filter: {name: {startsWith: $p}}, orderBy: [{name: AscNullsLast}], first: 20) { edges { node { id name price stock maker { name } } } } }',
    variables: { p: pick(prefixes) },
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

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
const end = start + BigInt(Math.round(config.seconds * 1e9));
const stats = {}; // group -> op -> {lat: [], ok, s429, s503, s504, other, first}
function record(group, op, ms, res) {
  const g = (stats[group] ??= {});
  const s = (g[op] ??= { lat: [], ok: 0, s429: 0, s503: 0, s504: 0, other: 0, first: '' });
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

// Milliseconds left until the end of the run (negative once it is over).
const msLeft = () => Number(end - process.hrtime.bigint()) / 1e6;
// A think time: exponentially distributed with mean `mean` ms, cut at the end of the run.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const think = (mean) => sleep(Math.min(-Math.log(1 - Math.random()) * mean, Math.max(0, msLeft())));

const groupRates = []; // printed after the run
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
  const thinkMs = group.think_ms ?? 0;
  let dropped = 0;
  if (!group.rate) {
    await Promise.all(agents.map(async (agent, i) => {
      const state = { id: `${group.name}${i}-${process.pid}`, seq: 0, mine: [] };
      if (thinkMs > 0) await think(thinkMs);
      while (msLeft() > 0) {
        await one(agent, state);
        if (thinkMs > 0) await think(thinkMs);
      }
    }));
  } else {
    // Open loop: a request every 1/rate s on a free client; when none is free it is not
    // sent, and counted (the flood outruns even the client).
    const free = agents.map((agent, i) => ({ agent, state: { id: `${group.name}${i}-${process.pid}`, seq: 0, mine: [] } }));
    const running = new Set();
    const interval = 1000 / group.rate;
    let next = Date.now();
    while (msLeft() > 0) {
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
      await sleep(Math.max(1, Math.min(20, next - Date.now())));
    }
    await Promise.all(running);
  }
  agents.forEach((a) => a.destroy());
  const offered = group.rate ? group.rate.toFixed(1) : thinkMs > 0 ? ((group.clients * 1000) / thinkMs).toFixed(1) : 'closed';
  groupRates.push({ group, thinkMs, offered, dropped });
}

await Promise.all(config.groups.map(runGroup));
// Every request counted was sent within the run's seconds: rates are over those, not over
// the time the last answers took to come (a flood's queue drains after the end).
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpuStart);
loopDelay.disable();
const f = (x) => x.toFixed(2);
for (const { group, thinkMs, offered, dropped } of groupRates) {
  const done = Object.values(stats[group.name] ?? {}).reduce((n, s) => n + s.lat.length, 0);
  console.log(
    `group name=${group.name} clients=${group.clients} think_ms=${thinkMs} rate=${group.rate ?? 0}` +
      ` offered_rps=${offered} achieved_rps=${(done / config.seconds).toFixed(1)} not_sent=${dropped}`,
  );
}
for (const [group, ops] of Object.entries(stats)) {
  const all = { lat: [], ok: 0, s429: 0, s503: 0, s504: 0, other: 0 };
  const line = (op, s) => {
    const lat = s.lat.sort((a, b) => a - b);
    const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : 0);
    console.log(
      `result group=${group} op=${op} requests=${lat.length} rps=${(lat.length / config.seconds).toFixed(1)}` +
        ` p50_ms=${f(pct(50))} p99_ms=${f(pct(99))} p999_ms=${f(pct(99.9))} max_ms=${f(pct(100))}` +
        ` ok=${s.ok} s429=${s.s429} s503=${s.s503} s504=${s.s504} other=${s.other}`,
    );
  };
  const order = Object.keys(operations);
  for (const [op, s] of Object.entries(ops).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))) {
    line(op, s);
    if (s.first) console.log(`first_other group=${group} op=${op} ${s.first}`);
    for (const x of s.lat) all.lat.push(x);
    for (const k of ['ok', 's429', 's503', 's504', 'other']) all[k] += s[k];
  }
  if (Object.keys(ops).length > 1) line('all', all);
}
console.log(
  `client cpu_s=${f((cpu.user + cpu.system) / 1e6)} cpu_pct_of_one_core=${((cpu.user + cpu.system) / 1e4 / elapsed).toFixed(1)}` +
    ` loop_delay_p99_ms=${f(loopDelay.percentile(99) / 1e6)} loop_delay_max_ms=${f(loopDelay.max / 1e6)}`,
);
