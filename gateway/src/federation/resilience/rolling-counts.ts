const BUCKETS = 10;

/**
 * Two counts (`a` and `b`) over a rolling window, in ten buckets of a tenth of the window each:
 * a bucket is cleared when time moves past it, so no timers run. The retry budget counts fetches
 * and retries with it, the circuit breaker successes and failures. Times come from `now`.
 */
export class RollingCounts {
  private readonly a = new Float64Array(BUCKETS);
  private readonly b = new Float64Array(BUCKETS);
  private readonly bucketMs: number;
  /** Index (time / bucketMs) of the newest bucket written. */
  private current: number;

  constructor(
    windowMs: number,
    private readonly now: () => number,
  ) {
    this.bucketMs = Math.max(1, windowMs / BUCKETS);
    this.current = Math.floor(now() / this.bucketMs);
  }

  addA(): void {
    this.a[this.advance()]! += 1;
  }

  addB(): void {
    this.b[this.advance()]! += 1;
  }

  /** The window's totals. */
  totals(): { a: number; b: number } {
    this.advance();
    let a = 0;
    let b = 0;
    for (let i = 0; i < BUCKETS; i++) {
      a += this.a[i]!;
      b += this.b[i]!;
    }
    return { a, b };
  }

  clear(): void {
    this.a.fill(0);
    this.b.fill(0);
    this.current = Math.floor(this.now() / this.bucketMs);
  }

  /** Moves to the bucket of now, clearing the buckets skipped since the last call. */
  private advance(): number {
    const index = Math.floor(this.now() / this.bucketMs);
    if (index !== this.current) {
      const steps = Math.min(BUCKETS, index - this.current);
      for (let i = 1; i <= steps; i++) {
        const slot = (this.current + i) % BUCKETS;
        this.a[slot] = 0;
        this.b[slot] = 0;
      }
      if (index > this.current) this.current = index;
    }
    return this.current % BUCKETS;
  }
}
