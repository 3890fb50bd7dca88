// A Tollgate row's config file: its own keys on top of the defaults. `--supergraph` replaces the
// placeholder supergraph, so every other setting stays as in the plain `tollgate` row.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrepareContext } from '../rows.ts';

/** Writes `<runDir>/<name>.yaml` with `lines` (YAML) after the placeholder supergraph; returns its path. */
export async function writeRowConfig(ctx: PrepareContext, name: string, lines: readonly string[]): Promise<string> {
  const file = join(ctx.runDir, `${name}.yaml`);
  await writeFile(file, ['supergraph: { file: replaced-by-the-supergraph-flag.graphql }', ...lines, ''].join('\n'));
  return file;
}
