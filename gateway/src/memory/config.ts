import { z } from 'zod';
import { configNumber } from '../core/config-values.ts';

/**
 * Smallest `memory.max_mb`: the gateway's own code, schemas and planner hold ~55 MB of heap and
 * the process ~110 MB outside it (node, the tsx loader thread, buffers); below this a budget
 * leaves no room to serve. bin/memory-budget.mjs applies the same floor.
 */
export const MIN_BUDGET_MB = 256;

/** One cache's bounds: entries, and megabytes of its entries' estimated heap footprint. */
const cacheSchema = z.strictObject({
  /** Default 1000; 0 keeps nothing (the cache is off). */
  max_entries: configNumber(z.number().int().nonnegative()).optional(),
  /** Default a share of `max_mb` (plans 1/8, documents 1/16, persisted queries 1/32), or of 512 MB without one. */
  max_mb: configNumber(z.number().nonnegative()).optional(),
});

/**
 * `memory`: the process's budget and what its caches may hold. `max_mb` is applied by
 * `tollgate serve` as V8 heap flags (bin/memory-budget.mjs); unset, the container's cgroup limit
 * stands in for it, and without one V8 keeps its own defaults.
 */
export const memoryConfigSchema = z
  .strictObject({
    /** The process's memory budget (RSS) in MB; default the cgroup limit, else none. */
    max_mb: configNumber(z.number().int().min(MIN_BUDGET_MB)).optional(),
    /**
     * How far V8 lets the old generation grow past what the last full GC left live, in percent;
     * default 50; 0 leaves V8's own heuristic, which on a host with 16 GB or more allows 300%.
     */
    heap_growing_percent: configNumber(z.number().int().min(0).max(300)).default(50),
    plan_cache: cacheSchema.prefault({}),
    document_cache: cacheSchema.prefault({}),
    persisted_query_cache: cacheSchema.prefault({}),
  })
  .superRefine((memory, ctx) => {
    // Caches are one part of the budget: the heap also holds the schemas, the planner and every
    // request in flight. An operator's figures that leave no room for those fail start-up.
    // Only under a valid budget: an invalid max_mb already has its own error.
    if (memory.max_mb === undefined || !Number.isInteger(memory.max_mb) || memory.max_mb < MIN_BUDGET_MB) return;
    const caches = cacheBounds(memory, memory.max_mb);
    const total = Math.round((caches.plans.maxBytes + caches.documents.maxBytes + caches.persistedQueries.maxBytes) / MB);
    if (total > memory.max_mb / 2) {
      const key = (['plan_cache', 'document_cache', 'persisted_query_cache'] as const).find((name) => memory[name].max_mb !== undefined) ?? 'plan_cache';
      ctx.addIssue({
        code: 'custom',
        path: [key, 'max_mb'],
        message: `the caches would hold ${total} MB, more than half of memory.max_mb (${memory.max_mb}): lower them or raise max_mb`,
      });
    }
  });

export type MemoryConfig = z.infer<typeof memoryConfigSchema>;

export interface CacheBound {
  maxEntries: number;
  maxBytes: number;
}

export interface CacheBounds {
  plans: CacheBound;
  documents: CacheBound;
  persistedQueries: CacheBound;
}

/** Bounds of the caches: what the config says, else 1000 entries and a share of the budget. */
export function cacheBounds(memory: Pick<MemoryConfig, 'plan_cache' | 'document_cache' | 'persisted_query_cache'>, budgetMb: number | undefined): CacheBounds {
  // Without a budget, the shares of 512 MB: 64 MB of plans holds 1,000 of the heavy benchmark
  // query's (59 KB each); the byte bound is there for operations a hundred times larger.
  const budget = budgetMb ?? DEFAULT_SHARE_OF_MB;
  const pick = (cache: z.infer<typeof cacheSchema>, share: number): CacheBound => ({
    maxEntries: cache.max_entries ?? DEFAULT_MAX_ENTRIES,
    maxBytes: Math.round((cache.max_mb ?? budget * share) * MB),
  });
  return {
    plans: pick(memory.plan_cache, 1 / 8),
    documents: pick(memory.document_cache, 1 / 16),
    persistedQueries: pick(memory.persisted_query_cache, 1 / 32),
  };
}

const MB = 2 ** 20;
const DEFAULT_MAX_ENTRIES = 1000;
const DEFAULT_SHARE_OF_MB = 512;
