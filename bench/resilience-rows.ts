// `tollgate+no-dedup`: the plain `tollgate` row with `traffic_shaping.all.deduplicate_query: false`,
// so every client request sends its own subgraph fetches (no sharing of identical fetches in flight,
// which is on by default). Under the harness's 50 connections all sending the same query, sharing
// saves most subgraph requests; this row measures the gateway without it. Other settings: defaults.
import { writeRowConfig } from './lib/row-config.ts';
import type { PrepareContext, Prepared } from './rows.ts';

export async function prepareNoDedupRow(ctx: PrepareContext): Promise<Prepared> {
  return { args: ['--config', await writeRowConfig(ctx, 'no-dedup', ['traffic_shaping: { all: { deduplicate_query: false } }'])] };
}
