import { z } from 'zod';
import { configBoolean, configNumber } from '../core/config-values.ts';

/**
 * `cache`: the edge cache of subgraph answers (README "Caching at the edge"), off by default.
 * What is cached and for how long comes from the subgraphs' `@cacheControl` hints; these keys
 * say where it is kept and who may skip it.
 */
export const cacheConfigSchema = z.strictObject({
  /** Cache entity and root-field answers of queries; default false. */
  enabled: configBoolean().default(false),
  /** memory: this instance's LRU (invalidations reach other instances over Redis pub/sub when Redis is configured); redis: shared by every instance. Default memory. */
  store: z.enum(['memory', 'redis']).default('memory'),
  /** The memory store's bounds: entries (default 10000) and megabytes of keys and values (default 64). */
  max_entries: configNumber(z.number().int().positive()).default(10_000),
  max_mb: configNumber(z.number().positive()).default(64),
  /** No answer is kept longer than this, whatever its hint says; also how long an invalidation is remembered. Default 3600 s. */
  max_ttl_s: configNumber(z.number().int().positive().max(86_400 * 7)).default(3600),
  /** Deadline of each Redis round trip of the cache; past it the fetch goes to the subgraph (uncached). Default 50 ms. */
  redis_timeout_ms: configNumber(z.number().int().positive()).default(50),
  /** Largest cached item (one entity's or one root fetch's JSON); larger ones are not kept. Default 262144 bytes. */
  max_item_bytes: configNumber(z.number().int().positive()).default(256 * 1024),
  /** Client profiles whose requests never use the cache (neither read nor written). */
  disabled_profiles: z.array(z.string().min(1)).default([]),
  /** Operation names never cached. */
  disabled_operations: z.array(z.string().min(1)).default([]),
  /**
   * Authenticated client ids (a token's client id claim, an API key's client_id) whose
   * `cache-control: no-cache` request header is honoured: the cache is not read for the request,
   * and its fresh answers replace the cached ones. Anyone else's header is ignored.
   */
  no_cache_clients: z.array(z.string().min(1)).default([]),
});

export type CacheConfig = z.infer<typeof cacheConfigSchema>;
