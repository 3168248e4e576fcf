// Checks SDL documents with graphql-js (the oracle of udm's SDL generator).
//   node sdl_check.mjs [file.graphql | directory]...   (no argument: one document on stdin)
// For every document: graphql-js buildSchema must accept it. When file.expect.json sits
// next to it (written by udm_graphql_corpus), the schema graphql-js reads must have exactly
// its types, fields, arguments, descriptions and @constraint values, and printSchema must
// give back the same text, applied @constraint directives aside (graphql-js does not print
// them). Prints one line per failure, then "sdl: N passed, M failed"; exits 1 on failure.
import { buildSchema, printSchema, getDirectiveValues, isObjectType, isEnumType, isScalarType, isInputObjectType } from 'graphql';
import fs from 'node:fs';
import path from 'node:path';

const BUILTIN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

// Object keys sorted at every level, so equal values print equal.
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
  }
  return value;
}
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const description = (d) => (d === undefined ? null : d);

// The differences between the schema graphql-js built and the expectation, as messages.
function compare(schema, expect) {
  const problems = [];
  const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__') && !BUILTIN.has(t.name));
  const expected = new Map(expect.types.map((t) => [t.name, t]));
  if (types.length !== expected.size) problems.push(`${types.length} types, expected ${expected.size}`);
  const args = (list) => list.map((a) => ({ name: a.name, type: String(a.type), description: description(a.description) }));
  for (const e of expect.types) {
    const t = schema.getType(e.name);
    if (!t) { problems.push(`type ${e.name} missing`); continue; }
    const kind = isObjectType(t) ? 'OBJECT' : isEnumType(t) ? 'ENUM' : isInputObjectType(t) ? 'INPUT_OBJECT' : isScalarType(t) ? 'SCALAR' : '?';
    if (kind !== e.kind) problems.push(`${e.name}: kind ${kind}, expected ${e.kind}`);
    if (description(t.description) !== e.description) {
      problems.push(`${e.name}: description ${JSON.stringify(t.description)}, expected ${JSON.stringify(e.description)}`);
    }
    if (isEnumType(t) && !same(t.getValues().map((v) => v.name), e.values)) problems.push(`${e.name}: enum values differ`);
    if (isInputObjectType(t) && !same(args(Object.values(t.getFields())), e.inputFields ?? [])) {
      problems.push(`${e.name}: input fields differ`);
    }
    if (!isObjectType(t)) continue;
    const fields = Object.values(t.getFields());
    if (!same(fields.map((f) => f.name), e.fields.map((f) => f.name))) {
      problems.push(`${e.name}: fields ${fields.map((f) => f.name)}, expected ${e.fields.map((f) => f.name)}`);
      continue;
    }
    e.fields.forEach((ef, i) => {
      const f = fields[i];
      const where = `${e.name}.${f.name}`;
      if (String(f.type) !== ef.type) problems.push(`${where}: type ${f.type}, expected ${ef.type}`);
      if (description(f.description) !== ef.description) {
        problems.push(`${where}: description ${JSON.stringify(f.description)}, expected ${JSON.stringify(ef.description)}`);
      }
      if (!same(args(f.args), ef.args)) problems.push(`${where}: arguments differ`);
      for (const [name, values] of Object.entries(ef.directives ?? {})) {
        let got;
        try {
          got = getDirectiveValues(schema.getDirective(name), f.astNode);
        } catch (err) {
          problems.push(`${where}: @${name} rejected: ${err.message}`);
          continue;
        }
        if (!same(got, values)) problems.push(`${where}: @${name}${JSON.stringify(got)}, expected ${JSON.stringify(values)}`);
      }
    });
  }
  for (const e of expect.directives) {
    const d = schema.getDirective(e.name);
    if (!d) { problems.push(`directive @${e.name} missing`); continue; }
    if (!same(args(d.args), e.args) || !same(d.locations, e.locations) || description(d.description) !== e.description) {
      problems.push(`directive @${e.name} differs`);
    }
  }
  return problems;
}

// printSchema's text must be ours without the applied @constraint directives. Control
// characters U+0010 to U+001F are the one deliberate difference: graphql-js puts them raw
// into block strings, udm escapes them in a regular string.
function roundTrip(schema, sdl) {
  const all = [...Object.values(schema.getTypeMap()), ...schema.getDirectives()];
  const texts = all.flatMap((t) => [t.description, ...(t.getFields ? Object.values(t.getFields()).flatMap((f) => [f.description, ...(f.args ?? []).map((a) => a.description)]) : []), ...(t.args ?? []).map((a) => a.description)]);
  if (texts.some((d) => d && /[\x10-\x1f]/.test(d))) return [];
  const ours = sdl.split('\n').map((l) => l.replace(/^(  [_A-Za-z][_0-9A-Za-z]*(\([^)]*\))?: [\[\]!_0-9A-Za-z]+) @constraint\(.*\)$/, '$1')).join('\n');
  const theirs = printSchema(schema) + '\n';
  if (ours === theirs) return [];
  const a = ours.split('\n'), b = theirs.split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  return [`printSchema differs at line ${i + 1}: ours ${JSON.stringify(a[i])}, graphql-js ${JSON.stringify(b[i])}`];
}

function check(name, sdl, expectFile) {
  let schema;
  try {
    schema = buildSchema(sdl);
  } catch (err) {
    return [`buildSchema rejects it: ${err.message}`];
  }
  if (!expectFile || !fs.existsSync(expectFile)) return [];
  return [...compare(schema, JSON.parse(fs.readFileSync(expectFile, 'utf8'))), ...roundTrip(schema, sdl)];
}

const inputs = [];
for (const arg of process.argv.slice(2)) {
  if (fs.statSync(arg).isDirectory()) {
    for (const f of fs.readdirSync(arg).sort()) if (f.endsWith('.graphql')) inputs.push(path.join(arg, f));
  } else {
    inputs.push(arg);
  }
}
let passed = 0, failed = 0;
const report = (name, problems) => {
  if (problems.length === 0) { passed++; return; }
  failed++;
  for (const p of problems.slice(0, 10)) console.log(`FAIL ${name}: ${p}`);
};
if (inputs.length === 0) {
  report('<stdin>', check('<stdin>', fs.readFileSync(0, 'utf8')));
} else {
  for (const file of inputs) report(file, check(file, fs.readFileSync(file, 'utf8'), file.replace(/\.graphql$/, '.expect.json')));
}
console.log(`sdl: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
