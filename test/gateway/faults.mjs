// Bad input and faults over plain TCP, as an attacker would send them: connections that
// never send (or send a header a few bytes at a time) past --max-idle-http-connections while
// another tenant is served, a flood of connections opened and closed at once, bodies and
// headers over the limits. Prints one "ok - ..." / "not ok - ..." line per case.
//
// Environment: GATEWAY_URL (a gateway started with --max-request-bytes 65536,
// --request-timeout REQUEST_TIMEOUT_MS and --max-idle-http-connections MAX_PENDING),
// GATEWAY_PID (its process, for its memory), GATEWAY_SECRET, TENANT_A and TENANT_B (tenants
// with the shop model).
import net from 'node:net';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

const base = process.env.GATEWAY_URL;
const { hostname: host, port } = new URL(base);
const pid = process.env.GATEWAY_PID;
const secret = process.env.GATEWAY_SECRET;
const A = process.env.TENANT_A;
const B = process.env.TENANT_B;
const requestTimeoutMs = Number(process.env.REQUEST_TIMEOUT_MS);
const maxPending = Number(process.env.MAX_PENDING);

const b64url = (s) => Buffer.from(s).toString('base64url');
function tokenOf(tenant) {
  const claims = { tenant, sub: 'faults', exp: Math.floor(Date.now() / 1000) + 300 };
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

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

// The value of a metric line (name with its labels) in /metrics.
async function metric(series) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  assert(line !== undefined, `no ${series} in /metrics`);
  return Number(line.slice(series.length + 1));
}
// The gateway's resident memory in kB.
function rssKb() {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}
// A socket to the gateway, resolved once connected; it records its answer and when it closed.
function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.answer = '';
    socket.gone = false;
    socket.goneAt = 0;
    socket.setEncoding('latin1');
    socket.on('data', (d) => (socket.answer += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      socket.gone = true;
      socket.goneAt = Date.now();
    });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}
// Resolves once socket is closed, or after ms (whether it closed is socket.gone).
function closedWithin(socket, ms) {
  if (socket.gone) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
// Writes data (or each piece of an array) to socket, ignoring a reset by the gateway.
function send(socket, data) {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(false);
    socket.write(data, (err) => resolve(!err));
  });
}
// A GraphQL query of tenant over a fresh connection each time (no keep-alive).
async function served(tenant) {
  const r = await fetch(`${base}/graphql/${tenant}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(tenant)}`, connection: 'close' },
    body: JSON.stringify({ query: '{ productCollection { totalCount } }' }),
    signal: AbortSignal.timeout(10000),
  });
  const text = await r.text();
  return { status: r.status, text };
}
const graphqlHead = (tenant, extra = '') =>
  `POST /graphql/${tenant} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${tokenOf(tenant)}\r\nContent-Type: application/json\r\n${extra}`;

await test(`connections that never send, or send a header a byte at a time, past --max-idle-http-connections (${maxPending}): the oldest are closed, another tenant is served, the rest time out`, async () => {
  const evictedBefore = await metric('udm_gateway_connections_evicted_total{kind="http"}');
  const timedOutBefore = await metric('udm_gateway_connections_timed_out_total{kind="http"}');
  const silent = [];
  for (let i = 0; i < 3 * maxPending; ++i) silent.push(await open());
  // Slowloris: a request line and part of a header, then a byte now and then.
  const slow = [];
  for (let i = 0; i < maxPending; ++i) {
    const s = await open();
    await send(s, `GET /graphql/${B}?query=%7B HTTP/1.1\r\nHost: x\r\nX-Slow: `);
    slow.push(s);
  }
  let dribbling = true;
  const dribble = (async () => {
    while (dribbling) {
      for (const s of slow) if (!s.gone) await send(s, 'a');
      await sleep(200);
    }
  })();
  const flood = [...silent, ...slow];
  // Another tenant is served meanwhile, each request on a new connection (which closes one of
  // the flood's).
  for (let i = 0; i < 5; ++i) {
    const r = await served(A);
    assert(r.status === 200 && r.text.includes('totalCount'), `tenant A during the flood: ${r.status} ${r.text}`);
  }
  // Every connection beyond the bound closed one older than it, without an answer.
  const evicted = (await metric('udm_gateway_connections_evicted_total{kind="http"}')) - evictedBefore;
  assert(evicted >= flood.length - maxPending, `evicted ${evicted}, expected at least ${flood.length - maxPending}`);
  assert(flood.every((s) => s.answer === ''), 'a connection of the flood got an answer');
  // The rest are closed after --request-timeout, whether silent or dribbling.
  await Promise.all(flood.map((s) => closedWithin(s, requestTimeoutMs + 5000)));
  dribbling = false;
  await dribble;
  const open_ = flood.filter((s) => !s.gone).length;
  assert(open_ === 0, `${open_} connections still open after --request-timeout`);
  const timedOut = (await metric('udm_gateway_connections_timed_out_total{kind="http"}')) - timedOutBefore;
  assert(timedOut >= 1, `timed out ${timedOut}`);
  const still = await metric('udm_gateway_http_connections');
  assert(still <= 5, `udm_gateway_http_connections ${still} after the flood`);
});

