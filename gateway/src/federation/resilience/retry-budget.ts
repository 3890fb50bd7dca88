import type { RetrySettings } from '../config.ts';
import { RollingCounts } from './rolling-counts.ts';

/**
 * How many retries a subgraph may get: over a rolling window of `ttlMs`, retries stay below
 * `retryPercent` of the fetches plus `minPerSec` per second of the window (Finagle's RetryBudget,
 * router.yaml's `experimental_retry`). During an outage every fetch fails and wants retrying; the
 * budget keeps the extra load at that share instead of multiplying it by `max_attempts`.
 * Counted in ten buckets of a tenth of the window each: two counters per bucket, no timers.
 */
export class RetryBudget {
  /** a: fetches (deposits), b: retries (withdrawals). */
  private readonly counts: RollingCounts;
  private readonly floor: number;

  constructor(
    private readonly settings: Pick<RetrySettings, 'ttlMs' | 'minPerSec' | 'retryPercent'>,
    now: () => number = Date.now,
  ) {
    this.counts = new RollingCounts(settings.ttlMs, now);
    this.floor = (settings.minPerSec * settings.ttlMs) / 1000;
  }

  /** One fetch (first attempt) was made. */
  deposit(): void {
    this.counts.addA();
  }

  /** Takes one retry from the budget if there is one. */
  tryWithdraw(): boolean {
    const { a: deposits, b: withdrawals } = this.counts.totals();
    if (withdrawals + 1 > deposits * this.settings.retryPercent + this.floor) return false;
    this.counts.addB();
    return true;
  }
}
