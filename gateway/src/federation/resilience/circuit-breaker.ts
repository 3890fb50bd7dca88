import type { BreakerSettings } from '../config.ts';
import { RollingCounts } from './rolling-counts.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** What `acquire` hands out: a normal call, a half-open probe, or nothing (open: fail fast). */
export type BreakerTicket = 'call' | 'probe' | undefined;

/**
 * A subgraph's circuit breaker. Closed: every attempt goes through and its outcome is counted over
 * a rolling window (ten buckets); once the window holds at least `minimumRequests` attempts and
 * `failureRatio` of them failed, it opens. Open: no attempt is made for `cooldownMs`. Then
 * half-open: up to `halfOpenProbes` probes at a time go through; one failure opens it again,
 * `halfOpenProbes` successes close it with a fresh window. Times come from `now`.
 */
export class CircuitBreaker {
  /** a: successes, b: failures, over the rolling window. */
  private readonly outcomes: RollingCounts;
  private state: BreakerState = 'closed';
  private openedAt = 0;
  private probesInFlight = 0;
  private probeSuccesses = 0;
  /** Times it opened, for stats. */
  opened = 0;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.outcomes = new RollingCounts(settings.windowMs, now);
  }

  /** The state now (an open breaker past its cool-down reads half-open). */
  get currentState(): BreakerState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.settings.cooldownMs) return 'half_open';
    return this.state;
  }

  acquire(): BreakerTicket {
    if (this.state === 'closed') return 'call';
    if (this.state === 'open') {
      if (this.now() - this.openedAt < this.settings.cooldownMs) return undefined;
      this.state = 'half_open';
      this.probesInFlight = 0;
      this.probeSuccesses = 0;
    }
    if (this.probesInFlight >= this.settings.halfOpenProbes) return undefined;
    this.probesInFlight++;
    return 'probe';
  }

  /** The outcome of an attempt made with `ticket`. */
  record(ticket: 'call' | 'probe', success: boolean): void {
    if (ticket === 'probe') {
      // A probe from an earlier half-open period (it reopened meanwhile) changes nothing.
      if (this.state !== 'half_open') return;
      this.probesInFlight--;
      if (!success) return this.open();
      if (++this.probeSuccesses >= this.settings.halfOpenProbes) this.close();
      return;
    }
    // A call that started while closed and ends after the breaker opened is not counted again.
    if (this.state !== 'closed') return;
    if (success) {
      this.outcomes.addA();
      return;
    }
    this.outcomes.addB();
    const { a: ok, b: failed } = this.outcomes.totals();
    const total = ok + failed;
    if (total >= this.settings.minimumRequests && failed / total >= this.settings.failureRatio) this.open();
  }

  /**
   * An attempt made with `ticket` that says nothing about the subgraph (the client went away and
   * it was cancelled): not counted; a probe's slot is given back.
   */
  release(ticket: 'call' | 'probe'): void {
    if (ticket === 'probe' && this.state === 'half_open' && this.probesInFlight > 0) this.probesInFlight--;
  }

  private open(): void {
    this.state = 'open';
    this.openedAt = this.now();
    this.opened++;
  }

  private close(): void {
    this.state = 'closed';
    this.outcomes.clear();
  }
}
