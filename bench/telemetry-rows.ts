// Issue 12's bench rows. The plain `tollgate` row runs the defaults: Prometheus metrics and the
// access log on (nothing scrapes during a run; the log lines go to the harness's pipe).
// `tollgate+telemetry-off` turns both off, so the two rows of one run price them.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrepareContext, Prepared } from './rows.ts';

export async function prepareTelemetryOffRow(ctx: PrepareContext): Promise<Prepared> {
  const file = join(ctx.runDir, 'telemetry-off.yaml');
  await writeFile(
    file,
    ['supergraph: { file: replaced-by-the-supergraph-flag.graphql }', 'telemetry: { logging: { access_log: false }, metrics: { enabled: false } }', ''].join('\n'),
  );
  return { args: ['--config', file] };
}
