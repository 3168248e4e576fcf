// Opens N WebSocket upgrades to U (graphql-transport-ws) at once and prints how many
// opened and how many were refused with 503, then closes them all. Env U, N.
import WebSocket from 'ws';

const n = Number(process.env.N || 40);
const outcomes = await Promise.all(
  Array.from({ length: n }, () => new Promise((resolve) => {
    const ws = new WebSocket(process.env.U, ['graphql-transport-ws']);
    ws.on('open', () => resolve({ ws, outcome: 'opened' }));
    ws.on('unexpected-response', (_req, res) => resolve({ ws, outcome: `refused ${res.statusCode}` }));
    ws.on('error', (e) => resolve({ ws, outcome: `error ${e.message}` }));
  })),
);
const counts = {};
for (const { outcome } of outcomes) counts[outcome] = (counts[outcome] || 0) + 1;
console.log(Object.entries(counts).sort().map(([k, v]) => `${k}: ${v}`).join(', '));
for (const { ws } of outcomes) ws.terminate();
