// Issue 11's bench row: `tollgate+dedup`, the plain `tollgate` row with
// `traffic_shaping.all.deduplicate_query: true` (identical query fetches in flight at once share
// one upstream request). Under the harness's 50 connections all sending the same query, many
// fetches overlap; every other setting stays at its default.
import { writeRowConfig } from './lib/row-config.ts';
import type { PrepareContext, Prepared } from './rows.ts';

export async function prepareDedupRow(ctx: PrepareContext): Promise<Prepared> {
  return { args: ['--config', await writeRowConfig(ctx, 'dedup', ['traffic_shaping: { all: { deduplicate_query: true } }'])] };
}
