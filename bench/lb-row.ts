// Row `tollgate+lb-3`: the supervisor writes each process's CPU seconds on its way out; the row
// prints HAProxy's share of the group's CPU, which the table counts as the gateway's.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrepareContext, Prepared } from './rows.ts';

let runs = 0;

export async function prepareLbRow(ctx: PrepareContext): Promise<Prepared> {
  const report = join(ctx.runDir, `lb-cpu-${++runs}.json`);
  return {
    env: { TOLLGATE_LB_CPU_REPORT: report },
    async cleanup() {
      // The supervisor writes the file when it is stopped, just before cleanup runs.
      if (!existsSync(report)) return;
      const seconds = JSON.parse(readFileSync(report, 'utf8')) as Record<string, number>;
      const total = Object.values(seconds).reduce((a, b) => a + b, 0);
      const parts = Object.entries(seconds).map(([name, s]) => `${name} ${s.toFixed(1)} s`).join(', ');
      console.error(`  tollgate+lb-3: CPU over the row's life (warm-up included): ${parts}; haproxy ${((100 * (seconds.haproxy ?? 0)) / total).toFixed(1)}% of the group`);
    },
  };
}
