// A command-line client of udm-gateway for scripts/run (token, subscribe). Uses the
// graphql-ws and ws packages installed in test/gateway (npm ci there).
//
//   node gateway_client.mjs token <tenant>                 an HS256 token valid for 24 hours
//   node gateway_client.mjs subscribe <tenant> <document> [variables as JSON]
//                                                         prints each result as one JSON line;
//                                                         exits 1 saying why when the gateway
//                                                         refuses it (unknown tenant, bad document)
//
// Environment: UDM_GATEWAY_URL (http://127.0.0.1:4040), UDM_GATEWAY_JWT_SECRET_FILE.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../test/gateway/package.json', import.meta.url));

function fail(message) {
  console.error(`gateway client: ${message}`);
  process.exit(2);
}

function token(tenant) {
  const file = process.env.UDM_GATEWAY_JWT_SECRET_FILE;
  if (!file) fail('UDM_GATEWAY_JWT_SECRET_FILE is not set');
  const secret = readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ tenant, exp: Math.floor(Date.now() / 1000) + 86400 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const [command, tenant, document, variables] = process.argv.slice(2);
if (!tenant) fail('usage: gateway_client.mjs token|subscribe <tenant> [document] [variables]');
if (command === 'token') {
  console.log(token(tenant));
} else if (command === 'subscribe') {
  if (!document) fail('subscribe needs a GraphQL document');
  const { createClient } = require('graphql-ws');
  const WebSocket = require('ws');
  const base = (process.env.UDM_GATEWAY_URL || 'http://127.0.0.1:4040').replace(/^http/, 'ws');
  const client = createClient({
    url: `${base}/graphql/${tenant}`,
    webSocketImpl: WebSocket,
    connectionParams: { token: token(tenant) },
    // Reconnects after a lost connection, a gateway restart or an unavailable database, but
    // not when the gateway refused the client (44xx: an unknown or dropped tenant, a bad
    // token or request): retrying that prints nothing forever.
    retryAttempts: Infinity,
    shouldRetry: (event) => !(event && typeof event.code === 'number' && event.code >= 4400 && event.code < 4500),
  });
  client.subscribe(
    { query: document, variables: variables ? JSON.parse(variables) : undefined },
    {
      next: (result) => console.log(JSON.stringify(result)),
      error: (error) => {
        let why;
        if (Array.isArray(error)) why = JSON.stringify(error);
        else if (error && typeof error.code === 'number') why = `the gateway closed the connection: ${error.code} ${error.reason || '(no reason)'}`;
        else why = error?.message ?? String(error);
        console.error(`gateway client: ${why}`);
        process.exit(1);
      },
      complete: () => process.exit(0),
    },
  );
  process.on('SIGINT', () => client.dispose().then(() => process.exit(0)));
} else {
  fail(`unknown command "${command}" (token or subscribe)`);
}
