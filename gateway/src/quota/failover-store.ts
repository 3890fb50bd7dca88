import type { Logger } from 'pino';
import { GatewayError } from '../core/errors.ts';
import { withinDeadline } from './deadline.ts';
import type { MemoryQuotaStore } from './memory-store.ts';
import type { RedisQuotaStore } from './redis-store.ts';
import type { BucketSpec, BucketTake, QuotaDecision, QuotaStore } from './types.ts';

/** Event-loop lag (ms) worth a log line: the old fixed Redis timeout. */
const LAG_WORTH_LOGGING_MS = 50;

export type StoreFailureMode = 'fail_open' | 'fail_closed';

export class QuotaStoreUnavailableError extends GatewayError {
  constructor() {
    super('QUOTA_STORE_UNAVAILABLE', 'Rate limiting is unavailable; try again shortly', { headers: { 'retry-after': '1' } });
  }
}

export interface FailoverOptions {
  mode: StoreFailureMode;
  /** How long a check waits for Redis, event-loop lag not counted (deadline.ts). */
  timeoutMs: number;
  /** Consecutive checks past their deadline that mark the store failed (an error marks it at once). */
  failureThreshold: number;
  /** While failed: how often a PING asks whether Redis is back. */
  probeIntervalMs: number;
}

/** Counters for tests and metrics: how often each path was taken. */
export interface FailoverCounters {
  /** Checks decided by Redis within the deadline. */
  shared: number;
  /** Checks decided locally (or refused, fail_closed) because Redis was failed, erred or late. */
  local: number;
  /** Checks past their deadline (each is reconciled when its reply comes). */
  late: number;
  /** Checks past their deadline whose Redis reply came later and was reconciled. */
  reconciled: number;
  /** Of those: Redis refused a request served locally, so its charge was forced into Redis. */
  forcedCharges: number;
  /** Of those: Redis charged a request refused locally, so the charge was given back. */
  refundedCharges: number;
}

/**
 * Wraps the shared (Redis) store with the failure policy of `quotas.on_store_failure`.
 *
 * Failure is a property of the store, not of this process:
 *  - a check's deadline does not count event-loop lag (deadline.ts), so a busy gateway waits for
 *    the reply that Redis already sent instead of calling Redis down;
 *  - one late check is decided locally, but the store is marked failed only after
 *    `failureThreshold` consecutive late checks, or at once on a connection error; while failed,
 *    checks go straight to the local limiter and a PING probe decides when Redis is back.
 *
 * No double charge, no lost charge: a check past its deadline keeps the EVALSHA's promise. When the
 * late reply comes, the request's charge ends up counted once, in Redis: served locally and charged
 * by Redis → the local charge is dropped; served locally but refused by Redis → the charge is forced
 * into Redis; refused locally (or 503) but charged by Redis → Redis gets it back.
 *
 * The local limiter mirrors every timely Redis reply, so a request decided locally starts from
 * what Redis last said about its key (one instance stays exact through a slow patch).
 */
export class FailoverQuotaStore implements QuotaStore {
  private degraded = false;
  private consecutiveLate = 0;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;
  readonly counters: FailoverCounters = { shared: 0, local: 0, late: 0, reconciled: 0, forcedCharges: 0, refundedCharges: 0 };
  /** Largest event-loop lag a check waited through (ms), for logs and tests. */
  maxLagMs = 0;

  constructor(
    private readonly shared: RedisQuotaStore,
    private readonly local: MemoryQuotaStore,
    private readonly options: FailoverOptions,
    private readonly logger: Logger,
  ) {}

  /** True while the shared store is marked failed (requests are decided locally or refused). */
  get isDegraded(): boolean {
    return this.degraded;
  }

