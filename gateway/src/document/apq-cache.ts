import { LruCache, type CacheUsage } from '../core/cache.ts';

/** Longest query text kept (characters); a longer one is simply re-sent by the client. */
const MAX_QUERY_LENGTH = 64 * 1024;

/**
 * Automatic persisted queries: SHA-256 hash (hex) → query text, registered by stage 4 once the
 * query has validated. Bounded by entries and bytes (`memory.persisted_query_cache`); a hash it no
 * longer holds gets PERSISTED_QUERY_NOT_FOUND and the client re-sends the full query, as with any
 * APQ cache.
 */
export class PersistedQueryCache {
  readonly #queries: LruCache<string, string>;

  constructor(maxEntries = 1000, maxBytes?: number) {
    // One-byte characters (V8 keeps ASCII text so), the hash key, the entry.
    this.#queries = new LruCache(maxEntries, { maxBytes, sizeOf: (query, hash) => query.length + hash.length + 96 });
  }

  /** Entries and estimated bytes held. */
  get usage(): CacheUsage {
    return this.#queries;
  }

  lookup(sha256Hash: string): string | undefined {
    return this.#queries.get(sha256Hash);
  }

  register(sha256Hash: string, query: string): void {
    if (query.length <= MAX_QUERY_LENGTH) this.#queries.set(sha256Hash, query);
  }
}
