// Checks udm's GraphQL parser, validator and executor against graphql-js.
//   node requests_check.mjs <schema.graphql> <requests.json> <documents.json>
// requests.json (written by udm_graphql_corpus) holds requests with what udm's prepare()
// and execute() made of them. graphql-js must accept exactly the requests udm accepts
// (parse, validate, pick the operation, coerce variables) and, for the accepted ones with a
// root value, give the same data and errors at the same paths (introspection included:
// udm resolves it from its schema, graphql-js from the SDL). udm refuses
// subscription filters that can never match (udmFilterError, checked on the
// coerced arguments of the root field, which is where udm checks them): thingChanged of a
// class the model (documents.json) lacks, a name schemaChanged can never see, an empty list.
// Variables that are not a JSON object are refused, as GraphQL over HTTP specifies. An
// operation of a root type the schema lacks and arguments that cannot be coerced are
// refused by prepare(), not reported by execution as graphql-js does.
// Messages that differ are listed as notes. Prints "requests: N passed, M failed".
import { buildSchema, parse, validate, specifiedRules, execute, defaultFieldResolver } from 'graphql';
import fs from 'node:fs';

const [schemaFile, requestsFile, documentsFile] = process.argv.slice(2);
const modelClasses = new Set(Object.keys(JSON.parse(fs.readFileSync(documentsFile, 'utf8')).model.classes));
const modelName = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

// Why udm refuses the filter arguments of a subscription root field, or null.
function udmFilterError(field, args) {
  const empty = (name) => Array.isArray(args[name]) && args[name].length === 0;
  if (field === 'thingChanged') {
    if (empty('operations')) return 'empty operations';
    if (typeof args.class === 'string' && !modelClasses.has(args.class)) return `Unknown class "${args.class}"`;
  } else if (field === 'schemaChanged') {
    for (const name of ['classes', 'attributes']) {
      if (empty(name)) return `empty ${name}`;
      for (const v of args[name] ?? []) {
        if (typeof v === 'string' && (v.length > 128 || !modelName.test(v))) return `"${v}" cannot name one of ${name}`;
      }
    }
  }
  return null;
}
const schema = buildSchema(fs.readFileSync(schemaFile, 'utf8'));
const requests = JSON.parse(fs.readFileSync(requestsFile, 'utf8'));
const verbose = process.env.VERBOSE === '1';

// What graphql-js makes of a request: {accepted, errors, result}.
function theirs(request) {
  // GraphQL over HTTP: variables are a map or absent; graphql-js's execute ignores others.
  const vars = request.variables;
  if (vars !== undefined && vars !== null && (typeof vars !== 'object' || Array.isArray(vars))) {
    return { accepted: false, errors: [{ message: 'Variables must be provided as an Object where each property is a variable value. Perhaps look to see if an unexpected array was supplied.' }] };
  }
  let document;
  try {
    document = parse(request.document);
  } catch (err) {
    return { accepted: false, errors: [err] };
  }
  const errors = validate(schema, document, specifiedRules);
  if (errors.length > 0) return { accepted: false, errors };
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition' &&
    (request.operationName ? d.name?.value === request.operationName : true));
  const subscription = operation?.operation === 'subscription';
  let rootValue = request.root ?? {};
  if (subscription) {
    // The gateway passes the event itself; graphql-js reads the root field's value from it.
    const field = request.rootField ?? operation.selectionSet.selections.find((s) => s.kind === 'Field')?.name.value;
    rootValue = { [field]: request.root ?? {} };
  }
  let refused = null;
  const fieldResolver = (source, args, context, info) => {
    if (info.parentType.name === 'Subscription') refused ??= udmFilterError(info.fieldName, args);
    return defaultFieldResolver(source, args, context, info);
  };
  const result = execute({ schema, document, rootValue, variableValues: request.variables, operationName: request.operationName, fieldResolver });
  if (!('data' in result)) return { accepted: false, errors: result.errors };
  // udm refuses before anything runs what graphql-js reports while executing: an operation
  // whose root type the schema lacks, and arguments that cannot be coerced (udm compiles
  // every root field, a mutation's too, before running any).
  const refusedByUdm = (result.errors ?? []).filter((e) => /^(Schema is not configured to execute|Argument ")/.test(e.message));
  if (refusedByUdm.length > 0) return { accepted: false, errors: refusedByUdm };
  if (refused) return { accepted: false, errors: [{ message: refused }] };
  // A subscription runs with exactly one root field (graphql-js subscribe would fail).
  if (subscription && Object.keys(result.data ?? {}).length === 0 && result.data !== null) {
    return { accepted: false, errors: [{ message: 'no root field' }] };
  }
  return { accepted: true, result };
}

let passed = 0, failed = 0, notes = 0;
requests.forEach((request, i) => {
  const t = theirs(request);
  const label = `#${i} ${JSON.stringify(request.document).slice(0, 120)}`;
  const problems = [];
  if (t.accepted !== request.accepted) {
    problems.push(`udm ${request.accepted ? 'accepts' : 'rejects'} it, graphql-js ${t.accepted ? 'accepts' : 'rejects'} it` +
      `\n    udm:        ${JSON.stringify(request.errors ?? null)}\n    graphql-js: ${JSON.stringify((t.errors ?? []).map((e) => e.message))}`);
  } else if (!t.accepted) {
    const a = request.errors[0]?.message, b = t.errors[0]?.message;
    if (a !== b && !t.errors.some((e) => e.message === a)) {
      notes++;
      if (verbose) console.log(`note ${label}\n    udm:        ${a}\n    graphql-js: ${b}`);
    }
  } else if (request.response !== undefined) {
    const ours = JSON.parse(request.response);
    if (JSON.stringify(ours.data) !== JSON.stringify(t.result.data)) {
      problems.push(`data differs\n    udm:        ${JSON.stringify(ours.data)}\n    graphql-js: ${JSON.stringify(t.result.data)}`);
    }
    const paths = (errors) => (errors ?? []).map((e) => JSON.stringify(e.path)).sort();
    if (JSON.stringify(paths(ours.errors)) !== JSON.stringify(paths(t.result.errors))) {
      problems.push(`error paths differ\n    udm:        ${JSON.stringify(ours.errors ?? [])}\n    graphql-js: ${JSON.stringify(t.result.errors ?? [])}`);
    }
  }
  if (problems.length === 0) {
    passed++;
  } else {
    failed++;
    for (const p of problems) console.log(`FAIL ${label}: ${p}`);
  }
});
console.log(`requests: ${passed} passed, ${failed} failed (${notes} with other messages; VERBOSE=1 lists them)`);
process.exit(failed === 0 ? 0 : 1);
