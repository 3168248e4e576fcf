// Checks udm's introspection against graphql-js.
//   node introspection_check.mjs --query            prints the introspection query (graphql-js
//                                                   getIntrospectionQuery with every option)
//   node introspection_check.mjs <directory>        checks every NNN.graphql that has an
//                                                   NNN.introspection.json (written by
//                                                   udm_graphql_corpus) next to it
// For each schema: buildClientSchema of udm's answer, printed after lexicographicSortSchema,
// must be the served SDL as graphql-js reads it (buildSchema, sorted, printed: applied
// directives such as @constraint are not part of introspection), and udm's answer must be
// exactly what graphql-js answers serving the same SDL, order included.
// Prints "introspection: N passed, M failed"; exits 1 on failure.
import { buildSchema, buildClientSchema, printSchema, lexicographicSortSchema, getIntrospectionQuery, graphqlSync } from 'graphql';
import fs from 'node:fs';
import path from 'node:path';

const query = getIntrospectionQuery({
  descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true,
  inputValueDeprecation: true, oneOf: true,
});
if (process.argv[2] === '--query') {
  process.stdout.write(query);
  process.exit(0);
}

let passed = 0, failed = 0;
for (const dir of process.argv.slice(2)) {
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.introspection.json')) continue;
    const name = path.join(dir, f);
    const sdl = fs.readFileSync(name.replace(/\.introspection\.json$/, '.graphql'), 'utf8');
    const ours = JSON.parse(fs.readFileSync(name, 'utf8'));
    const problems = [];
    if (ours.errors) problems.push(`udm answers with errors: ${JSON.stringify(ours.errors).slice(0, 300)}`);
    const served = buildSchema(sdl);
    if (!ours.errors) {
      try {
        const a = printSchema(lexicographicSortSchema(buildClientSchema(ours.data)));
        const b = printSchema(lexicographicSortSchema(served));
        if (a !== b) {
          const x = a.split('\n'), y = b.split('\n');
          const i = x.findIndex((line, k) => line !== y[k]);
          problems.push(`printSchema(buildClientSchema(udm)) differs at line ${i + 1}: ${JSON.stringify(x[i])}, served SDL ${JSON.stringify(y[i])}`);
        }
      } catch (err) {
        problems.push(`buildClientSchema rejects udm's answer: ${err.message}`);
      }
      const theirs = graphqlSync({ schema: served, source: query });
      if (JSON.stringify(theirs) !== JSON.stringify(ours)) {
        const a = JSON.stringify(ours), b = JSON.stringify(theirs);
        let i = 0;
        while (i < a.length && a[i] === b[i]) i++;
        problems.push(`answer differs from graphql-js's at character ${i}: udm ${a.slice(Math.max(0, i - 80), i + 80)}\n    graphql-js ${b.slice(Math.max(0, i - 80), i + 80)}`);
      }
    }
    if (problems.length === 0) {
      passed++;
    } else {
      failed++;
      for (const p of problems) console.log(`FAIL ${name}: ${p}`);
    }
  }
}
console.log(`introspection: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