  async consume(quotaKey: string, takes: BucketTake[]): Promise<QuotaDecision> {
    if (this.degraded) return this.decideLocally(quotaKey, takes);
    const work = this.shared.consume(quotaKey, takes);
    const outcome = await withinDeadline(work, this.options.timeoutMs);
    this.noteLag(outcome.lagMs);
    if (outcome.kind === 'value') {
      this.consecutiveLate = 0;
      this.counters.shared++;
      this.local.mirror(quotaKey, outcome.value.buckets);
      return outcome.value;
    }
    if (outcome.kind === 'error') {
      this.setDegraded(true, outcome.error);
      return this.decideLocally(quotaKey, takes);
    }
    // Past the deadline: Redis itself was slow (the lag is not counted). Decide now, reconcile later.
    this.counters.late++;
    if (++this.consecutiveLate >= this.options.failureThreshold) {
      this.setDegraded(true, new Error(`${this.consecutiveLate} consecutive quota checks took longer than ${this.options.timeoutMs} ms`));
    }
    let local: QuotaDecision | undefined;
    try {
      local = await this.decideLocally(quotaKey, takes);
      return local;
    } finally {
      void work.then(
        (late) => this.reconcile(quotaKey, takes, local?.admitted === true, late),
        () => undefined, // no reply at all (connection lost): nothing known to reconcile
      );
    }
  }

  refund(quotaKey: string, bucket: BucketSpec, tokens: number): void {
    if (this.degraded) this.local.refund(quotaKey, bucket, tokens);
    else this.shared.refund(quotaKey, bucket, tokens);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearTimeout(this.probe);
    await Promise.all([this.shared.close(), this.local.close()]);
  }

  // Lag a check waited through is this process's CPU load, not Redis: said at most once a second,
  // so operators see why quota checks took long without the store being marked failed.
  private lastLagLog = 0;
  private noteLag(lagMs: number): void {
    if (lagMs > this.maxLagMs) this.maxLagMs = lagMs;
    if (lagMs < LAG_WORTH_LOGGING_MS || performance.now() - this.lastLagLog < 1000) return;
    this.lastLagLog = performance.now();
    this.logger.warn({ lagMs: Math.round(lagMs), maxLagMs: Math.round(this.maxLagMs) }, 'quota check waited through event-loop lag (not counted against Redis)');
  }

  private decideLocally(quotaKey: string, takes: BucketTake[]): Promise<QuotaDecision> {
    this.counters.local++;
    if (this.options.mode === 'fail_closed') throw new QuotaStoreUnavailableError();
    return this.local.consume(quotaKey, takes);
  }

  /** A late Redis reply: make Redis hold exactly the charge of what was served. */
  private reconcile(quotaKey: string, takes: BucketTake[], servedLocally: boolean, late: QuotaDecision): void {
    this.counters.reconciled++;
    if (servedLocally) {
      // The local charge is dropped either way: Redis holds it (now, or forced below).
      for (const take of takes) this.local.refund(quotaKey, take, take.take);
      if (!late.admitted) {
        this.counters.forcedCharges++;
        this.shared.forceCharge(quotaKey, takes).catch((error: unknown) => {
          this.logger.warn({ err: error }, 'could not charge Redis for a request admitted locally');
        });
      }
    } else if (late.admitted) {
      this.counters.refundedCharges++;
      for (const take of takes) this.shared.refund(quotaKey, take, take.take);
      void this.shared.flushRefunds();
    }
  }

  private setDegraded(degraded: boolean, error?: unknown): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    this.consecutiveLate = 0;
    if (degraded) {
      this.logger.error(
        { err: error, mode: this.options.mode },
        this.options.mode === 'fail_open'
          ? 'quota store unavailable: admitting requests under local per-instance limits (fail_open)'
          : 'quota store unavailable: refusing requests with 503 (fail_closed)',
      );
      this.scheduleProbe();
    } else {
      this.logger.warn('quota store available again: shared limits in force');
    }
  }

  // While failed, one PING per interval (within the same lag-aware deadline) decides when Redis is back.
  private scheduleProbe(): void {
    if (this.closed) return;
    this.probe = setTimeout(async () => {
      const outcome = await withinDeadline(this.shared.ping(), this.options.timeoutMs);
      if (outcome.kind === 'value' && this.shared.isLoaded) this.setDegraded(false);
      else if (this.degraded) this.scheduleProbe();
    }, this.options.probeIntervalMs);
    this.probe.unref();
  }
}
