// A subscriber for test/integration/gateway_citus.sh with the unmodified graphql-ws client:
// one connection per tenant, subscribed to thingChanged of class customer. Prints
// "ready <tenant>" once the gateway has taken the subscription (a query sent after it on
// the same connection was answered), then "event <tenant> <operation> <id>" for every
// event, until it is killed.
//
// Environment: GATEWAY_URL, GATEWAY_SECRET, GATEWAY_TENANTS (comma-separated).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';

const wsBase = process.env.GATEWAY_URL.replace(/^http/, 'ws');
const secret = process.env.GATEWAY_SECRET;
const tenants = process.env.GATEWAY_TENANTS.split(',');

const b64url = (s) => Buffer.from(s).toString('base64url');
function token(tenant) {
  const claims = { tenant, exp: Math.floor(Date.now() / 1000) + 3600 };
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
const fail = (tenant) => (error) => {
  console.log(`error ${tenant} ${JSON.stringify(error?.message ?? error)}`);
  process.exit(1);
};

for (const tenant of tenants) {
  const client = createClient({
    url: `${wsBase}/graphql/${tenant}`,
    webSocketImpl: WebSocket,
    connectionParams: { token: token(tenant) },
    retryAttempts: 0,
  });
  client.subscribe(
    { query: 'subscription { thingChanged(class: "customer") { operation id } }' },
    {
      next: ({ data, errors }) => {
        if (errors) return fail(tenant)(errors);
        console.log(`event ${tenant} ${data.thingChanged.operation} ${data.thingChanged.id}`);
      },
      error: fail(tenant),
      complete: () => {},
    },
  );
  // Operations of one connection are taken in order: once this is answered, the
  // subscription above is running.
  client.subscribe(
    { query: '{ schemaVersion }' },
    { next: () => {}, error: fail(tenant), complete: () => console.log(`ready ${tenant}`) },
  );
}
