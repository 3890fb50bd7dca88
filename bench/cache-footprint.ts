// `node --expose-gc --no-flush-bytecode --import tsx bench/cache-footprint.ts [n] [query]`: what one cached document and one
// cached plan of the standard queries really hold on the heap (n distinct operation texts per
// query, measured as the heap growth with all of them kept, after full GCs), next to what the
// caches' byte estimates say (documentFootprint, planFootprint). The estimates are calibrated
// from this; rerun it when the planner or the executor's compiled form changes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOperationContext } from '@apollo/gateway';
import { parse, validate } from 'graphql';
import { documentFootprint } from '../gateway/src/document/footprint.ts';
import { loadSupergraph, type SubgraphService } from '../gateway/src/federation/executor/loaded-supergraph.ts';
import { planFootprint } from '../gateway/src/federation/executor/plan-footprint.ts';
import { prepareOperation } from '../gateway/src/federation/executor/prepare-operation.ts';
import { writeSupergraph } from './lib/compose.ts';
import { operationVariants } from './lib/operations.ts';
import { SUBGRAPH_NAMES, subgraphSdl } from './subgraphs/schemas.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'cache-footprint-'));
const file = join(dir, 'supergraph.graphql');
writeSupergraph(SUBGRAPH_NAMES.map((name) => ({ name, url: `http://127.0.0.1:1/${name}`, sdl: subgraphSdl(name) })), file);
const sdl = readFileSync(file, 'utf8');
rmSync(dir, { recursive: true });
const loaded = loadSupergraph(sdl, () => ({}) as SubgraphService);

const heap = () => {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
};
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

// The standard queries, and two shapes at the ends: many root fields in one fetch, few fields in many fetches.
const wide = `query Wide { ${Array.from({ length: 20 }, (_, i) => `f${i}: topProducts { upc name price weight }`).join(' ')} }`;
const deep = 'query Deep { users { reviews { product { inStock reviews { author { reviews { product { inStock } } } } } } } }';
const queries: Array<[string, string]> = [
  ['top-products', readFileSync(new URL('queries/top-products.graphql', import.meta.url), 'utf8')],
  ['heavy', readFileSync(new URL('queries/heavy.graphql', import.meta.url), 'utf8')],
  ['wide', wide],
  ['deep', deep],
];
const only = process.argv[3];
for (const [name, query] of queries) {
  if (only !== undefined && name !== only) continue;
  const variants = operationVariants(query);
  const texts = Array.from({ length: n }, (_, i) => (JSON.parse(variants.variant(i + 1).body) as { query: string }).query);
  const t0 = heap();
  // As stage 4 keeps them: the text (the key) and its parsed, validated document with locations.
  const documents = texts.map((text) => {
    const document = parse(text);
    validate(loaded.schema, document);
    return document;
  });
  const t1 = heap();
  const plans = documents.map((document, i) => {
    const operationName = `${texts[i]!.match(/query (\w+)/)![1]}`;
    const context = buildOperationContext({ schema: loaded.schema, operationDocument: document, operationName });
    return prepareOperation(loaded, context, document, operationName);
  });
  const t2 = heap();
  const docEstimate = texts.reduce((sum, text) => sum + documentFootprint(text.length), 0) / n;
  const planEstimate = plans.reduce((sum, plan) => sum + planFootprint(plan), 0) / n;
  const fetchChars = plans[0]!.queryPlan.node ? JSON.stringify(plans[0]!.queryPlan.node).length : 0;
  console.log(
    `${name.padEnd(13)} text ${texts[0]!.length} chars, ${plans[0]!.fetchCount} fetches, plan JSON ${fetchChars} · document: measured ${kb((t1 - t0) / n)}, estimated ${kb(docEstimate)}` +
      ` · plan: measured ${kb((t2 - t1) / n)}, estimated ${kb(planEstimate)}`,
  );
  if (plans.length + documents.length === 0) console.log('');
}
