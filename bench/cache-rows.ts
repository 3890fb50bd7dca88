// Issue 19's edge cache rows. The demo's subgraphs carry @cacheControl hints; the standard
// workload's do not, so for it these rows serve the same supergraph with a hint added to each of
// its entity types (User, Product, Review: `@cacheControl(maxAge: 60)`; scalar fields inherit): a
// hint changes nothing the subgraphs answer, only what the gateway may keep.
//   tollgate+cache             memory store, warm: after the warm-up every look-up hits
//   tollgate+cache-cold        memory store bounded to one entry: every look-up misses (looks up, writes, evicts)
//   tollgate+cache-redis       Redis store (a redis-server of the row's own), warm
//   tollgate+cache-redis-cold  Redis store, items never kept (max_item_bytes: 1): every look-up is an MGET that misses
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRowRedis } from './quotas-row.ts';
import { writeRowConfig } from './lib/row-config.ts';
import type { PrepareContext, Prepared } from './rows.ts';

const HINTED_TYPES = ['User', 'Product', 'Review'];

/** The directive and its enum, which a supergraph types per subgraph (`@join__type` for each of `graphs`). */
function declarations(graphs: readonly string[]): string {
  const joins = graphs.map((graph) => ` @join__type(graph: ${graph})`).join('');
  const values = graphs.map((graph) => ` @join__enumValue(graph: ${graph})`).join('');
  return `
enum CacheControlScope${joins} { PUBLIC${values} PRIVATE${values} }
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;
}

/** The scenario's supergraph with hints on the standard workload's entity types (the demo's has its own). */
async function hintedSupergraph(ctx: PrepareContext): Promise<string[]> {
  const sdl = await readFile(ctx.supergraphPath, 'utf8');
  if (/@cacheControl\b/.test(sdl)) return [];
  const file = join(ctx.runDir, `${ctx.scenario}-hinted.supergraph.graphql`);
  await writeFile(file, withHints(sdl));
  return ['--supergraph', file];
}

/** A supergraph SDL with `@cacheControl(maxAge: 60)` on HINTED_TYPES, declared as a composed supergraph declares it. */
export function withHints(sdl: string): string {
  let hinted = sdl.replace(/^schema\n/m, 'schema\n  @link(url: "https://specs.tollgate.dev/cacheControl/v0.1", import: ["@cacheControl"])\n');
  for (const type of HINTED_TYPES) hinted = hinted.replace(new RegExp(`^type ${type}\\b`, 'm'), `type ${type} @cacheControl(maxAge: 60)`);
  const graphs = [...(/^enum join__Graph\s*\{([^}]*)\}/m.exec(sdl)?.[1] ?? '').matchAll(/^\s*([A-Z_0-9]+)\s+@join__graph/gm)].map((m) => m[1] as string);
  return hinted + declarations(graphs);
}

export function prepareCacheRow(store: 'memory' | 'redis', cold: boolean) {
  return async (ctx: PrepareContext): Promise<Prepared> => {
    const name = `cache-${store}${cold ? '-cold' : ''}`;
    const supergraph = await hintedSupergraph(ctx);
    const cache = [`cache:`, `  enabled: true`, `  store: ${store}`];
    if (cold && store === 'memory') cache.push('  max_entries: 1');
    if (cold && store === 'redis') cache.push('  max_item_bytes: 1');
    if (store === 'memory') return { args: ['--config', await writeRowConfig(ctx, name, cache), ...supergraph] };
    const { url, server } = await startRowRedis();
    return {
      args: ['--config', await writeRowConfig(ctx, name, [...cache, `redis: { url: "${url}" }`]), ...supergraph],
      cleanup: () => server.stop(),
    };
  };
}
