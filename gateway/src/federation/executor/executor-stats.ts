import type { CacheUsage } from '../../core/cache.ts';

/**
 * How many operations each executor ran, for a metrics exporter (a Prometheus counter per field)
 * and for tests: Tollgate's compiled executor, or @apollo/gateway's executeQueryPlan for plans it
 * does not compile (`prepared.fallbackReason`). Counted per executed request, not per cached plan;
 * a request rejected before any plan runs (invalid variables, a planning error) counts on neither.
 * Plain integer increments and one Map update per fallback: nothing allocated per request.
 */
export class ExecutorStats {
  /** Operations run by Tollgate's executor. */
  tollgate = 0;
  /** Operations run by @apollo/gateway's executeQueryPlan (the fallback). */
  apollo = 0;
  /** Requests whose plan (and compiled program) came from the plan cache. */
  planCacheHits = 0;
  /** Requests that planned their operation (and cached the plan). */
  planCacheMisses = 0;
  /**
   * Fallback operations by reason. Reasons are few (@defer, subscriptions, @fromContext, ...), but
   * some embed an error message, so at most MAX_FALLBACK_REASONS keys are kept (a metric label
   * must stay bounded); later new reasons count under OTHER_FALLBACK_REASON.
   */
  readonly fallbacksByReason = new Map<string, number>();
  /** The plan cache's entries and estimated bytes, once an executor holds one. */
  planCache: CacheUsage | undefined;

  /** Counts one fallback operation; returns its reason's count so far (1: first time seen). */
  countFallback(reason: string): number {
    this.apollo++;
    const key = this.fallbacksByReason.has(reason) || this.fallbacksByReason.size < MAX_FALLBACK_REASONS ? reason : OTHER_FALLBACK_REASON;
    const count = (this.fallbacksByReason.get(key) ?? 0) + 1;
    this.fallbacksByReason.set(key, count);
    return count;
  }

  /** A copy, for a scrape or a test's before/after delta. */
  snapshot(): ExecutorStatsSnapshot {
    return { tollgate: this.tollgate, apollo: this.apollo, fallbacksByReason: Object.fromEntries(this.fallbacksByReason) };
  }
}

export interface ExecutorStatsSnapshot {
  tollgate: number;
  apollo: number;
  fallbacksByReason: Record<string, number>;
}

export const MAX_FALLBACK_REASONS = 32;
export const OTHER_FALLBACK_REASON = 'other';
