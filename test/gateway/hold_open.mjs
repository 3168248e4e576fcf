// Opens one acknowledged graphql-transport-ws connection (env U: URL, T: tenant, S: secret),
// prints "acked", then "closed <code> <reason>" when the server closes it.
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';

const b = (s) => Buffer.from(s).toString('base64url');
const input = `${b('{"alg":"HS256","typ":"JWT"}')}.${b(JSON.stringify({ tenant: process.env.T }))}`;
const token = `${input}.${createHmac('sha256', process.env.S).update(input).digest('base64url')}`;
const ws = new WebSocket(process.env.U, ['graphql-transport-ws']);
ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
ws.on('message', () => console.log('acked'));
ws.on('close', (code, reason) => {
  console.log(`closed ${code} ${reason}`);
  process.exit(0);
});
setTimeout(() => {
  console.log('timeout');
  process.exit(1);
}, 10000);
