import { decide } from './gcra.ts';
import type { BucketSpec, BucketState, BucketTake, QuotaDecision, QuotaStore } from './types.ts';

interface StoredBucket {
  tatUs: number;
  pendingGive: number;
}

/**
 * The embedded store: the same GCRA as the Redis store, in this process only. The default when no
 * Redis is configured (one instance), and the local limiter a fail-open Redis store falls back to.
 * `now` is injectable so tests can move time without waiting.
 */
export class MemoryQuotaStore implements QuotaStore {
  private readonly buckets = new Map<string, StoredBucket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly nowUs: () => number = () => Date.now() * 1000,
    sweepIntervalMs = 60_000,
  ) {
    // Full buckets carry no information: drop them so the map holds only active keys.
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  async consume(quotaKey: string, takes: BucketTake[]): Promise<QuotaDecision> {
    return this.consumeNow(quotaKey, takes);
  }

  /** consume(), synchronously: the failover store records a local charge in the same turn it is decided. */
  consumeNow(quotaKey: string, takes: BucketTake[]): QuotaDecision {
    const now = this.nowUs();
    const keys = takes.map((bucket) => bucketKey(quotaKey, bucket));
    const stored = keys.map((key) => this.buckets.get(key));
    const { decision, newTatsUs } = decide(
      takes.map((bucket, i) => ({ bucket, tatUs: stored[i]?.tatUs, giveTokens: stored[i]?.pendingGive ?? 0 })),
      now,
    );
    newTatsUs.forEach((tat, i) => {
      const key = keys[i]!;
      if (tat !== undefined) this.buckets.set(key, { tatUs: tat, pendingGive: 0 });
    });
    return decision;
  }

  refund(quotaKey: string, bucket: BucketSpec, tokens: number): void {
    if (!(tokens > 0)) return;
    const stored = this.buckets.get(bucketKey(quotaKey, bucket));
    if (stored) stored.pendingGive += tokens;
  }

  /**
   * Takes the shared store's view of a key's buckets (from a Redis reply) as this store's own, so
   * that a request decided locally while Redis is slow starts from what Redis last said, not from
   * a full bucket. Pending refunds are dropped: Redis holds (or is sent) them.
   */
  mirror(quotaKey: string, states: readonly BucketState[]): void {
    const now = this.nowUs();
    for (const state of states) {
      if (state.resetUs === undefined) continue;
      const key = bucketKey(quotaKey, state);
      if (state.resetUs <= 0) this.buckets.delete(key);
      else this.buckets.set(key, { tatUs: now + state.resetUs, pendingGive: 0 });
    }
  }

  /**
   * A late Redis reply for a request this store already decided: takes Redis's view of the key's
   * buckets only where it is fuller than this store's own. Never frees a slot: the local limiter
   * may already count requests the late reply does not (decided after it, still on their way to
   * Redis or queued for it), and handing their slots back would admit them twice.
   */
  catchUp(quotaKey: string, states: readonly BucketState[]): void {
    const now = this.nowUs();
    for (const state of states) {
      if (state.resetUs === undefined || state.resetUs <= 0) continue;
      const key = bucketKey(quotaKey, state);
      const tatUs = now + state.resetUs;
      const stored = this.buckets.get(key);
      if (!stored) this.buckets.set(key, { tatUs, pendingGive: 0 });
      else if (stored.tatUs < tatUs) stored.tatUs = tatUs;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.buckets.clear();
  }

  private sweep(): void {
    const now = this.nowUs();
    for (const [key, bucket] of this.buckets) if (bucket.tatUs <= now && bucket.pendingGive === 0) this.buckets.delete(key);
  }
}

function bucketKey(quotaKey: string, bucket: BucketSpec): string {
  return `${quotaKey}\u0000${bucket.name}`;
}
