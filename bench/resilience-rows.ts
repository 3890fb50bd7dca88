// Issue 11's bench row: `tollgate+dedup`, the plain `tollgate` row with
// `traffic_shaping.all.deduplicate_query: true` (identical query fetches in flight at once share
// one upstream request). Under the harness's 50 connections all sending the same query, many
// fetches overlap; every other setting stays at its default.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrepareContext, Prepared } from './rows.ts';

export async function prepareDedupRow(ctx: PrepareContext): Promise<Prepared> {
  const file = join(ctx.runDir, 'dedup.yaml');
  await writeFile(
    file,
    ['supergraph: { file: replaced-by-the-supergraph-flag.graphql }', 'traffic_shaping: { all: { deduplicate_query: true } }', ''].join('\n'),
  );
  return { args: ['--config', file] };
}
