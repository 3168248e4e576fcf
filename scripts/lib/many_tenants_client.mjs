// The gateway client of scripts/bench_many_tenants: touches many tenants of udm-gateway one
// after another, on one keep-alive connection; Node's http module only, no packages. Tokens
// are minted here from the gateway's secret.
//
//   node many_tenants_client.mjs <config JSON>
// config: {url, secret, tenants: [names], query, repeat}
//   for each tenant in turn: one POST /graphql/<tenant> with query (its first request: the
//   gateway loads the tenant), then repeat more of the same (the tenant warm).
// Prints "result first_p50_ms=.. first_p90_ms=.. first_max_ms=.. warm_p50_ms=.. warm_p90_ms=..
// tenants=.. failed=.. first_failure=.." and exits 0 (the script judges); a request counts as
// failed unless its status is 200 and its body has data without errors.
import http from 'node:http';
import { createHmac } from 'node:crypto';

const config = JSON.parse(process.argv[2]);
const target = new URL(config.url);
const b64url = (s) => Buffer.from(s).toString('base64url');
function token(tenant) {
  const claims = { tenant, sub: 'many', exp: Math.floor(Date.now() / 1000) + 3600 };
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', config.secret).update(input).digest('base64url')}`;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify({ query: config.query });

// One POST; resolves to {status, body, ms}.
function post(tenant) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request({
      host: target.hostname, port: target.port, method: 'POST', path: `/graphql/${tenant}`, agent,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token(tenant)}`,
        'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(),
        ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.setTimeout(60000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: String(e), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    req.end(body);
  });
}

const ok = (r) => r.status === 200 && r.body.includes('"data"') && !r.body.includes('"errors"');
const quantile = (a, q) => {
  if (!a.length) return 0;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const first = [];
const warm = [];
let failed = 0;
let firstFailure = '';
for (const tenant of config.tenants) {
  for (let i = 0; i <= (config.repeat ?? 1); i++) {
    const r = await post(tenant);
    if (!ok(r)) {
      failed++;
      if (!firstFailure) firstFailure = `${tenant}: ${r.status} ${r.body.slice(0, 200)}`.replace(/\s+/g, '_');
      continue;
    }
    (i === 0 ? first : warm).push(r.ms);
  }
}
const f = (x) => x.toFixed(2);
console.log(`result first_p50_ms=${f(quantile(first, 0.5))} first_p90_ms=${f(quantile(first, 0.9))}` +
  ` first_max_ms=${f(quantile(first, 1))} warm_p50_ms=${f(quantile(warm, 0.5))}` +
  ` warm_p90_ms=${f(quantile(warm, 0.9))} tenants=${config.tenants.length} failed=${failed}` +
  ` first_failure=${firstFailure || '-'}`);
agent.destroy();
