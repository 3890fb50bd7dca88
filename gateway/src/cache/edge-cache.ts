// The edge cache of one running gateway: its store (memory or Redis), the invalidation channel,
// the counters. Per supergraph it hands the executor a FetchCacheHook (graph-cache.ts). A store
// that fails is never the client's problem: the fetch goes to the subgraph (uncached), the
// failure is logged once (until the store answers again) and counted.
import type { Logger } from 'pino';
import { createRedisClient, isRedisConfigured, type RedisClient, type RedisDeployment } from '../core/redis-client.ts';
import type { CacheConfig } from './config.ts';
import { invalidationChannel, parseStampMessage, publishStamps, stampsOf, type InvalidationTarget } from './invalidation.ts';
import { CacheKeys } from './keys.ts';
import { RedisCacheStore } from './redis-store.ts';
import { CacheStats } from './stats.ts';
import { MemoryCacheStore, type CacheStore, type StoreEntry } from './store.ts';

export interface EdgeCacheOptions {
  config: CacheConfig;
  /** `redis`: where the shared store and the invalidation channel are (optional for the memory store). */
  redis: RedisDeployment & { key_prefix: string };
  logger: Logger;
}

export class EdgeCache {
  readonly keys: CacheKeys;
  readonly stats = new CacheStats();
  readonly store: CacheStore;
  readonly config: CacheConfig;
  readonly #logger: Logger;
  readonly #keyPrefix: string;
  readonly #redis: RedisClient | undefined;
  readonly #subscriber: RedisClient | undefined;
  #down = false;

  constructor(options: EdgeCacheOptions) {
    const { config, redis, logger } = options;
    this.config = config;
    this.#logger = logger;
    this.#keyPrefix = redis.key_prefix;
    this.keys = new CacheKeys(redis.key_prefix);
    if (isRedisConfigured(redis)) {
      // Commands fail at once while disconnected and are never resent: a miss is cheaper than a wait.
      const clientOptions = {
        connectTimeoutMs: Math.max(config.redis_timeout_ms, 1000),
        commandTimeoutMs: config.redis_timeout_ms,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 5000),
      };
      this.#redis = createRedisClient(redis, clientOptions);
      this.#redis.on('error', (error: Error) => this.#failed(error));
    }
    if (config.store === 'redis') {
      if (this.#redis === undefined) throw new Error('cache.store redis needs redis.url, redis.cluster or redis.sentinel');
      this.store = new RedisCacheStore(this.#redis);
    } else {
      const memory = new MemoryCacheStore(config.max_entries, config.max_mb * 1024 * 1024, (key) => this.keys.isStamp(key));
      this.store = memory;
      if (this.#redis !== undefined) {
        // Another instance's invalidations reach this one's memory.
        const subscriber = createRedisClient(redis, { connectTimeoutMs: 5000, maxRetriesPerRequest: 0, retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5000) });
        subscriber.on('error', (error: Error) => this.#failed(error));
        subscriber.on('message', (_channel: string, message: string) => memory.setNow(parseStampMessage(message)));
        subscriber.subscribe(invalidationChannel(redis.key_prefix)).catch((error: Error) => this.#failed(error));
        this.#subscriber = subscriber;
      }
    }
  }

  /** The values of `keys` in one round trip, or undefined when the store cannot answer (serve uncached). */
  async lookup(keys: readonly string[]): Promise<Array<string | undefined> | undefined> {
    try {
      const values = await this.store.get(keys);
      this.#answered();
      return values;
    } catch (error) {
      this.#failed(error);
      return undefined;
    }
  }

  /** Keeps entries; a failure is logged (once) and otherwise ignored: the answer already went on. */
  write(entries: readonly StoreEntry[]): void {
    if (entries.length === 0) return;
    this.store.set(entries).then(
      () => this.#answered(),
      (error: unknown) => this.#failed(error),
    );
  }

  /**
   * Invalidates on every instance: stamps into this instance's store, then (when Redis is
   * configured) into Redis and onto the channel. Throws when Redis cannot take them.
   */
  async invalidate(targets: readonly InvalidationTarget[]): Promise<number> {
    const stamps = stampsOf(this.keys, targets, Date.now(), this.config.max_ttl_s * 1000);
    if (this.store instanceof MemoryCacheStore) this.store.setNow(stamps);
    if (this.#redis !== undefined) await publishStamps(this.#redis, this.#keyPrefix, stamps);
    return targets.length;
  }

  async close(): Promise<void> {
    await this.store.close();
    this.#subscriber?.disconnect();
    this.#redis?.disconnect();
  }

  #failed(error: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.#logger.warn({ err: error }, 'edge cache: the store does not answer; serving uncached until it does (logged once)');
  }

  #answered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#logger.info('edge cache: the store answers again');
  }
}
