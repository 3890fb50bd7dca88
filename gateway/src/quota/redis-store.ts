import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { bucketState, secondsUp } from './gcra.ts';
import { byNode, isRedirection } from './node-groups.ts';
import { ScriptBatch } from './script-batch.ts';
import { isCluster, scriptConnections, type RedisClient } from '../core/redis-client.ts';
import type { RoundTripObserver } from '../core/request-context.ts';
import { emissionIntervalUs, type BucketSpec, type BucketTake, type QuotaDecision, type QuotaStore } from './types.ts';

const GCRA_SCRIPT = readFileSync(new URL('./gcra.lua', import.meta.url), 'utf8');
const GCRA_SHA = createHash('sha1').update(GCRA_SCRIPT).digest('hex');

interface PendingRefund {
  bucket: BucketSpec;
  tokens: number;
}

/** A charge (and/or refund) Redis must take whatever the bucket holds: it was decided elsewhere. */
export interface ForcedCharge {
  quotaKey: string;
  takes: BucketTake[];
  /** Tokens given back per bucket, applied before the take (a refund); none by default. */
  gives?: number[];
}

export interface RedisQuotaStoreOptions {
  /** Every key starts with this; default "tollgate:". */
  keyPrefix: string;
  /** How often refunds not yet carried by a consume are flushed; default 1000 ms. */
  refundFlushMs?: number;
  /** Told of every command's round trip (`gcra`: one script call; `pipeline`: a batch), for metrics. */
  onCommand?: ((command: 'gcra' | 'pipeline', seconds: number, failed: boolean) => void) | undefined;
}

/**
 * Quotas in Redis: one EVALSHA per request (one event-loop turn's in one pipeline: script-batch.ts),
 * keys `<prefix>{<quota key>}:<bucket>` so one key's buckets share a Cluster slot. The script is
 * SCRIPT LOADed on every (re)connection — on a Cluster, on every master, and on each node ioredis
 * connects to later — and called by its SHA from the first call on (ioredis' defineCommand would
 * send the first call on each connection as a full EVAL whatever was loaded); a NOSCRIPT reply
 * (SCRIPT FLUSH, a failover to a replica without it) repeats that call once as an EVAL, which
 * caches the script again. Refunds ride along with the key's next consume, or a background flush.
 */