await test('3,000 connections opened and closed at once (some reset, some half a request): the gateway stays up and serves', async () => {
  const batch = 100;
  let done = 0;
  let refused = 0;
  for (let round = 0; round < 3000 / batch; ++round) {
    await Promise.all(Array.from({ length: batch }, async (_, i) => {
      let s;
      try {
        s = await open();
      } catch {
        refused++;
        return;
      }
      const kind = (round * batch + i) % 3;
      if (kind === 1) await send(s, 'GET /healthz HTTP/1.1\r\nHo');
      if (kind === 2) s.resetAndDestroy();
      else s.destroy();
      done++;
    }));
  }
  assert(done + refused === 3000, `${done} + ${refused}`);
  assert(refused === 0, `${refused} connections refused`);
  const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(10000) });
  assert(health.status === 200, `healthz ${health.status}`);
  const r = await served(B);
  assert(r.status === 200, `a query after the flood: ${r.status} ${r.text}`);
});

// Sends request (and then body pieces) on a new connection; resolves the answer once the
// gateway closed the connection.
async function refusedAnswer(request, pieces = []) {
  const s = await open();
  await send(s, request);
  for (const piece of pieces) {
    if (s.gone || s.answer !== '') break;
    await send(s, piece);
  }
  const end = Date.now() + 10000;
  while (!s.answer.includes('\r\n\r\n') && !s.gone && Date.now() < end) await sleep(20);
  // The gateway closes once it read what the client still sends, up to its end.
  s.end();
  await closedWithin(s, 10000);
  assert(s.gone, `not closed: ${s.answer.slice(0, 100)}`);
  s.destroy();
  return s.answer;
}

await test('bodies over --max-request-bytes: a Content-Length of 10 MB and a chunked body of 1 MB get 413 and the connection closed; counted', async () => {
  const before = await metric('udm_gateway_http_requests_too_large_total{status="413"}');
  const declared = await refusedAnswer(`${graphqlHead(A)}Content-Length: 10000000\r\n\r\n`);
  assert(declared.startsWith('HTTP/1.1 413 '), declared.slice(0, 200));
  assert(/^connection: close\r$/im.test(declared), declared);
  // Without a length: chunks of 16 KiB until the gateway answers.
  const chunk = `4000\r\n${'{'.repeat(0x4000)}\r\n`;
  const chunked = await refusedAnswer(`${graphqlHead(A)}Transfer-Encoding: chunked\r\n\r\n`, Array(64).fill(chunk));
  assert(chunked.startsWith('HTTP/1.1 413 '), chunked.slice(0, 200));
  const counted = (await metric('udm_gateway_http_requests_too_large_total{status="413"}')) - before;
  assert(counted === 2, `counted ${counted}`);
});

await test('a header of 100 KB, 3,000 header fields and a URL of 100 KB get 431 and the connection closed; counted', async () => {
  const before = await metric('udm_gateway_http_requests_too_large_total{status="431"}');
  const big = await refusedAnswer(`${graphqlHead(A)}X-Big: ${'x'.repeat(100000)}\r\nContent-Length: 2\r\n\r\n{}`);
  assert(big.startsWith('HTTP/1.1 431 '), big.slice(0, 200));
  const fields = Array.from({ length: 3000 }, (_, i) => `X-F${i}: 1\r\n`).join('');
  const many = await refusedAnswer(`${graphqlHead(A)}${fields}Content-Length: 2\r\n\r\n{}`);
  assert(many.startsWith('HTTP/1.1 431 '), many.slice(0, 200));
  const url = await refusedAnswer(`GET /graphql/${A}?query=${'%20'.repeat(34000)}%7B%20schemaVersion%20%7D HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert(url.startsWith('HTTP/1.1 431 '), url.slice(0, 200));
  const counted = (await metric('udm_gateway_http_requests_too_large_total{status="431"}')) - before;
  assert(counted === 3, `counted ${counted}`);
});

await test('100 clients at once sending 10 MB bodies (declared and chunked): the memory stays bounded', async () => {
  const before = rssKb();
  const piece = 'x'.repeat(1 << 16);
  const chunk = `10000\r\n${piece}\r\n`;
  await Promise.all(Array.from({ length: 100 }, async (_, i) => {
    const s = await open();
    await send(s, i % 2 ? `${graphqlHead(A)}Transfer-Encoding: chunked\r\n\r\n` : `${graphqlHead(A)}Content-Length: 10000000\r\n\r\n`);
    // Until the gateway closes or 10 MB are sent.
    for (let sent = 0; sent < 10_000_000 && !s.gone; sent += piece.length) {
      if (!(await send(s, i % 2 ? chunk : piece))) break;
    }
    await closedWithin(s, 10000);
    s.destroy();
  }));
  const grown = rssKb() - before;
  // Each connection buffers at most the limit (64 KiB) and reads at most 1 MiB more while it
  // lingers; 100 of them, with everything else, in far less than the 1 GB sent.
  assert(grown < 100 * 1024, `RSS grew by ${grown} kB`);
  const r = await served(A);
  assert(r.status === 200, `served after: ${r.status}`);
});

console.log(`faults.mjs: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
