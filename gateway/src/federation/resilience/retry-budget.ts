import type { RetrySettings } from '../config.ts';

const BUCKETS = 10;

/**
 * How many retries a subgraph may get: over a rolling window of `ttlMs`, retries stay below
 * `retryPercent` of the fetches plus `minPerSec` per second of the window (Finagle's RetryBudget,
 * router.yaml's `experimental_retry`). During an outage every fetch fails and wants retrying; the
 * budget keeps the extra load at that share instead of multiplying it by `max_attempts`.
 * Counted in ten buckets of a tenth of the window each: two counters per bucket, no timers.
 */
export class RetryBudget {
  private readonly deposits = new Float64Array(BUCKETS);
  private readonly withdrawals = new Float64Array(BUCKETS);
  private readonly bucketMs: number;
  private readonly floor: number;
  /** Index (time / bucketMs) of the newest bucket written. */
  private current = 0;

  constructor(
    private readonly settings: Pick<RetrySettings, 'ttlMs' | 'minPerSec' | 'retryPercent'>,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = Math.max(1, settings.ttlMs / BUCKETS);
    this.floor = (settings.minPerSec * settings.ttlMs) / 1000;
    this.current = Math.floor(now() / this.bucketMs);
  }

  /** One fetch (first attempt) was made. */
  deposit(): void {
    this.deposits[this.advance()]! += 1;
  }

  /** Takes one retry from the budget if there is one. */
  tryWithdraw(): boolean {
    const slot = this.advance();
    let deposits = 0;
    let withdrawals = 0;
    for (let i = 0; i < BUCKETS; i++) {
      deposits += this.deposits[i]!;
      withdrawals += this.withdrawals[i]!;
    }
    if (withdrawals + 1 > deposits * this.settings.retryPercent + this.floor) return false;
    this.withdrawals[slot]! += 1;
    return true;
  }

  /** Moves to the bucket of now, clearing the buckets skipped since the last call. */
  private advance(): number {
    const index = Math.floor(this.now() / this.bucketMs);
    if (index !== this.current) {
      const steps = Math.min(BUCKETS, index - this.current);
      for (let i = 1; i <= steps; i++) {
        const slot = (this.current + i) % BUCKETS;
        this.deposits[slot] = 0;
        this.withdrawals[slot] = 0;
      }
      if (index > this.current) this.current = index;
    }
    return this.current % BUCKETS;
  }
}
