// Issue 14's memory rows: the plain `tollgate` row has no budget here (no memory.max_mb, and this
// machine sets no cgroup limit), so V8 keeps its defaults; `tollgate+memory-512` runs the same
// gateway under `memory.max_mb: 512`, i.e. as a supervisor and a child started with V8 heap flags
// (bin/memory-budget.mjs). Its RSS is the two processes' together (lib/processes.ts).
import { writeRowConfig } from './lib/row-config.ts';
import type { PrepareContext, Prepared } from './rows.ts';

export function prepareMemoryBudgetRow(maxMb: number) {
  return async (ctx: PrepareContext): Promise<Prepared> => ({
    args: ['--config', await writeRowConfig(ctx, `memory-${maxMb}`, [`memory: { max_mb: ${maxMb} }`])],
  });
}
