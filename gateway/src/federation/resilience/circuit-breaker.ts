import type { BreakerSettings } from '../config.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** What `acquire` hands out: a normal call, a half-open probe, or nothing (open: fail fast). */
export type BreakerTicket = 'call' | 'probe' | undefined;

const BUCKETS = 10;

/**
 * A subgraph's circuit breaker. Closed: every attempt goes through and its outcome is counted over
 * a rolling window (ten buckets); once the window holds at least `minimumRequests` attempts and
 * `failureRatio` of them failed, it opens. Open: no attempt is made for `cooldownMs`. Then
 * half-open: up to `halfOpenProbes` probes at a time go through; one failure opens it again,
 * `halfOpenProbes` successes close it with a fresh window. Times come from `now`.
 */
export class CircuitBreaker {
  private readonly successes = new Float64Array(BUCKETS);
  private readonly failures = new Float64Array(BUCKETS);
  private readonly bucketMs: number;
  private current: number;
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
    this.bucketMs = Math.max(1, settings.windowMs / BUCKETS);
    this.current = Math.floor(now() / this.bucketMs);
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
    const slot = this.advance();
    if (success) {
      this.successes[slot]! += 1;
      return;
    }
    this.failures[slot]! += 1;
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < BUCKETS; i++) {
      ok += this.successes[i]!;
      failed += this.failures[i]!;
    }
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
    this.successes.fill(0);
    this.failures.fill(0);
    this.current = Math.floor(this.now() / this.bucketMs);
  }

  private advance(): number {
    const index = Math.floor(this.now() / this.bucketMs);
    if (index !== this.current) {
      const steps = Math.min(BUCKETS, index - this.current);
      for (let i = 1; i <= steps; i++) {
        const slot = (this.current + i) % BUCKETS;
        this.successes[slot] = 0;
        this.failures[slot] = 0;
      }
      if (index > this.current) this.current = index;
    }
    return this.current % BUCKETS;
  }
}
