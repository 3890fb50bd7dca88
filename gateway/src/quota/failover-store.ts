import type { Logger } from 'pino';
import { GatewayError } from '../core/errors.ts';
import type { RoundTripObserver } from '../core/request-context.ts';
import { withinDeadline } from './deadline.ts';
import type { MemoryQuotaStore } from './memory-store.ts';
import type { ForcedCharge, RedisQuotaStore } from './redis-store.ts';
import type { BucketSpec, BucketTake, QuotaDecision, QuotaStore } from './types.ts';

/** Event-loop lag (ms) worth a log line: the old fixed Redis timeout. */
const LAG_WORTH_LOGGING_MS = 50;

/** Default bound of the charges owed to Redis while it is failed (per process). */
const DEFAULT_BACKLOG_LIMIT = 10_000;

/** Rounds of backlog replay before Redis is declared back (new local charges can arrive meanwhile). */
const REPLAY_ROUNDS = 5;

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
  /** Most charges kept for Redis while it is failed; more are dropped (counted, logged). Default 10,000. */
  backlogLimit?: number;
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
  /** Charges (and refunds) decided locally while Redis was failed, kept for Redis. */
  queued: number;
  /** Of those: applied to Redis (forced) when it was back, before it decided anything new. */
  replayed: number;
  /** Of those: dropped because the backlog was full (Redis never saw them). */
  dropped: number;
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
 * No double charge, no lost charge, every served request charged once in Redis:
 *  - a check past its deadline keeps the EVALSHA's promise. When the late reply comes: served
 *    locally and charged by Redis → the local limiter catches up with Redis's state (never frees a
 *    slot: it may count requests the reply does not); served locally but refused by Redis → the
 *    charge is forced into Redis; refused locally (or 503) but charged by Redis → Redis gets it back;
 *  - a request served locally that Redis never saw (store failed, or the check erred) is owed to
 *    Redis: kept in a bounded backlog and, when the probe finds Redis back, forced into it before
 *    Redis decides anything new (so one instance admits exactly the limit across the outage).
 *
 * The local limiter mirrors every timely Redis reply, so a request decided locally starts from
 * what Redis last said about its key (one instance stays exact through a slow patch).
 */
export class FailoverQuotaStore implements QuotaStore {
  private degraded = false;
  private consecutiveLate = 0;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;
  readonly counters: FailoverCounters = {
    shared: 0,
    local: 0,
    late: 0,
    reconciled: 0,
    forcedCharges: 0,
    refundedCharges: 0,
    queued: 0,
    replayed: 0,
    dropped: 0,
  };
  /** Charges Redis is owed (decided locally while it was failed), in decision order. */
  private readonly backlog: ForcedCharge[] = [];
  /** Dropped since the last recovery (logged once when it starts, summed up on recovery). */
  private droppedThisOutage = 0;
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