export class RedisQuotaStore implements QuotaStore {
  private readonly pending = new Map<string, Map<string, PendingRefund>>();
  private readonly flusher: NodeJS.Timeout;
  /** Set once the script is loaded on a connection; consumes before that wait for it. */
  private loaded = false;
  private readonly firstLoad: Promise<void>;
  private attempt: Promise<void> | undefined;
  /** The requests' EVALSHAs, one pipeline per event-loop turn (per node on a Cluster). */
  private readonly batch: ScriptBatch;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisQuotaStoreOptions,
  ) {
    this.batch = new ScriptBatch(redis, GCRA_SHA);
    this.flusher = setInterval(() => void this.flushRefunds(), options.refundFlushMs ?? 1000);
    this.flusher.unref();
    // Every (re)connection loads the script first, so the first EVALSHA after start or after a
    // restarted Redis is not an EVALSHA → NOSCRIPT → EVAL detour (two slow round trips). On a
    // Cluster, loaded means loaded on a master at least: a master that did not take it (down at
    // start) answers its first call with NOSCRIPT, and that call is repeated as an EVAL.
    this.firstLoad = new Promise((resolve) => {
      const load = () =>
        void Promise.allSettled(scriptConnections(redis).map((connection) => connection.script('LOAD', GCRA_SCRIPT))).then((outcomes) => {
          if (!outcomes.some((outcome) => outcome.status === 'fulfilled')) return; // the connection went again; the next 'ready' retries
          this.loaded = true;
          resolve();
        });
      redis.on('ready', load);
      if (redis.status === 'ready') load();
    });
    // A node the Cluster connects to later (a new master, a replica promoted by a failover, a node
    // back after a restart) gets the script as soon as it is known.
    if (isCluster(redis)) {
      redis.on('+node', (node: Redis) => {
        if (redis.status === 'ready') node.script('LOAD', GCRA_SCRIPT).catch(() => undefined);
      });
    }
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
  async consume(quotaKey: string, takes: BucketTake[], observer?: RoundTripObserver): Promise<QuotaDecision> {
    if (!this.loaded) await this.connectAttempt();
    const refunds = this.pending.get(quotaKey);
    this.pending.delete(quotaKey);
    const gives = takes.map((bucket) => refunds?.get(bucket.name)?.tokens ?? 0);
    let reply: number[];
    try {
      reply = await this.gcra(takes.length, [...this.keys(quotaKey, takes), ...this.args(takes, gives)], observer);
    } catch (error) {
      if (refunds) this.restore(quotaKey, refunds);
      throw error;
    }
    return decisionOf(takes, reply);
  }

  /**
   * Charges `takes` even past the burst (force), now, in one EVALSHA: the charge of a request that
   * was served on a local decision and that Redis, answering late, refused. Returns Redis's state.
   */
  async forceCharge(quotaKey: string, takes: BucketTake[]): Promise<QuotaDecision> {
    const reply = await this.gcra(takes.length, [...this.keys(quotaKey, takes), ...this.args(takes, takes.map(() => 0)), 1]);
    return decisionOf(takes, reply);
  }

  /**
   * Applies charges decided while this store was failed, in order, in one pipeline (one per node on
   * a Cluster), each forced (and its gives first). Returns the indexes of those Redis did not take
   * (to be sent again): a call that failed, or every call of a pipeline that failed as a whole.
   */
  async forceCharges(charges: readonly ForcedCharge[]): Promise<number[]> {
    const calls = charges.map(({ quotaKey, takes, gives }) => [
      takes.length,
      ...this.keys(quotaKey, takes),
      ...this.args(takes, gives ?? takes.map(() => 0)),
      1,
    ]);
    const errors = await this.pipelined(calls);
    return errors.flatMap((error, i) => (error ? [i] : []));
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
    const calls = batch.map(([quotaKey, refunds]) => {
      const buckets = [...refunds.values()];
      const takes = buckets.map(({ bucket }) => ({ ...bucket, take: 0 }));
      return [takes.length, ...this.keys(quotaKey, takes), ...this.args(takes, buckets.map((b) => b.tokens))];
    });
    const errors = await this.pipelined(calls);
    errors.forEach((error, i) => {
      if (error) this.restore(batch[i]![0], batch[i]![1]);
    });
  }

  async close(): Promise<void> {
    clearInterval(this.flusher);
    await this.flushRefunds().catch(() => undefined);
  }

  /**
   * One EVALSHA of the script; on NOSCRIPT (nothing ran) the call is repeated once as an EVAL, which
   * also caches the script on the server (one round trip, where SCRIPT LOAD + EVALSHA would be two).
   */
  private async gcra(numKeys: number, args: Array<string | number>, observer?: RoundTripObserver): Promise<number[]> {
    return this.timed('gcra', () => this.gcraOnce(numKeys, args), observer);
  }

  /**
   * Runs one round trip and tells `onCommand` (the store's metrics) how long it took and whether it
   * failed, and `observer` (the request's trace, when it has one) when it started and ended.
   */
  private async timed<T>(command: 'gcra' | 'pipeline', run: () => Promise<T>, observer?: RoundTripObserver): Promise<T> {
    const onCommand = this.options.onCommand;
    if (onCommand === undefined && observer === undefined) return run();
    const startedAt = performance.now();
    const ended = observer?.roundTripStarted(command);
    try {
      const result = await run();
      onCommand?.(command, (performance.now() - startedAt) / 1000, false);
      ended?.(false);
      return result;
    } catch (error) {
      onCommand?.(command, (performance.now() - startedAt) / 1000, true);
      ended?.(true);
      throw error;
    }
  }

  private async gcraOnce(numKeys: number, args: Array<string | number>): Promise<number[]> {
    try {
      return (await this.batch.evalsha(numKeys, args)) as number[];
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return (await this.redis.eval(GCRA_SCRIPT, numKeys, ...args)) as number[];
    }
  }

  /**
   * EVALSHAs in one pipeline per node (`calls[i]` = numKeys, then keys and args), in order. The calls
   * that got NOSCRIPT are sent again once, as EVAL; a call its node redirected (not run) is sent
   * again alone, which follows the redirection. Per call: null, or its error (a pipeline that failed
   * as a whole: that error for each of its calls). Never rejects.
   */
  private async pipelined(calls: ReadonlyArray<ReadonlyArray<string | number>>): Promise<Array<Error | null>> {
    const sendGroup = async (indexes: number[], withScript: boolean): Promise<Array<Error | null>> => {
      const pipeline = this.redis.pipeline();
      for (const i of indexes) {
        const [numKeys, ...args] = calls[i]!;
        if (withScript) pipeline.eval(GCRA_SCRIPT, numKeys!, ...args);
        else pipeline.evalsha(GCRA_SHA, numKeys!, ...args);
      }
      let results: Array<[Error | null, unknown]>;
      try {
        const replies = await this.timed('pipeline', () => pipeline.exec());
        if (!replies) throw new Error('Redis pipeline was not executed');
        results = replies;
      } catch (error) {
        return indexes.map(() => (error instanceof Error ? error : new Error(String(error))));
      }
      return Promise.all(
        results.map(async ([error], j) => {
          if (!error || !isRedirection(error)) return error ?? null;
          const [numKeys, ...args] = calls[indexes[j]!]!;
          const again = withScript ? this.redis.eval(GCRA_SCRIPT, numKeys!, ...args) : this.redis.evalsha(GCRA_SHA, numKeys!, ...args);
          return again.then(
            () => null,
            (failed: unknown) => (failed instanceof Error ? failed : new Error(String(failed))),
          );
        }),
      );
    };
    const send = async (indexes: number[], withScript: boolean): Promise<Array<Error | null>> => {
      const errors: Array<Error | null> = calls.map(() => null);
      const groups = byNode(this.redis, indexes, (i) => String(calls[i]![1]));
      await Promise.all(
        groups.map(async (group) => {
          const groupErrors = await sendGroup(group, withScript);
          group.forEach((index, j) => (errors[index] = groupErrors[j] ?? null));
        }),
      );
      return indexes.map((index) => errors[index] ?? null);
    };
    const errors = await send(calls.map((_, i) => i), false);
    const noScript = errors.flatMap((error, i) => (isNoScript(error) ? [i] : []));
    if (noScript.length > 0) {
      const again = await send(noScript, true);
      noScript.forEach((index, j) => (errors[index] = again[j] ?? null));
    }
    return errors;
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

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.includes('NOSCRIPT');
}

function decisionOf(takes: BucketTake[], reply: number[]): QuotaDecision {
  const [admitted, retryUs] = reply as [number, number];
  return {
    admitted: admitted === 1,
    retryAfterS: secondsUp(retryUs),
    buckets: takes.map((bucket, i) => bucketState(bucket, reply[2 + i * 2]!, reply[3 + i * 2]!)),
  };
}
