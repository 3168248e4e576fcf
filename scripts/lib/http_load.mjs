// The HTTP load client of scripts/bench_gateway_http: N concurrent clients, each on a
// keep-alive connection of its own, POST one GraphQL request after another for a fixed
// time; Node's http module only, no packages.
//
//   node http_load.mjs once <url> <body file> [token]
//       one request: prints the response body; exits 1 unless the status is 200
//   node http_load.mjs run <url> <body file> <clients> <seconds> <expected bytes> [token]
//       prints "result requests=.. seconds=.. rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=..
//       errors=.. client_cpu_s=.."; a response counts as an error unless its status is 200
//       and its body has the expected length (the bench checked one answer's content first;
//       the data does not change). Exits 1 when any request failed.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [mode, url, bodyFile, ...rest] = process.argv.slice(2);
if (!mode || !url || !bodyFile) {
  console.error('usage: http_load.mjs once|run <url> <body file> ...');
  process.exit(2);
}
const body = readFileSync(bodyFile);
const target = new URL(url);

function headersFor(token) {
  const h = {
    'Content-Type': 'application/json',
    Accept: 'application/graphql-response+json, application/json',
    'Content-Length': body.length,
  };
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

function post(agent, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

if (mode === 'once') {
  const agent = new http.Agent({ keepAlive: false });
  const res = await post(agent, headersFor(rest[0]));
  process.stdout.write(res.body);
  process.exit(res.status === 200 ? 0 : 1);
} else if (mode === 'run') {
  const [clientsText, secondsText, expectedText, token] = rest;
  const clients = Number(clientsText);
  const seconds = Number(secondsText);
  const expected = Number(expectedText);
  const headers = headersFor(token);
  // One socket per client: each client's requests go one after another on its connection.
  const agents = Array.from({ length: clients }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const latencies = [];
  let errors = 0;
  let firstError = '';
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(seconds * 1e9));
  async function client(agent) {
    for (;;) {
      const t0 = process.hrtime.bigint();
      if (t0 >= end) return;
      try {
        const res = await post(agent, headers);
        const t1 = process.hrtime.bigint();
        if (res.status !== 200 || res.body.length !== expected) {
          errors++;
          if (!firstError) firstError = `status ${res.status}, ${res.body.length} bytes: ${res.body.toString().slice(0, 300)}`;
        } else {
          latencies.push(Number(t1 - t0) / 1e6);
        }
      } catch (e) {
        errors++;
        if (!firstError) firstError = String(e);
      }
    }
  }
  await Promise.all(agents.map(client));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  agents.forEach((a) => a.destroy());
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] : 0);
  const f = (x) => x.toFixed(2);
  console.log(
    `result requests=${latencies.length} seconds=${elapsed.toFixed(2)} rps=${(latencies.length / elapsed).toFixed(1)}` +
      ` p50_ms=${f(pct(50))} p90_ms=${f(pct(90))} p99_ms=${f(pct(99))} max_ms=${f(pct(100))} errors=${errors}` +
      ` client_cpu_s=${((cpu.user + cpu.system) / 1e6).toFixed(2)}`,
  );
  if (errors) {
    console.error(`http_load: ${errors} failed request(s); the first: ${firstError}`);
    process.exit(1);
  }
} else {
  console.error(`http_load: unknown mode ${mode}`);
  process.exit(2);
}