  async consume(quotaKey: string, takes: BucketTake[], observer?: RoundTripObserver): Promise<QuotaDecision> {
    if (this.degraded) return this.decideLocally(quotaKey, takes, true);
    const work = this.shared.consume(quotaKey, takes, observer);
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
      // Redis answered with an error (or was not reached): it charged nothing, so a local charge is owed.
      return this.decideLocally(quotaKey, takes, true);
    }
    // Past the deadline: Redis itself was slow (the lag is not counted). Decide now, reconcile later.
    this.counters.late++;
    if (++this.consecutiveLate >= this.options.failureThreshold) {
      this.setDegraded(true, new Error(`${this.consecutiveLate} consecutive quota checks took longer than ${this.options.timeoutMs} ms`));
    }
    let local: QuotaDecision | undefined;
    try {
      local = await this.decideLocally(quotaKey, takes, false);
      return local;
    } finally {
      const servedLocally = local?.admitted === true;
      void work.then(
        (late) => this.reconcile(quotaKey, takes, servedLocally, late),
        // No reply at all (the connection went): Redis is taken not to have charged it.
        () => {
          if (servedLocally) this.owe({ quotaKey, takes });
        },
      );
    }
  }

  /**
   * While Redis is failed, a refund (cost charged beyond the actual) goes to the local limiter and
   * is owed to Redis too, after the charges before it (a give ahead of its charge would be lost to
   * the bucket's floor); else it rides with the key's next EVALSHA.
   */
  refund(quotaKey: string, bucket: BucketSpec, tokens: number): void {
    if (!(tokens > 0)) return;
    if (this.degraded) {
      this.local.refund(quotaKey, bucket, tokens);
      this.owe({ quotaKey, takes: [{ ...bucket, take: 0 }], gives: [tokens] });
    } else this.shared.refund(quotaKey, bucket, tokens);
  }

  /** Marks Redis failed now (start-up: no connection within `redis.ready_wait_ms`). */
  markFailed(reason: unknown): void {
    this.setDegraded(true, reason);
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

  /**
   * Decides on the local limiter (fail_open) or refuses (fail_closed). `owedToRedis`: Redis will not
   * see this request otherwise (no EVALSHA in flight), so an admitted one is queued for it in the
   * same turn it is decided (a recovery cannot slip in between).
   */
  private decideLocally(quotaKey: string, takes: BucketTake[], owedToRedis: boolean): Promise<QuotaDecision> {
    this.counters.local++;
    if (this.options.mode === 'fail_closed') return Promise.reject(new QuotaStoreUnavailableError());
    const decision = this.local.consumeNow(quotaKey, takes);
    if (decision.admitted && owedToRedis) this.owe({ quotaKey, takes });
    return Promise.resolve(decision);
  }

  /**
   * A charge Redis must take though it did not decide it. While failed: into the backlog (bounded),
   * replayed when Redis is back. Else: forced now; if that fails, Redis is marked failed and the
   * charge waits in the backlog like the others.
   */
  private owe(charge: ForcedCharge): void {
    if (!this.degraded) {
      const keep = (error: unknown) => {
        this.setDegraded(true, error);
        this.owe(charge); // failed now: into the backlog
      };
      this.shared.forceCharges([charge]).then(
        (failed) => failed.length > 0 && keep(new Error('Redis did not take a charge owed to it')),
        keep,
      );
      return;
    }
    const limit = this.options.backlogLimit ?? DEFAULT_BACKLOG_LIMIT;
    if (this.backlog.length >= limit) {
      this.counters.dropped++;
      if (this.droppedThisOutage++ === 0) {
        this.logger.error({ backlogLimit: limit }, 'quota charges owed to Redis exceed the backlog: further local charges are not sent to Redis');
      }
      return;
    }
    this.counters.queued++;
    this.backlog.push(charge);
  }

  /**
   * Redis is back: forces the backlog into it, in order, before Redis decides anything new (the
   * store stays failed until the backlog is empty; charges decided meanwhile join it). False if
   * Redis failed again (what it did not take stays queued).
   */
  private async replayBacklog(): Promise<boolean> {
    for (let round = 0; round < REPLAY_ROUNDS && this.backlog.length > 0; round++) {
      const batch = this.backlog.splice(0, this.backlog.length);
      let failed: number[];
      try {
        failed = await this.shared.forceCharges(batch);
      } catch (error) {
        this.backlog.unshift(...batch);
        this.logger.warn({ err: error, owed: this.backlog.length }, 'could not apply the charges owed to Redis; retrying at the next probe');
        return false;
      }
      this.counters.replayed += batch.length - failed.length;
      if (failed.length > 0) {
        // Calls that failed, or whole pipelines (one per Cluster node): those charges wait again.
        this.backlog.unshift(...failed.map((i) => batch[i]!));
        this.logger.warn({ failed: failed.length, owed: this.backlog.length }, 'could not apply the charges owed to Redis; retrying at the next probe');
        return false;
      }
    }
    return this.backlog.length === 0;
  }

  /** A late Redis reply: make Redis hold exactly the charge of what was served. */
  private reconcile(quotaKey: string, takes: BucketTake[], servedLocally: boolean, late: QuotaDecision): void {
    this.counters.reconciled++;
    if (servedLocally) {
      if (late.admitted) {
        // Redis holds this charge, and the local limiter too: it only catches up with Redis's view.
        this.local.catchUp(quotaKey, late.buckets);
      } else {
        this.counters.forcedCharges++;
        this.shared.forceCharge(quotaKey, takes).then(
          (forced) => this.local.catchUp(quotaKey, forced.buckets),
          (error: unknown) => {
            this.logger.warn({ err: error }, 'could not charge Redis for a request admitted locally; kept for it');
            this.owe({ quotaKey, takes });
          },
        );
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
      this.logger.warn(
        { replayed: this.counters.replayed, dropped: this.droppedThisOutage },
        'quota store available again: charges owed applied, shared limits in force',
      );
      this.droppedThisOutage = 0;
    }
  }

  // While failed, one PING per interval (within the same lag-aware deadline) decides when Redis is back.
  private scheduleProbe(): void {
    if (this.closed) return;
    this.probe = setTimeout(async () => {
      const outcome = await withinDeadline(this.shared.ping(), this.options.timeoutMs);
      if (this.closed) return;
      if (outcome.kind === 'value' && this.shared.isLoaded && (await this.replayBacklog())) this.setDegraded(false);
      else if (this.degraded) this.scheduleProbe();
    }, this.options.probeIntervalMs);
    this.probe.unref();
  }
}
