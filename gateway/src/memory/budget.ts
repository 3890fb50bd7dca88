// The memory budget in force, as bin/memory-budget.mjs applied it before this process started
// (V8's heap limits cannot change later): its decision arrives in TOLLGATE_MEMORY_BUDGET, and
// V8 says which heap limit is really in effect. The caches are sized from the same budget.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import type { MemoryConfig } from './config.ts';

export const BUDGET_ENV = 'TOLLGATE_MEMORY_BUDGET';

export interface MemoryBudget {
  /** The budget in MB; undefined: none (V8's own heap limits). */
  budgetMb: number | undefined;
  source: 'memory.max_mb' | 'cgroup' | 'none';
  /** V8's heap limit in effect (old space plus young generation), MB. */
  heapLimitMb: number;
  /** The heap flags the supervisor started this process with; undefined when it did not. */
  applied: { maxOldSpaceMb: number; maxSemiSpaceMb: number } | undefined;
  /** Why a configured budget is not the one in effect (started without bin/tollgate.mjs, own node flags). */
  notApplied: string | undefined;
}

interface Applied {
  budgetMb: number;
  source: 'memory.max_mb' | 'cgroup';
  maxOldSpaceMb: number;
  maxSemiSpaceMb: number;
}

/**
 * V8 grows the old generation to a multiple of what the last full GC left live before collecting
 * again: up to 4× with a heap limit of 2 GB or more, which V8 gives itself on any host with 16 GB.
 * The gateway's live heap is ~55 MB, so under load it held ~280 MB of old-generation garbage (peak
 * RSS ~440 MB). V8 reads the factor at every GC, so it can be set after start (process-wide).
 */
export function applyHeapGrowth(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

export function memoryBudget(config: Pick<MemoryConfig, 'max_mb'>, env: NodeJS.ProcessEnv = process.env): MemoryBudget {
  const heapLimitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  const applied = readApplied(env[BUDGET_ENV]);
  const settings = applied && { maxOldSpaceMb: applied.maxOldSpaceMb, maxSemiSpaceMb: applied.maxSemiSpaceMb };
  if (config.max_mb !== undefined) {
    const inForce = applied?.source === 'memory.max_mb' && applied.budgetMb === config.max_mb;
    return {
      budgetMb: config.max_mb,
      source: 'memory.max_mb',
      heapLimitMb,
      applied: inForce ? settings : undefined,
      notApplied: inForce
        ? undefined
        : 'the heap flags are applied by `tollgate serve` started as bin/tollgate.mjs, without node heap flags of its own; the caches follow memory.max_mb',
    };
  }
  if (applied?.source === 'cgroup') return { budgetMb: applied.budgetMb, source: 'cgroup', heapLimitMb, applied: settings, notApplied: undefined };
  return { budgetMb: undefined, source: 'none', heapLimitMb, applied: undefined, notApplied: undefined };
}

function readApplied(text: string | undefined): Applied | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Applied>;
    const numbers = [value.budgetMb, value.maxOldSpaceMb, value.maxSemiSpaceMb];
    if (numbers.every((n) => typeof n === 'number') && (value.source === 'memory.max_mb' || value.source === 'cgroup')) return value as Applied;
  } catch {
    // Not ours: treated as absent.
  }
  return undefined;
}
