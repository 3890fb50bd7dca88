import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { bucketState, secondsUp } from './gcra.ts';
import { emissionIntervalUs, type BucketSpec, type BucketTake, type QuotaDecision, type QuotaStore } from './types.ts';

const GCRA_SCRIPT = readFileSync(new URL('./gcra.lua', import.meta.url), 'utf8');

type GcraCommand = (numKeys: number, ...keysAndArgs: Array<string | number>) => Promise<number[]>;

interface PendingRefund {
  bucket: BucketSpec;
  tokens: number;
}

export interface RedisQuotaStoreOptions {
  /** Every key starts with this; default "tollgate:". */
  keyPrefix: string;
  /** How often refunds not yet carried by a consume are flushed; default 1000 ms. */
  refundFlushMs?: number;
}

/**
 * Quotas in Redis: one EVALSHA per request (ioredis' defineCommand loads the script once and
 * re-sends it on NOSCRIPT), keys `<prefix>{<quota key>}:<bucket>` so one key's buckets share a
 * Cluster slot. Refunds ride along with the key's next consume, or a background flush.
 */
export class RedisQuotaStore implements QuotaStore {
  private readonly gcra: GcraCommand;
  private readonly pending = new Map<string, Map<string, PendingRefund>>();
  private readonly flusher: NodeJS.Timeout;
  /** Set once the script is loaded on a connection; consumes before that wait for it. */
  private loaded = false;
  private readonly firstLoad: Promise<void>;
  private attempt: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisQuotaStoreOptions,
  ) {
    redis.defineCommand('tollgateGcra', { lua: GCRA_SCRIPT });
    this.gcra = (redis as unknown as { tollgateGcra: GcraCommand }).tollgateGcra.bind(redis);
    this.flusher = setInterval(() => void this.flushRefunds(), options.refundFlushMs ?? 1000);
    this.flusher.unref();
    // Every (re)connection loads the script first, so the first EVALSHA after start or after a
    // restarted Redis is not an EVALSHA → NOSCRIPT → EVAL detour (two slow round trips).
    this.firstLoad = new Promise((resolve) => {
      const load = () =>
        void redis.script('LOAD', GCRA_SCRIPT).then(
          () => {
            this.loaded = true;
            resolve();
          },
          () => undefined, // the connection went again; the next 'ready' retries
        );
      redis.on('ready', load);
      if (redis.status === 'ready') load();
    });
  }

  /** True once the script is loaded on a connection (the store can answer). */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Resolves once the first connection is made and the script loaded. */
  whenLoaded(): Promise<void> {
    return this.firstLoad;
  }

  /**
   * Before the first connection: resolves with it, or rejects at the attempt's first error, so a
   * request that arrives during start-up waits for Redis, but none waits on a Redis that is down.
   */
  private connectAttempt(): Promise<void> {
    this.attempt ??= new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => reject(error instanceof Error ? error : new Error('Redis is not connected'));
      this.redis.once('error', fail);
      this.firstLoad.then(() => {
        this.redis.off('error', fail);
        resolve();
      });
    }).finally(() => {
      this.attempt = undefined;
    });
    return this.attempt;
  }

  /** One PING: does the store answer on this connection? */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /**
   * One EVALSHA, with no deadline of its own (FailoverQuotaStore keeps the deadline and, past it,
   * this promise, to reconcile the late reply). Before the first connection, it waits for it.
   */
  async consume(quotaKey: string, takes: BucketTake[]): Promise<QuotaDecision> {
    if (!this.loaded) await this.connectAttempt();
    const refunds = this.pending.get(quotaKey);
    this.pending.delete(quotaKey);
    const gives = takes.map((bucket) => refunds?.get(bucket.name)?.tokens ?? 0);
    let reply: number[];
    try {
      reply = await this.gcra(takes.length, ...this.keys(quotaKey, takes), ...this.args(takes, gives));
    } catch (error) {
      if (refunds) this.restore(quotaKey, refunds);
      throw error;
    }
    return decisionOf(takes, reply);
  }

  /**
   * Charges `takes` even past the burst (force), now, in one EVALSHA: the charge of a request that
   * was served on a local decision and that Redis, answering late, refused.
   */
  async forceCharge(quotaKey: string, takes: BucketTake[]): Promise<void> {
    await this.gcra(takes.length, ...this.keys(quotaKey, takes), ...this.args(takes, takes.map(() => 0)), 1);
  }

  refund(quotaKey: string, bucket: BucketSpec, tokens: number): void {
    if (!(tokens > 0)) return;
    let refunds = this.pending.get(quotaKey);
    if (!refunds) this.pending.set(quotaKey, (refunds = new Map()));
    const existing = refunds.get(bucket.name);
    if (existing) existing.tokens += tokens;
    else refunds.set(bucket.name, { bucket, tokens });
  }
  /** Sends every pending refund now, in one pipeline (a take of 0 with a give). */
  async flushRefunds(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    const pipeline = this.redis.pipeline();
    for (const [quotaKey, refunds] of batch) {
      const buckets = [...refunds.values()];
      const takes = buckets.map(({ bucket }) => ({ ...bucket, take: 0 }));
      (pipeline as unknown as { tollgateGcra: GcraCommand }).tollgateGcra(
        takes.length,
        ...this.keys(quotaKey, takes),
        ...this.args(takes, buckets.map((b) => b.tokens)),
      );
    }
    try {
      const results = await pipeline.exec();
      results?.forEach(([error], i) => {
        if (error) this.restore(batch[i]![0], batch[i]![1]);
      });
    } catch {
      for (const [quotaKey, refunds] of batch) this.restore(quotaKey, refunds);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.flusher);
    await this.flushRefunds().catch(() => undefined);
  }

  private keys(quotaKey: string, buckets: BucketSpec[]): string[] {
    // Braces in a quota key would break the {hash tag}; percent-encode them (and '%' itself).
    const tag = quotaKey.replace(/[%{}]/g, encodeURIComponent);
    return buckets.map((bucket) => `${this.options.keyPrefix}{${tag}}:${bucket.name}`);
  }

  private args(takes: BucketTake[], gives: number[]): number[] {
    return takes.flatMap((bucket, i) => {
      const interval = emissionIntervalUs(bucket);
      return [interval, interval * bucket.capacity, bucket.take, gives[i] ?? 0];
    });
  }

  private restore(quotaKey: string, refunds: Map<string, PendingRefund>): void {
    for (const { bucket, tokens } of refunds.values()) this.refund(quotaKey, bucket, tokens);
  }
}

function decisionOf(takes: BucketTake[], reply: number[]): QuotaDecision {
  const [admitted, retryUs] = reply as [number, number];
  return {
    admitted: admitted === 1,
    retryAfterS: secondsUp(retryUs),
    buckets: takes.map((bucket, i) => bucketState(bucket, reply[2 + i * 2]!, reply[3 + i * 2]!)),
  };
}
