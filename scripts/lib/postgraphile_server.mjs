// PostGraphile 5 serving one PostgreSQL schema over HTTP, the baseline of
// scripts/bench_gateway_http. The bench copies this file into the directory where it
// installed postgraphile (npm), so that the imports below resolve there, and runs it with:
//
//   node postgraphile_server.mjs <connection string> <schema> <role> <pool size>
//
// It listens on 127.0.0.1 and an ephemeral port and prints "listening on <port>" once
// it answers. Each request runs in a transaction with `role` set to <role> (PostGraphile's
// pgSettings: set_config('role', ...) at its start), as udm-gateway runs each request with
// SET LOCAL ROLE tenant_<t>_role; the pool of node-postgres holds at most <pool size>
// connections, as the gateway's --max-db-connections.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

// PostGraphile 5 asks for Node 22 (engines); of what Node 20 lacks, its grafast uses
// Promise.withResolvers, given here as Node 22 has it.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// PostGraphile's packages are CommonJS: all of them through require, so that one copy of
// each module is loaded (not an ESM wrapper beside the CommonJS module).
const require = createRequire(import.meta.url);
const { postgraphile } = require('postgraphile');
const { grafserv } = require('postgraphile/grafserv/node');
const { PostGraphileAmberPreset } = require('postgraphile/presets/amber');
const { makePgService } = require('postgraphile/adaptors/pg');

const [connectionString, schema, role, poolSize] = process.argv.slice(2);
if (!connectionString || !schema || !role || !poolSize) {
  console.error('usage: postgraphile_server.mjs <connection string> <schema> <role> <pool size>');
  process.exit(2);
}

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({ connectionString, schemas: [schema], poolConfig: { max: Number(poolSize) } }),
  ],
  grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
  grafast: {
    explain: false,
    ...(role === '-' ? {} : { context: () => ({ pgSettings: { role } }) }),
  },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 60_000;
server.on('error', (e) => {
  console.error(e);
  process.exit(1);
});
await serv.addTo(server);
// Builds the schema before the first request.
await pgl.getSchema();
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
const stop = () => {
  server.close();
  pgl.release().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
