// Automatic persisted queries shared by every instance (`persisted_documents.apq.store: redis`):
//   <prefix>apq:<sha256 hex>    STRING   the query text, SET with EX `ttl_s` by each registration
// This instance's memory (PersistedQueryCache) sits in front: a hash it holds costs no round trip,
// and a text read from Redis is kept there; a hash Redis did not hold is answered as a miss for
// 2 s without asking again (bounded), so one client repeating an unknown hash costs one GET. Redis is a help, never a dependency: a lookup that
// fails, times out or reads a text that does not hash to its key is a miss (the client re-sends
// the query); a registration that fails leaves the query unshared (it runs all the same). Failures
// are counted (`stats`, read by /metrics) and logged when they start and when they end.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { LruCache, type CacheUsage } from '../core/cache.ts';
import { createRedisClient, type RedisClient, type RedisDeployment } from '../core/redis-client.ts';
import type { PersistedQueryCache } from './apq-cache.ts';
import type { PersistedQueryStore } from './apq-store.ts';

export interface RedisPersistedQueryOptions {
  /** `redis.url`, `redis.cluster` or `redis.sentinel`. */
  deployment: RedisDeployment;
  /** `redis.key_prefix`. */
  keyPrefix: string;
  /** `redis.timeout_ms`: a round trip's deadline; a lookup past it is a miss. */
  timeoutMs: number;
  /** `persisted_documents.apq.ttl_s`. */
  ttlS: number;
  /** `persisted_documents.apq.max_document_bytes`. */
  maxDocumentBytes: number;
  logger: Logger;
  /** How long a hash Redis did not hold is answered as a miss without asking again (ms); default 2000. */
  missTtlMs?: number;
}

/** Round trips since start, for /metrics (`tollgate_apq_redis_commands_total`). */
export interface RedisPersistedQueryStats {
  getHits: number;
  getMisses: number;
  getErrors: number;
  sets: number;
  setErrors: number;
}

/**
 * Hashes Redis answered "not there" for, remembered this long (ms) and at most this many: a client
 * re-sending one unknown hash (before it sends the query, or in a loop) costs one GET, not one per
 * request. Short, so a query registered on another instance is found here soon after.
 */
const MISS_TTL_MS = 2000;
const MAX_MISSES_KEPT = 10_000;

/** What a registered hash looks like (lowercase hex SHA-256): anything else cannot be in Redis. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function apqKey(prefix: string, sha256Hash: string): string {
  return `${prefix}apq:${sha256Hash}`;
}

export class RedisPersistedQueryStore implements PersistedQueryStore {
  readonly stats: RedisPersistedQueryStats = { getHits: 0, getMisses: 0, getErrors: 0, sets: 0, setErrors: 0 };
  readonly #redis: RedisClient;
  /** Lookups on their way to Redis, by hash: a burst of requests for one new hash makes one GET. */
  readonly #pending = new Map<string, Promise<string | undefined>>();
  /** Recent misses (hash → when the GET answered null), bounded; a registration here drops its hash. */
  readonly #misses = new LruCache<string, true>(MAX_MISSES_KEPT);
  /** Whether the last round trip failed: the log says when failures start and end, not each one. */
  #failing = false;
  #closed = false;

  constructor(
    private readonly local: PersistedQueryCache,
    private readonly options: RedisPersistedQueryOptions,
  ) {
    // Its own connection: a 64 KB text in flight on the quota store's would hold up quota checks.
    // No offline queue and no retries: while Redis is away a command fails at once (a miss), and
    // `commandTimeout` bounds one that was sent to a Redis that does not answer.
    // One key per command (GET, SET), so a Cluster serves it like one server.
    this.#redis = createRedisClient(options.deployment, {
      connectTimeoutMs: Math.max(options.timeoutMs, 1000),
      commandTimeoutMs: options.timeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    });
    // Connection errors come with every reconnect attempt; the failed commands are what is logged.
    this.#redis.on('error', (error: Error) => options.logger.debug({ err: error }, 'APQ store: Redis connection error'));
  }

  get usage(): CacheUsage {
    return this.local.usage;
  }

  /** Resolves once connected, or at the first connection error, or after `waitMs` (start-up waits on it). */
  whenConnected(waitMs: number): Promise<void> {
    if (this.#redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#redis.off('ready', done).off('error', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.#redis.once('ready', done).once('error', done);
    });
  }

  lookup(sha256Hash: string): string | undefined | Promise<string | undefined> {
    const known = this.local.lookup(sha256Hash);
    if (known !== undefined || !SHA256_HEX.test(sha256Hash) || this.#misses.get(sha256Hash) !== undefined) return known;
    let pending = this.#pending.get(sha256Hash);
    if (pending === undefined) {
      pending = this.read(sha256Hash);
      this.#pending.set(sha256Hash, pending);
      void pending.then(() => this.#pending.delete(sha256Hash));
    }
    return pending;
  }

  register(sha256Hash: string, query: string): void {
    // Registered here already (or read from Redis): its key is set, a SET per request would be waste.
    if (query.length > this.options.maxDocumentBytes || this.local.lookup(sha256Hash) !== undefined) return;
    this.local.register(sha256Hash, query);
    this.#misses.delete(sha256Hash);
    // Not awaited: the query runs meanwhile, and a failure only means other instances miss it.
    this.#redis.set(apqKey(this.options.keyPrefix, sha256Hash), query, 'EX', this.options.ttlS).then(
      () => {
        this.stats.sets += 1;
        this.answered();
      },
      (error: unknown) => {
        this.stats.setErrors += 1;
        this.failed('set', error);
      },
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#redis.disconnect();
  }

  private async read(sha256Hash: string): Promise<string | undefined> {
    let text: string | null;
    try {
      text = await this.#redis.get(apqKey(this.options.keyPrefix, sha256Hash));
    } catch (error) {
      this.stats.getErrors += 1;
      this.failed('get', error);
      return undefined;
    }
    if (text === null) {
      this.stats.getMisses += 1;
      this.#misses.set(sha256Hash, true, Date.now() + (this.options.missTtlMs ?? MISS_TTL_MS));
      this.answered();
      return undefined;
    }
    // Only what hashes to its key runs: a key someone else wrote (or a damaged value) is a miss.
    if (text.length > this.options.maxDocumentBytes || createHash('sha256').update(text).digest('hex') !== sha256Hash) {
      this.stats.getErrors += 1;
      this.failed('get', new Error(`the text under ${apqKey(this.options.keyPrefix, sha256Hash)} does not hash to its key`));
      return undefined;
    }
    this.stats.getHits += 1;
    this.answered();
    this.local.register(sha256Hash, text);
    return text;
  }

  private failed(command: 'get' | 'set', error: unknown): void {
    if (this.#failing || this.#closed) return;
    this.#failing = true;
    // The reason and the connection's state say enough; a stack would only point into ioredis.
    const reason = error instanceof Error ? error.message : String(error);
    this.options.logger.warn(
      { command, error: reason, connection: this.#redis.status },
      'APQ store: Redis round trip failed; lookups count as misses (clients re-send the query) until it answers again',
    );
  }

  private answered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.options.logger.info('APQ store: Redis answers again');
  }
}
