// Automatic persisted queries: the store interface stage 4 uses, and the choice of store
// (`persisted_documents.apq.store`): this instance's memory, or Redis shared by every instance.
import type { Logger } from 'pino';
import type { CacheUsage } from '../core/cache.ts';
import type { RedisDeployment } from '../core/redis-client.ts';
import { PersistedQueryCache } from './apq-cache.ts';
import { RedisPersistedQueryStore } from './apq-redis-store.ts';
import type { ApqConfig } from './config.ts';

/**
 * Where automatic persisted queries live (`persisted_documents.apq.store`): SHA-256 hash (hex) →
 * query text, registered by stage 4 once a query sent with its hash has validated (so the hash was
 * checked against the text). A hash the store does not hold gets PERSISTED_QUERY_NOT_FOUND and the
 * client re-sends the full query, as with any APQ cache.
 */
export interface PersistedQueryStore {
  /** This instance's memory of them: entries and estimated bytes (the shared store's local front). */
  readonly usage: CacheUsage;
  /** The query text, or undefined (a miss); a promise only when a shared store must be asked. Never rejects. */
  lookup(sha256Hash: string): string | undefined | Promise<string | undefined>;
  /** Keeps a validated query under its verified hash; a query over the size cap is not kept. Never throws. */
  register(sha256Hash: string, query: string): void;
  close(): Promise<void>;
}


export interface PersistedQueryStoreOptions {
  /** `persisted_documents.apq`. */
  apq: ApqConfig;
  /** `redis` (where: url, cluster or sentinel), `redis.key_prefix`, `redis.timeout_ms` (the redis store only). */
  redis: RedisDeployment & { key_prefix: string; timeout_ms: number };
  /** `memory.persisted_query_cache`: this instance's memory (the redis store's local front). */
  local: { maxEntries: number; maxBytes: number | undefined };
  logger: Logger;
}

/** The memory store, or the Redis store with a memory store in front (config has checked that Redis is configured). */
export function createPersistedQueryStore(options: PersistedQueryStoreOptions): PersistedQueryCache | RedisPersistedQueryStore {
  const { apq, redis, local } = options;
  const memory = new PersistedQueryCache(local.maxEntries, local.maxBytes, apq.max_document_bytes);
  if (apq.store === 'memory') return memory;
  return new RedisPersistedQueryStore(memory, {
    deployment: redis,
    keyPrefix: redis.key_prefix,
    timeoutMs: redis.timeout_ms,
    ttlS: apq.ttl_s,
    maxDocumentBytes: apq.max_document_bytes,
    logger: options.logger.child({ component: 'apq-store' }),
  });
}
